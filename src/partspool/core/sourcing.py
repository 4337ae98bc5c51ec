"""Sourcing for an emergency case (紧急调货): the candidate sources and the best split across them.

``candidates`` lists every source, usable or not, each with the reasons as codes for the caller to
phrase. ``best_split`` picks quantities from the usable ones to cover the request, best first by
(1) fewest sources, (2) earliest arrival of the whole plan, (3) lowest extra cost, within the
case's cost cap; it is solved exactly as a small integer programme (scipy's HiGHS ``milp``).

Cost model (linear, so the integer programme is exact): a chosen source costs a fixed amount per
shipment (freight base + per km, plus overtime when someone drives; an unusual source's own
all-in extra cost) plus insurance per unit (a share of the part's value). Stock already in
transit costs nothing extra.

Reason codes on a candidate:
    arrives_in_time / too_late              eta against the customer's deadline
    within_radius / beyond_radius           road km against the level's radius (stock only)
    within_cap / over_cap                   this source alone against the case's cap; a note only,
                                            the cap binds the plan (see ``best_split``)
    none_available                          nothing available there
    other_part                              stock of a part that is neither the part nor an alternative
    alternative:<full|conditional|third_party>
    in_transit                              an inbound shipment
    level1_only                             an unusual source, but the case is not level 1
    unusual_not_allowed                     the case does not allow unusual sources
    needs_approval:<code>                   a required approval is missing from the case
    restore_within_<n>_days                 demo car: the part goes back into the car within n days
    spec_match / spec_mismatch              third-party part: full specification match or not
    part_value_under_<n> / part_value_over_<n>   broker: part value against the broker limit
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np
from scipy.optimize import LinearConstraint, milp  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse import coo_array  # type: ignore[import-untyped, unused-ignore]

from partspool.core.geo import Leg


class SourceKind(StrEnum):
    STOCK = "stock"  # available stock at another node
    INBOUND = "inbound"  # a shipment already on its way
    DEMO_CAR = "demo_car"  # 展车/试驾车拆件
    THIRD_PARTY = "third_party"  # 其他品牌通用件, verified equivalent
    BROKER = "broker"  # 黄牛/配件商


UNUSUAL_KINDS = frozenset({SourceKind.DEMO_CAR, SourceKind.THIRD_PARTY, SourceKind.BROKER})


class NodeKind(StrEnum):
    CENTER = "center"
    REGIONAL_WH = "regional_wh"
    CENTRAL_WH = "central_wh"


class Alternative(StrEnum):
    FULL = "full"  # fully interchangeable part number
    CONDITIONAL = "conditional"  # interchangeable under conditions (model year, fitment)
    THIRD_PARTY = "third_party"  # a third-party equivalent held in the network


# --- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freight:
    """Price of one shipment by one transport mode, in CNY."""

    mode: str
    base: Decimal
    per_km: Decimal
    overtime_per_hour: Decimal = Decimal(0)
    round_trip: bool = False  # someone drives there and back: km and hours count twice

    def shipment_cost(self, km: float, hours: float) -> Decimal:
        """Freight plus overtime for one shipment over ``km`` road km taking ``hours``."""
        trips = 2 if self.round_trip else 1
        return (
            self.base
            + self.per_km * Decimal(str(km)) * trips
            + self.overtime_per_hour * Decimal(str(hours)) * trips
        )


def default_freight() -> tuple[Freight, ...]:
    return (
        # Same-day courier (顺丰即日达): 40 + 2/km prices the source case's 广州→深圳, 120 km, at 280.
        Freight("courier", base=Decimal(40), per_km=Decimal(2)),
        # Standard express (顺丰标快).
        Freight("express", base=Decimal(25), per_km=Decimal("0.5")),
        # Someone drives to fetch it: fuel and tolls per km plus overtime, there and back; the
        # hours include finding a driver and a car, which is paid time too.
        Freight(
            "drive", base=Decimal(0), per_km=Decimal("1.2"), overtime_per_hour=Decimal(60), round_trip=True
        ),
    )


@dataclass(frozen=True)
class CostRules:
    """Settings of sourcing: freight, insurance and the conditions of the unusual sources."""

    freight: tuple[Freight, ...] = field(default_factory=default_freight)
    measured_mode: str = "courier"  # how a leg from the uploaded matrix (mode "matrix") is priced
    insurance_rate: Decimal = Decimal("0.005")  # share of the part's value, per unit shipped
    broker_max_part_value: Decimal = Decimal(1000)  # SPEC: a broker only for parts under 1,000
    demo_car_restore_days: int = 7  # the part goes back into the demo car within this many days
    demo_car_approvals: tuple[str, ...] = ("sales_manager",)
    third_party_approvals: tuple[str, ...] = ("customer_consent",)
    broker_approvals: tuple[str, ...] = ("verified",)
    money_quantum: Decimal = Decimal("0.01")  # costs are rounded to the fen

    def freight_for(self, mode: str) -> Freight | None:
        return next((f for f in self.freight if f.mode == mode), None)

    def approvals_for(self, kind: SourceKind) -> tuple[str, ...]:
        return {
            SourceKind.DEMO_CAR: self.demo_car_approvals,
            SourceKind.THIRD_PARTY: self.third_party_approvals,
            SourceKind.BROKER: self.broker_approvals,
        }.get(kind, ())


# --- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourcingRequest:
    """What the case needs and what its level grants."""

    part_id: int
    quantity: int
    needed_by_hours: float  # hours from now to the customer's deadline
    level: int  # response level 1 (red), 2 (yellow), 3 (blue)
    radius_km: float | None  # None: no limit
    cost_cap: Decimal  # extra cost allowed for the case
    unusual_allowed: bool
    approvals: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError(f"level must be 1, 2 or 3, not {self.level}")
        if self.quantity < 0:
            raise ValueError("quantity must not be negative")


@dataclass(frozen=True)
class StockSource:
    """Available stock of the part (or an alternative) at another node, with the leg to the case's node."""

    node_id: int
    kind: NodeKind
    available: int
    leg: Leg
    part_id: int
    alternative_level: Alternative | None = None  # None: the requested part itself

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", NodeKind(self.kind))
        if self.alternative_level is not None:
            object.__setattr__(self, "alternative_level", Alternative(self.alternative_level))


