"""Pages of emergencies: the open cases with their clocks, a new case, a case (level and why,
sources, plan, approvals, messages, closing), the ledger, the monthly review and the budget."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partspool.accounts.permissions import CENTRAL_ROLES, managed_node_ids
from partspool.emergencies import exports, labels, messages, selectors, services
from partspool.emergencies.models import CaseApproval, EmergencyCase
from partspool.emergencies.sourcing import candidate_key, case_sources
from partspool.errors import InvalidInput, NotFound
from partspool.network.exports import download
from partspool.network.models import Node
from partspool.network.selectors import node_get, part_get
from partspool.views_common import parse_int, parse_money, role_page

ROOT_CAUSES = EmergencyCase._meta.get_field("root_cause").choices


def _clock_rows(case: EmergencyCase) -> list[dict[str, Any]]:
    return [{"code": c.code, "label": labels.CLOCKS.get(str(c.code), c.code), "due_at": c.due_at,
             "done_at": c.done_at, "state": str(c.state), "state_label": labels.CLOCK_STATES.get(str(c.state)),
             "minutes_left": c.minutes_left} for c in selectors.case_clocks(case)]


@role_page
def case_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.visible_cases(request.user)  # type: ignore[arg-type]
    open_cases = [(c, _clock_rows(c)) for c in rows.exclude(status__in=["closed", "cancelled"])[:100]]
    return render(request, "emergencies/list.html", {
        "open_cases": open_cases, "overdue": sum(any(k["state"] == "overdue" for k in ks) for _c, ks in open_cases),
        "recent": rows.filter(status__in=["closed", "cancelled"])[:20],
    })


@role_page
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context: dict[str, Any] = {"q": request.POST or request.GET,
                               "types": EmergencyCase.CustomerType.choices, "risks": EmergencyCase.Risk.choices,
                               "centers": _centers(user)}
    if request.method == "POST":
        data = request.POST
        deadline = _deadline(data.get("deadline", ""))
        center = node_get(code=data["center"]) if data.get("center") else user.home_node
        if center is None:
            raise InvalidInput("no_home_node")
        case = services.case_open(
            user=user, center=center, customer_name=data.get("customer_name", ""),
            customer_type=data.get("customer_type", ""), ltv=parse_money(data.get("ltv", "0")),
            part=part_get(number=data.get("part", "")), quantity=parse_int(data.get("quantity", "")),
            deadline=deadline, vehicle_usable=data.get("vehicle_usable") == "1",
            followers=parse_int(data.get("followers") or "0"), complaints=parse_int(data.get("complaints") or "0"),
            safety=data.get("safety") or None, opinion=data.get("opinion") or None, impact=data.get("impact") or None)
        return redirect("case", case_id=case.pk)
    return render(request, "emergencies/new.html", context)


def _centers(user: Any) -> list[Node]:
    managed = managed_node_ids(user)
    rows = Node.objects.filter(kind=Node.Kind.SERVICE_CENTER).order_by("code")
    return list(rows if managed is None else rows.filter(id__in=managed))


def _deadline(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("invalid_choice", field="deadline", value=raw) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _sources_context(case: EmergencyCase) -> dict[str, Any]:
    found = case_sources(case)
    nodes = Node.objects.in_bulk({c.node_id for c in found.candidates})
    def row(c: Any, quantity: int | None = None) -> dict[str, Any]:
        return {"key": candidate_key(c), "kind": labels.KINDS.get(str(c.kind), c.kind), "kind_code": str(c.kind),
                "node": nodes.get(c.node_id), "available": c.available, "eta_hours": c.eta_hours,
                "mode": labels.MODES.get(c.mode, c.mode), "km": c.km, "extra_cost": c.extra_cost,
                "feasible": c.feasible, "reasons": [labels.explain(r) for r in c.reasons],
                "approvals": [labels.explain(a) for a in c.required_approvals],
                "risks": [labels.explain(r) for r in c.risk_notes], "quantity": quantity,
                "trust_cap": found.trust_caps.get(c.node_id) if str(c.kind) == "stock" else None,
                "offer": found.offers.get(c.offer_id) if c.offer_id else None}
    plan = found.plan
    cost = plan.total_cost
    return {
        "candidates": [row(c) for c in found.candidates],
        "plan": {"lines": [row(line.candidate, line.quantity) | {"cost": line.cost} for line in plan.lines],
                 "arrival_hours": plan.arrival_hours, "total_cost": cost, "covers": plan.covers,
                 "shortfall": plan.shortfall, "over_cap": plan.over_cap,
                 "reasons": [labels.explain(r) for r in plan.reasons]},
        "budget": services.budget_check(case, cost),
    }


@role_page
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user: Any = request.user
    case = selectors.case_get(user=user, case_id=case_id)
    grant = selectors.grant_for(case)
    estimate, advice = selectors.case_value(case)
    active = case.status not in ("closed", "cancelled")
    committed = bool(case.plan.get("committed_at"))
    context: dict[str, Any] = {
        "case": case, "grant": grant, "means": [labels.MEANS.get(str(m), m) for m in grant.means],
        "grades": [{**g, "label": labels.FACTORS.get(g["factor"], g["factor"]),
                    "reason_label": labels.explain(g["reason"]), "fired": g["factor"] in case.triage.get("fired", [])}
                   for g in case.triage.get("grades", [])],
        "rule": labels.RULES.get(case.triage.get("rule", ""), ""),
        "clocks": _clock_rows(case), "estimate": estimate,
        "estimate_reasons": [labels.explain(r) for r in estimate.reasons],
        "advice": advice, "situation": selectors.case_situation(case),
        "approvals": list(case.approvals.select_related("granted_by")),
        "approval_codes": [(c, label) for c, label in CaseApproval.Code.choices if c != "budget"],
        "can_approve_budget": user.role in CENTRAL_ROLES, "active": active, "committed": committed,
        "transfers": list(case.transfers.select_related("lender", "part")),
        "events": list(case.events.select_related("by")),
        "situations": list(messages.SITUATIONS.items()), "compensations": list(messages.COMPENSATIONS.items()),
        "root_causes": ROOT_CAUSES, "steps": [(s, labels.CLOCKS.get(c)) for s, c in (
            ("assessed", "assess"), ("sourcing_started", "start_sourcing"), ("source_found", "source_found"),
            ("arrived", "arrival"), ("customer_updated", "customer_update"))],
    }
    if active and not committed:
        context |= _sources_context(case)
    return render(request, "emergencies/detail.html", context)


@role_page
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Every form on the case page posts here; the service checks rights and input."""
    user: Any = request.user
    selectors.case_get(user=user, case_id=case_id)
    data = request.POST
    if action == "override":
        services.case_override(case_id=case_id, user=user, level=parse_int(data.get("level", ""), "invalid_input"),
                               reason=data.get("reason", ""))
    elif action == "step":
        services.case_step(case_id=case_id, user=user, step=data.get("step", ""), note=data.get("note", ""))
    elif action == "approve":
        services.case_approve(case_id=case_id, user=user, code=data.get("code", ""),
                              approver=data.get("approver", ""), note=data.get("note", ""),
                              amount=parse_money(data["amount"]) if data.get("amount", "").strip() else None)
    elif action == "plan":
        picks = None
        if data.get("mode") == "picked":
            picks = [services.Pick(key=key, quantity=parse_int(data.get(f"qty:{key}", "")))
                     for key in data.getlist("pick")]
        services.case_commit_plan(case_id=case_id, user=user, picks=picks)
    elif action == "close":
        services.case_close(case_id=case_id, user=user, satisfaction=parse_int(data.get("satisfaction", ""),
                                                                              "satisfaction_range"),
                            root_cause=data.get("root_cause", ""), root_cause_note=data.get("root_cause_note", ""),
                            improvement=data.get("improvement", ""),
                            extra_cost=parse_money(data["extra_cost"]) if data.get("extra_cost", "").strip() else None)
    elif action == "cancel":
        services.case_cancel(case_id=case_id, user=user, reason=data.get("reason", ""))
    else:
        raise NotFound("not_found")
    return redirect("case", case_id=case_id)


