"""A review every R periods with the order arriving before the next (L < R), lost sales: exact figures
(partspool.core.policy.review_cycle), checked against the replay, and used by the levels."""

from __future__ import annotations

import numpy as np
import pytest

from partspool.core.policy import Frequency, compare_policies, compare_policies_many
from partspool.core.policy.cadence import Cadence, split_models
from partspool.core.policy.demand import count_pmf, estimate_demand
from partspool.core.policy.levels import evaluate_level, level_for_fill_rate
from partspool.core.policy.replay import replay
from partspool.core.policy.review_cycle import clear_memo, cycle_figures


@pytest.mark.parametrize(("rate", "lead", "review", "level", "dispersion"), [
    (0.8, 3, 7, 10, 1.0), (0.3, 5, 7, 4, 2.0), (2.0, 0, 7, 16, 1.0), (1.0, 6, 7, 12, 1.5), (0.1, 2, 7, 1, 1.0)])
def test_the_cycle_figures_are_what_a_long_replay_gives(rate, lead, review, level, dispersion):
    clear_memo()
    fill, closing = cycle_figures([count_pmf(rate * k, dispersion) for k in range(1, lead + 1)],
                                  [count_pmf(rate * j, dispersion) for j in range(1, review - lead + 1)], level)
    rng = np.random.default_rng(11)
    periods = review * 40_000
    if dispersion == 1.0:
        demand = rng.poisson(rate, (1, periods))
    else:
        demand = rng.negative_binomial(rate / (dispersion - 1), 1 / dispersion, (1, periods))
    arrays = replay(demand, np.full((1, periods + 1), level), lead, review=review)
    assert arrays.served.sum() / arrays.demand.sum() == pytest.approx(fill, abs=0.006)
    assert arrays.on_hand.mean() == pytest.approx(closing, rel=0.02, abs=0.01)


def test_a_cycle_needs_the_order_before_the_next_review_and_a_level_of_zero_or_more():
    with pytest.raises(ValueError, match="before the next review"):
        cycle_figures([count_pmf(1.0)] * 7, [], 5)
    with pytest.raises(ValueError, match="0 or more"):
        cycle_figures([], [count_pmf(1.0)], -1)
    assert cycle_figures([], [count_pmf(1.0)], 1000, max_size=10_000) is None  # beyond the chain's limit
    assert cycle_figures([], [count_pmf(0.0)], 0) == (1.0, 0.0)  # no demand: nothing lost, nothing kept


def test_weekly_levels_are_set_on_the_exact_figures_where_the_order_comes_before_the_next_review():
    history = [3, 0, 5, 2, 4, 1, 6, 2, 3, 5, 0, 4] * 3
    monthly = estimate_demand(history, months=[(k % 12) + 1 for k in range(36)])
    daily = split_models([monthly], Frequency.MONTH, Cadence(7, 4).rules())[0]
    short = compare_policies(daily, key="P", lead_time=4, rules=Cadence(7, 4).rules(), unit_cost=10.0,
                             frequency=Frequency.DAY, target=0.95)
    level = short.option("service_level").level
    assert level.basis == "lost_sales" and level.expected_fill_rate >= 0.95
    # the exact figures at the level and one below: the smallest reaching the target
    from partspool.core.policy.demand import protection_demand

    demand = protection_demand(daily, lead_time=4, rules=Cadence(7, 4).rules())
    assert evaluate_level(demand, level.order_up_to - 1).fill_rate < 0.95 <= evaluate_level(
        demand, level.order_up_to).fill_rate
    assert level_for_fill_rate(demand, 0.95).order_up_to == level.order_up_to
    # batch and one by one agree; a lead time as long as the review keeps the backorder bound
    many = compare_policies_many([daily], keys=["P"], lead_time=4, rules=Cadence(7, 4).rules(), unit_costs=10.0,
                                 frequency=Frequency.DAY, target=0.95)[0]
    assert many.option("service_level").level == level
    long = compare_policies(daily, key="P", lead_time=7, rules=Cadence(7, 7).rules(), unit_cost=10.0,
                            frequency=Frequency.DAY, target=0.95)
    assert long.option("service_level").level.basis == "backorder_bound"
