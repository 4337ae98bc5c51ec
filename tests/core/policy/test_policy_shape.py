"""Each part's growth and season read against the whole set's (core/policy/shape.py): a growing network
with parts being superseded is read at its real growth, a slow seasonal part takes the season of the
parts like it, and the levels set so reach their target held out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.policy import ServiceLevelPolicy, StockRules, estimate_demand, simulate
from partspool.core.policy.demand import panel_growth
from partspool.core.policy.shape import learn_shape, shape_models

SUMMER = np.array([0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6])


def network(series: int, months: int, seed: int, monthly: float = 0.02, summer_share: float = 0.3,
            superseded: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Negative-binomial demand from January on, growing ``monthly``; a share of the parts sells in summer;
    a share is superseded halfway (the old part falls to 40%, its successor starts at 60%).
    Returns (counts, true means, which parts are seasonal)."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    base = np.clip(rng.lognormal(-0.7, 1.2, series), 0.03, 40.0)
    seasonal = rng.random(series) < summer_share
    profile = np.where(seasonal[:, None], SUMMER[t % 12][None, :], 1.0)
    mult = np.ones((series, months))
    switched = np.flatnonzero(rng.random(series) < superseded)
    half = len(switched) // 2
    mult[switched[:half], months // 2:] = 0.4
    mult[switched[half:], : months // 2] = 0.0
    mult[switched[half:], months // 2:] = 0.6
    mean = base[:, None] * profile * (1 + monthly) ** (t - months + 1)[None, :] * mult
    shape = 1.5 + 2.0 * mean
    return rng.negative_binomial(shape, shape / (shape + mean)).astype(float), mean, seasonal


def long_frame(counts: np.ndarray) -> pd.DataFrame:
    stamps = pd.date_range("2022-01-01", periods=counts.shape[1], freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": f"p{i:04d}", "ds": stamps, "y": c}) for i, c in enumerate(counts)],
                     ignore_index=True)


def test_a_growing_network_with_superseded_parts_is_read_at_its_growth():
    counts, _mean, _seasonal = network(1500, 36, seed=1)
    histories = list(counts[:, :24])
    shape = learn_shape(histories, [12] * len(histories))
    assert shape is not None and shape.series >= 1000
    assert shape.growth == pytest.approx(1.02**12, rel=0.04)
    # the like-for-like ratio reads it lower: the old parts falling to 40% stay in, their successors out
    assert panel_growth(histories, 12) < shape.growth
    assert shape.seasonal_profiles >= 1  # the summer parts' shape is found


def test_a_summer_part_too_slow_to_show_its_season_alone_takes_the_summer_profile():
    counts, _mean, seasonal = network(1500, 24, seed=2, superseded=0.0)
    histories = list(counts)
    models = [estimate_demand(h, list(range(1, 13)) * 2) for h in histories]
    shaped = shape_models(models, histories, [12] * len(histories), learn_shape(histories, [12] * len(histories)))
    middling = np.array([12 <= h.sum() < 96 for h in histories])  # 0.5 to 4 units a month
    own = np.array([m.seasonal_index is not None for m in models])  # the series' own test found a season

    def share_with_season(group: np.ndarray) -> float:
        return float(np.mean([shaped[i].seasonal_index is not None for i in np.flatnonzero(group)]))

    summer, flat = middling & seasonal, middling & ~seasonal
    assert share_with_season(summer) > 2 * share_with_season(flat)
    assert share_with_season(summer) > float(own[summer].mean()) + 0.1  # the profile adds to the series' own
    followed = [m for m, s in zip(shaped, summer, strict=True) if s and m.season_source == "profile"]
    assert len(followed) >= 10
    for m in followed:
        assert m.seasonal_index is not None and int(np.argmax(m.seasonal_index)) in (5, 6, 7)  # June to August
        assert "following a seasonal profile of the set" in m.describe()


def test_a_growing_seasonal_network_with_new_parts_comes_closer_to_its_target_held_out():
    counts, mean, _seasonal = network(1200, 36, seed=3)
    frame = long_frame(counts)
    shaped = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    alone = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                     rules=StockRules(pool_shape=False, start_p_value=0))
    assert shaped.fill_rate >= 0.945 and shaped.fill_rate > alone.fill_rate + 0.005
    grown = next(d for d in shaped.details if "changing" in d.model)
    assert "the set's x1.2" in grown.model
    # a successor that started halfway through the 24 months of history is modelled from its first demand
    successor = next(i for i in range(len(counts)) if mean[i, 0] == 0 and counts[i, 18:24].sum() >= 6)
    assert "periods with none before it left out" in shaped.details[successor].model


def test_zeros_before_a_part_existed_do_not_read_as_growth():
    rng = np.random.default_rng(9)
    counts = rng.poisson(5.0, (100, 36)).astype(float)
    counts[:70, :18] = 0.0  # 70 parts appear halfway through the year before
    shape = learn_shape(list(counts), [12] * 100)
    assert shape is not None and shape.growth == pytest.approx(1.0, abs=0.05)


def test_a_flat_lumpy_network_is_left_flat():
    rng = np.random.default_rng(4)
    counts = rng.negative_binomial(1.0, 1 / 4.0, (300, 36)).astype(float)  # mean 3, very lumpy
    shape = learn_shape(list(counts), [12] * 300)
    assert shape is not None and shape.growth == 1.0  # no growth of the whole beyond chance: none at all
    models = [estimate_demand(h) for h in counts]
    shaped = shape_models(models, list(counts), [12] * 300, shape)
    assert all(m.growth == 1.0 and m.growth_uncertainty == 0 for m in shaped)
    assert not any("changing" in m.describe() for m in shaped)


def test_a_part_with_a_strong_season_of_its_own_is_not_said_to_borrow_one():
    counts, _mean, seasonal = network(1500, 36, seed=7, superseded=0.0)
    histories = list(counts)
    shape = learn_shape(histories, [12] * len(histories))
    shaped = shape_models([estimate_demand(h) for h in histories], histories, [12] * len(histories), shape)
    busy = [m for m, s, h in zip(shaped, seasonal, histories, strict=True) if s and h.sum() >= 36 * 3]
    assert len(busy) >= 10  # three units a month or more
    assert all(m.season_source == "own" and m.seasonal_index is not None for m in busy)
    assert all("its own pattern beyond noise" in m.describe() for m in busy)  # no chi-square test was run


def test_too_few_series_leave_the_models_as_they_are_and_bad_input_is_refused():
    counts, _mean, _seasonal = network(20, 24, seed=5)
    histories = list(counts)
    models = [estimate_demand(h) for h in histories]
    assert learn_shape(histories, [12] * 20) is None
    assert shape_models(models, histories, [12] * 20, None) == models
    with pytest.raises(ValueError, match="calendar months"):
        learn_shape(histories, [13] * 20)
    with pytest.raises(ValueError, match="one last month"):
        learn_shape(histories, [12] * 19)
    with pytest.raises(ValueError, match="differ in number"):
        shape_models(models, histories[:-1], [12] * 20, None)
    with pytest.raises(ValueError, match="shape_sample"):
        StockRules(shape_sample=10)


def test_an_empty_or_empirical_model_is_not_shaped():
    counts, _mean, _seasonal = network(200, 24, seed=6)
    histories = [*counts, np.zeros(24)]
    shape = learn_shape(histories, [12] * len(histories))
    rules = StockRules(family="empirical")
    models = [estimate_demand(h, rules=rules) for h in histories]
    assert shape_models(models, histories, [12] * len(histories), shape, rules=rules) == models


def test_a_part_that_started_partway_through_is_modelled_from_its_first_demand():
    from partspool.core.policy import estimate_demand_many
    from partspool.core.policy.demand import demand_start

    new = np.array([0.0] * 18 + [3, 4, 2, 5, 3, 4])  # six months at about 3.5 after 18 with none
    model = estimate_demand(new)
    assert demand_start(new) == 18 and model.started == 18 and model.periods == 6
    assert model.mean == pytest.approx(3.5)  # not 0.875, the 24-month average
    assert "6 periods from its first demand (18 periods with none before it left out)" in model.describe()
    slow = np.array([0.0] * 15 + [1, 0, 0, 0, 1, 0, 0, 0, 0])  # two sales: a late first one is chance
    assert demand_start(slow) == 0 and estimate_demand(slow).periods == 24
    assert estimate_demand(new, rules=StockRules(start_p_value=0)).periods == 24  # turned off
    assert demand_start(np.zeros(24)) == 0 and demand_start(np.array([2.0] * 24)) == 0
    months = list(range(1, 13)) * 2
    batch = estimate_demand_many(np.stack([new, slow, np.full(24, 2.0)]), months)
    for row, got in zip((new, slow, np.full(24, 2.0)), batch, strict=True):
        one = estimate_demand(row, months)
        assert (got.periods, got.started, got.mean, got.dispersion) == (one.periods, one.started, one.mean,
                                                                         one.dispersion)
    with pytest.raises(ValueError, match="start_p_value"):
        StockRules(start_p_value=1.0)
    with pytest.raises(ValueError, match="0 or more"):
        estimate_demand_many([np.array([0.0] * 18 + [3, 4, 2, 5, 3, -4])])


def test_where_parts_grow_differently_the_uncertain_growth_widens_the_demand_carried_forward():
    rng = np.random.default_rng(11)
    t = np.arange(36)
    trend = rng.choice([-0.015, 0.0, 0.015, 0.015], size=600)  # the network grows as a whole
    counts = rng.poisson(rng.uniform(1.0, 6.0, 600)[:, None] * np.exp(np.outer(trend, t - 35))).astype(float)
    histories = list(counts)
    shape = learn_shape(histories, [12] * 600)
    assert shape is not None and shape.spread > 0  # the parts' growths differ beyond noise
    models = [estimate_demand(h) for h in histories]
    shaped = shape_models(models, histories, [12] * 600, shape, ahead=6)
    assert all(s.growth_uncertainty > 0 for s in shaped)
    assert all(s.mean_uncertainty > s.growth_uncertainty for s in shaped)
    # the further ahead, the less sure: six months more on the way add to it
    later = shape_models(models, histories, [12] * 600, shape, ahead=12)
    assert all(b.growth_uncertainty > a.growth_uncertainty for a, b in zip(shaped, later, strict=True))
    # each part keeps much of its own growth: the shrinking parts are not carried up with the rest
    assert shape.growth > 1.0
    growing = [s.growth for s, g in zip(shaped, trend, strict=True) if g > 0]
    shrinking = [s.growth for s, g in zip(shaped, trend, strict=True) if g < 0]
    assert np.mean(growing) > 1.1 and np.mean(shrinking) < 0.9
