"""Replaying a stocking policy on held-out periods (partspool.core.policy.simulation / replay / frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.policy import (
    AbcClass,
    ClassPolicy,
    DaysOfCoverPolicy,
    DemandFrameError,
    FixedLevelPolicy,
    Frequency,
    ServiceLevelPolicy,
    StockRules,
    read_demand_frame,
    replay,
    simulate,
)


def frame(series: dict[str, list[int]], start: str = "2023-01-01", freq: str = "MS") -> pd.DataFrame:
    rows = []
    for uid, values in series.items():
        for ds, y in zip(pd.date_range(start, periods=len(values), freq=freq), values, strict=True):
            rows.append({"unique_id": uid, "ds": ds, "y": y})
    return pd.DataFrame(rows)


HISTORY = [1, 0, 2, 1, 0, 1]  # six periods before the holdout (not used by a fixed level)


def test_replay_matches_the_hand_worked_example_period_by_period():
    """Order-up-to S = 5, lead time L = 1, holdout demand 3 4 0 6 2 5, after the history 1 0 2 1 0 1.

    Each period: receive what is due, serve demand (the rest is lost), count the closing stock,
    then order S - on hand - on order, due at the start of period t + L + 1.

    The replay opens as a running policy would: the last L + 1 = 2 history periods (demand 0, 1)
    are replayed first from 5 on hand: the first leaves 5 and orders nothing, the second leaves 4
    and orders 1, due at t1. So t0 opens with 4 on hand and 1 on order (4 + 1 = S).

    ====  =======  =========  ======  ======  ====  ========  =====  ========
    t     receive  available  demand  served  lost  on hand   order  on order
    ====  =======  =========  ======  ======  ====  ========  =====  ========
    0     0        4          3       3       0     1         3      4   (due t2)
    1     1        2          4       2       2     0         2      5   (due t3)
    2     3        3          0       0       0     3         0      2
    3     2        5          6       5       1     0         5      5   (due t5)
    4     0        0          2       0       2     0         0      5
    5     5        5          5       5       0     0         5      5   (due t7)
    ====  =======  =========  ======  ======  ====  ========  =====  ========

    Demanded 20, served 15: fill rate 0.75. Closing stock 1+0+3+0+0+0 = 4 over 6 periods:
    average inventory 4/6. Periods with demand lost: t1, t3, t4, so the stockout rate is 3/6
    (3/5 of the periods with demand).
    """
    result = simulate(frame({"P": HISTORY + [3, 4, 0, 6, 2, 5]}), holdout=6,
                      policy=FixedLevelPolicy({"P": 5}), lead_time=1)
    steps = result.details[0].steps
    table = [(s.received, s.available, s.demand, s.served, s.lost, s.on_hand, s.ordered, s.on_order)
             for s in steps]
    assert table == [
        (0, 4, 3, 3, 0, 1, 3, 4),
        (1, 2, 4, 2, 2, 0, 2, 5),
        (3, 3, 0, 0, 0, 3, 0, 2),
        (2, 5, 6, 5, 1, 0, 5, 5),
        (0, 0, 2, 0, 2, 0, 0, 5),
        (5, 5, 5, 5, 0, 0, 5, 5),
    ]
    assert (result.demanded, result.served, result.lost) == (20, 15, 5)
    assert result.fill_rate == pytest.approx(0.75)
    assert result.average_inventory == pytest.approx(4 / 6)
    assert result.stockout_rate == pytest.approx(0.5)
    assert result.stockout_rate_demand_periods == pytest.approx(0.6)
    assert result.series == 1
    assert steps[0].ds == "2023-07-01"


def test_zero_lead_time_refills_before_the_next_period():
    """L = 0, S = 5: every period starts with 5 on the shelf (3 4 0 6 2 5: only t3 loses one unit)."""
    result = simulate(frame({"P": HISTORY + [3, 4, 0, 6, 2, 5]}), holdout=6,
                      policy=FixedLevelPolicy({"P": 5}), lead_time=0)
    assert [s.available for s in result.details[0].steps] == [5] * 6
    assert (result.served, result.lost) == (19, 1)
    assert result.average_inventory == pytest.approx((2 + 1 + 5 + 0 + 3 + 0) / 6)


def test_totals_are_over_all_series_and_periods():
    result = simulate(frame({"P": HISTORY + [3, 4, 0, 6, 2, 5], "Q": HISTORY + [1, 0, 0, 0, 0, 1]}),
                      holdout=6, policy=FixedLevelPolicy({"P": 5}, default=0), lead_time=1)
    assert result.series == 2
    assert result.fill_rate == pytest.approx(15 / 22)
    assert result.average_inventory == pytest.approx(4 / 12)
    assert result.stockout_rate == pytest.approx(5 / 12)
    q = result.details[1]
    assert (q.demanded, q.served, q.fill_rate, q.stockout_periods) == (2, 0, 0.0, 2)


def test_replay_with_lead_time_two_and_a_level_that_changes_by_hand():
    """L = 2, demand 2 every period, warm-up 2 2 2 at S0 = 7, then levels 7 9 9 4 4 at the reviews.

    Warm-up: closing 5, 3, 1, orders 2, 2, 2 (due t0, t1, t2): a running policy's steady state, where
    7 - 3 periods x 2 = 1 is left after each period's demand. Then (receive, available, demand,
    served, lost, on hand, order, on order):

    t0: 2 3 2 2 0 1, order 7 - 1 - 4 = 2 (due t3), on order 6
    t1: 2 3 2 2 0 1, order 9 - 1 - 4 = 4 (due t4), on order 8   <- the level of the review after t1
    t2: 2 3 2 2 0 1, order 9 - 1 - 6 = 2 (due t5), on order 8
    t3: 2 3 2 2 0 1, order max(4 - 1 - 6, 0) = 0, on order 6
    t4: 4 5 2 2 0 3, order max(4 - 3 - 2, 0) = 0, on order 2
    """
    arrays = replay(np.array([[2, 2, 2, 2, 2]]), np.array([[7, 7, 9, 9, 4, 4]]), 2, warmup=np.array([[2, 2, 2]]))
    table = np.stack([arrays.received, arrays.available, arrays.demand, arrays.served, arrays.lost,
                      arrays.on_hand, arrays.ordered, arrays.on_order])[:, 0].T.tolist()
    assert table == [
        [2, 3, 2, 2, 0, 1, 2, 6],
        [2, 3, 2, 2, 0, 1, 4, 8],
        [2, 3, 2, 2, 0, 1, 2, 8],
        [2, 3, 2, 2, 0, 1, 0, 6],
        [4, 5, 2, 2, 0, 3, 0, 2],
    ]


def test_a_lead_time_longer_than_the_holdout_still_counts_what_is_on_order():
    """Before, the shelf opened full with nothing on order, so with L >= H - 1 no order ever
    arrived and the replay measured only the opening stock (fill 100%, inventory far too high)."""
    demand = [4] * 30
    result = simulate(frame({"P": demand}), holdout=6, policy=FixedLevelPolicy({"P": 4 * 12}), lead_time=11)
    # S = 48 covers exactly the 12 periods of demand from an order to its arrival: the shelf
    # holds what arrives and sells out each period, never more
    assert result.fill_rate == pytest.approx(1.0)
    assert result.average_inventory == pytest.approx(0.0)
    assert [s.received for s in result.details[0].steps] == [4] * 6


def test_replay_arrays_directly():
    arrays = replay(np.array([[3, 4, 0, 6, 2, 5]]), np.full((1, 7), 5), 1)
    assert arrays.served.tolist() == [[3, 2, 0, 5, 0, 5]]
    with pytest.raises(ValueError, match="one column more"):
        replay(np.array([[1, 2]]), np.array([[1, 2]]), 1)


def test_service_level_policy_reaches_its_target_on_stationary_demand():
    rng = np.random.default_rng(11)
    series = {f"s{i}": rng.poisson(rng.uniform(0.3, 6.0), 48).tolist() for i in range(120)}
    result = simulate(frame(series), holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert result.fill_rate >= 0.95
    cover = simulate(frame(series), holdout=12, policy=DaysOfCoverPolicy(30), lead_time=1)
    assert cover.fill_rate < result.fill_rate
    detail = result.details[0]
    assert detail.level is not None and "95% fill-rate target" in detail.level.explain()


def test_days_of_cover_levels_follow_the_rule():
    result = simulate(frame({"P": [30] * 12 + [30] * 3}), holdout=3, policy=DaysOfCoverPolicy(15), lead_time=0)
    assert result.details[0].order_up_to == 15  # 30 a month / 30.4 days x 15 days = 14.8, rounded up


SUMMER = np.where(np.isin(np.arange(48) % 12, [5, 6, 7]), 8.0, 1.0)  # 48 months, demand up in summer


def _summer_part(rng: np.random.Generator, **options):  # type: ignore[no-untyped-def]
    return simulate(frame({"AC": rng.poisson(SUMMER).tolist()}), holdout=12, policy=ServiceLevelPolicy(0.95),
                    lead_time=1, **options)


def test_seasonal_history_moves_the_level_with_the_season():
    rng = np.random.default_rng(5)
    result = _summer_part(rng)
    levels = [s.order_up_to for s in result.details[0].steps]
    assert max(levels) > 2 * min(levels)
    flat = _summer_part(rng, rules=StockRules(seasonal=False))
    assert len({s.order_up_to for s in flat.details[0].steps}) == 1
    assert "levels" not in flat.details[0].to_dict()  # one level all through: "why" says it all


def test_each_level_the_season_brings_is_explained():
    result = _summer_part(np.random.default_rng(5))
    detail = result.details[0]
    out = detail.to_dict(steps=True)
    changes = out["levels"]
    assert len(changes) >= 3  # up for the summer and down again
    assert changes[0]["review"] == 0 and changes[0]["order_up_to"] == out["order_up_to"]
    assert changes[0]["why"] == out["why"]
    # review r precedes held-out period r; the level it sets is in force until the next change
    in_force = [out["order_up_to"]] + [step["order_up_to"] for step in out["steps"]]  # reviews 0 … 12
    for change, after in zip(changes, changes[1:] + [None], strict=True):
        stop = after["review"] if after else len(in_force)
        assert set(in_force[change["review"]:stop]) == {change["order_up_to"]}
        if change["review"] < 12:
            assert change["before_period"] == out["steps"][change["review"]]["ds"]
        assert str(change["order_up_to"]) in change["why"]
    summer = max(changes, key=lambda c: c["order_up_to"])
    assert summer["why"] != changes[0]["why"]


def test_class_policy_keeps_no_stock_of_c_parts():
    series = {"big": [20] * 18, "mid": [6] * 18, "tail1": [1, 0] * 9, "tail2": [0, 1] * 9}
    result = simulate(frame(series), holdout=6, policy=ClassPolicy(), lead_time=1)
    by_id = {d.unique_id: d for d in result.details}
    assert by_id["big"].abc_class is AbcClass.A
    assert by_id["tail1"].abc_class is AbcClass.C and by_id["tail1"].order_up_to == 0
    assert by_id["tail1"].level is not None and by_id["tail1"].level.method == "no_stock"


def test_unit_costs_give_inventory_value_and_turnover_in_value():
    series = {"P": HISTORY + [3, 4, 0, 6, 2, 5]}
    result = simulate(frame(series), holdout=6, policy=FixedLevelPolicy({"P": 5}), lead_time=1,
                      unit_costs={"P": 100.0})
    # stock after receipts 4, 2, 3, 5, 0, 5 and at the close 1, 0, 3, 0, 0, 0: through the periods (19 + 4) / 2
    # over 6, at the close alone 4 over 6
    assert result.average_inventory == pytest.approx(4 / 6) and result.average_stock == pytest.approx(23 / 12)
    assert result.average_inventory_value == pytest.approx(100 * 23 / 12)
    assert result.turnover == pytest.approx(20 * 2 * 100 / (100 * 23 / 12))  # 6 months -> x2 a year


def test_weekly_series_are_recognised():
    result = simulate(frame({"P": [1, 0, 2, 0, 1, 1, 0, 3, 1, 0]}, freq="W-MON"), holdout=3,
                      policy=ServiceLevelPolicy(0.9), lead_time=1)
    assert result.frequency is Frequency.WEEK


# --- bad input -------------------------------------------------------------------------------


def test_missing_columns_are_named():
    with pytest.raises(DemandFrameError, match="missing column.*y"):
        read_demand_frame(pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"]}))


def test_negative_and_fractional_demand_is_refused():
    bad = frame({"P": [1, -2, 3]})
    with pytest.raises(DemandFrameError, match="negative for P"):
        read_demand_frame(bad)
    with pytest.raises(DemandFrameError, match="whole units"):
        read_demand_frame(frame({"P": [1, 2]}).assign(y=[1.0, 2.5]))


def test_duplicate_periods_are_refused():
    data = pd.concat([frame({"P": [1, 2, 3]}), frame({"P": [4]})])
    with pytest.raises(DemandFrameError, match="duplicate periods: P 2023-01-01"):
        read_demand_frame(data)


def test_gaps_are_refused():
    data = frame({"P": [1, 2, 3, 4]}).drop(index=2)
    with pytest.raises(DemandFrameError, match="P: 2023-02-01 is followed by 2023-04-01"):
        read_demand_frame(data)


def test_unreadable_dates_and_numbers_are_refused():
    data = pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2024-01-01", "soon"], "y": ["1", "x"]})
    with pytest.raises(DemandFrameError) as caught:
        read_demand_frame(data)
    assert any("'soon'" in p for p in caught.value.problems)
    assert any("'x'" in p for p in caught.value.problems)


def test_series_too_short_for_the_holdout():
    with pytest.raises(DemandFrameError, match="too short.*P \\(8\\)"):
        simulate(frame({"P": [1] * 8}), holdout=6, policy=ServiceLevelPolicy(), lead_time=1)


def test_bad_settings_are_refused():
    data = frame({"P": [1] * 12})
    with pytest.raises(ValueError, match="lead time"):
        simulate(data, holdout=3, policy=ServiceLevelPolicy(), lead_time=-1)
    with pytest.raises(ValueError, match="holdout"):
        simulate(data, holdout=0, policy=ServiceLevelPolicy(), lead_time=1)
    with pytest.raises(ValueError, match="fill rate"):
        ServiceLevelPolicy(1.5)


def test_one_spike_in_two_years_does_not_ask_for_twice_the_spike():
    """23 empty months and one order of 1,000: the negative binomial fitted to that is so skewed
    that a 95% target asked for 2,159 units (and a spike of 1,000,000 for 2.2 million units, 13 s
    and 2.3 GB). The history's cap (1.5 × its most over lead time + review) bounds the distribution:
    the level stays near the spike, the work stays small, and the explanation says so."""
    history = [0] * 23 + [1000] + [0] * 6
    result = simulate(frame({"X": history}), holdout=6, policy=ServiceLevelPolicy(0.95), lead_time=1)
    level = result.details[0].level
    assert level is not None and 1000 <= level.order_up_to <= 1500 and level.capped
    assert "counted as 1500" in level.explain()
    huge = simulate(frame({"X": [0] * 23 + [1_000_000] + [0] * 6}), holdout=6,
                    policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert huge.details[0].order_up_to <= 1_500_000
    uncapped = simulate(frame({"X": history}), holdout=6, policy=ServiceLevelPolicy(0.95), lead_time=1,
                        rules=StockRules(history_cap=0))
    assert uncapped.details[0].order_up_to > 2000 and not uncapped.details[0].level.capped
    with pytest.raises(ValueError, match="history_cap"):
        StockRules(history_cap=0.5)


def test_a_steady_part_is_not_touched_by_the_cap():
    rng = np.random.default_rng(2)
    series = {f"s{i}": rng.poisson(4.0, 36).tolist() for i in range(20)}
    capped = simulate(frame(series), holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    free = simulate(frame(series), holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                    rules=StockRules(history_cap=0))
    assert [d.order_up_to for d in capped.details] == [d.order_up_to for d in free.details]


@pytest.mark.parametrize(("target", "shown"), [(0.999, "99.9% fill-rate target"), (0.955, "95.5% fill-rate target"),
                                               (0.95, "95% fill-rate target"),
                                               (0.99999, "99.999% fill-rate target"),
                                               (0.99995, "99.995% fill-rate target")])
def test_the_explanation_shows_the_target_as_typed(target, shown):
    result = simulate(frame({"P": [3, 1, 0, 2] * 6 + [1] * 6}), holdout=6, policy=ServiceLevelPolicy(target),
                      lead_time=1)
    assert result.details[0].level.explain().startswith(shown)


def test_service_level_holds_less_than_days_of_cover_needs_for_the_same_fill_rate():
    """The issue's claim, on lumpy demand like a node's parts: the smallest days of cover whose
    replay reaches the service-level policy's realised fill rate holds more stock on average."""
    rng = np.random.default_rng(21)
    series = {}
    for i in range(240):
        mean = rng.uniform(0.2, 4.0)
        if i % 3 == 0:
            values = rng.poisson(mean, 48)
        elif i % 3 == 1:
            values = rng.negative_binomial(0.5, 0.5 / (0.5 + mean), 48)
        else:
            values = rng.poisson(mean * 3, 48) * (rng.random(48) < 0.33)
        series[f"s{i}"] = values.tolist()
    data = frame(series)
    service = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert service.fill_rate >= 0.95

    def cover(days: float):
        return simulate(data, holdout=12, policy=DaysOfCoverPolicy(days), lead_time=1)

    low, high = 1, 2000  # fill rate grows with the days: bisect for the smallest that matches
    assert cover(high).fill_rate >= service.fill_rate
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if cover(middle).fill_rate >= service.fill_rate else (middle, high)
    matched = cover(high)
    assert matched.average_inventory > 1.1 * service.average_inventory


