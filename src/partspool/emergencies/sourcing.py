"""Where a case's part can come from: network stock within the level's reach, in-transit shipments,
and the best split, computed by the pure core from what the database holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from partspool.core.geo import legs_from
from partspool.core.sourcing import (
    Alternative,
    Candidate,
    InboundSource,
    NodeKind,
    Plan,
    SourceKind,
    SourcingRequest,
    StockSource,
    UnusualSource,
    best_split,
    candidates,
)
from partspool.emergencies.models import CaseApproval, EmergencyCase, UnusualOffer
from partspool.emergencies.selectors import grant_for
from partspool.network.models import DistanceOverride, InTransitShipment, Node, Stock
from partspool.network.rules import geo_rules
from partspool.network.selectors import node_points, related_parts


@dataclass
class CaseSources:
    request: SourcingRequest
    candidates: list[Candidate]
    plan: Plan
    offers: dict[int, UnusualOffer]  # the unusual candidates' offers, by id
    trust_caps: dict[int, int]  # node id → units a first loan from that center is limited to


def candidate_key(c: Candidate) -> str:
    """A stable name for a candidate, used to pick lines of a plan by hand."""
    if c.kind == SourceKind.INBOUND:
        return f"inbound:{c.shipment_id}"
    if c.kind == SourceKind.STOCK:
        return f"stock:{c.node_id}:{c.part_id}"
    return f"{c.kind}:{c.offer_id}"


def case_sources(case: EmergencyCase, approvals: Sequence[str] | None = None) -> CaseSources:
    """Candidates for the case (each with why it is or is not usable) and the best plan.

    ``approvals`` defaults to the approvals recorded on the case."""
    grant = grant_for(case)
    if approvals is None:
        approvals = list(CaseApproval.objects.filter(case=case).values_list("code", flat=True))
    now = timezone.now()
    request = SourcingRequest(
        part_id=case.part_id, quantity=case.quantity,
        needed_by_hours=max(0.0, (case.deadline - now).total_seconds() / 3600), level=case.level,
        radius_km=grant.radius_km, cost_cap=grant.extra_cost_cap,
        unusual_allowed=grant.unusual_sources_allowed, approvals=frozenset(approvals),
    )
    # A successor replaces the part fully; compatible alternatives keep their own level.
    levels = {r.part.id: (None if r.relation == "requested" else
                          Alternative.FULL if r.relation == "successor" else Alternative(r.level))
              for r in related_parts(case.part) if r.relation != "predecessor"}
    points = node_points()
    coords = {n: (lat, lon) for n, (lat, lon, _region, active) in points.items() if active}
    matrix = {(f, case.center_id): (float(km), float(h)) for f, km, h in DistanceOverride.objects.filter(
        to_node_id=case.center_id).values_list("from_node_id", "km", "hours")}
    legs = legs_from(case.center_id, coords, geo_rules(), matrix)
    kinds = dict(Node.objects.values_list("id", "kind"))
    rows = [(node_id, part_id, on_hand - reserved) for node_id, part_id, on_hand, reserved in Stock.objects.filter(
        part_id__in=list(levels), on_hand__gt=F("reserved")).exclude(node_id=case.center_id)
        .values_list("node_id", "part_id", "on_hand", "reserved") if node_id in legs]
    # A first loan from a center without a record between the two is capped (C3 trust), unless the
    # case is a public-opinion crisis at level 1 (P0). The brand's warehouses are not capped.
    p0 = case.level == 1 and case.opinion == EmergencyCase.Risk.HIGH
    caps = {} if p0 else trust_caps(case.center_id, {n for n, _p, _a in rows
                                                      if kinds[n] == Node.Kind.SERVICE_CENTER})
    stock = [
        StockSource(node_id=node_id, kind=NodeKind(kinds[node_id]),
                    available=min(available, caps.get(node_id) or available),
                    leg=legs[node_id], part_id=part_id, alternative_level=levels[part_id])
        for node_id, part_id, available in rows
    ]
    inbound = [
        InboundSource(shipment_id=s.pk, node_id=case.center_id, quantity=s.quantity,
                      eta_hours=max(0.0, (s.eta - now).total_seconds() / 3600))
        for s in InTransitShipment.objects.filter(destination_id=case.center_id, part_id=case.part_id,
                                                  status=InTransitShipment.Status.IN_TRANSIT, quantity__gt=0)
    ]
    value = Decimal(case.part.unit_cost)
    # Unusual sources are the center's own arrangements; the core offers them at level 1 only.
    offers = {o.pk: o for o in UnusualOffer.objects.filter(
        center_id=case.center_id, part_id=case.part_id, active=True, available__gt=0).order_by("pk")}
    unusual = [
        UnusualSource(code=SourceKind(o.kind), node_id=case.center_id, available=o.available,
                      hours=float(o.hours), extra_cost=o.extra_cost,
                      part_value=o.unit_value if o.unit_value is not None else value, spec_match=o.spec_match, offer_id=o.pk)
        for o in offers.values()
    ]
    found = candidates(request, stock, inbound, unusual, value)
    return CaseSources(request=request, candidates=found, plan=best_split(request, found, value), offers=offers,
                       trust_caps={n: c for n, c in caps.items() if c is not None})


def trust_caps(borrower_id: int, lender_ids: set[int]) -> dict[int, int | None]:
    """The first-loan cap of each lender towards the borrower (None: trusted, no cap)."""
    from partspool.core.reliability import first_deal_cap
    from partspool.transfers.services import loans_to

    records = loans_to(borrower_id, lender_ids)
    return {lender: first_deal_cap(lender, borrower_id, records) for lender in lender_ids}
