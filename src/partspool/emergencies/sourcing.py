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
    SourcingRequest,
    StockSource,
    best_split,
    candidates,
)
from partspool.emergencies.models import EmergencyCase
from partspool.emergencies.selectors import grant_for
from partspool.network.models import DistanceOverride, InTransitShipment, Node, Stock
from partspool.network.rules import geo_rules
from partspool.network.selectors import node_points, related_parts


@dataclass
class CaseSources:
    request: SourcingRequest
    candidates: list[Candidate]
    plan: Plan


def case_sources(case: EmergencyCase, approvals: Sequence[str] = ()) -> CaseSources:
    """Candidates for the case (each with why it is or is not usable) and the best plan."""
    grant = grant_for(case)
    now = timezone.now()
    request = SourcingRequest(
        part_id=case.part_id, quantity=case.quantity,
        needed_by_hours=max(0.0, (case.deadline - now).total_seconds() / 3600), level=case.level,
        radius_km=grant.radius_km, cost_cap=grant.extra_cost_cap,
        unusual_allowed=grant.unusual_sources_allowed, approvals=frozenset(approvals),
    )
    levels = {r.part.id: (None if r.relation in ("requested", "successor") else Alternative(r.level))
              for r in related_parts(case.part) if r.relation != "predecessor"}
    points = node_points()
    coords = {n: (lat, lon) for n, (lat, lon, _region, active) in points.items() if active}
    matrix = {(f, case.center_id): (float(km), float(h)) for f, km, h in DistanceOverride.objects.filter(
        to_node_id=case.center_id).values_list("from_node_id", "km", "hours")}
    legs = legs_from(case.center_id, coords, geo_rules(), matrix)
    kinds = dict(Node.objects.values_list("id", "kind"))
    stock = [
        StockSource(node_id=node_id, kind=NodeKind(kinds[node_id]), available=on_hand - reserved,
                    leg=legs[node_id], part_id=part_id, alternative_level=levels[part_id])
        for node_id, part_id, on_hand, reserved in Stock.objects.filter(
            part_id__in=list(levels), on_hand__gt=F("reserved")).exclude(node_id=case.center_id)
        .values_list("node_id", "part_id", "on_hand", "reserved")
        if node_id in legs
    ]
    inbound = [
        InboundSource(shipment_id=s.pk, node_id=case.center_id, quantity=s.quantity,
                      eta_hours=max(0.0, (s.eta - now).total_seconds() / 3600))
        for s in InTransitShipment.objects.filter(destination_id=case.center_id, part_id=case.part_id,
                                                  status=InTransitShipment.Status.IN_TRANSIT, quantity__gt=0)
    ]
    value = Decimal(case.part.unit_cost)
    found = candidates(request, stock, inbound, [], value)
    return CaseSources(request=request, candidates=found, plan=best_split(request, found, value))
