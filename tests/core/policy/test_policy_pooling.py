"""add_class_pools: each node's class reaches its target with its parts together (core, no database)."""

from __future__ import annotations

import numpy as np
import pytest

from partspool.core.policy import (
    POOL_OPTION,
    Frequency,
    compare_policies,
    estimate_demand,
    summarise_comparisons,
)
from partspool.core.policy.pooling import add_class_pools

RATES = (6.0, 2.5, 1.2, 0.6, 0.3)
COSTS = (20.0, 300.0, 45.0, 1200.0, 80.0)


def _comparisons(klass: str = "A", node_rates=RATES, seed: int = 5):
    rng = np.random.default_rng(seed)
    out = []
    for k, (rate, cost) in enumerate(zip(node_rates, COSTS, strict=True)):
        model = estimate_demand(rng.poisson(rate, 36).astype(float))
        out.append(compare_policies(model, key=f"P{k}", lead_time=1, unit_cost=cost, frequency=Frequency.MONTH,
                                    abc_class=klass))
    return out


def test_a_class_reaches_its_target_together_with_less_capital():
    rows = add_class_pools(_comparisons("A"), groups=["N1"] * 5, lead_time=1)
    assert [o.name for o in rows[0].options] == ["service_level", POOL_OPTION, "days_15", "days_30"]
    totals = {o.name: o for o in summarise_comparisons(rows)["all"]}
    assert totals[POOL_OPTION].fill_rate >= 0.95 - 1e-9
    assert totals[POOL_OPTION].capital < totals["service_level"].capital
    levels = [r.option(POOL_OPTION).level for r in rows]
    assert {lv.method for lv in levels} == {"pooled_fill_rate"} and {lv.target for lv in levels} == {0.95}
    assert {lv.label for lv in levels} == {"A"}


def test_pools_never_span_nodes():
    # the same parts at two nodes: each node's pool is set alone, so both get the same levels as one node alone
    alone = add_class_pools(_comparisons("B"), groups=["N1"] * 5, lead_time=1)
    both = add_class_pools(_comparisons("B") + _comparisons("B"), groups=["N1"] * 5 + ["N2"] * 5, lead_time=1)
    want = [r.option(POOL_OPTION).level.order_up_to for r in alone]
    assert [r.option(POOL_OPTION).level.order_up_to for r in both] == want * 2


def test_a_class_kept_without_stock_stays_without_unless_a_target_is_given():
    rows = add_class_pools(_comparisons("C"), groups=["N1"] * 5, lead_time=1)
    for r in rows:
        pooled, own = r.option(POOL_OPTION), r.option("service_level")
        assert pooled.level == own.level and pooled.level.method == "no_stock" and pooled.capital == own.capital == pytest.approx(0, abs=1e-9)
    given = add_class_pools([compare_policies(c.model, key=c.key, lead_time=1, unit_cost=c.unit_cost,
                                              frequency=Frequency.MONTH, abc_class="C", target=0.9)
                             for c in _comparisons("C")], groups=["N1"] * 5, lead_time=1, target=0.9)
    levels = [r.option(POOL_OPTION).level for r in given]
    assert {lv.label for lv in levels} == {None} and {lv.target for lv in levels} == {0.9}
    assert summarise_comparisons(given)["all"][1].fill_rate >= 0.9 - 1e-9


def test_a_row_left_out_of_the_pool_keeps_its_own_level():
    rows = add_class_pools(_comparisons("A"), groups=["N1"] * 5, lead_time=1, members=[True] * 4 + [False])
    assert rows[4].option(POOL_OPTION).level == rows[4].option("service_level").level


@pytest.mark.parametrize("bad", ["groups", "members", "twice"])
def test_bad_calls_are_refused(bad):
    rows = _comparisons("A")
    with pytest.raises(ValueError, match="group|already"):
        if bad == "groups":
            add_class_pools(rows, groups=["N1"] * 4, lead_time=1)
        elif bad == "members":
            add_class_pools(rows, groups=["N1"] * 5, lead_time=1, members=[True])
        else:
            add_class_pools(add_class_pools(rows, groups=["N1"] * 5, lead_time=1), groups=["N1"] * 5, lead_time=1)


def _many(lead_time: int, rates, seed: int = 3, klass: str = "B"):
    from partspool.core.policy import compare_policies_many

    rng = np.random.default_rng(seed)
    models = [estimate_demand(rng.poisson(r, 36).astype(float)) for r in rates]
    costs = list(rng.choice([15.0, 60.0, 240.0, 900.0], len(rates)))
    return compare_policies_many(models, keys=[f"P{i}" for i in range(len(rates))], lead_time=lead_time,
                                 unit_costs=costs, frequency=Frequency.MONTH, abc_classes=[klass] * len(rates))


@pytest.mark.parametrize(("lead_time", "rates"), [
    (2, tuple(np.geomspace(0.2, 30, 40))),  # most of these are solved exactly at their level, not at 6 sd
    (1, (0.5, 1.5, 4.0, 9.0, 150.0, 200.0, 250.0)),  # fast movers: exact at the level only
])
def test_the_pool_shows_the_fill_rate_it_aimed_for_with_no_more_capital(lead_time, rates):
    rows = add_class_pools(_many(lead_time, rates), groups=["N1"] * len(rates), lead_time=lead_time)
    totals = {o.name: o for o in summarise_comparisons(rows)["all"]}
    # the pool stops at its target: what the totals show is what the allocation computed, not more
    assert 0.85 - 1e-6 <= totals[POOL_OPTION].fill_rate <= 0.85 + 0.01
    assert totals[POOL_OPTION].capital <= totals["service_level"].capital


def test_a_target_the_pool_cannot_reach_keeps_the_per_part_levels():
    from partspool.core.policy import AbcClass, ServicePolicies
    from partspool.core.policy.abc_analysis import ClassService, Holding, Replenishment

    everything = ServicePolicies({**ServicePolicies().classes,
                                  AbcClass.B: ClassService(AbcClass.B, 1.0, 5, Holding.SERVICE_CENTER,
                                                           Replenishment.SAFETY_STOCK_AND_TRANSFERS)})
    from partspool.core.policy import compare_policies_many

    rng = np.random.default_rng(4)
    rates = (0.3, 1.0, 3.0, 8.0)
    models = [estimate_demand(rng.poisson(r, 36).astype(float)) for r in rates]
    found = compare_policies_many(models, keys=["a", "b", "c", "d"], lead_time=1, unit_costs=[10.0, 50, 200, 900],
                                  frequency=Frequency.MONTH, abc_classes=["B"] * 4, services=everything)
    rows = add_class_pools(found, groups=["N1"] * 4, lead_time=1, services=everything)
    totals = {o.name: o for o in summarise_comparisons(rows)["all"]}
    assert totals[POOL_OPTION].capital <= totals["service_level"].capital + 1e-9