def test_one_target_for_the_set_reaches_it_with_less_stock_than_one_per_series():
    """Pooled levels are set on the same exact lost-sales figures as per-series ones (on backorder
    curves alone they held more stock than per-series targets and overshot)."""
    rng = np.random.default_rng(11)
    means = rng.uniform(0.3, 5.0, 60)
    data = frame({f"P{i}": rng.poisson(m, 36).tolist() for i, m in enumerate(means)})
    runs = {scope: simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95, scope=scope), lead_time=1,
                            rules=StockRules(seasonal=False))
            for scope in ("pooled", "series")}
    levels = [d.level for d in runs["pooled"].details]
    assert {lv.basis for lv in levels} == {"lost_sales"}
    expected = sum(lv.expected_fill_rate * lv.review_mean for lv in levels) / sum(lv.review_mean for lv in levels)
    assert 0.95 <= expected < 0.955  # the set's target, reached and not overshot
    stock = {scope: sum(d.level.expected_on_hand for d in run.details) for scope, run in runs.items()}
    assert stock["pooled"] < stock["series"]


def test_a_part_that_sold_only_before_the_window_still_counts_as_having_history():
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS")
    early = [2.0] * 6 + [0.0] * 18 + [1.0] * 12  # sold in its first six months, not in the 12 before the holdout
    never = [0.0] * 24 + [1.0] * 12
    frame = pd.concat([pd.DataFrame({"unique_id": u, "ds": stamps, "y": y})
                       for u, y in (("early", early), ("never", never))], ignore_index=True)
    result = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                      rules=StockRules(window=12))
    assert result.demanded_without_history == 12  # only the part with no demand at all before the holdout
    assert result.fill_rate_with_history == result.details[0].served / 12