@role_page
def case_message(request: HttpRequest, case_id: int) -> HttpResponse:
    """The draft for the situation, language and compensation chosen (an htmx fragment)."""
    case = selectors.case_get(user=request.user, case_id=case_id)  # type: ignore[arg-type]
    text = messages.draft(case, request.GET.get("situation", "found"), request.GET.getlist("compensation"),
                          request.GET.get("language", "zh-hans"))
    return render(request, "emergencies/_message.html", {"text": text})


def _ledger_filters(request: HttpRequest) -> dict[str, Any]:
    q = request.GET
    level = q.get("level", "").strip()
    return {"month": q.get("month", "").strip() or None, "level": parse_int(level, "invalid_input") if level else None,
            "center": q.get("center", "").strip() or None, "root_cause": q.get("root_cause", "").strip() or None,
            "part": q.get("part", "").strip() or None, "customer_type": q.get("customer_type", "").strip() or None}


@role_page
def ledger(request: HttpRequest) -> HttpResponse:
    filters = _ledger_filters(request)
    rows = selectors.ledger(request.user, **filters)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        return download(exports.ledger_xlsx(rows), "partspool-ledger.xlsx")
    return render(request, "emergencies/ledger.html", {
        "rows": rows[:500], "q": request.GET, "root_causes": ROOT_CAUSES,
        "types": EmergencyCase.CustomerType.choices, "query": request.GET.urlencode()})


