"""The demand a node can expect for a part it never sold (``core.policy.first_demand``) and the replay
that uses it (``simulate(first_demand=True)``, ``partspool simulate --first-demand``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partspool.cli import main
from partspool.core.policy import (
    DaysOfCoverPolicy,
    DemandFrameError,
    ServiceLevelPolicy,
    StockRules,
    simulate,
)
from partspool.core.policy.first_demand import first_demands, fit_first_demand
from partspool.core.policy.shape import learn_shape
from partspool.core.policy.supersession import Link


def hand_network():
    """Two nodes, five parts, 12 months (cut 3 from the end; parts' rates read over the recent half),
    worked by hand in the tests."""
    ones, zeros = [1] * 6, [0] * 6
    rows = {
        ("N1", "P"): ones + ones,
        ("N2", "P"): zeros + [0, 0, 0, 3, 0, 0],  # no demand before the cut, 3 after it
        ("N1", "Q"): ones + ones,
        ("N2", "Q"): ones + ones,
        ("N1", "S"): zeros + [0, 0, 0, 0, 1, 1],  # a part the network only started selling
        ("N2", "S"): zeros + zeros,          # never sold here; S sold at N1
        ("N1", "T"): [1, 1, 1, 0, 0, 0] + zeros,  # a part the network stopped selling
        ("N2", "T"): zeros + zeros,
        ("N1", "R"): zeros + zeros,          # R never sold anywhere
        ("N2", "R"): zeros + zeros,
    }
    keys = list(rows)
    return [np.array(rows[k], dtype=float) for k in keys], [k[0] for k in keys], [k[1] for k in keys]


def test_calibration_matches_a_hand_computation():
    histories, nodes, parts = hand_network()
    fit = fit_first_demand(histories, nodes, parts, min_pairs=1)
    # before the cut (9 months): N1 sold 9 + 9 + 3 = 21, N2 9 (share 0.3); over the last 4 of them P sold
    # 1 a month, so N2|P, the only pair without demand whose part sold lately, was expected to sell
    # 0.3 a month, 0.9 over the 3 months after the cut: it sold 3 (T sold nothing lately: not counted)
    assert fit is not None
    assert fit.pairs == 1
    assert fit.predicted == pytest.approx(0.9)
    assert fit.units == 3.0
    assert fit.calibration == pytest.approx(3 / 0.9)


def test_only_pairs_that_never_sold_a_part_the_network_sells_get_an_estimate():
    histories, nodes, parts = hand_network()
    found = first_demands(histories, nodes, parts, fit_first_demand(histories, nodes, parts, min_pairs=1))
    by_key = {(n, p): f for n, p, f in zip(nodes, parts, found, strict=True)}
    # whole history: N1 sold 12 + 12 + 2 + 3 = 29, N2 15 of 44; S sold 2 in the last 6 months
    estimate = by_key[("N2", "S")]
    assert estimate is not None
    assert estimate.node_share == pytest.approx(15 / 44)
    assert estimate.part_rate == pytest.approx(2 / 6)
    assert estimate.mean == pytest.approx(3 / 0.9 * 15 / 44 * 2 / 6)
    assert "expected from the network" in estimate.describe()
    assert by_key[("N1", "R")] is None and by_key[("N2", "R")] is None  # nothing known of a part never sold
    assert by_key[("N2", "T")] is None  # nor expected of one the network stopped selling
    assert all(by_key[k] is None for k in by_key if k[1] in ("P", "Q") or k in (("N1", "S"), ("N1", "T")))


def test_no_estimate_without_enough_history_or_pairs_to_calibrate_on():
    histories, nodes, parts = hand_network()
    assert fit_first_demand(histories, nodes, parts) is None  # one pair, 30 needed by default
    assert fit_first_demand([h[:8] for h in histories], nodes, parts, min_pairs=1) is None  # 8 periods < 12
    assert first_demands(histories, nodes, parts) == [None] * len(histories)


def test_bad_input_is_refused():
    histories, nodes, parts = hand_network()
    with pytest.raises(ValueError, match="one node and one part"):
        fit_first_demand(histories, nodes[:-1], parts)
    with pytest.raises(ValueError, match="same periods"):
        fit_first_demand([*histories[:-1], histories[-1][:6]], nodes, parts)
    with pytest.raises(ValueError, match="0 or more"):
        fit_first_demand([*histories[:-1], -histories[0]], nodes, parts)


def network_frame(seed: int = 3, nodes: int = 8, parts: int = 40, months: int = 36, drop_never: bool = True):
    """Demand of ``nodes`` x ``parts`` with node sizes and part rates multiplying (slow parts), long form;
    pairs with no demand at all left out, as a file exported from sales records would."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.3, 2.0, nodes)
    rate = rng.gamma(0.6, 0.15, parts)
    stamps = pd.date_range("2023-01-01", periods=months, freq="MS").strftime("%Y-%m-%d")
    rows = []
    for i in range(nodes):
        for j in range(parts):
            y = rng.poisson(size[i] * rate[j], months)
            if drop_never and not y.any():
                continue
            rows.append(pd.DataFrame({"unique_id": f"SC{i:02d}|P{j:03d}", "ds": stamps, "y": y}))
    return pd.concat(rows, ignore_index=True)


def test_the_replay_stocks_pairs_that_never_sold_and_says_why():
    frame = network_frame()
    plain = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    first = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True)
    ids = frame["unique_id"].str.split("|", expand=True)
    grid = ids[0].nunique() * ids[1].nunique()  # every node x part the file names
    assert first.pairs_added == grid - plain.series > 0  # the pairs missing from it, replayed from zeros
    assert first.series == grid
    assert first.first_demand_pairs > 0
    assert first.demanded == plain.demanded  # the added pairs had no demand
    # the demand falling on pairs without history is now partly served
    assert first.fill_rate > plain.fill_rate
    estimated = [d for d in first.details if "expected from the network" in d.model]
    assert len(estimated) == first.first_demand_pairs
    assert all(d.order_up_to >= 1 for d in estimated)
    # the pairs with history keep their levels
    levels = {d.unique_id: d.order_up_to for d in plain.details}
    assert all(levels[d.unique_id] == d.order_up_to for d in first.details
               if d.unique_id in levels and "expected from the network" not in d.model)
    as_dict = first.to_dict()
    assert as_dict["pairs_added"] == first.pairs_added and as_dict["first_demand_pairs"] == first.first_demand_pairs


