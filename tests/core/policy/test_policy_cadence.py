"""A weekly review set from monthly demand (``core.policy.cadence``): the split model, the levels it
gives, and a daily replay of held-out demand that the expected figures must match (core, no database)."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from partspool.core.policy import (
    Frequency,
    StockRules,
    compare_policies_many,
    estimate_demand,
    estimate_demand_many,
    evaluate_level,
    protection_demand,
    replay,
)
from partspool.core.policy.cadence import Cadence, day_months, split_model, split_models

MONTH = 30  # days in a month of the simulated demand (and of the rules, so months split exactly)
RULES = StockRules(days_per_month=MONTH, lost_sales_exact=False)


def test_a_month_of_days_is_the_month():
    """Thirty days of a split model hold the month's distribution: the mean, the dispersion and the
    uncertainty of the mean all carry over, so the level and fill rate for a review every 30 days with no
    lead time equal the monthly review's (backorder formulas)."""
    rng = np.random.default_rng(3)
    for history in (rng.poisson(4.0, 24), rng.negative_binomial(0.6, 0.6 / (0.6 + 2.0), 24)):
        monthly = estimate_demand(history.astype(float))
        daily = split_model(monthly, MONTH)
        by_month = protection_demand(monthly, lead_time=0, rules=RULES)
        by_day = protection_demand(daily, lead_time=0, rules=dataclasses.replace(RULES, review_periods=MONTH))
        assert by_day.mean == pytest.approx(by_month.mean)
        assert by_day.sd == pytest.approx(by_month.sd)
        np.testing.assert_allclose(by_day.pmfs[-1][: len(by_month.pmfs[-1])], by_month.pmfs[-1], atol=1e-12)
        for level in (0, 2, 5, 9):
            assert evaluate_level(by_day, level).fill_rate == pytest.approx(evaluate_level(by_month, level).fill_rate)
        assert daily.flat_mean * MONTH == pytest.approx(monthly.flat_mean)
        assert daily.mean_uncertainty == pytest.approx(monthly.mean_uncertainty)


def test_split_keeps_the_season_and_the_growth_by_the_calendar():
    model = dataclasses.replace(estimate_demand([3.0] * 24), seasonal_index=tuple([2.0] * 6 + [0.0] * 6),
                                growth=1.2, growth_lag=11.5)
    daily = split_model(model, MONTH)
    # January's days carry January's index, July's none
    assert daily.period_means([1], 1)[0] > 0 and daily.period_means([7], 1)[0] == 0
    # a year of days grows as a year of months does
    monthly_year = sum(model.period_means(None, 12))
    assert sum(daily.period_means(None, 360)) == pytest.approx(monthly_year, rel=0.01)
    assert day_months(date(2026, 1, 30), 3) == [1, 1, 2]


def test_the_growth_of_days_runs_from_the_middle_of_the_history_to_each_day():
    """A month's mean grown to its middle is the average of its days' means grown to theirs, and a review
    ``ahead`` days into the month starts that many days further on."""
    model = dataclasses.replace(estimate_demand([3.0] * 24), growth=1.5, growth_lag=11.5)
    daily = split_model(model, MONTH)
    days = daily.period_means(None, 3 * MONTH)
    for k in range(3):
        month = model.period_means(None, 3)[k]
        assert np.mean(days[k * MONTH:(k + 1) * MONTH]) * MONTH == pytest.approx(month, rel=2e-4)
    later = split_model(model, MONTH, ahead=10)
    assert later.period_means(None, 1)[0] == pytest.approx(days[10], rel=1e-12)
    assert daily.year_ahead_mean == pytest.approx(np.mean(daily.period_means(None, 360)), rel=1e-12)


def test_an_empirical_model_splits_into_its_distribution_family():
    model = estimate_demand([0, 0, 7, 0, 1, 0, 0, 9, 0, 0, 0, 2], rules=StockRules(family="empirical"))
    daily = split_model(model, MONTH)
    assert daily.family == "negative_binomial" and daily.dispersion == model.dispersion
    with pytest.raises(ValueError, match="split already"):
        split_model(daily, MONTH)


@pytest.mark.parametrize(("review", "lead"), [(7, -1), (7, 121), (32, 5), (0, 5), (True, 5), (7, 2.5)])
def test_a_cadence_outside_its_range_is_refused(review, lead):
    with pytest.raises(ValueError, match="whole number"):
        Cadence(review_days=review, lead_days=lead)


