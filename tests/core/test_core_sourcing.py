"""Sourcing for an emergency case (partspool.core.sourcing): which sources, and the best split."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.geo import Leg
from partspool.core.sourcing import (
    Candidate,
    CostRules,
    Freight,
    InboundSource,
    SourceKind,
    SourcingRequest,
    StockSource,
    UnusualSource,
    best_split,
    candidates,
)

PART = 7
VALUE = Decimal(2000)  # value of one unit of the part
ALL_APPROVALS = frozenset({"sales_manager", "customer_consent", "verified"})


def request(
    quantity: int = 1,
    *,
    level: int = 1,
    needed_by: float = 24.0,
    radius: float | None = 500.0,
    cap: Decimal | int = 5000,
    unusual: bool = True,
    approvals: frozenset[str] = frozenset(),
):
    return SourcingRequest(
        part_id=PART,
        quantity=quantity,
        needed_by_hours=needed_by,
        level=level,
        radius_km=radius,
        cost_cap=Decimal(cap),
        unusual_allowed=unusual,
        approvals=approvals,
    )


def road(km: float, hours: float, mode: str = "courier", measured: bool = False) -> Leg:
    return Leg(km=km, hours=hours, mode=mode, measured=measured)


def stock(
    node_id: int,
    available: int,
    km: float = 120.0,
    hours: float = 3.0,
    mode: str = "courier",
    part_id: int = PART,
    alternative: str | None = None,
    kind: str = "center",
) -> StockSource:
    return StockSource(
        node_id=node_id,
        kind=kind,
        available=available,
        leg=road(km, hours, mode),
        part_id=part_id,
        alternative_level=alternative,
    )


def demo_car(node_id: int = 90, available: int = 1, hours: float = 1.0) -> UnusualSource:
    return UnusualSource(
        code="demo_car",
        node_id=node_id,
        available=available,
        hours=hours,
        extra_cost=Decimal(300),
        part_value=VALUE,
        spec_match=True,
    )


def third_party(spec_match: bool = True) -> UnusualSource:
    return UnusualSource(
        code="third_party",
        node_id=91,
        available=2,
        hours=4.0,
        extra_cost=Decimal(150),
        part_value=Decimal(600),
        spec_match=spec_match,
    )


def broker(part_value: Decimal | int = 800) -> UnusualSource:
    return UnusualSource(
        code="broker",
        node_id=92,
        available=1,
        hours=6.0,
        extra_cost=Decimal(400),
        part_value=Decimal(part_value),
    )


def one(req: SourcingRequest, *, stocks=(), inbound=(), unusual=(), rules=None) -> Candidate:
    found = candidates(req, stocks, inbound, unusual, VALUE, rules)
    assert len(found) == 1
    return found[0]


def cand(
    node_id: int,
    available: int,
    eta: float,
    fixed: Decimal | int | str = 0,
    unit: Decimal | int | str = 0,
    feasible: bool = True,
) -> Candidate:
    """A candidate as best_split sees it, with costs given directly."""
    fixed, unit = Decimal(fixed), Decimal(unit)
    return Candidate(
        kind=SourceKind.STOCK,
        node_id=node_id,
        available=available,
        eta_hours=eta,
        mode="courier",
        km=10.0,
        shipment_cost=fixed,
        unit_insurance=unit,
        extra_cost=fixed + unit * available,
        feasible=feasible,
    )


def taken(plan) -> dict[int, int]:
    return {line.candidate.node_id: line.quantity for line in plan.lines}


# --- costs -----------------------------------------------------------------------------------------


def test_same_day_courier_over_120_km_costs_280_like_guangzhou_to_shenzhen():
    found = one(request(), stocks=[stock(2, 1, km=120.0, hours=3.0)])
    assert found.shipment_cost == Decimal("280.00")
    assert found.unit_insurance == Decimal("10.00")  # 0.5 % of 2,000
    assert found.extra_cost == Decimal("290.00")


def test_someone_driving_pays_km_and_overtime_there_and_back():
    found = one(request(), stocks=[stock(2, 1, km=100.0, hours=3.5, mode="drive")])
    assert found.shipment_cost == Decimal("1.2") * 200 + 60 * 7  # 240 + 420


def test_express_is_cheap_per_km():
    found = one(request(needed_by=72), stocks=[stock(2, 1, km=1000.0, hours=40.0, mode="express")])
    assert found.shipment_cost == Decimal(25) + Decimal("0.5") * 1000


def test_a_measured_leg_is_priced_by_the_measured_mode_setting():
    src = StockSource(
        node_id=2, kind="center", available=1, leg=road(50.0, 2.0, "matrix", measured=True), part_id=PART
    )
    assert one(request(), stocks=[src]).shipment_cost == Decimal(40 + 2 * 50)
    rules = CostRules(measured_mode="express")
    assert one(request(), stocks=[src], rules=rules).shipment_cost == Decimal(25 + 25)


def test_a_local_leg_costs_nothing_and_is_not_insured():
    found = one(request(), stocks=[stock(2, 3, km=0.0, hours=0.0, mode="local")])
    assert (found.shipment_cost, found.unit_insurance, found.extra_cost) == (0, 0, 0)


def test_a_mode_without_a_freight_rate_is_an_error():
    rules = CostRules(freight=(Freight("courier", base=Decimal(40), per_km=Decimal(2)),))
    with pytest.raises(ValueError, match="drive"):
        candidates(request(), [stock(2, 1, mode="drive")], [], [], VALUE, rules)


def test_insurance_counts_the_units_the_source_would_give():
    found = one(request(quantity=2), stocks=[stock(2, 5)])
    assert found.extra_cost == Decimal("280.00") + 2 * Decimal("10.00")


# --- radius, deadline, cap -----------------------------------------------------------------------


def test_stock_beyond_the_radius_is_not_usable():
    near, far = candidates(
        request(radius=200), [stock(2, 1, km=150), stock(3, 1, km=250, hours=5)], [], [], VALUE
    )
    assert near.feasible and "within_radius" in near.reasons
    assert not far.feasible and "beyond_radius" in far.reasons


def test_without_a_radius_distance_is_no_reason():
    found = one(request(radius=None), stocks=[stock(2, 1, km=2000, hours=20, mode="express")])
    assert found.feasible
    assert not {"within_radius", "beyond_radius"} & set(found.reasons)


def test_stock_arriving_after_the_deadline_is_not_usable():
    in_time, late = candidates(
        request(needed_by=6), [stock(2, 1, hours=6.0), stock(3, 1, hours=6.5)], [], [], VALUE
    )
    assert in_time.feasible and "arrives_in_time" in in_time.reasons
    assert not late.feasible and "too_late" in late.reasons


def test_a_source_dearer_than_the_cap_is_flagged_but_kept_for_an_approval():
    found = one(request(cap=100), stocks=[stock(2, 1)])
    assert "over_cap" in found.reasons
    assert found.feasible
    assert "within_cap" in one(request(cap=290), stocks=[stock(2, 1)]).reasons


def test_nothing_available_is_not_usable():
    assert "none_available" in one(request(), stocks=[stock(2, 0)]).reasons
    assert not one(request(), stocks=[stock(2, 0)]).feasible


def test_stock_of_another_part_is_not_usable_unless_an_alternative():
    assert "other_part" in one(request(), stocks=[stock(2, 1, part_id=8)]).reasons
    full = one(request(), stocks=[stock(2, 1, part_id=8, alternative="full")])
    assert full.feasible and "alternative:full" in full.reasons and full.part_id == 8


def test_a_conditional_alternative_carries_a_risk_note():
    found = one(request(), stocks=[stock(2, 1, part_id=8, alternative="conditional")])
    assert found.feasible and "check_alternative_conditions" in found.risk_notes


def test_a_third_party_alternative_in_stock_follows_the_third_party_conditions():
    src = stock(2, 1, part_id=8, alternative="third_party")
    assert "level1_only" in one(request(level=2, approvals=ALL_APPROVALS), stocks=[src]).reasons
    no_consent = one(request(), stocks=[src])
    assert not no_consent.feasible and "needs_approval:customer_consent" in no_consent.reasons
    assert one(request(approvals=frozenset({"customer_consent"})), stocks=[src]).feasible


# --- in transit ----------------------------------------------------------------------------------


def test_a_shipment_in_transit_arriving_in_time_is_a_free_source():
    found = one(
        request(needed_by=10), inbound=[InboundSource(shipment_id=55, node_id=1, quantity=2, eta_hours=8.0)]
    )
    assert found.feasible and found.kind == "inbound" and found.shipment_id == 55
    assert {"in_transit", "arrives_in_time"} <= set(found.reasons)
    assert found.extra_cost == 0


def test_a_shipment_in_transit_arriving_too_late_is_not_usable():
    found = one(
        request(needed_by=10), inbound=[InboundSource(shipment_id=55, node_id=1, quantity=2, eta_hours=30.0)]
    )
    assert not found.feasible and "too_late" in found.reasons


def test_an_inbound_shipment_in_time_covers_the_case_before_paid_freight():
    req = request(quantity=2, needed_by=10)
    found = candidates(req, [stock(2, 2, hours=3.0)], [InboundSource(55, 1, 2, 8.0)], [], VALUE)
    plan = best_split(req, found, VALUE)
    assert [line.candidate.kind for line in plan.lines] == ["stock"]  # earlier arrival wins over cost
    later = request(quantity=2, needed_by=10)
    found = candidates(later, [stock(2, 2, hours=9.0)], [InboundSource(55, 1, 2, 8.0)], [], VALUE)
    assert [line.candidate.kind for line in best_split(later, found, VALUE).lines] == ["inbound"]


# --- unusual sources -----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [demo_car(), third_party(), broker()], ids=lambda s: s.code)
@pytest.mark.parametrize("level", [2, 3])
def test_unusual_sources_are_level_1_only(source, level):
    found = one(request(level=level, approvals=ALL_APPROVALS), unusual=[source])
    assert not found.feasible and "level1_only" in found.reasons


@pytest.mark.parametrize("source", [demo_car(), third_party(), broker()], ids=lambda s: s.code)
def test_unusual_sources_need_the_case_to_allow_them(source):
    found = one(request(unusual=False, approvals=ALL_APPROVALS), unusual=[source])
    assert not found.feasible and "unusual_not_allowed" in found.reasons
    assert one(request(approvals=ALL_APPROVALS), unusual=[source]).feasible


def test_a_demo_car_needs_the_sales_manager_and_is_restored_within_7_days():
    without = one(request(), unusual=[demo_car()])
    assert not without.feasible and "needs_approval:sales_manager" in without.reasons
    assert without.required_approvals == ("sales_manager",)
    found = one(request(approvals=frozenset({"sales_manager"})), unusual=[demo_car()])
    assert found.feasible and "restore_within_7_days" in found.reasons
    assert "demo_car_out_of_service" in found.risk_notes
    assert found.extra_cost == Decimal("300.00")


def test_the_restore_days_are_a_setting():
    found = one(
        request(approvals=ALL_APPROVALS), unusual=[demo_car()], rules=CostRules(demo_car_restore_days=5)
    )
    assert "restore_within_5_days" in found.reasons


def test_a_third_party_part_needs_a_full_spec_match_and_the_customers_consent():
    consent = frozenset({"customer_consent"})
    mismatch = one(request(approvals=consent), unusual=[third_party(spec_match=False)])
    assert not mismatch.feasible and "spec_mismatch" in mismatch.reasons
    no_consent = one(request(), unusual=[third_party()])
    assert not no_consent.feasible and "needs_approval:customer_consent" in no_consent.reasons
    found = one(request(approvals=consent), unusual=[third_party()])
    assert found.feasible and "spec_match" in found.reasons and "warranty_risk" in found.risk_notes


def test_a_broker_only_for_parts_under_1000_and_after_verification():
    verified = frozenset({"verified"})
    dear = one(request(approvals=verified), unusual=[broker(part_value=1000)])
    assert not dear.feasible and "part_value_over_1000" in dear.reasons
    unverified = one(request(), unusual=[broker(part_value=999)])
    assert not unverified.feasible and "needs_approval:verified" in unverified.reasons
    found = one(request(approvals=verified), unusual=[broker(part_value=999)])
    assert (
        found.feasible
        and "part_value_under_1000" in found.reasons
        and "authenticity_risk" in found.risk_notes
    )


def test_approvals_are_settings():
    rules = CostRules(broker_approvals=("verified", "supply_chain"))
    found = one(request(approvals=frozenset({"verified"})), unusual=[broker()], rules=rules)
    assert "needs_approval:supply_chain" in found.reasons and not found.feasible


def test_only_unusual_kinds_are_unusual_sources():
    with pytest.raises(ValueError):
        UnusualSource(
            code="stock", node_id=1, available=1, hours=1.0, extra_cost=Decimal(0), part_value=VALUE
        )


def test_a_request_level_is_1_2_or_3():
    with pytest.raises(ValueError):
        request(level=4)


@given(
    level=st.integers(1, 3),
    allowed=st.booleans(),
    approvals=st.frozensets(st.sampled_from(sorted(ALL_APPROVALS))),
    spec_match=st.booleans(),
    value=st.sampled_from([Decimal(500), Decimal(999), Decimal(1000), Decimal(3000)]),
    code=st.sampled_from(["demo_car", "third_party", "broker"]),
)
def test_an_unusual_source_is_usable_exactly_when_all_its_conditions_hold(
    level, allowed, approvals, spec_match, value, code
):
    source = UnusualSource(
        code=code,
        node_id=9,
        available=1,
        hours=2.0,
        extra_cost=Decimal(100),
        part_value=value,
        spec_match=spec_match,
    )
    found = one(request(level=level, unusual=allowed, approvals=approvals), unusual=[source])
    expected = level == 1 and allowed and set(found.required_approvals) <= approvals
    if code == "third_party":
        expected = expected and spec_match
    if code == "broker":
        expected = expected and value < 1000
    assert found.feasible == expected


# --- order of the candidates -------------------------------------------------------------------------


def test_candidates_are_usable_first_then_by_arrival_then_by_cost():
    req = request(radius=300, approvals=frozenset({"sales_manager"}))
    found = candidates(
        req,
        [
            stock(2, 1, km=100, hours=4.0),
            stock(3, 1, km=50, hours=4.0),
            stock(4, 1, km=400, hours=2.0),
            stock(5, 1, km=200, hours=3.0),
        ],
        [InboundSource(shipment_id=1, node_id=1, quantity=1, eta_hours=30.0)],
        [demo_car(hours=1.0)],
        VALUE,
    )
    assert [(c.kind, c.node_id) for c in found] == [
        ("demo_car", 90),
        ("stock", 5),
        ("stock", 3),
        ("stock", 2),
        ("stock", 4),
        ("inbound", 1),
    ]
    assert [c.feasible for c in found] == [True, True, True, True, False, False]


# --- the split -----------------------------------------------------------------------------------


def test_a_single_source_is_preferred_when_one_suffices():
    cands = [cand(1, 3, eta=10.0, fixed=300), cand(2, 2, eta=2.0, fixed=20), cand(3, 1, eta=2.0, fixed=20)]
    plan = best_split(request(quantity=3), cands, VALUE)
    assert taken(plan) == {1: 3}
    assert plan.covers and plan.sources == 1 and plan.reasons[0] == "single_source"


def test_among_equally_many_sources_the_earliest_whole_arrival_wins():
    cands = [
        cand(1, 2, eta=5.0, fixed=10),
        cand(2, 2, eta=3.0, fixed=200),
        cand(3, 1, eta=1.0, fixed=10),
        cand(4, 1, eta=1.0, fixed=10),
    ]
    plan = best_split(request(quantity=2), cands, VALUE)
    assert taken(plan) == {2: 2}
    assert plan.arrival_hours == 3.0 and "earliest_arrival:3.0h" in plan.reasons


def test_arrival_decides_before_cost():
    cands = [cand(1, 2, eta=3.0, fixed=10), cand(2, 2, eta=2.0, fixed=60)]
    assert taken(best_split(request(quantity=2), cands, VALUE)) == {2: 2}


def test_cost_decides_between_plans_of_equal_count_and_arrival():
    cands = [
        cand(1, 2, eta=3.0, fixed=80),
        cand(2, 2, eta=3.0, fixed=50, unit=20),
        cand(3, 2, eta=3.0, fixed=60),
    ]
    plan = best_split(request(quantity=2), cands, VALUE)
    assert taken(plan) == {3: 2}
    assert plan.total_cost == 60 and "cost:¥60" in plan.reasons


def test_a_split_when_no_single_source_has_the_quantity():
    req = request(quantity=3)
    found = candidates(
        req,
        [stock(2, 2, km=120, hours=3.0), stock(3, 1, km=60, hours=2.0), stock(4, 1, km=300, hours=6.0)],
        [],
        [],
        VALUE,
    )
    plan = best_split(req, found, VALUE)
    assert taken(plan) == {2: 2, 3: 1}
    assert plan.reasons[:2] == ("fewest_sources:2", "earliest_arrival:3.0h")
    assert plan.total_cost == Decimal(280) + Decimal(160) + 3 * Decimal(10)
    assert plan.parts_value == 3 * VALUE


def test_within_the_cap_a_later_single_source_beats_a_faster_split():
    cands = [
        cand(1, 2, eta=2.0, fixed=500),
        cand(2, 2, eta=10.0, fixed=100),
        cand(3, 1, eta=1.0, fixed=50),
        cand(4, 1, eta=1.0, fixed=50),
    ]
    plan = best_split(request(quantity=2, cap=200), cands, VALUE)
    assert taken(plan) == {2: 2}
    assert not plan.over_cap and "within_cap" in plan.reasons


def test_the_cap_can_force_more_sources():
    cands = [cand(1, 2, eta=2.0, fixed=500), cand(3, 1, eta=1.0, fixed=50), cand(4, 1, eta=4.0, fixed=50)]
    plan = best_split(request(quantity=2, cap=100), cands, VALUE)
    assert taken(plan) == {3: 1, 4: 1}
    assert not plan.over_cap and plan.total_cost == 100


def test_when_nothing_fits_the_cap_the_best_plan_is_reported_with_the_excess():
    cands = [cand(1, 2, eta=2.0, fixed=500), cand(2, 1, eta=1.0, fixed=300), cand(3, 1, eta=1.0, fixed=300)]
    plan = best_split(request(quantity=2, cap=400), cands, VALUE)
    assert taken(plan) == {1: 2}
    assert plan.over_cap and plan.cap_excess == 100
    assert "over_cap:¥100" in plan.reasons


def test_a_zero_cap_at_level_3_flags_any_paid_freight():
    cands = [cand(1, 1, eta=20.0, fixed="45.50")]
    plan = best_split(request(level=3, cap=0, needed_by=168), cands, VALUE)
    assert plan.covers and plan.over_cap and plan.cap_excess == Decimal("45.50")


def test_a_free_source_fits_a_zero_cap():
    plan = best_split(request(cap=0), [cand(1, 1, eta=20.0), cand(2, 1, eta=2.0, fixed=10)], VALUE)
    assert taken(plan) == {1: 1} and not plan.over_cap


def test_a_fraction_of_a_fen_over_the_cap_is_over_the_cap():
    plan = best_split(request(cap=Decimal("99.999")), [cand(1, 1, eta=1.0, fixed=100)], VALUE)
    assert plan.over_cap


def test_when_the_sources_cannot_cover_the_quantity_the_plan_takes_all_and_reports_the_shortfall():
    cands = [
        cand(1, 2, eta=2.0, fixed=50),
        cand(2, 1, eta=3.0, fixed=50),
        cand(3, 5, eta=1.0, feasible=False),
    ]
    plan = best_split(request(quantity=5), cands, VALUE)
    assert taken(plan) == {1: 2, 2: 1}
    assert not plan.covers and plan.shortfall == 2 and "shortfall:2" in plan.reasons


def test_no_usable_source_gives_an_empty_plan():
    plan = best_split(request(quantity=2), [cand(1, 5, eta=1.0, feasible=False), cand(2, 0, eta=1.0)], VALUE)
    assert plan.lines == () and plan.shortfall == 2 and plan.arrival_hours is None
    assert plan.reasons == ("no_usable_source", "shortfall:2")


def test_nothing_needed_gives_an_empty_covering_plan():
    plan = best_split(request(quantity=0), [cand(1, 5, eta=1.0)], VALUE)
    assert plan.covers and plan.lines == () and plan.reasons == ("nothing_needed",)


def test_unusable_candidates_are_never_in_a_plan():
    req = request(quantity=2)
    found = candidates(req, [stock(2, 1, hours=2.0)], [], [demo_car(available=2, hours=0.5)], VALUE)
    plan = best_split(req, found, VALUE)
    assert taken(plan) == {2: 1} and plan.shortfall == 1  # the demo car has no sales-manager approval


def test_a_demo_car_with_approval_can_be_the_single_source():
    req = request(quantity=1, approvals=frozenset({"sales_manager"}))
    found = candidates(req, [stock(2, 1, hours=3.0)], [], [demo_car(hours=1.0)], VALUE)
    plan = best_split(req, found, VALUE)
    assert [line.candidate.kind for line in plan.lines] == ["demo_car"]


def test_a_large_network_is_split_consistently():
    rng = random.Random(7)
    req = request(quantity=12, radius=None, needed_by=72)
    found = candidates(
        req,
        [stock(i, rng.randint(0, 3), km=rng.uniform(10, 290), hours=rng.uniform(1, 60)) for i in range(300)],
        [],
        [],
        VALUE,
    )
    plan = best_split(req, found, VALUE)
    assert plan.covers and sum(taken(plan).values()) == 12
    assert plan.sources == 4  # three units at most per source
    assert all(line.candidate.feasible and line.quantity <= line.candidate.available for line in plan.lines)


# --- the split against brute force -------------------------------------------------------------------


def compositions(limits: list[int], total: int):
    """Every way to take ``total`` units with at most ``limits[i]`` from source i."""
    if not limits:
        if total == 0:
            yield ()
        return
    for first in range(min(limits[0], total) + 1):
        for rest in compositions(limits[1:], total - first):
            yield (first, *rest)


def brute_force(req: SourcingRequest, cands: list[Candidate]):
    """(over_cap, best key) over every plan, by (sources, arrival, cost)."""
    usable = [c for c in cands if c.feasible and c.available > 0]
    limits = [min(c.available, req.quantity) for c in usable]
    demand = min(req.quantity, sum(limits))
    keys = []
    for quantities in compositions(limits, demand):
        used = [(c, q) for c, q in zip(usable, quantities, strict=True) if q > 0]
        cost = sum((c.shipment_cost + c.unit_insurance * q for c, q in used), Decimal(0))
        arrival = max((c.eta_hours for c, _ in used), default=None)
        keys.append((len(used), arrival, cost))
    within = [k for k in keys if k[2] <= req.cost_cap]
    if within:
        return False, min(within, key=sort_key)
    return True, min(keys, key=sort_key)


def sort_key(key):
    sources, arrival, cost = key
    return sources, -1.0 if arrival is None else arrival, cost


random_candidate = st.builds(
    cand,
    node_id=st.just(0),
    available=st.integers(0, 5),
    eta=st.sampled_from([1.0, 2.5, 3.0, 8.0, 20.0]),
    fixed=st.sampled_from(["0", "10", "25.50", "50", "80", "200"]),
    unit=st.sampled_from(["0", "1", "4.25", "10"]),
    feasible=st.booleans() | st.just(True),
)


@settings(max_examples=400, deadline=None)
@given(
    cands=st.lists(random_candidate, min_size=0, max_size=6),
    quantity=st.integers(1, 5),
    cap=st.sampled_from(
        [Decimal(0), Decimal(20), Decimal("60.99"), Decimal(120), Decimal(300), Decimal(10000)]
    ),
)
def test_best_split_matches_brute_force(cands, quantity, cap):
    cands = [
        cand(i, c.available, c.eta_hours, c.shipment_cost, c.unit_insurance, c.feasible)
        for i, c in enumerate(cands)
    ]
    req = request(quantity=quantity, cap=cap)
    plan = best_split(req, cands, VALUE)
    over_cap, (sources, arrival, cost) = brute_force(req, cands)

    assert (plan.sources, plan.arrival_hours, plan.total_cost) == (sources, arrival, cost)
    assert plan.over_cap == over_cap
    assert plan.cap_excess == (cost - cap if over_cap else 0)
    by_node = {c.node_id: c for c in cands}
    for line in plan.lines:
        assert line.candidate.feasible
        assert 0 < line.quantity <= by_node[line.candidate.node_id].available
        assert line.cost == line.candidate.shipment_cost + line.candidate.unit_insurance * line.quantity
    assert sum(line.quantity for line in plan.lines) + plan.shortfall == quantity
    assert plan.covers == (plan.shortfall == 0)
    assert len({line.candidate.node_id for line in plan.lines}) == plan.sources


def test_presolve_case_found_by_hypothesis():
    """Two sources of 3 and 4 units at ¥1 a unit beat 4 units plus a ¥10 shipment of 1 (HiGHS's
    presolve once called the ¥14 plan optimal)."""
    cands = [cand(0, 0, 1.0, "0", "0", True), cand(1, 3, 1.0, "0", "1", True), cand(2, 1, 1.0, "10", "0", True),
             cand(3, 4, 1.0, "0", "1", True)]
    plan = best_split(request(quantity=5, cap=Decimal(0)), cands, VALUE)
    assert (plan.sources, plan.arrival_hours, plan.total_cost, plan.over_cap) == (2, 1.0, Decimal(5), True)
    assert {line.candidate.node_id for line in plan.lines} == {1, 3}
