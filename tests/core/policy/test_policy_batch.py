"""Many series at once (partspool.core.policy.batch, lost_sales_figures_many) give what one by one gives."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from partspool.core.policy import (
    AbcClass,
    Comparison,
    DemandModel,
    Frequency,
    StockRules,
    compare_policies,
    compare_policies_many,
    count_pmf,
    estimate_demand,
    estimate_demand_many,
)
from partspool.core.policy.lost_sales import lost_sales_figures, lost_sales_figures_many

CALENDAR = [(m + 4) % 12 + 1 for m in range(36)]  # a window starting in May


def node_histories(n: int, seed: int, months: int = 36) -> np.ndarray:
    """Monthly demand like a node's parts: Poisson, lumpy, zero-inflated, a third seasonal, some empty."""
    rng = np.random.default_rng(seed)
    calendar = np.array(CALENDAR[:months] if months <= 36 else [(m % 12) + 1 for m in range(months)])
    rows = []
    for i in range(n):
        mean = float(rng.choice([0.05, 0.3, 1.0, 3.0, 12.0, 40.0], p=[0.2, 0.3, 0.25, 0.15, 0.07, 0.03]))
        season = 1.0 + (0.8 * np.sin(2 * np.pi * (calendar - rng.integers(12)) / 12) if i % 3 == 0 else 0.0)
        rate = mean * season * np.ones(months)
        kind = i % 4
        if kind == 0:
            y = rng.poisson(rate)
        elif kind == 1:
            d = rng.uniform(1.5, 4.0)
            y = rng.negative_binomial(rate / (d - 1), 1 / d)
        elif kind == 2:
            y = (rng.random(months) < 0.25) * rng.poisson(rate * 4 + 1)
        else:
            y = np.zeros(months, dtype=np.int64) if rng.random() < 0.3 else rng.poisson(rate)
        rows.append(y)
    return np.array(rows, dtype=float)


def assert_same_model(a: DemandModel, b: DemandModel) -> None:
    for f in dataclasses.fields(DemandModel):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float) or (isinstance(x, tuple) and x and isinstance(x[0], float)):
            assert y == pytest.approx(x, rel=1e-9, abs=1e-12), f.name
        else:
            assert x == y, f.name


def assert_same_comparison(a: Comparison, b: Comparison) -> None:
    """Same key, class, cost, options; levels identical; every figure equal to 1e-9; same explanation."""
    assert (a.key, a.abc_class, a.unit_cost) == (b.key, b.abc_class, b.unit_cost)
    assert [o.name for o in a.options] == [o.name for o in b.options]
    for x, y in zip(a.options, b.options, strict=True):
        for f in ("average_inventory", "capital", "fill_rate", "annual_demand_value"):
            assert getattr(y, f) == pytest.approx(getattr(x, f), rel=1e-9, abs=1e-9), (a.key, x.name, f)
        for f in dataclasses.fields(x.level):
            u, v = getattr(x.level, f.name), getattr(y.level, f.name)
            if isinstance(u, float):
                assert v == pytest.approx(u, rel=1e-9, abs=1e-9), (a.key, x.name, f.name)
            else:
                assert u == v, (a.key, x.name, f.name)
        assert x.level.explain() == y.level.explain()


def one_by_one(models, keys, lead_times, costs, classes, targets, months, rules=None, cover_days=None):
    return [compare_policies(m, key=k, lead_time=lt, unit_cost=c, frequency=Frequency.MONTH, abc_class=cl,
                             target=t, months=months, rules=rules, cover_days=cover_days)
            for m, k, lt, c, cl, t in zip(models, keys, lead_times, costs, classes, targets, strict=True)]