@dataclass(frozen=True)
class InboundSource:
    """A shipment of the part already on its way to the case's node (or a node next to it)."""

    shipment_id: int
    node_id: int
    quantity: int
    eta_hours: float


@dataclass(frozen=True)
class UnusualSource:
    """A demo car, a third-party equivalent or a broker; ``extra_cost`` is its all-in cost per use."""

    code: SourceKind
    node_id: int
    available: int
    hours: float
    extra_cost: Decimal
    part_value: Decimal  # value of one unit of the part this source offers
    spec_match: bool = False
    offer_id: int | None = None  # the caller's own reference, carried to the candidate

    def __post_init__(self) -> None:
        code = SourceKind(self.code)
        if code not in UNUSUAL_KINDS:
            raise ValueError(f"{code} is not an unusual source")
        object.__setattr__(self, "code", code)


# --- candidates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One source for the case, whether it is usable, and why.

    ``shipment_cost`` is paid once when the source is used, ``unit_insurance`` per unit taken;
    ``extra_cost`` is what using it for as much as it can give (up to the quantity) would cost.
    """

    kind: SourceKind
    node_id: int
    available: int
    eta_hours: float
    mode: str  # transport mode of the leg, "in_transit" or "arranged" (the source delivers)
    km: float | None
    shipment_cost: Decimal
    unit_insurance: Decimal
    extra_cost: Decimal
    feasible: bool
    reasons: tuple[str, ...] = ()
    required_approvals: tuple[str, ...] = ()
    risk_notes: tuple[str, ...] = ()
    part_id: int | None = None
    alternative_level: Alternative | None = None
    shipment_id: int | None = None
    node_kind: NodeKind | None = None
    offer_id: int | None = None

    def cost_for(self, quantity: int) -> Decimal:
        """Extra cost of taking ``quantity`` units from this source (0 units: not used, nothing)."""
        return self.shipment_cost + self.unit_insurance * quantity if quantity > 0 else Decimal(0)


def _money(amount: Decimal, rules: CostRules) -> Decimal:
    return amount.quantize(rules.money_quantum, rounding=ROUND_HALF_UP)


def _limit_label(amount: Decimal) -> str:
    return (
        str(amount.normalize().quantize(Decimal(1))) if amount == amount.to_integral_value() else str(amount)
    )


@dataclass
class _Verdict:
    """Reasons gathered while checking one source."""

    feasible: bool = True
    reasons: list[str] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)

    def fail(self, code: str) -> None:
        self.feasible = False
        self.reasons.append(code)


def _check_time(verdict: _Verdict, eta: float, request: SourcingRequest) -> None:
    if eta <= request.needed_by_hours:
        verdict.reasons.append("arrives_in_time")
    else:
        verdict.fail("too_late")


def _check_unusual(
    verdict: _Verdict,
    kind: SourceKind,
    request: SourcingRequest,
    rules: CostRules,
    spec_match: bool,
    part_value: Decimal,
) -> None:
    """The SPEC's conditions: level 1 only, allowed by the case, the kind's approvals and conditions."""
    if request.level != 1:
        verdict.fail("level1_only")
    elif not request.unusual_allowed:
        verdict.fail("unusual_not_allowed")
    if kind is SourceKind.DEMO_CAR:
        verdict.reasons.append(f"restore_within_{rules.demo_car_restore_days}_days")
        verdict.risks += ["demo_car_out_of_service", "demo_car_incomplete_if_restock_late"]
    elif kind is SourceKind.THIRD_PARTY:
        if spec_match:
            verdict.reasons.append("spec_match")
        else:
            verdict.fail("spec_mismatch")
        verdict.risks += ["warranty_risk", "brand_image", "offer_free_swap_to_original"]
    elif kind is SourceKind.BROKER:
        limit = _limit_label(rules.broker_max_part_value)
        if part_value < rules.broker_max_part_value:
            verdict.reasons.append(f"part_value_under_{limit}")
        else:
            verdict.fail(f"part_value_over_{limit}")
        verdict.risks += ["authenticity_risk", "broker_markup", "procurement_policy", "cost_borne_by_center"]
    for approval in rules.approvals_for(kind):
        verdict.approvals.append(approval)
        if approval not in request.approvals:
            verdict.fail(f"needs_approval:{approval}")


def _check_cap(verdict: _Verdict, cost: Decimal, request: SourcingRequest) -> None:
    verdict.reasons.append("within_cap" if cost <= request.cost_cap else "over_cap")


def _leg_cost(leg: Leg, rules: CostRules) -> tuple[Decimal, bool]:
    """(freight + overtime of one shipment over ``leg``, whether the part travels at all)."""
    if leg.mode == "local" or leg.km <= 0:
        return Decimal(0), False
    mode = rules.measured_mode if leg.measured or leg.mode == "matrix" else leg.mode
    freight = rules.freight_for(mode)
    if freight is None:
        raise ValueError(f"no freight rate for transport mode {mode!r}")
    return _money(freight.shipment_cost(leg.km, leg.hours), rules), True


def _stock_candidate(
    request: SourcingRequest, source: StockSource, unit_value: Decimal, rules: CostRules
) -> Candidate:
    verdict = _Verdict()
    if source.available <= 0:
        verdict.fail("none_available")
    alternative = source.alternative_level
    if alternative is None:
        if source.part_id != request.part_id:
            verdict.fail("other_part")
    else:
        verdict.reasons.append(f"alternative:{alternative}")
        if alternative is Alternative.CONDITIONAL:
            verdict.risks.append("check_alternative_conditions")
        elif alternative is Alternative.THIRD_PARTY:
            # The catalog lists it as an equivalent, so the specification is taken as matching.
            _check_unusual(verdict, SourceKind.THIRD_PARTY, request, rules, True, unit_value)
    _check_time(verdict, source.leg.hours, request)
    if request.radius_km is not None:
        if source.leg.km <= request.radius_km:
            verdict.reasons.append("within_radius")
        else:
            verdict.fail("beyond_radius")
    shipment, travels = _leg_cost(source.leg, rules)
    unit_insurance = _money(rules.insurance_rate * unit_value, rules) if travels else Decimal(0)
    extra = shipment + unit_insurance * max(0, min(source.available, request.quantity))
    _check_cap(verdict, extra, request)
    return Candidate(
        kind=SourceKind.STOCK,
        node_id=source.node_id,
        available=source.available,
        eta_hours=source.leg.hours,
        mode=source.leg.mode,
        km=source.leg.km,
        shipment_cost=shipment,
        unit_insurance=unit_insurance,
        extra_cost=extra,
        feasible=verdict.feasible,
        reasons=tuple(verdict.reasons),
        required_approvals=tuple(verdict.approvals),
        risk_notes=tuple(verdict.risks),
        part_id=source.part_id,
        alternative_level=alternative,
        node_kind=source.kind,
    )


def _inbound_candidate(request: SourcingRequest, source: InboundSource) -> Candidate:
    verdict = _Verdict(reasons=["in_transit"])
    if source.quantity <= 0:
        verdict.fail("none_available")
    _check_time(verdict, source.eta_hours, request)
    _check_cap(verdict, Decimal(0), request)
    return Candidate(
        kind=SourceKind.INBOUND,
        node_id=source.node_id,
        available=source.quantity,
        eta_hours=source.eta_hours,
        mode="in_transit",
        km=None,
        shipment_cost=Decimal(0),
        unit_insurance=Decimal(0),
        extra_cost=Decimal(0),
        feasible=verdict.feasible,
        reasons=tuple(verdict.reasons),
        part_id=request.part_id,
        shipment_id=source.shipment_id,
    )


def _unusual_candidate(request: SourcingRequest, source: UnusualSource, rules: CostRules) -> Candidate:
    verdict = _Verdict()
    if source.available <= 0:
        verdict.fail("none_available")
    _check_unusual(verdict, source.code, request, rules, source.spec_match, source.part_value)
    _check_time(verdict, source.hours, request)
    cost = _money(source.extra_cost, rules)
    _check_cap(verdict, cost, request)
    return Candidate(
        kind=source.code,
        node_id=source.node_id,
        available=source.available,
        eta_hours=source.hours,
        mode="arranged",
        km=None,
        shipment_cost=cost,
        unit_insurance=Decimal(0),
        extra_cost=cost,
        feasible=verdict.feasible,
        reasons=tuple(verdict.reasons),
        required_approvals=tuple(verdict.approvals),
        risk_notes=tuple(verdict.risks),
        offer_id=source.offer_id,
    )


_KIND_ORDER = {kind: position for position, kind in enumerate(SourceKind)}


def candidates(
    request: SourcingRequest,
    stock: Iterable[StockSource],
    inbound: Iterable[InboundSource],
    unusual: Iterable[UnusualSource],
    part_unit_value: Decimal,
    rules: CostRules | None = None,
) -> list[Candidate]:
    """Every source for the case, with why it is or is not usable.

    Args:
        request: the part, quantity, deadline, level, radius, cap, and the approvals in hand.
        stock: available stock at other nodes (the part itself or alternatives), with legs.
        inbound: shipments already on their way to the case's node or next to it.
        unusual: demo cars, third-party equivalents and brokers; listed always, usable only at
            level 1 when the case allows them and their conditions and approvals hold.
        part_unit_value: value of one unit of the requested part (for insurance).
        rules: freight, insurance and unusual-source settings; defaults when None.

    Returns:
        The candidates, usable ones first, then by arrival, then by extra cost; each with reason
        codes (see the module docstring), the approvals it requires and its risk notes.
    """
    rules = rules or CostRules()
    found = [_stock_candidate(request, s, part_unit_value, rules) for s in stock]
    found += [_inbound_candidate(request, s) for s in inbound]
    found += [_unusual_candidate(request, s, rules) for s in unusual]
    found.sort(key=lambda c: (not c.feasible, c.eta_hours, c.extra_cost, _KIND_ORDER[c.kind], c.node_id))
    return found


# --- the split -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    candidate: Candidate
    quantity: int
    cost: Decimal


@dataclass(frozen=True)
class Plan:
    """The chosen sources and quantities, and why this plan.

    ``over_cap`` is set when no plan covering what can be covered fits the cost cap; the plan is
    then the best one ignoring the cap and ``cap_excess`` is what a manager must get approved.
    """

    lines: tuple[PlanLine, ...]
    sources: int
    arrival_hours: float | None  # when the last line arrives; None when nothing is sourced
    total_cost: Decimal
    covers: bool
    shortfall: int
    over_cap: bool
    cap_excess: Decimal
    parts_value: Decimal  # value of the units sourced, at the part's unit value
    reasons: tuple[str, ...]


def _to_units(amount: Decimal, rules: CostRules) -> int:
    """Money as a whole number of quanta (fen), so the solver's objective is integral."""
    return int((amount / rules.money_quantum).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class _Split:
    """Usable candidates as plain numbers for the search: limit, fixed and unit cost in fen, arrival."""

    limit: tuple[int, ...]
    fixed: tuple[int, ...]
    unit: tuple[int, ...]
    eta: tuple[float, ...]
    demand: int


def _undominated(pool: Sequence[int], split: _Split, max_sources: int) -> list[int]:
    """Drop the candidates that at least ``max_sources`` others dominate (same or more units, no
    dearer shipment, no dearer unit; ties broken by position).

    Exact: in a plan of at most ``max_sources`` sources that uses a dropped candidate, one of its
    dominators is unused, and swapping them keeps the quantity and does not raise the cost; each
    swap moves up a strict order, so repeated swaps end in a plan of kept candidates only.
    """
    if len(pool) <= max_sources:
        return list(pool)
    ids = np.asarray(pool)
    limit = np.asarray(split.limit)[ids]
    fixed = np.asarray(split.fixed)[ids]
    unit = np.asarray(split.unit)[ids]
    at_least = (
        (limit[:, None] >= limit[None, :])
        & (fixed[:, None] <= fixed[None, :])
        & (unit[:, None] <= unit[None, :])
    )
    same = (
        (limit[:, None] == limit[None, :])
        & (fixed[:, None] == fixed[None, :])
        & (unit[:, None] == unit[None, :])
    )
    earlier = np.arange(len(ids))[:, None] < np.arange(len(ids))[None, :]
    dominates = at_least & (~same | earlier)  # dominates[j, i]: j dominates i
    return [int(i) for i in ids[dominates.sum(axis=0) < max_sources]]


def _min_cost(pool: Sequence[int], split: _Split, max_sources: int) -> tuple[int, dict[int, int]] | None:
    """The cheapest way to take ``split.demand`` units from at most ``max_sources`` of ``pool``.

    An integer programme (scipy's HiGHS): y_i binary (source used), x_i integer units;
    sum x = demand, sum y <= max_sources, y_i <= x_i <= limit_i * y_i; minimise
    sum(fixed_i * y_i + unit_i * x_i) in whole fen with a zero gap, hence exactly.

    Returns:
        (cost in fen, candidate index -> units), or None when the pool cannot cover the demand.
    """
    demand = split.demand
    if sum(sorted((split.limit[i] for i in pool), reverse=True)[:max_sources]) < demand:
        return None
    if max_sources == 1:  # one source: a scan
        best = min((split.fixed[i] + split.unit[i] * demand, i) for i in pool if split.limit[i] >= demand)
        return best[0], {best[1]: demand}
    kept = _undominated(pool, split, max_sources)
    n = len(kept)
    limit = np.array([split.limit[i] for i in kept], dtype=float)
    fixed = np.array([split.fixed[i] for i in kept], dtype=float)
    unit = np.array([split.unit[i] for i in kept], dtype=float)
    idx = np.arange(n)
    ones = np.ones(n)
    # rows: 0 cover; 1 sources; 2..n+1 x <= limit*y; n+2..2n+1 x >= y. Columns: y 0..n-1, x n..2n-1.
    rows = np.concatenate([np.zeros(n), np.ones(n), 2 + idx, 2 + idx, 2 + n + idx, 2 + n + idx])
    cols = np.concatenate([n + idx, idx, n + idx, idx, n + idx, idx])
    vals = np.concatenate([ones, ones, ones, -limit, ones, -ones])
    lower = np.concatenate([[demand, 0.0], np.full(n, -np.inf), np.zeros(n)])
    upper = np.concatenate([[demand, max_sources], np.zeros(n), np.full(n, np.inf)])
    matrix = coo_array((vals, (rows.astype(int), cols.astype(int))), shape=(2 * n + 2, 2 * n)).tocsr()
    result = milp(
        np.concatenate([fixed, unit]),
        integrality=np.ones(2 * n),
        bounds=(np.zeros(2 * n), np.concatenate([ones, limit])),
        constraints=LinearConstraint(matrix, lower, upper),
        # HiGHS's presolve (scipy 1.17.1) called a 1,400-fen plan optimal where one of 500 existed
        # (tests: test_presolve_case_found_by_hypothesis); these programmes are tiny, so it is off
        options={"mip_rel_gap": 0.0, "presolve": False},
    )
    if result.status == 2:
        return None
    if result.status != 0:
        raise RuntimeError(f"sourcing solver stopped: {result.message}")
    units = np.rint(np.asarray(result.x, dtype=float)[n:]).astype(int)
    taken = {kept[j]: int(q) for j, q in enumerate(units) if q > 0}
    cost = sum(split.fixed[i] + split.unit[i] * q for i, q in taken.items())
    return cost, taken


def _fewest_sources(split: _Split) -> int:
    """The fewest sources that can cover the demand at all: the largest ones first."""
    covered = 0
    for count, size in enumerate(sorted(split.limit, reverse=True), start=1):
        covered += size
        if covered >= split.demand:
            return count
    raise ValueError("the candidates cannot cover the demand")


def _earliest_arrival(split: _Split, times: Sequence[float], max_sources: int) -> int:
    """Index in ``times`` of the earliest arrival by which ``max_sources`` sources can cover the demand."""
    largest: list[int] = []  # a min-heap of the largest limits seen so far
    by_eta = sorted(range(len(split.eta)), key=lambda i: split.eta[i])
    position = 0
    for t_index, time in enumerate(times):
        while position < len(by_eta) and split.eta[by_eta[position]] <= time:
            heapq.heappush(largest, split.limit[by_eta[position]])
            if len(largest) > max_sources:
                heapq.heappop(largest)
            position += 1
        if sum(largest) >= split.demand:
            return t_index
    raise ValueError("the candidates cannot cover the demand")


def _solve(split: _Split, cap: int | None) -> tuple[dict[int, int], bool]:
    """The lexicographic optimum: fewest sources, then earliest arrival, then cheapest; within the cap.

    Sequential and exact. Without the cap, the fewest sources and, for that count, the earliest
    arrival are found by exact scans (the largest sources first; the largest among those arriving by
    each time), and the cheapest plan for that count and time by the integer programme. When that
    plan fits the cap it is the optimum: no plan has fewer sources or arrives earlier even ignoring
    the cap. Otherwise the cheapest cost is non-increasing in the number of sources allowed and in
    the arrival allowed, so a search finds the fewest sources whose cheapest plan (any arrival)
    fits the cap, then a search finds the earliest arrival whose cheapest plan with that many
    sources fits it; each step asks the integer programme for an exact cheapest cost. That plan
    uses exactly that many sources and arrives exactly then (fewer, or earlier, would not fit).

    Returns:
        (candidate index -> units, over_cap): over_cap is True when no plan fits the cap, and the
        plan is then the optimum ignoring the cap.
    """
    times = sorted(set(split.eta))
    memo: dict[tuple[int, int], tuple[int, dict[int, int]] | None] = {}

    def cheapest(sources: int, t_index: int) -> tuple[int, dict[int, int]] | None:
        if (sources, t_index) not in memo:
            pool = [i for i, eta in enumerate(split.eta) if eta <= times[t_index]]
            memo[sources, t_index] = _min_cost(pool, split, sources)
        return memo[sources, t_index]

    def fits(sources: int, t_index: int) -> bool:
        found = cheapest(sources, t_index)
        return found is not None and (cap is None or found[0] <= cap)

    fewest = _fewest_sources(split)
    unbounded = cheapest(fewest, _earliest_arrival(split, times, fewest))
    if unbounded is None:  # cannot happen: the scans say this count covers the demand by then
        raise RuntimeError("sourcing search lost a feasible plan")
    if cap is None or unbounded[0] <= cap:
        return unbounded[1], False
    last, most = len(times) - 1, min(split.demand, len(split.eta))
    if not fits(most, last):  # not even the cheapest plan of all fits
        return unbounded[1], True
    sources = _first_true(fewest, most, lambda count: fits(count, last))
    if sources is None:  # cannot happen: fits(most, last) holds
        raise RuntimeError("sourcing search lost a feasible plan")
    arrival = _first_true(
        _earliest_arrival(split, times, sources), last, lambda t_index: fits(sources, t_index)
    )
    found = None if arrival is None else cheapest(sources, arrival)
    if found is None:  # cannot happen: fits(sources, last) holds
        raise RuntimeError("sourcing search lost a feasible plan")
    return found[1], False


def _first_true(low: int, high: int, holds: Callable[[int], bool]) -> int | None:
    """The smallest i in [low, high] for which ``holds`` (false, then true for good) is true; None if none.

    Probes low, low+1, low+3, low+7, ... then bisects: few probes when the answer is near ``low``,
    which is where it usually is.
    """
    known_false, step = low - 1, 1
    while True:
        probe = min(low + step - 1, high)
        if holds(probe):
            break
        if probe == high:
            return None
        known_false, step = probe, step * 2
    while probe - known_false > 1:
        middle = (known_false + probe) // 2
        if holds(middle):
            probe = middle
        else:
            known_false = middle
    return probe


def _hours_label(hours: float) -> str:
    return f"{hours:.1f}h"


def best_split(
    request: SourcingRequest,
    cands: Sequence[Candidate],
    part_unit_value: Decimal,
    rules: CostRules | None = None,
) -> Plan:
    """Choose how many units to take from which usable candidates.

    Best first by (1) fewest sources, (2) earliest arrival of the whole plan (its latest line),
    (3) lowest total extra cost, among plans whose extra cost is within the case's cap. Each
    source gives at most what it has available. When no plan covering the quantity fits the cap,
    the best plan ignoring the cap is returned with ``over_cap`` and the excess, for a manager to
    get approved. When the usable sources together have less than the quantity, the plan takes
    all that can be had and reports the shortfall.

    Args:
        request: the quantity and the cost cap.
        cands: candidates from ``candidates``; the unusable ones are ignored.
        part_unit_value: value of one unit, for the plan's ``parts_value``.
        rules: settings (money rounding); defaults when None.

    Returns:
        The plan with its lines and reasons: ``single_source`` or ``fewest_sources:<n>``,
        ``earliest_arrival:<h>h``, ``cost:¥<amount>``, ``within_cap`` or ``over_cap:¥<excess>``,
        ``shortfall:<n>``, ``no_usable_source``, ``nothing_needed``.
    """
    rules = rules or CostRules()
    usable = [c for c in cands if c.feasible and c.available > 0]
    limits = [min(c.available, request.quantity) for c in usable]
    demand = min(request.quantity, sum(limits))
    taken: dict[int, int] = {}
    over_cap = False
    if demand > 0:
        split = _Split(
            limit=tuple(limits),
            fixed=tuple(_to_units(c.shipment_cost, rules) for c in usable),
            unit=tuple(_to_units(c.unit_insurance, rules) for c in usable),
            eta=tuple(c.eta_hours for c in usable),
            demand=demand,
        )
        taken, over_cap = _solve(split, _cap_units(request.cost_cap, rules))

    lines = tuple(
        sorted(
            (PlanLine(candidate=usable[i], quantity=q, cost=usable[i].cost_for(q)) for i, q in taken.items()),
            key=lambda line: (line.candidate.eta_hours, line.candidate.node_id),
        )
    )
    total = sum((line.cost for line in lines), Decimal(0))
    covered = sum(line.quantity for line in lines)
    shortfall = request.quantity - covered
    arrival = max((line.candidate.eta_hours for line in lines), default=None)
    excess = max(Decimal(0), total - request.cost_cap) if over_cap else Decimal(0)

    reasons: list[str] = []
    if request.quantity == 0:
        reasons.append("nothing_needed")
    elif not lines:
        reasons.append("no_usable_source")
    else:
        reasons.append("single_source" if len(lines) == 1 else f"fewest_sources:{len(lines)}")
        if arrival is not None:
            reasons.append(f"earliest_arrival:{_hours_label(arrival)}")
        reasons.append(f"cost:¥{total}")
        reasons.append(f"over_cap:¥{excess}" if over_cap else "within_cap")
    if shortfall > 0:
        reasons.append(f"shortfall:{shortfall}")
    return Plan(
        lines=lines,
        sources=len(lines),
        arrival_hours=arrival,
        total_cost=total,
        covers=shortfall == 0,
        shortfall=shortfall,
        over_cap=over_cap,
        cap_excess=excess,
        parts_value=part_unit_value * covered,
        reasons=tuple(reasons),
    )


def _cap_units(cap: Decimal, rules: CostRules) -> int | None:
    """The cap in whole quanta, rounded down (a plan must not pass it by a fraction); None: no cap."""
    if cap.is_infinite() and cap > 0:
        return None
    return int((cap / rules.money_quantum).to_integral_value(rounding=ROUND_FLOOR))