def test_a_replaced_part_is_served_from_its_successor_shelf_by_hand():
    """Old part (row 0) replaced by row 1 from the start; lead time 0, no warm-up.

    The old part opens with 3 on its shelf and a level of 0 after (run down); the successor's level is 4.
    Each period the old part's demand is served from its own shelf first, the rest from the successor's
    (after the successor's own demand), and the successor's order counts the old stock still to use up.

    ====  ==========================  ==================================================
    t     old: demand, served, left   new: available, demand, on hand, order
    ====  ==========================  ==================================================
    0     2, 2 (own),        1        4, 1, 3, order 4 - 3 - 1 (old stock) = 0
    1     3, 1 own + 2 new,  0        3, 1, 3 - 1 - 2 = 0, order 4
    2     1, 0 own + 1 new,  0        4, 0, 4 - 1 = 3, order 1
    3     2, 0 own + 2 new,  0        4, 1, 4 - 1 - 2 = 1, order 3
    ====  ==========================  ==================================================
    """
    demand = np.array([[2, 3, 1, 2], [1, 1, 0, 1]])
    levels = np.array([[3, 0, 0, 0, 0], [4, 4, 4, 4, 4]])
    arrays = replay(demand, levels, 0, successors=np.array([1, -1]), linked_from=np.array([0, 0]))
    assert arrays.served[0].tolist() == [2, 3, 1, 2] and arrays.lost.sum() == 0
    assert arrays.on_hand.tolist() == [[1, 0, 0, 0], [3, 0, 3, 1]]
    assert arrays.ordered.tolist() == [[0, 0, 0, 0], [0, 4, 1, 3]]
    # and the successor's shortfall is served from the old shelf (its stock is used up first)
    used = replay(np.array([[0], [5]]), np.array([[3, 0], [2, 2]]), 0, successors=np.array([1, -1]),
                  linked_from=np.array([0, 0]))
    assert used.served[1].tolist() == [5] and used.on_hand.tolist() == [[0], [0]]
    unlinked = replay(demand, levels, 0)
    assert unlinked.lost[0].tolist() == [0, 2, 1, 2]  # alone, the old part's demand is lost once its shelf is empty
    with pytest.raises(ValueError, match="successors"):
        replay(demand, levels, 0, successors=np.array([0, -1]), linked_from=np.array([0, 0]))