def test_pooled_target_weighs_pairs_that_never_sold_against_the_others():
    frame = network_frame()
    pooled = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95, scope="pooled"), lead_time=1,
                      first_demand=True)
    series = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True)
    stocked = lambda r: sum(d.order_up_to >= 1 for d in r.details if "expected from the network" in d.model)  # noqa: E731
    assert stocked(pooled) < stocked(series)  # only where a unit serves as much as elsewhere
    assert pooled.average_inventory < series.average_inventory


def test_days_of_cover_reads_the_average_and_stocks_nothing_there():
    frame = network_frame()
    cover = simulate(frame, holdout=12, policy=DaysOfCoverPolicy(30), lead_time=1, first_demand=True)
    assert cover.first_demand_pairs == 0
    series = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True)
    assert cover.series == series.series  # the same pairs, for a fair comparison


def test_ids_that_are_not_node_and_part_are_named():
    frame = network_frame()
    frame.loc[frame["unique_id"] == frame["unique_id"].iloc[0], "unique_id"] = "loose"
    with pytest.raises(DemandFrameError) as error:
        simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True)
    assert error.value.found[0].code == "pair_ids" and "loose" in error.value.found[0].detail


def test_series_ending_on_different_periods_are_refused():
    frame = network_frame()
    last = frame["ds"].max()
    first_id = frame["unique_id"].iloc[0]
    frame = frame[~((frame["unique_id"] == first_id) & (frame["ds"] == last))]
    with pytest.raises(DemandFrameError) as error:
        simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True)
    assert error.value.found[0].code == "pair_periods"