def test_estimate_demand_many_equals_one_by_one_with_and_without_seasons():
    y = node_histories(300, seed=1)
    one = [estimate_demand(row, CALENDAR) for row in y]
    many = estimate_demand_many(y, CALENDAR)
    assert len(many) == len(one)
    assert sum(m.seasonal_index is not None for m in one) >= 20  # the seasonal test fired often enough
    assert {m.family for m in one} == {"none", "poisson", "negative_binomial"}
    for a, b in zip(one, many, strict=True):
        assert_same_model(a, b)
    for a, b in zip([estimate_demand(row) for row in y[:50]], estimate_demand_many(y[:50]), strict=True):
        assert_same_model(a, b)


@pytest.mark.parametrize("rules", [
    StockRules(window=24), StockRules(family="poisson"), StockRules(family="empirical"),
    StockRules(seasonal_shrinkage=0.0, seasonal_p_value=0.2), StockRules(parameter_uncertainty=False),
])
def test_estimate_demand_many_follows_the_rules(rules):
    y = node_histories(80, seed=2)
    for a, b in zip([estimate_demand(row, CALENDAR, rules) for row in y], estimate_demand_many(y, CALENDAR, rules),
                    strict=True):
        assert_same_model(a, b)


def test_estimate_demand_many_takes_series_of_different_lengths_and_calendars():
    rng = np.random.default_rng(3)
    histories = [rng.poisson(2.0, n).astype(float) for n in (36, 1, 12, 36, 30, 24)]
    calendars = [[(m + s) % 12 + 1 for m in range(len(h))] for s, h in enumerate(histories)]
    many = estimate_demand_many(histories, calendars)
    for h, c, b in zip(histories, calendars, many, strict=True):
        assert_same_model(estimate_demand(h, c), b)


def test_estimate_demand_many_rejects_what_one_by_one_rejects():
    with pytest.raises(ValueError, match="finite and 0 or more"):
        estimate_demand_many([[1.0, -1.0]])
    with pytest.raises(ValueError, match="differ in length"):
        estimate_demand_many([[1.0, 2.0]], [1])
    with pytest.raises(ValueError, match="at least one period"):
        estimate_demand_many([[]])
    with pytest.raises(ValueError, match="1-12"):
        estimate_demand_many([np.ones(24)], [13] * 24)


@pytest.mark.parametrize("lead_time", [0, 1, 2, 3])
def test_compare_policies_many_equals_one_by_one_across_classes_targets_and_lead_times(lead_time):
    n = 240 if lead_time != 2 else 120  # lead time 2 one by one iterates big chains: slow
    y = node_histories(n, seed=10 + lead_time)
    rng = np.random.default_rng(lead_time)
    models = estimate_demand_many(y, CALENDAR)
    keys = [f"N1:P{i}" for i in range(n)]
    classes = [[AbcClass.A, AbcClass.B, AbcClass.C, None, "B"][i % 5] for i in range(n)]
    targets = [[None, None, 0.9, 0.99, None, 0.7][i % 6] for i in range(n)]
    costs = [0.0 if i % 17 == 0 else float(np.round(rng.lognormal(3, 1), 2)) for i in range(n)]
    one = one_by_one(models, keys, [lead_time] * n, costs, classes, targets, CALENDAR)
    many = compare_policies_many(models, keys=keys, lead_time=lead_time, unit_costs=costs,
                                 frequency=Frequency.MONTH, abc_classes=classes, target=targets, months=CALENDAR)
    assert len(many) == n
    for a, b in zip(one, many, strict=True):
        assert_same_comparison(a, b)
    methods = {o.level.method for c in many for o in c.options}
    assert methods == {"fill_rate", "no_stock", "days_of_cover"}
    if lead_time <= 2:  # the lost-sales chains were used, small and big ones
        assert "lost_sales" in {o.level.basis for c in many for o in c.options}
        assert max(o.level.order_up_to for c in many for o in c.options) > (64 if lead_time < 2 else 10)