def _superseded(seed: int = 5) -> pd.DataFrame:
    """Part A sells about 6 a month for two years; from the fourth held-out month B replaces it (B takes
    60% of the demand, A keeps 40% as customers still ask for it by number)."""
    rng = np.random.default_rng(seed)
    a = list(rng.poisson(6.0, 24)) + list(rng.poisson(6.0, 3)) + list(rng.poisson(2.4, 9))
    b = [0] * 27 + list(rng.poisson(3.6, 9))
    return frame({"A": a, "B": b, "Z": list(rng.poisson(2.0, 36))}, start="2022-01-01")


def test_a_supersession_stocks_the_successor_and_runs_the_old_part_down():
    from partspool.core.policy.supersession import Link

    data = _superseded()
    alone = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    linked = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                      supersessions=[Link("A", "B", "2024-04-01")])
    by_id = {d.unique_id: d for d in linked.details}
    assert linked.supersessions == 1 and linked.successors_added == 0
    assert alone.details[1].fill_rate == 0.0 and by_id["B"].fill_rate >= 0.9  # B was not stocked at all alone
    assert linked.fill_rate > alone.fill_rate and linked.fill_rate >= 0.95
    # the link holds from April (period 3); with a lead time of 1 both are managed as one from review 2
    levels = [s.order_up_to for s in by_id["A"].steps]  # the level of the review closing each period
    assert levels[0] == by_id["A"].order_up_to and levels[1:] == [0] * 11
    assert [s.order_up_to for s in by_id["B"].steps][1] >= by_id["A"].order_up_to  # the family's level
    assert by_id["A"].changes[-1][2].method == "run_down" and by_id["A"].changes[-1][0] == 2
    assert linked.demanded_without_history == 0  # B inherits A's history
    assert alone.demanded_without_history == by_id["B"].demanded