def _bar(x: list[Any], y: list[Any], title: str, color: str = "#2f6fae") -> str:
    figure = go.Figure(go.Bar(x=x, y=y, marker_color=color))
    figure.update_layout(margin={"l": 40, "r": 10, "t": 30, "b": 60}, height=280, title=title,
                         yaxis={"rangemode": "tozero"})
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


@role_page
def review(request: HttpRequest) -> HttpResponse:
    month = request.GET.get("month", "").strip() or timezone.localdate().strftime("%Y-%m")
    data = selectors.monthly_review(request.user, month)  # type: ignore[arg-type]
    causes = dict(ROOT_CAUSES)
    levels = [_("Level %s") % r["level"] for r in data["by_level"]]
    charts = [
        _bar(levels, [r["cases"] for r in data["by_level"]], _("Cases by level")),
        _bar(levels, [float(r["extra_cost"]) for r in data["by_level"]], _("Extra cost by level"), "#b45309"),
        _bar([str(causes.get(c["root_cause"], c["root_cause"])) for c in data["root_causes"]],
             [c["cases"] for c in data["root_causes"]], _("Root causes"), "#5b6b7c"),
        _bar(levels, [r["mean_hours"] or 0 for r in data["by_level"]], _("Mean hours to delivery"), "#15803d"),
    ]
    return render(request, "emergencies/review.html", {"data": data, "month": month, "charts": charts,
                                                       "causes": causes})


@role_page
@require_http_methods(["GET", "POST"])
def budget(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    quarter = services.check_quarter((request.POST or request.GET).get("quarter", "").strip()
                                     or services.quarter_label(timezone.localdate()))
    if request.method == "POST":
        services.budget_set(user=user, center=node_get(code=request.POST.get("center", "")), quarter=quarter,
                            amount=parse_money(request.POST.get("amount", "")))
        return redirect(f"{request.path}?quarter={quarter}")
    rows = selectors.budget_report(user, quarter)
    if request.GET.get("format") == "xlsx":
        return download(exports.budget_xlsx(rows), f"partspool-budget-{quarter}.xlsx")
    return render(request, "emergencies/budget.html", {
        "rows": rows, "quarter": quarter, "can_grant": user.role in CENTRAL_ROLES,
        "centers": Node.objects.filter(kind=Node.Kind.SERVICE_CENTER).order_by("code")})