def test_compare_policies_many_takes_lead_times_and_calendars_per_series_and_other_rules():
    n = 90
    y = node_histories(n, seed=21)
    rules = StockRules(review_periods=2, cover_rounding="nearest")
    models = estimate_demand_many(y, CALENDAR, rules)
    leads = [i % 3 for i in range(n)]
    calendars = [CALENDAR[i % 12:] + CALENDAR[: i % 12] for i in range(n)]
    keys = [str(i) for i in range(n)]
    classes = [AbcClass.A] * n
    one = [compare_policies(m, key=k, lead_time=lt, unit_cost=5.0, frequency=Frequency.WEEK, abc_class=c,
                            months=cal, rules=rules, cover_days=(7, 15, 45))
           for m, k, lt, c, cal in zip(models, keys, leads, classes, calendars, strict=True)]
    many = compare_policies_many(models, keys=keys, lead_time=leads, unit_costs=5.0, frequency=Frequency.WEEK,
                                 abc_classes=classes, months=calendars, rules=rules, cover_days=(7, 15, 45))
    for a, b in zip(one, many, strict=True):
        assert_same_comparison(a, b)


def test_compare_policies_many_goes_one_by_one_for_the_empirical_family():
    rules = StockRules(family="empirical")
    y = node_histories(40, seed=5)
    models = estimate_demand_many(y, CALENDAR, rules)
    keys = [str(i) for i in range(40)]
    one = one_by_one(models, keys, [1] * 40, [1.0] * 40, [AbcClass.B] * 40, [None] * 40, CALENDAR, rules)
    many = compare_policies_many(models, keys=keys, lead_time=1, unit_costs=1.0, frequency=Frequency.MONTH,
                                 abc_classes=[AbcClass.B] * 40, months=CALENDAR, rules=rules)
    for a, b in zip(one, many, strict=True):
        assert_same_comparison(a, b)


def test_series_with_the_same_demand_share_their_levels_and_keep_their_own_cost():
    models = estimate_demand_many(np.array([[1.0, 0, 2, 0, 1, 0] * 6] * 3), CALENDAR)
    out = compare_policies_many(models, keys=["a", "b", "c"], lead_time=1, unit_costs=[1.0, 2.0, 0.0],
                                frequency=Frequency.MONTH, abc_classes=["A", "A", "B"])
    assert out[0].options[0].level is out[1].options[0].level
    assert out[1].options[0].capital == pytest.approx(2 * out[0].options[0].capital)
    assert out[2].options[0].level.label == "B"
    assert out[2].options[0].level.target == 0.85


def test_compare_policies_many_rejects_bad_input_like_one_by_one():
    models = estimate_demand_many(np.ones((2, 12)))
    common = {"frequency": Frequency.MONTH, "lead_time": 1}
    with pytest.raises(ValueError, match="unit cost"):
        compare_policies_many(models, keys=["a", "b"], unit_costs=[1.0, -1.0], **common)
    with pytest.raises(ValueError, match="keys"):
        compare_policies_many(models, keys=["a"], unit_costs=1.0, **common)
    with pytest.raises(ValueError, match="values of unit_costs"):
        compare_policies_many(models, keys=["a", "b"], unit_costs=[1.0], **common)
    with pytest.raises(ValueError):
        compare_policies_many(models, keys=["a", "b"], unit_costs=1.0, abc_classes=["A", "D"], **common)
    with pytest.raises(ValueError, match="target fill rate"):
        compare_policies_many(models, keys=["a", "b"], unit_costs=1.0, target=1.5, **common)
    with pytest.raises(ValueError, match="lead time"):
        compare_policies_many(models, keys=["a", "b"], unit_costs=1.0, frequency=Frequency.MONTH, lead_time=-1)
    assert compare_policies_many([], keys=[], unit_costs=1.0, **common) == []