def test_a_successor_without_a_series_is_added_and_circles_are_named():
    from partspool.core.policy.supersession import Link, SupersessionCycle

    data = _superseded()
    data = data[data["unique_id"] != "B"]
    linked = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                      supersessions=[Link("A", "NEW", None), Link("ghost", "A", None)])
    assert linked.successors_added == 1 and linked.series == 3 and linked.supersessions == 1
    new = next(d for d in linked.details if d.unique_id == "NEW")
    assert new.demanded == 0 and new.order_up_to > 0  # stocked for A's demand, which it serves
    assert linked.details[0].lost <= 2
    later = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                     supersessions=[Link("A", "NEW", "2030-01-01")])
    assert later.supersessions == 0 and later.series == 2  # in force only after the replay: nothing added
    with pytest.raises(SupersessionCycle, match="A -> Z -> A"):
        simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                 supersessions=[Link("A", "Z"), Link("Z", "A")])


def test_chains_dates_and_several_predecessors():
    from partspool.core.policy import FixedLevelPolicy as Fixed
    from partspool.core.policy.supersession import Link

    rng = np.random.default_rng(9)
    a1 = list(rng.poisson(5.0, 25)) + [0] * 11  # replaced in February (period 1)
    a2 = list(rng.poisson(5.0, 34)) + [0] * 2  # replaced in November (period 10)
    c = [0] * 25 + list(rng.poisson(5.0, 9)) + list(rng.poisson(10.0, 2))
    data = frame({"A1": a1, "A2": a2, "C": c}, start="2022-01-01")
    linked = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                      supersessions=[Link("A1", "C", "2024-02-01"), Link("A2", "C", "2024-11-01")])
    by_id = {d.unique_id: d for d in linked.details}
    c_levels = [s.order_up_to for s in by_id["C"].steps]
    a2_levels = [s.order_up_to for s in by_id["A2"].steps]
    # steps[t] holds the level of the review closing period t: review 9 is a lead time before November
    assert a2_levels[7] > 0 and a2_levels[8:] == [0] * 4  # A2 stocked on its own until then
    assert c_levels[7] < c_levels[8]  # C takes A2's demand on only then: not stocked twice before
    assert by_id["C"].fill_rate >= 0.9
    # a chain through a part with no series, and a later link that does not hold in the replay
    chain = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                     supersessions=[Link("A1", "B", "2024-02-01"), Link("B", "C", "2024-02-01"),
                                    Link("C", "D", "2031-01-01")])
    assert chain.supersessions == 1 and chain.successors_added == 0 and chain.series == 3
    assert [d.unique_id for d in chain.details] == ["A1", "A2", "C"]
    with pytest.raises(DemandFrameError, match="do not end on the same period"):
        simulate(pd.concat([frame({"A1": a1}, start="2022-01-01"), frame({"C": c}, start="2022-02-01")]),
                 holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, supersessions=[Link("A1", "C")])
    with pytest.raises(ValueError, match="fixed levels"):
        simulate(data, holdout=12, policy=Fixed({}, default=3), lead_time=1, supersessions=[Link("A1", "C")])


