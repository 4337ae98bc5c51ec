"""Emergency cases API: open and triage, override, record SOP steps, read the clocks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from partspool.emergencies import selectors, services
from partspool.emergencies.models import EmergencyCase
from partspool.errors import InvalidInput
from partspool.network.selectors import node_get, part_get

router = Router(tags=["emergencies"])


def case_dict(case: EmergencyCase) -> dict[str, Any]:
    grant = selectors.grant_for(case)
    return {
        "id": case.pk, "number": case.number, "center": case.center.code, "status": case.status,
        "customer_name": case.customer_name, "customer_type": case.customer_type, "ltv": float(case.ltv),
        "part": case.part.number, "quantity": case.quantity, "deadline": case.deadline,
        "vehicle_usable": case.vehicle_usable, "safety": case.safety, "opinion": case.opinion,
        "impact": case.impact, "level": case.level, "computed_level": case.computed_level,
        "override_reason": case.override_reason, "triage": case.triage,
        "grant": {"find_source_hours": grant.find_source_hours, "arrive_hours": grant.arrive_hours,
                  "extra_cost_cap": float(grant.extra_cost_cap), "report_afterwards": grant.report_afterwards,
                  "radius_km": grant.radius_km, "means": list(grant.means),
                  "unusual_sources_allowed": grant.unusual_sources_allowed},
        "clocks": [{"code": str(c.code), "due_at": c.due_at, "done_at": c.done_at, "state": str(c.state),
                    "minutes_left": c.minutes_left} for c in selectors.case_clocks(case)],
    }


class CaseIn(Schema):
    customer_name: str
    customer_type: str
    ltv: Decimal
    part: str
    quantity: int
    deadline: datetime
    vehicle_usable: bool = True
    followers: int = 0
    complaints: int = 0
    safety: str | None = None
    opinion: str | None = None
    impact: str | None = None
    center: str | None = None


@router.post("/cases", response={201: dict}, summary="Open an emergency case: its level and why, at once")
def case_open(request: HttpRequest, data: CaseIn) -> tuple[int, dict[str, Any]]:
    user: Any = request.user
    if data.center:
        center = node_get(code=data.center)
    elif user.home_node_id:
        center = user.home_node
    else:
        raise InvalidInput("no_home_node")
    case = services.case_open(
        user=user, center=center, customer_name=data.customer_name, customer_type=data.customer_type,
        ltv=data.ltv, part=part_get(number=data.part), quantity=data.quantity, deadline=data.deadline,
        vehicle_usable=data.vehicle_usable, followers=data.followers, complaints=data.complaints,
        safety=data.safety, opinion=data.opinion, impact=data.impact)
    return 201, case_dict(case)


@router.get("/cases", response=list[dict], summary="Emergency cases you can see, newest first")
def case_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    rows = selectors.visible_cases(request.user)  # type: ignore[arg-type]
    if status:
        rows = rows.filter(status=status)
    return [case_dict(c) for c in rows[:200]]


@router.get("/cases/{case_id}", response=dict, summary="A case with its level, grant and clocks")
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_dict(selectors.case_get(user=request.user, case_id=case_id))  # type: ignore[arg-type]


class OverrideIn(Schema):
    level: int
    reason: str


@router.post("/cases/{case_id}/override", response=dict, summary="Set another level, with a written reason")
def case_override(request: HttpRequest, case_id: int, data: OverrideIn) -> dict[str, Any]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    case = services.case_override(case_id=case_id, user=request.user, level=data.level,  # type: ignore[arg-type]
                                  reason=data.reason)
    return case_dict(case)


class StepIn(Schema):
    note: str = ""


@router.post("/cases/{case_id}/steps/{step}", response=dict,
             summary="Record an SOP step: assessed, sourcing_started, source_found, arrived, customer_updated")
def case_step(request: HttpRequest, case_id: int, step: str, data: StepIn) -> dict[str, Any]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    case = services.case_step(case_id=case_id, user=request.user, step=step, note=data.note)  # type: ignore[arg-type]
    return case_dict(case)


def _candidate_dict(c: Any, nodes: dict[int, Any]) -> dict[str, Any]:
    node = nodes.get(c.node_id)
    return {"kind": str(c.kind), "node": node.code if node else None, "available": c.available,
            "eta_hours": round(c.eta_hours, 2), "mode": c.mode, "km": None if c.km is None else round(c.km, 1),
            "extra_cost": float(c.extra_cost), "feasible": c.feasible, "reasons": list(c.reasons),
            "required_approvals": list(c.required_approvals), "risk_notes": list(c.risk_notes),
            "alternative_level": None if c.alternative_level is None else str(c.alternative_level)}


@router.get("/cases/{case_id}/sources", response=dict,
            summary="Candidate sources within the level's reach, and the best split (why each ranks)")
def case_sources(request: HttpRequest, case_id: int) -> dict[str, Any]:
    from partspool.emergencies.sourcing import case_sources as compute
    from partspool.network.models import Node

    case = selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    found = compute(case)
    ids = {c.node_id for c in found.candidates}
    nodes = Node.objects.in_bulk(ids)
    plan = found.plan
    return {
        "candidates": [_candidate_dict(c, nodes) for c in found.candidates],
        "plan": {"lines": [{**_candidate_dict(line.candidate, nodes), "quantity": line.quantity,
                            "cost": float(line.cost)} for line in plan.lines],
                 "sources": plan.sources, "arrival_hours": plan.arrival_hours,
                 "total_cost": float(plan.total_cost), "covers": plan.covers, "shortfall": plan.shortfall,
                 "over_cap": plan.over_cap, "cap_excess": float(plan.cap_excess), "reasons": list(plan.reasons)},
    }