def test_the_replay_orders_only_at_reviews():
    demand = np.array([[1, 1, 1, 1, 1, 1, 1, 1]])
    out = replay(demand, np.full((1, 9), 4), lead_time=0, review=4)
    assert out.ordered[0].tolist() == [0, 0, 0, 4, 0, 0, 0, 4]
    assert out.lost[0].tolist() == [0, 0, 0, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="review"):
        replay(demand, np.full((1, 9), 4), lead_time=0, review=0)


def _daily_demand(rng, rates, dispersions, days):
    """Independent daily demand per series: Poisson, or negative binomial of the given variance / mean."""
    out = np.empty((len(rates), days), dtype=np.int64)
    for i, (rate, dispersion) in enumerate(zip(rates, dispersions, strict=True)):
        if dispersion <= 1:
            out[i] = rng.poisson(rate, days)
        else:
            r = rate / (dispersion - 1)
            out[i] = rng.negative_binomial(r, r / (r + rate), days)
    return out


@pytest.mark.parametrize("lead_days", [3, 5, 7])
def test_weekly_levels_from_monthly_history_hold_on_held_out_days(lead_days):
    """The demand arrives day by day; the policy sees only its monthly totals of two years. The levels set
    for a weekly review are replayed day by day over a held-out year (orders at each seventh day, arriving
    ``lead_days`` later, unmet demand lost). The service-level policy reaches its 95% target, and each
    option's fill rate is at least the one it was expected to give (the backorder formulas bound it)."""
    rng = np.random.default_rng(11)
    series = 400
    rates = rng.choice([0.02, 0.05, 0.1, 0.3, 1.0], series)
    dispersions = rng.choice([1.0, 1.0, 2.0, 4.0], series)
    history_days, held_days = 24 * MONTH, 364
    demand = _daily_demand(rng, rates, dispersions, history_days + held_days)
    monthly = demand[:, :history_days].reshape(series, 24, MONTH).sum(axis=2)
    cadence = Cadence(review_days=7, lead_days=lead_days)
    rules = cadence.rules(RULES)
    models = split_models(estimate_demand_many(monthly.astype(float), rules=RULES), Frequency.MONTH, rules)
    found = compare_policies_many(models, keys=[str(i) for i in range(series)], lead_time=lead_days, unit_costs=1.0,
                                  frequency=Frequency.DAY, target=0.95, rules=rules)
    held = demand[:, history_days:]
    warmup = demand[:, history_days - (lead_days + 7):history_days]
    for name in ("service_level", "days_15", "days_30"):
        levels = np.array([c.option(name).level.order_up_to for c in found])
        out = replay(held, np.repeat(levels[:, None], held_days + 1, axis=1), lead_days, warmup=warmup, review=7)
        fill = out.served.sum() / out.demand.sum()
        expected = sum(c.option(name).fill_rate * c.option(name).level.review_mean for c in found) / sum(
            c.option(name).level.review_mean for c in found)
        assert fill >= expected - 0.02, (name, fill, expected)
        if name == "service_level":
            assert fill >= 0.95 - 0.01
            assert expected >= 0.95


def test_capital_counts_the_stock_through_the_period_not_only_at_its_end():
    """Fifteen days of cover of a part selling 10 a month ends each month with almost nothing: at the
    month's end alone it would look free. The stock through the month holds half of what it serves too,
    so the monthly and the weekly review weigh the same stock."""
    from partspool.core.policy import compare_policies

    model = estimate_demand([10.0] * 24)
    monthly = compare_policies(model, key="P", lead_time=0, unit_cost=100.0, frequency=Frequency.MONTH, target=0.95)
    cover = monthly.option("days_15")
    level = cover.level
    assert level.expected_on_hand < 1.0
    assert cover.average_inventory == pytest.approx(level.expected_on_hand + level.expected_fill_rate * 10.0 / 2)
    assert cover.capital == pytest.approx(cover.average_inventory * 100.0) and cover.turnover < 50
    # a week's review: the same formula over days, where half a day's demand is all that is added
    rules = Cadence(7, 5).rules()
    daily = split_model(model, rules.days_per_month)
    weekly = compare_policies(daily, key="P", lead_time=5, unit_cost=100.0, frequency=Frequency.DAY, target=0.95,
                              rules=rules)
    option = weekly.option("service_level")
    assert option.average_inventory - option.level.expected_on_hand == pytest.approx(
        option.fill_rate * 10.0 / rules.days_per_month / 2)
    assert option.capital < monthly.option("service_level").capital