def test_the_family_is_not_stocked_twice_at_the_switch():
    """Old part: 5 a period at level 10; from column 2 (the review closing period 1) its level is 0 and
    the successor's the family's 10. From that review on the two together hold and order 10, not 15."""
    demand = np.array([[5, 5, 5, 5, 5, 5], [0, 0, 0, 0, 0, 0]])
    levels = np.array([[10, 10, 0, 0, 0, 0, 0], [0, 0, 10, 10, 10, 10, 10]])
    arrays = replay(demand, levels, 1, warmup=np.array([[5, 5], [0, 0]]), successors=np.array([1, -1]),
                    linked_from=np.array([2, 0]))
    position = (arrays.on_hand + arrays.on_order).sum(axis=0)
    assert position[1:].tolist() == [10] * 5
    assert arrays.lost.sum() == 0


def test_a_successor_that_started_later_is_padded_and_several_predecessors_are_credited_their_own():
    from partspool.core.policy.supersession import Link

    rng = np.random.default_rng(4)
    a1 = list(rng.poisson(4.0, 30)) + [0] * 6
    a2 = list(rng.poisson(4.0, 36))
    new = frame({"NEW": list(rng.poisson(4.0, 6))}, start="2024-07-01")  # sold only in the last 6 months
    data = pd.concat([frame({"A1": a1, "A2": a2}, start="2022-01-01"), new])
    linked = simulate(data, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                      supersessions=[Link("A1", "NEW", "2024-07-01"), Link("A2", "NEW", "2024-10-01")])
    by_id = {d.unique_id: d for d in linked.details}
    assert linked.supersessions == 2 and len(by_id["NEW"].steps) == 12
    assert by_id["NEW"].fill_rate >= 0.9
    with pytest.raises(DemandFrameError, match="do not end on the same period"):
        simulate(pd.concat([frame({"A1": a1}, start="2022-01-01"), frame({"NEW": [1] * 30}, start="2022-01-01")]),
                 holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1, supersessions=[Link("A1", "NEW")])
    # one successor for two: an idle stock of one is not counted against the other's demand
    demand = np.array([[0, 0, 0, 0], [10, 10, 10, 10], [0, 0, 0, 0]])
    levels = np.array([[100] + [0] * 4, [10] + [0] * 4, [20] * 5])
    capped = replay(demand, levels, 1, successors=np.array([2, 2, -1]), linked_from=np.array([0, 0, 0]),
                    credit_cap=np.array([0, 10, 0]))
    uncapped = replay(demand, levels, 1, successors=np.array([2, 2, -1]), linked_from=np.array([0, 0, 0]))
    assert capped.lost.sum() < uncapped.lost.sum()