def test_lost_sales_figures_many_equals_one_by_one_small_and_big_chains():
    rng = np.random.default_rng(7)
    requests = []
    for _ in range(150):
        mean = float(rng.lognormal(1.0, 1.2))
        pmf = count_pmf(mean, float(rng.uniform(1.0, 3.0)), 0.02)
        requests.append((pmf, int(rng.integers(0, 4)), int(rng.integers(0, 3 * math.ceil(mean) + 70))))
    requests += [(count_pmf(30.0), 1, 80), (count_pmf(30.0), 1, 80), (count_pmf(12.0), 2, 13),
                 (count_pmf(5.0), 2, 300)]  # the last beyond the largest chain solved: None
    many = lost_sales_figures_many(requests)
    one = [lost_sales_figures(*r) for r in requests]
    assert one[-1] is None and many[-1] is None
    for a, b in zip(one, many, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert b == pytest.approx(a, rel=1e-9, abs=1e-12)


def test_a_class_kept_without_stock_has_no_turnover_even_with_rounding_left_in_its_capital():
    from partspool.core.policy import OptionTotals

    totals = OptionTotals("service_level", items=3, capital=1e-12, annual_demand_value=500.0, fill_rate=0.0)
    assert totals.turnover is None
    assert OptionTotals("days_15", 3, 100.0, 500.0, 0.5).turnover == 5.0


def test_a_chain_solved_once_is_not_solved_again_until_its_demand_level_or_limit_changes(monkeypatch):
    from partspool.core.policy import lost_sales

    lost_sales.clear_memo()
    solved: list[tuple[int, int]] = []
    real_one = lost_sales._available_distribution
    real_many = lost_sales._iterated_available

    def one(pmf, lead_time, level):
        solved.append((lead_time, level))
        return real_one(pmf, lead_time, level)

    def many(chains):
        solved.extend((lead_time, level) for _pmf, lead_time, level in chains)
        return real_many(chains)

    monkeypatch.setattr(lost_sales, "_available_distribution", one)
    monkeypatch.setattr(lost_sales, "_iterated_available", many)
    pmf = count_pmf(30.0)
    first = lost_sales_figures(pmf, 2, 40)
    assert lost_sales_figures(pmf.copy(), 2, 40) == first and solved == [(2, 40)]
    nudged = pmf.copy()
    nudged[3] += 1e-15  # another distribution, however close: solved again
    lost_sales_figures(nudged, 2, 40)
    lost_sales_figures(pmf, 2, 41)
    lost_sales_figures(pmf, 1, 40)
    assert lost_sales_figures(pmf, 2, 40, max_size=100) is None  # beyond the limit: not solved, not kept
    assert solved == [(2, 40), (2, 40), (2, 41), (1, 40)]
    solved.clear()
    # many at once: the big chains already solved by it are not iterated again, in any mix
    batch = [(pmf, 2, 40), (count_pmf(12.0), 2, 30), (count_pmf(1.0), 0, 5)]
    got = lost_sales_figures_many(batch)
    assert sorted(solved) == [(2, 30), (2, 40)]
    solved.clear()
    again = lost_sales_figures_many([(count_pmf(12.0), 2, 30), (pmf, 2, 40), (count_pmf(7.0), 2, 30)])
    assert solved == [(2, 30)]  # only the new distribution
    assert again[:2] == [got[1], got[0]]
    assert got[0] == pytest.approx(first, rel=1e-9)


def test_the_figures_kept_are_bounded_oldest_first(monkeypatch):
    from partspool.core.policy import lost_sales

    lost_sales.clear_memo()
    monkeypatch.setattr(lost_sales, "MEMO_SIZE", 3)
    for level in range(20, 26):
        lost_sales_figures(count_pmf(15.0), 1, level)
    kept = [key[3] for key in lost_sales._memo]
    assert kept == [23, 24, 25]
    lost_sales_figures(count_pmf(15.0), 1, 23)  # used again: now the most recent
    lost_sales_figures(count_pmf(15.0), 1, 30)
    assert [key[3] for key in lost_sales._memo] == [25, 23, 30]
    lost_sales.clear_memo()
    assert not lost_sales._memo
