"""Dispersions moderated towards those of parts with similar demand (partspool.core.policy.moderation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.policy import (
    ServiceLevelPolicy,
    StockRules,
    apply_moderation,
    estimate_demand,
    fit_moderation,
    moderate_dispersion,
    simulate,
)


def negative_binomial(series: int, months: int, seed: int, shape: float = 2.0) -> list[np.ndarray]:
    """Monthly demand with means 0.5-20 and the same shape: the true dispersion is 1 + mean / shape."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(0.5, 20.0, series)
    return [rng.negative_binomial(shape, shape / (shape + m), size=months) for m in means], means


def test_moderated_dispersions_are_closer_to_the_truth_than_each_history_alone():
    histories, means = negative_binomial(300, 36, seed=5)
    models = [estimate_demand(h) for h in histories]
    moderated, found = moderate_dispersion(models)
    assert found is not None and found.series == 300
    truth = 1 + means / 2.0
    own = np.array([m.dispersion for m in models])
    pooled = np.array([m.dispersion for m in moderated])
    own_error = np.mean(np.abs(np.log(own / truth)))
    pooled_error = np.mean(np.abs(np.log(pooled / truth)))
    assert pooled_error < 0.6 * own_error
    # the parts behave alike, so the trend carries most of the weight
    assert found.own_weight < 0.3
    one = moderated[0]
    assert one.own_dispersion > models[0].dispersion  # its own figure, corrected for the log's bias
    assert one.prior_dispersion is not None and one.prior_dispersion > 1
    assert "own history" in one.describe() and "parts with similar demand" in one.describe()
    # the figure used lies between what the part says alone and what similar parts say
    for m in moderated:
        if m.family == "negative_binomial":
            low, high = sorted((m.own_dispersion, m.prior_dispersion))
            assert low - 1e-9 <= m.dispersion <= high + 1e-9


def test_a_node_is_moderated_the_same_whichever_batch_asks():
    """The trend is learnt from a population (a region) and applied to any part of it: a page showing
    one node and a plan over the region give the same levels."""
    histories, _means = negative_binomial(200, 36, seed=9)
    population = [estimate_demand(h) for h in histories]
    found = fit_moderation(population)
    alone = apply_moderation(population[:5], found)
    together = apply_moderation(population, found)[:5]
    assert [m.dispersion for m in alone] == [m.dispersion for m in together]
    assert apply_moderation(population[:5], None) == population[:5]


def test_parts_that_really_differ_keep_most_of_their_own_dispersion():
    rng = np.random.default_rng(8)
    steady = [rng.poisson(5.0, 120) for _ in range(40)]
    lumpy = [rng.negative_binomial(5.0 / 7.0, 1 / 8.0, 120) for _ in range(40)]  # mean 5, dispersion 8
    models = [estimate_demand(h) for h in steady + lumpy]
    moderated, found = moderate_dispersion(models)
    assert found is not None and found.own_weight > 0.5
    steady_after = np.median([m.dispersion for m in moderated[:40]])
    lumpy_after = np.median([m.dispersion for m in moderated[40:]])
    assert steady_after < 2.0 and lumpy_after > 5.0


def test_too_few_series_or_moderation_off_leave_the_models_alone():
    histories, _means = negative_binomial(29, 36, seed=2)
    models = [estimate_demand(h) for h in histories]
    same, found = moderate_dispersion(models)
    assert found is None and all(a is b for a, b in zip(same, models, strict=True))
    histories, _means = negative_binomial(60, 36, seed=2)
    models = [estimate_demand(h) for h in histories]
    for rules in (StockRules(moderate_dispersion=False), StockRules(family="poisson"),
                  StockRules(family="empirical")):
        fitted = [estimate_demand(h, rules=rules) for h in histories]
        same, found = moderate_dispersion(fitted, rules)
        assert found is None and all(a is b for a, b in zip(same, fitted, strict=True))
    # series without demand are kept as they are, and still count as no demand
    with_silent = [*models, estimate_demand([0] * 36)]
    moderated, found = moderate_dispersion(with_silent)
    assert found is not None and moderated[-1] is with_silent[-1]


def test_bad_setting_is_refused():
    with pytest.raises(ValueError, match="moderation_min_series"):
        StockRules(moderation_min_series=1)


def test_fast_movers_of_one_shape_reach_the_target_held_out():
    """Negative-binomial fast movers: one history's variance alone misses 95% (lumpy counts make it
    noisy and a low estimate costs more than a high one gains); learning from the other parts gets there."""
    histories, _means = negative_binomial(600, 48, seed=1)
    stamps = pd.date_range("2022-01-01", periods=48, freq="MS")
    frame = pd.concat([pd.DataFrame({"unique_id": f"p{i:03d}", "ds": stamps, "y": h})
                       for i, h in enumerate(histories)], ignore_index=True)
    alone = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                     rules=StockRules(moderate_dispersion=False))
    together = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert alone.fill_rate < 0.95 <= together.fill_rate
    assert "parts with similar demand" in together.details[0].model


def test_a_part_selling_once_in_two_years_is_told_with_a_dispersion_a_planner_can_read():
    histories, _means = negative_binomial(60, 24, seed=3)
    rare = np.zeros(24)
    rare[5] = 3
    models = [estimate_demand(h) for h in [*histories, rare]]
    moderated, found = moderate_dispersion(models)
    assert found is not None
    one = moderated[-1]
    assert one.own_dispersion <= 2 * max(models[-1].variance / models[-1].mean, 0.1)  # at most twice its own
    assert one.own_dispersion < 100 and "e+" not in one.describe()