def test_a_successor_is_reported_with_the_class_its_level_was_set_with():
    from partspool.core.policy.supersession import Link

    rng = np.random.default_rng(6)
    series = {f"F{i}": list(rng.poisson(30.0, 36)) for i in range(12)}
    series["OLD"] = list(rng.poisson(40.0, 27)) + [0] * 9
    series["NEW"] = [0] * 27 + list(rng.poisson(40.0, 9))
    result = simulate(frame(series, start="2022-01-01"), holdout=12, policy=ClassPolicy(), lead_time=1,
                      supersessions=[Link("OLD", "NEW", "2024-04-01")])
    new = next(d for d in result.details if d.unique_id == "NEW")
    assert new.abc_class is not None and new.abc_class.value == new.changes[-1][2].label


def test_pooled_classes_by_value_reach_each_class_target_in_value_and_say_so():
    rng = np.random.default_rng(8)
    rates = rng.uniform(0.1, 6.0, 40)
    data = {f"P{i}": list(rng.poisson(r, 36)) for i, r in enumerate(rates)}
    costs = {f"P{i}": float(c) for i, c in enumerate(rng.choice([12.0, 80.0, 450.0, 2400.0], 40))}
    per_series = simulate(frame(data), holdout=12, policy=ClassPolicy(), lead_time=1, unit_costs=costs)
    pooled = simulate(frame(data), holdout=12, policy=ClassPolicy(scope="pooled"), lead_time=1, unit_costs=costs)
    assert pooled.parameters["scope"] == "pooled" and per_series.parameters["scope"] == "series"
    assert pooled.fill_rate_value is not None and 0 < pooled.fill_rate_value <= 1
    assert pooled.fill_rate_value == pytest.approx(
        sum(d.served * costs[d.unique_id] for d in pooled.details)
        / sum(d.demanded * costs[d.unique_id] for d in pooled.details))
    assert pooled.average_inventory_value < per_series.average_inventory_value
    assert {d.level.method for d in pooled.details if d.abc_class in ("A", "B")} == {"pooled_fill_rate"}
    assert simulate(frame(data), holdout=12, policy=ClassPolicy(), lead_time=1).fill_rate_value is None
    with pytest.raises(ValueError, match="scope"):
        ClassPolicy(scope="network")  # type: ignore[arg-type]
