"""Emergency cases API: open and triage, override, record SOP steps, read the clocks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from partspool.emergencies import exports, messages, selectors, services
from partspool.emergencies.models import EmergencyCase
from partspool.errors import InvalidInput
from partspool.network.exports import download
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
        "value": _value_dict(case),
        "approvals": [{"code": a.code, "approver": a.approver, "amount": None if a.amount is None else float(a.amount),
                       "at": a.granted_at, "note": a.note} for a in case.approvals.all()],
        "plan": case.plan, "extra_cost": float(case.extra_cost),
        "transfers": [{"id": t.pk, "lender": t.lender.code, "part": t.part.number, "quantity": t.quantity,
                       "status": t.status} for t in case.transfers.all()],
        "ledger": {"closed_at": case.closed_at, "source": case.source_summary,
                   "hours_to_delivery": None if case.hours_to_delivery is None else float(case.hours_to_delivery),
                   "satisfaction": case.satisfaction, "root_cause": case.root_cause,
                   "root_cause_note": case.root_cause_note, "improvement": case.improvement},
    }


def _value_dict(case: EmergencyCase) -> dict[str, Any]:
    estimate, advice = selectors.case_value(case)
    return {"value_at_stake": float(estimate.value_at_stake), "churn_value": float(estimate.churn_value),
            "exposure_value": float(estimate.exposure_value), "extra_cost": float(estimate.extra_cost),
            "ratio": None if estimate.ratio is None else float(estimate.ratio), "worth_it": estimate.worth_it,
            "reasons": list(estimate.reasons),
            "matrix": {"situation": str(selectors.case_situation(case)), "level": int(advice.level),
                       "cost_cap": float(advice.cost_cap), "reason": advice.reason,
                       "expected_roi": advice.expected_roi}}


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
    rows = rows.prefetch_related("approvals", "transfers__lender", "transfers__part")
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
    from partspool.emergencies.sourcing import candidate_key
    from partspool.emergencies.sourcing import case_sources as compute
    from partspool.network.models import Node

    case = selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    found = compute(case)
    ids = {c.node_id for c in found.candidates}
    nodes = Node.objects.in_bulk(ids)
    plan = found.plan
    return {
        "candidates": [{**_candidate_dict(c, nodes), "key": candidate_key(c),
                        "trust_cap": found.trust_caps.get(c.node_id) if c.kind == "stock" else None}
                       for c in found.candidates],
        "plan": {"lines": [{**_candidate_dict(line.candidate, nodes), "key": candidate_key(line.candidate),
                            "quantity": line.quantity,
                            "cost": float(line.cost)} for line in plan.lines],
                 "sources": plan.sources, "arrival_hours": plan.arrival_hours,
                 "total_cost": float(plan.total_cost), "covers": plan.covers, "shortfall": plan.shortfall,
                 "over_cap": plan.over_cap, "cap_excess": float(plan.cap_excess), "reasons": list(plan.reasons)},
    }


class PickIn(Schema):
    key: str
    quantity: int


class CommitIn(Schema):
    lines: list[PickIn] | None = None


@router.post("/cases/{case_id}/plan", response=dict,
             summary="Turn the best plan (or the lines picked) into transfer requests; draws the budget")
def case_commit(request: HttpRequest, case_id: int, data: CommitIn) -> dict[str, Any]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    picks = None if data.lines is None else [services.Pick(key=p.key, quantity=p.quantity) for p in data.lines]
    case = services.case_commit_plan(case_id=case_id, user=request.user, picks=picks)  # type: ignore[arg-type]
    return case_dict(case)


class ApprovalIn(Schema):
    code: str
    approver: str = ""
    note: str = ""
    amount: Decimal | None = None


@router.post("/cases/{case_id}/approvals", response={201: dict},
             summary="Record an approval: sales_manager, customer_consent, verified; budget (supply chain)")
def case_approve(request: HttpRequest, case_id: int, data: ApprovalIn) -> tuple[int, dict[str, Any]]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    services.case_approve(case_id=case_id, user=request.user, code=data.code,  # type: ignore[arg-type]
                          approver=data.approver, note=data.note, amount=data.amount)
    return 201, case_dict(selectors.case_get(user=request.user, case_id=case_id))  # type: ignore[arg-type]


class CloseIn(Schema):
    satisfaction: int
    root_cause: str
    root_cause_note: str = ""
    improvement: str = ""
    extra_cost: Decimal | None = None


@router.post("/cases/{case_id}/close", response=dict, summary="Close the case into the ledger")
def case_close(request: HttpRequest, case_id: int, data: CloseIn) -> dict[str, Any]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    case = services.case_close(case_id=case_id, user=request.user, satisfaction=data.satisfaction,  # type: ignore[arg-type]
                               root_cause=data.root_cause, root_cause_note=data.root_cause_note,
                               improvement=data.improvement, extra_cost=data.extra_cost)
    return case_dict(case)


class CancelIn(Schema):
    reason: str


@router.post("/cases/{case_id}/cancel", response=dict, summary="Cancel a case (its budget draw is released)")
def case_cancel(request: HttpRequest, case_id: int, data: CancelIn) -> dict[str, Any]:
    selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    return case_dict(services.case_cancel(case_id=case_id, user=request.user, reason=data.reason))  # type: ignore[arg-type]


@router.get("/cases/{case_id}/messages", response=dict,
            summary="Customer message drafts: situation found|wait|vip_today, compensation, language")
def case_messages(request: HttpRequest, case_id: int, situation: str | None = None,
                  compensation: str = "", language: str | None = None) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    chosen = [c for c in compensation.split(",") if c.strip()]
    if situation is None:
        return {"drafts": messages.drafts(case, chosen)}
    return {"situation": situation, "language": language or "zh-hans",
            "text": messages.draft(case, situation, chosen, language or "zh-hans")}


@router.get("/emergency-matrix", response=list[dict], summary="The decision matrix: customer type × situation")
def matrix(request: HttpRequest) -> list[dict[str, Any]]:
    from partspool.accounts.permissions import require_role

    require_role(request.user)  # type: ignore[arg-type]
    return [{**r, "cost_cap": float(r["cost_cap"])} for r in selectors.matrix_rows()]  # type: ignore[arg-type]


def _ledger_row(c: EmergencyCase) -> dict[str, Any]:
    return {"id": c.pk, "number": c.number, "closed_at": c.closed_at, "center": c.center.code,
            "part": c.part.number, "quantity": c.quantity, "customer_type": c.customer_type, "level": c.level,
            "source": c.source_summary, "extra_cost": float(c.extra_cost),
            "hours_to_delivery": None if c.hours_to_delivery is None else float(c.hours_to_delivery),
            "satisfaction": c.satisfaction, "root_cause": c.root_cause, "root_cause_note": c.root_cause_note,
            "improvement": c.improvement}


@router.get("/ledger", response=list[dict], summary="The emergency ledger (closed cases), filtered")
def ledger(request: HttpRequest, month: str | None = None, level: int | None = None, center: str | None = None,
           root_cause: str | None = None, part: str | None = None, customer_type: str | None = None,
           limit: int = 500) -> list[dict[str, Any]]:
    rows = selectors.ledger(request.user, month=month, level=level, center=center,  # type: ignore[arg-type]
                            root_cause=root_cause, part=part, customer_type=customer_type)
    return [_ledger_row(c) for c in rows[:max(1, min(limit, 5000))]]


@router.get("/ledger.xlsx", summary="The emergency ledger as an XLSX file (same filters)")
def ledger_xlsx(request: HttpRequest, month: str | None = None, level: int | None = None,
                center: str | None = None, root_cause: str | None = None, part: str | None = None,
                customer_type: str | None = None) -> HttpResponse:
    rows = selectors.ledger(request.user, month=month, level=level, center=center,  # type: ignore[arg-type]
                            root_cause=root_cause, part=part, customer_type=customer_type)
    return download(exports.ledger_xlsx(rows), "partspool-ledger.xlsx")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@router.get("/emergency-review", response=dict, summary="The monthly review of emergencies (month YYYY-MM)")
def review(request: HttpRequest, month: str) -> dict[str, Any]:
    return _plain(selectors.monthly_review(request.user, month))  # type: ignore[arg-type, no-any-return]


class BudgetIn(Schema):
    center: str
    quarter: str
    amount: Decimal


@router.put("/emergency-budgets", response=dict, summary="Grant or change a center's quarterly emergency budget")
def budget_put(request: HttpRequest, data: BudgetIn) -> dict[str, Any]:
    services.budget_set(user=request.user, center=node_get(code=data.center),  # type: ignore[arg-type]
                        quarter=data.quarter, amount=data.amount)
    rows = selectors.budget_report(request.user, data.quarter)  # type: ignore[arg-type]
    return _plain(next(r for r in rows if r["center"] == data.center.strip().upper()))  # type: ignore[no-any-return]


@router.get("/emergency-budgets", response=list[dict],
            summary="The quarter's budgets: granted, drawn, remaining, cases (quarter-end usage report)")
def budget_list(request: HttpRequest, quarter: str) -> list[dict[str, Any]]:
    services.check_quarter(quarter)
    return _plain(selectors.budget_report(request.user, quarter))  # type: ignore[arg-type, no-any-return]


@router.get("/emergency-budgets.xlsx", summary="The quarter-end budget usage report as XLSX")
def budget_xlsx(request: HttpRequest, quarter: str) -> HttpResponse:
    services.check_quarter(quarter)
    rows = selectors.budget_report(request.user, quarter)  # type: ignore[arg-type]
    return download(exports.budget_xlsx(rows), f"partspool-budget-{quarter}.xlsx")
