"""ABC classification by demand share (partspool.core.policy.abc_analysis) and the class policies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.policy import (
    AbcClass,
    AbcItem,
    AbcRules,
    ClassService,
    Holding,
    Replenishment,
    ServicePolicies,
    classify_abc,
)

A, B, C = AbcClass.A, AbcClass.B, AbcClass.C


def classes(demand: dict[str, float], **rules: object) -> dict[str, AbcClass]:
    result = classify_abc([AbcItem(k, v) for k, v in demand.items()], AbcRules(**rules))  # type: ignore[arg-type]
    return {row.key: row.abc_class for row in result.rows}


def test_few_parts_making_most_of_the_demand_are_a_the_next_quarter_b_the_tail_c():
    # 3 parts make 68% (A), the next 6 make 26% (to 94%: B), 12 parts the last 6% (C)
    demand = {f"a{i}": 68 / 3 for i in range(3)} | {f"b{i}": 26 / 6 for i in range(6)}
    demand |= {f"c{i}": 0.5 for i in range(12)}
    got = classes(demand)
    assert {k for k, v in got.items() if v is A} == {"a0", "a1", "a2"}
    assert {k for k, v in got.items() if v is B} == {f"b{i}" for i in range(6)}
    assert {k for k, v in got.items() if v is C} == {f"c{i}" for i in range(12)}


def test_cumulative_share_exactly_at_the_cut_is_still_in_the_class():
    got = classes({"p1": 40, "p2": 30, "p3": 25, "p4": 5})
    assert got == {"p1": A, "p2": A, "p3": B, "p4": C}  # 70% is A, 95% is B


def test_rows_carry_share_cumulative_share_and_rank_for_the_pareto_chart():
    result = classify_abc([AbcItem("x", 1), AbcItem("y", 6), AbcItem("z", 3)])
    assert [(r.key, r.rank) for r in result.rows] == [("y", 1), ("z", 2), ("x", 3)]
    assert [round(r.share, 3) for r in result.rows] == [0.6, 0.3, 0.1]
    assert [round(r.cumulative, 3) for r in result.rows] == [0.6, 0.9, 1.0]
    assert result.total == 10
    assert result.class_counts() == {A: 1, B: 1, C: 1}
    assert "rank 1" in result.rows[0].explain(result.rules)


def test_zero_demand_parts_are_c_even_when_nothing_else_sold():
    assert classes({"p": 0, "q": 0}) == {"p": C, "q": C}
    got = classes({"busy": 5, "idle": 0})
    assert got == {"busy": A, "idle": C}


def test_a_part_larger_than_the_a_cut_is_still_a():
    # "small" ends at 100% (C by the plain rule) but the parts above reached only A: B
    assert classes({"big": 90, "small": 10}) == {"big": A, "small": B}
    assert classes({"big": 90, "mid": 6, "small": 4}) == {"big": A, "mid": B, "small": C}


def test_a_large_part_crossing_two_cuts_drops_only_one_class():
    # cumulative 100% would be C by the plain rule; the parts above only reached A, so it is B
    assert classes({"p1": 60, "p2": 40}) == {"p1": A, "p2": B}


def test_parts_with_equal_demand_are_classified_together_whatever_their_names():
    got = classes({"top": 60, "t1": 10, "t2": 10, "t3": 10, "t4": 10})
    # together the four reach 100%; the parts above them reached A only, so all four are B
    assert got["top"] is A
    assert {got[f"t{i}"] for i in range(1, 5)} == {B}
    tail = classes({"top": 80, **{f"t{i}": 1 for i in range(20)}})
    assert set(tail.values()) - {A} == {B}  # 20 parts together make 20%, to 100%: one class below A


def test_ranking_is_stable_under_input_order():
    items = [AbcItem(k, v) for k, v in {"p": 3, "q": 3, "r": 1, "s": 8}.items()]
    first = classify_abc(items)
    second = classify_abc(list(reversed(items)))
    assert first.rows == second.rows


def test_demand_value_basis_uses_quantity_times_unit_cost():
    items = [AbcItem("cheap", 100, unit_cost=1.0), AbcItem("dear", 5, unit_cost=100.0)]
    by_units = classify_abc(items)
    by_value = classify_abc(items, AbcRules(basis="value"))
    assert by_units.rows[0].key == "cheap"
    assert by_value.rows[0].key == "dear"
    assert by_value.by_key()["dear"].measure == 500


def test_value_basis_needs_every_unit_cost():
    with pytest.raises(ValueError, match="unit cost"):
        classify_abc([AbcItem("p", 3)], AbcRules(basis="value"))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="once"):
        classify_abc([AbcItem("p", 1), AbcItem("p", 2)])
    with pytest.raises(ValueError):
        AbcItem("p", -1)
    with pytest.raises(ValueError):
        AbcRules(a_cut=0.9, b_cut=0.8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30))
def test_classes_never_improve_down_the_ranking_and_shares_add_up(values):
    result = classify_abc([AbcItem(f"p{i:02d}", v) for i, v in enumerate(values)])
    order = [list(AbcClass).index(r.abc_class) for r in result.rows]
    assert order == sorted(order)
    if sum(values):
        assert result.rows[-1].cumulative == pytest.approx(1.0)
        assert result.rows[0].abc_class is A
        assert sum(result.class_shares().values()) == pytest.approx(1.0)
    assert all(r.abc_class is C for r in result.rows if r.measure == 0)


def test_the_source_service_policy_per_class():
    policies = ServicePolicies()
    a, b, c = (policies.for_class(x) for x in "ABC")
    assert (a.target_availability, a.delivery_days, a.held_at, a.replenishment, a.stocked) == (
        0.95, 3, Holding.REGIONAL_WAREHOUSE, Replenishment.CONTINUOUS, True)
    assert (b.target_availability, b.delivery_days, b.held_at, b.stocked) == (0.85, 5, Holding.SERVICE_CENTER, True)
    assert (c.target_availability, c.delivery_days, c.held_at, c.replenishment, c.stocked) == (
        0.70, 10, Holding.NONE, Replenishment.ON_DEMAND, False)
    assert "no stock" in c.explain()


def test_class_policies_are_settings_that_can_be_changed():
    services = dict(ServicePolicies().classes)
    services[C] = ClassService(C, 0.8, 7, Holding.SERVICE_CENTER, Replenishment.SAFETY_STOCK_AND_TRANSFERS)
    assert ServicePolicies(services).for_class("C").stocked
    with pytest.raises(ValueError, match="class C"):
        ServicePolicies({A: services[A], B: services[B]})


def test_the_explanation_gives_the_rule_that_set_the_class():
    rules = AbcRules()
    tied = classify_abc([AbcItem("P1", 40), AbcItem("P2", 20), AbcItem("P3", 20), AbcItem("P4", 20)], rules)
    p2 = tied.by_key()["P2"]
    assert p2.abc_class is AbcClass.B and p2.cumulative == pytest.approx(0.6)
    why = p2.explain(rules)  # classed with its equals on where their group ends, not on its own 60%
    assert "cumulative 100.0%" in why and "tied with 2 other part(s)" in why and "no class is skipped" in why
    steep = classify_abc([AbcItem("P1", 90), AbcItem("P2", 9), AbcItem("P3", 1)], rules)
    rows = steep.by_key()
    assert [rows[k].abc_class for k in ("P1", "P2", "P3")] == [AbcClass.A, AbcClass.B, AbcClass.C]
    assert "the largest part is always A" in rows["P1"].explain(rules)
    assert "cumulative 99.0%" in rows["P2"].explain(rules) and "no class is skipped" in rows["P2"].explain(rules)
    assert rows["P3"].explain(rules).endswith("B up to 95%)")  # the cut-offs alone


def test_a_share_just_past_a_cut_off_is_not_rounded_onto_it():
    rules = AbcRules()
    rows = classify_abc([AbcItem("P1", 60000), AbcItem("P2", 10004), AbcItem("P3", 9000), AbcItem("P4", 8000),
                        AbcItem("P5", 7000), AbcItem("P6", 5996)], rules).by_key()
    assert rows["P2"].abc_class is AbcClass.B
    assert "cumulative 70.004% (A up to 70%" in rows["P2"].explain(rules)
    exact = classify_abc([AbcItem("P1", 70), AbcItem("P2", 30)], rules).by_key()
    assert "cumulative 70.0% (A up to 70%" in exact["P1"].explain(rules)  # on the cut-off: A, shown as such
