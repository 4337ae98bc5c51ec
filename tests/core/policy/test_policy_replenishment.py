"""Replenishment suggestions, network rebalancing and KPIs (partspool.core.policy)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.policy import (
    KpiTargets,
    RebalanceRules,
    ReplenishmentRules,
    StockPosition,
    availability,
    emergency_cost_share,
    inventory_turnover,
    overstock_share,
    rebalance,
    service_kpis,
    stockout_rate,
    suggest_replenishment,
    supplier_on_time,
    transport,
    transport_many,
)

# --- suggestions ------------------------------------------------------------------------------


def test_order_up_to_the_level_from_the_inventory_position():
    [s] = suggest_replenishment([StockPosition("HZ", "P1", on_hand=3, in_transit=2, reserved=1, order_up_to=10)])
    assert s.position == 4
    assert s.order_quantity == 6
    assert s.surplus == 0
    assert "order 6" in s.explain()


def test_surplus_above_level_plus_margin_can_be_lent_but_only_from_free_stock():
    rules = ReplenishmentRules(margin_units=1, margin_share=0.1)
    [s] = suggest_replenishment([StockPosition("SH", "P1", on_hand=12, order_up_to=5)], rules)
    assert (s.margin, s.surplus, s.order_quantity) == (1, 6, 0)
    assert "6 could be lent" in s.explain()
    [t] = suggest_replenishment([StockPosition("SH", "P1", on_hand=4, in_transit=10, order_up_to=5)], rules)
    assert t.surplus == 4  # 8 above level + margin, but only 4 are on the shelf
    [u] = suggest_replenishment([StockPosition("SH", "P1", on_hand=30, order_up_to=20)], rules)
    assert u.margin == 2 and u.surplus == 8


def test_positions_are_checked():
    with pytest.raises(ValueError, match="reserved"):
        StockPosition("X", "P", on_hand=1, reserved=3, order_up_to=2)
    with pytest.raises(ValueError, match="twice"):
        suggest_replenishment([StockPosition("X", "P", 1, 1), StockPosition("X", "P", 2, 1)])


# --- rebalancing ------------------------------------------------------------------------------

KM = {("SH", "HZ"): 180.0, ("SH", "NJ"): 300.0, ("SZ", "HZ"): 1200.0, ("SZ", "NJ"): 1400.0,
      ("SZ", "GZ"): 140.0, ("SH", "GZ"): 1400.0}


def test_surplus_moves_to_the_nearest_shortfall_with_its_reason():
    positions = [
        StockPosition("SH", "P1", on_hand=11, order_up_to=4),  # 6 above level + margin 1
        StockPosition("HZ", "P1", on_hand=6, order_up_to=10),  # 4 below
        StockPosition("NJ", "P1", on_hand=0, order_up_to=3),  # 3 below
    ]
    plan = rebalance(positions, KM)
    moves = {(m.source, m.destination): m.units for m in plan.moves}
    assert moves == {("SH", "HZ"): 4, ("SH", "NJ"): 2}
    first = next(m for m in plan.moves if m.destination == "HZ")
    assert first.explain() == ("move 4 P1 from SH to HZ (180 km): SH has 6 above its level (with margin), "
                               "HZ is 4 below its level")
    [balance] = plan.parts
    assert (balance.surplus, balance.shortfall, balance.moved, balance.still_short) == (6, 7, 6, 1)
    assert plan.orders_after_moves() == {("HZ", "P1"): 0, ("NJ", "P1"): 1}


def test_moving_the_most_units_comes_before_the_cheapest_route():
    # SZ can reach only GZ; SH reaches GZ and HZ. Sending SH -> GZ would be cheaper for GZ's need
    # but would leave HZ short, so SZ serves GZ and SH serves HZ.
    positions = [StockPosition("SH", "P", on_hand=2, order_up_to=0),
                 StockPosition("SZ", "P", on_hand=3, order_up_to=0),
                 StockPosition("HZ", "P", on_hand=0, order_up_to=2),
                 StockPosition("GZ", "P", on_hand=0, order_up_to=2)]
    km = {("SH", "GZ"): 10.0, ("SH", "HZ"): 500.0, ("SZ", "GZ"): 900.0}
    plan = rebalance(positions, km, replenishment=ReplenishmentRules(margin_units=0, margin_share=0))
    assert {(m.source, m.destination, m.units) for m in plan.moves} == {("SH", "HZ", 2), ("SZ", "GZ", 2)}


def test_a_route_cap_limits_each_move_and_the_rest_goes_by_other_routes():
    positions = [StockPosition("SH", "P1", on_hand=11, order_up_to=4),  # 6 spare
                 StockPosition("HZ", "P1", on_hand=6, order_up_to=10),  # 4 short
                 StockPosition("NJ", "P1", on_hand=0, order_up_to=3)]  # 3 short
    for fixed in (0.0, 5.0):  # both solvers: many parts together, and one integer programme per part
        plan = rebalance(positions, KM, RebalanceRules(fixed_cost_per_move=fixed),
                         route_cap=lambda a, b: 1 if (a, b) == ("SH", "HZ") else None)
        moves = {(m.source, m.destination): m for m in plan.moves}
        assert moves[("SH", "HZ")].units == 1 and moves[("SH", "NJ")].units == 3
        assert moves[("SH", "HZ")].capped_at == 1 and "at most 1 per move" in moves[("SH", "HZ")].explain()
        assert moves[("SH", "NJ")].capped_at is None
    # a cap of 0 closes the route; a cap above what the route would carry is not named
    closed = rebalance(positions, KM, route_cap=lambda a, b: 0 if b == "HZ" else 10)
    assert {(m.destination, m.units, m.capped_at) for m in closed.moves} == {("NJ", 3, None)}


def test_routes_beyond_the_limit_are_not_used():
    positions = [StockPosition("SZ", "P", on_hand=5, order_up_to=0), StockPosition("HZ", "P", 0, 2)]
    assert rebalance(positions, KM, RebalanceRules(max_km=1000)).moves == ()
    assert rebalance(positions, KM).moves[0].units == 2


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -5.0, 1e300])
def test_a_distance_that_is_no_distance_is_no_route_and_the_rest_still_plans(bad):
    positions = [StockPosition("X", "P", on_hand=10, order_up_to=2), StockPosition("Y", "P", 0, 5),
                 StockPosition("Z", "P", 0, 5)]
    plan = rebalance(positions, {("X", "Y"): bad, ("X", "Z"): 10.0})
    assert [(m.source, m.destination, m.units) for m in plan.moves] == [("X", "Z", 5)]


def test_parts_are_balanced_separately():
    positions = [StockPosition("SH", "P1", 5, 0), StockPosition("HZ", "P2", 0, 3)]
    plan = rebalance(positions, KM)
    assert plan.moves == ()
    assert {b.part for b in plan.parts} == {"P1", "P2"}


def _brute_force(supply, demand, arcs, fixed):
    """(most units, least cost) over every integer flow on the arcs."""
    best = None
    ranges = [range(min(supply[i], demand[j]) + 1) for i, j, _ in arcs]
    for flow in itertools.product(*ranges):
        if any(sum(x for x, (i, _, _) in zip(flow, arcs, strict=True) if i == s) > supply[s]
               for s in range(len(supply))):
            continue
        if any(sum(x for x, (_, j, _) in zip(flow, arcs, strict=True) if j == d) > demand[d]
               for d in range(len(demand))):
            continue
        cost = sum(x * km + (fixed if x else 0) for x, (_, _, km) in zip(flow, arcs, strict=True))
        key = (-sum(flow), cost)
        best = key if best is None or key < best else best
    return -best[0], best[1]


@settings(max_examples=40, deadline=None)
@given(
    supply=st.lists(st.integers(0, 3), min_size=1, max_size=3),
    demand=st.lists(st.integers(0, 3), min_size=1, max_size=2),
    km=st.lists(st.integers(1, 50), min_size=6, max_size=6),
    allowed=st.lists(st.booleans(), min_size=6, max_size=6),
    fixed=st.sampled_from([0, 25]),
)
def test_transport_is_optimal_against_brute_force(supply, demand, km, allowed, fixed):
    arcs = [(i, j, float(km[i * 2 + j])) for i in range(len(supply)) for j in range(len(demand))
            if allowed[i * 2 + j]]
    if not arcs:
        return
    units = transport(np.array(supply, float), np.array(demand, float), arcs, 1.0, float(fixed))
    for s in range(len(supply)):
        assert sum(x for x, (i, _, _) in zip(units, arcs, strict=True) if i == s) <= supply[s]
    for d in range(len(demand)):
        assert sum(x for x, (_, j, _) in zip(units, arcs, strict=True) if j == d) <= demand[d]
    cost = sum(x * km_ + (fixed if x else 0) for x, (_, _, km_) in zip(units, arcs, strict=True))
    assert (sum(units), cost) == _brute_force(supply, demand, arcs, fixed)


def test_many_parts_solved_together_move_as_many_units_as_cheaply_as_each_alone():
    rng = np.random.default_rng(4)
    problems = []
    for _ in range(1200):  # more than one chunk
        supply = rng.integers(0, 6, rng.integers(1, 5)).astype(float)
        demand = rng.integers(0, 6, rng.integers(1, 5)).astype(float)
        arcs = [(i, j, float(rng.integers(5, 300))) for i in range(len(supply)) for j in range(len(demand))
                if rng.random() < 0.7]
        if arcs:
            problems.append((supply, demand, arcs))
    together = transport_many(problems, 2.0)
    for (supply, demand, arcs), units in zip(problems, together, strict=True):
        alone = transport(supply, demand, arcs, 2.0)
        km = np.array([a[2] for a in arcs])
        assert sum(units) == sum(alone)
        assert float(np.dot(units, km)) == pytest.approx(float(np.dot(alone, km)))
        for s in range(len(supply)):
            assert sum(x for x, (i, _, _) in zip(units, arcs, strict=True) if i == s) <= supply[s]
        for d in range(len(demand)):
            assert sum(x for x, (_, j, _) in zip(units, arcs, strict=True) if j == d) <= demand[d]
    assert transport_many([]) == []


def test_fixed_cost_per_move_prefers_fewer_moves():
    positions = [StockPosition("A", "P", 2, 0), StockPosition("B", "P", 2, 0), StockPosition("C", "P", 0, 2)]
    km = {("A", "C"): 10.0, ("B", "C"): 11.0}
    no_margin = ReplenishmentRules(margin_units=0, margin_share=0)
    plan = rebalance(positions, km, RebalanceRules(fixed_cost_per_move=100.0), no_margin)
    assert [(m.source, m.units) for m in plan.moves] == [("A", 2)]
    assert plan.parts[0].cost == pytest.approx(120.0)


# --- KPIs --------------------------------------------------------------------------------------


def test_availability_target_is_strictly_above_95_percent():
    assert availability(96, 100).met is True
    assert availability(95, 100).met is False
    assert availability(0, 0).value is None and availability(0, 0).met is None
    assert "target > 0.95" in availability(93, 100).explain()


def test_supply_chain_kpis_and_their_targets():
    assert inventory_turnover(500_000, 100_000).met is True  # 5 a year: at least 5
    assert inventory_turnover(450_000, 100_000).met is False
    assert emergency_cost_share(2_900, 100_000).met is True
    assert emergency_cost_share(3_000, 100_000).met is False
    assert supplier_on_time(93, 100).met is True
    assert supplier_on_time(92, 100).met is False
    assert stockout_rate(5, 100).value == pytest.approx(0.05)
    assert stockout_rate(5, 100).met is None  # no target in the source


def test_overstock_is_stock_value_above_level_plus_margin():
    positions = [StockPosition("A", "P1", on_hand=20, order_up_to=10, unit_cost=10.0),  # 9 above (margin 1)
                 StockPosition("A", "P2", on_hand=5, order_up_to=8, unit_cost=100.0)]
    kpi = overstock_share(positions)
    assert kpi.numerator == pytest.approx(90.0)
    assert kpi.denominator == pytest.approx(700.0)
    assert kpi.value == pytest.approx(90 / 700)
    assert kpi.met is False


def test_targets_are_settings():
    assert availability(90, 100, KpiTargets(availability=0.85)).met is True
    service = {k.name: k for k in service_kpis(satisfaction=8.7, nps=65, first_time_fix=None)}
    assert service["satisfaction"].met is True
    assert service["nps"].met is False
    assert service["first_time_fix"].met is None
    with pytest.raises(ValueError):
        availability(5, 3)


def test_a_part_being_run_down_is_never_ordered_nor_short():
    rules = ReplenishmentRules(margin_units=1, margin_share=0.0)
    keep, spare, lending = suggest_replenishment([
        StockPosition("N", "OLD", on_hand=3, order_up_to=5, run_down=True),  # keeps all 3, wants no more
        StockPosition("N", "OLD2", on_hand=9, order_up_to=4, run_down=True),  # 9 held, 4 kept: 4 spare past the margin
        StockPosition("N", "OLD3", on_hand=4, reserved=2, order_up_to=4, run_down=True),  # 2 promised away
    ], rules)
    assert (keep.order_quantity, keep.shortfall, keep.surplus) == (0, 0, 0)
    assert (spare.order_quantity, spare.shortfall, spare.surplus) == (0, 0, 4)
    assert (lending.order_quantity, lending.shortfall, lending.surplus) == (0, 0, 0)