def test_pairs_that_never_sold_do_not_move_the_learnt_shape():
    rng = np.random.default_rng(5)
    stamps = 36
    trend = np.exp(np.linspace(0, 0.5, stamps))
    histories = [rng.poisson(rng.uniform(0.5, 3) * trend) for _ in range(120)]
    zeros = [np.zeros(stamps) for _ in range(400)]
    rules = StockRules(shape_sample=100)  # fewer than the series: a sample is drawn
    alone = learn_shape(histories, [12] * len(histories), rules)
    padded = learn_shape([*zeros[:200], *histories, *zeros[200:]], [12] * (len(histories) + len(zeros)), rules)
    assert alone is not None and padded is not None
    assert padded.growth == pytest.approx(alone.growth)
    assert padded.spread == pytest.approx(alone.spread) and padded.series == alone.series


def test_command_line(tmp_path: Path, capsys):
    path = tmp_path / "network.csv"
    network_frame().to_csv(path, index=False)
    code = main(["simulate", "--input", str(path), "--holdout", "12", "--policy", "service-level",
                 "--lead-time", "1", "--first-demand"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert result["pairs_added"] > 0 and result["first_demand_pairs"] > 0
    code = main(["simulate", "--input", str(path), "--holdout", "12", "--policy", "days-of-cover",
                 "--lead-time", "1", "--first-demand"])
    _out, err = capsys.readouterr()
    assert code == 2 and "--first-demand" in err and "service-level" in err
    code = main(["simulate", "--input", str(path), "--holdout", "12", "--policy", "service-level",
                 "--lead-time", "1", "--first-demand", "--separator", "/"])
    _out, err = capsys.readouterr()
    assert code == 1 and "NODE/PART" in err
    code = main(["simulate", "--input", str(path), "--holdout", "12", "--policy", "service-level",
                 "--lead-time", "1", "--first-demand", "--separator", ""])
    _out, err = capsys.readouterr()
    assert code == 2 and "--separator" in err


def test_parts_in_a_supersession_are_not_given_the_estimate_and_costs_carry_to_added_pairs():
    frame = network_frame()
    ids = frame["unique_id"].str.split("|", expand=True)
    nodes, parts = sorted(ids[0].unique()), sorted(ids[1].unique())
    old, new = parts[0], parts[1]
    links = [Link(f"{n}|{old}", f"{n}|{new}", None) for n in nodes]
    costs = {uid: 10.0 + k for k, uid in enumerate(sorted(frame["unique_id"].unique()))}
    result = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True,
                      supersessions=links, unit_costs=costs)
    linked = {f"{n}|{p}" for n in nodes for p in (old, new)}
    assert not [d.unique_id for d in result.details if d.unique_id in linked and "expected from the network" in d.model]
    assert result.first_demand_pairs == sum("expected from the network" in d.model for d in result.details) > 0
    assert result.average_inventory_value is not None and result.average_inventory_value > 0
    with pytest.raises(DemandFrameError) as error:  # a link's id must name a node and a part as well
        simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True,
                 supersessions=[Link(f"{nodes[0]}|{old}", "loose", None)])
    assert error.value.found[0].code == "pair_ids" and "loose" in error.value.found[0].detail


def test_held_out_demand_does_not_move_the_estimates():
    frame = network_frame()
    last = sorted(frame["ds"].unique())[-12:]
    changed = frame.assign(y=frame["y"].where(~frame["ds"].isin(last), frame["y"] * 3 + 1))
    levels = [{d.unique_id: (d.order_up_to, d.model) for d in simulate(
        f, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, first_demand=True).details}
        for f in (frame, changed)]
    assert levels[0] == levels[1]
