"""Reads of emergency cases: visibility, the level's grant and the SOP clocks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.core.clocks import CaseEvents, Clock, clocks
from partspool.core.triage import (
    BusinessImpact,
    CaseFacts,
    CustomerType,
    Level,
    LevelGrant,
    OpinionRisk,
    Recommendation,
    SafetyRisk,
    Situation,
    ValueEstimate,
    default_grants,
    default_matrix,
    recommend,
    value_estimate,
)
from partspool.emergencies.models import EmergencyCase
from partspool.errors import NotFound
from partspool.network.selectors import parse_month

if TYPE_CHECKING:
    from partspool.accounts.models import User


def visible_cases(user: User) -> QuerySet[EmergencyCase]:
    require_role(user)
    rows = EmergencyCase.objects.select_related("center", "part", "opened_by")
    managed = managed_node_ids(user)
    return rows if managed is None else rows.filter(center_id__in=managed)


def case_get(*, user: User, case_id: int) -> EmergencyCase:
    case = visible_cases(user).prefetch_related("approvals", "transfers__lender", "transfers__part").filter(
        pk=case_id).first()
    if case is None:
        raise NotFound("not_found")
    return case


def grant_for(case: EmergencyCase) -> LevelGrant:
    return default_grants()[Level(case.level)]


def case_clocks(case: EmergencyCase) -> list[Clock]:
    events = CaseEvents(assessed_at=case.assessed_at, sourcing_started_at=case.sourcing_started_at,
                        source_found_at=case.source_found_at, arrived_at=case.arrived_at,
                        last_customer_update_at=case.last_customer_update_at)
    return clocks(case.opened_at, timezone.now(), Level(case.level), grant_for(case), events)


# --- value of the response and the decision matrix --------------------------------------------------


def case_situation(case: EmergencyCase) -> Situation:
    """The matrix's situation for the case: safety first, then a vehicle that cannot be used."""
    if case.safety == "high":
        return Situation.SAFETY_ISSUE
    if not case.vehicle_usable:
        return Situation.VEHICLE_DOWN
    return Situation.USABLE_WAITING


def case_value(case: EmergencyCase, extra_cost: Decimal | None = None) -> tuple[ValueEstimate, Recommendation]:
    """What responding at the case's level is worth against its extra cost, and the matrix's advice."""
    facts = CaseFacts(customer_type=CustomerType(case.customer_type), ltv=case.ltv,
                      hours_to_deadline=0.0, vehicle_usable=case.vehicle_usable,
                      safety=SafetyRisk(case.safety), opinion=OpinionRisk(case.opinion),
                      impact=BusinessImpact(case.impact))
    cost = case.extra_cost if extra_cost is None else extra_cost
    return (value_estimate(facts, cost, Level(case.level)),
            recommend(CustomerType(case.customer_type), case_situation(case)))


def matrix_rows() -> list[dict[str, object]]:
    """The decision matrix as rows (customer type × situation → level, cap), for the page and API."""
    return [{"customer_type": str(ct), "situation": str(s), "level": int(r.level), "cost_cap": r.cost_cap,
             "reason": r.reason, "expected_roi": r.expected_roi}
            for (ct, s), r in default_matrix().items()]


# --- the ledger, the monthly review and the budget report -----------------------------------------


def ledger(user: User, *, month: str | None = None, level: int | None = None, center: str | None = None,
           root_cause: str | None = None, part: str | None = None,
           customer_type: str | None = None) -> QuerySet[EmergencyCase]:
    """Closed cases (the ledger), newest first, filtered."""
    rows = visible_cases(user).filter(status=EmergencyCase.Status.CLOSED)
    if month:
        first, last = month_bounds(month)
        rows = rows.filter(closed_at__gte=first, closed_at__lt=last)
    if level:
        rows = rows.filter(level=level)
    if center:
        rows = rows.filter(center__code=center.strip().upper())
    if root_cause:
        rows = rows.filter(root_cause=root_cause)
    if part:
        rows = rows.filter(part__number=part.strip().upper())
    if customer_type:
        rows = rows.filter(customer_type=customer_type)
    return rows.order_by("-closed_at", "-id")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month 'YYYY-MM' as [first instant, first instant of the next month) in local time."""
    day = parse_month(month)
    first = datetime(day.year, day.month, 1, tzinfo=timezone.get_current_timezone())
    return first, first.replace(year=day.year + (day.month == 12), month=day.month % 12 + 1)


def monthly_review(user: User, month: str) -> dict[str, Any]:
    """The month's emergencies: cases and extra cost by level, the parts that ran out most, root
    causes, delivery hours, satisfaction, and the parts flagged for the forecast review."""
    rows = list(ledger(user, month=month).values(
        "level", "extra_cost", "hours_to_delivery", "satisfaction", "root_cause", "part__number",
        "part__name_zh", "part__name_en", "center__code", "customer_type"))
    by_level = {lv: {"cases": 0, "extra_cost": Decimal(0), "hours": []} for lv in (1, 2, 3)}
    parts: dict[str, dict[str, Any]] = {}
    causes: dict[str, int] = {}
    for r in rows:
        entry = by_level[r["level"]]
        entry["cases"] += 1
        entry["extra_cost"] += r["extra_cost"]
        if r["hours_to_delivery"] is not None:
            entry["hours"].append(float(r["hours_to_delivery"]))
        p = parts.setdefault(r["part__number"], {"part": r["part__number"], "name_zh": r["part__name_zh"],
                                                  "name_en": r["part__name_en"], "cases": 0,
                                                  "forecast_miss": False, "centers": set()})
        p["cases"] += 1
        p["centers"].add(r["center__code"])
        p["forecast_miss"] = p["forecast_miss"] or r["root_cause"] == "forecast_miss"
        causes[r["root_cause"]] = causes.get(r["root_cause"], 0) + 1
    levels = []
    for lv, entry in by_level.items():
        hours = sorted(entry["hours"])
        levels.append({"level": lv, "cases": entry["cases"], "extra_cost": entry["extra_cost"],
                       "mean_hours": round(sum(hours) / len(hours), 1) if hours else None,
                       "max_hours": hours[-1] if hours else None})
    scores = [r["satisfaction"] for r in rows if r["satisfaction"] is not None]
    top = sorted(parts.values(), key=lambda p: (-p["cases"], p["part"]))
    for p in top:
        p["centers"] = sorted(p["centers"])
    return {
        "month": month, "cases": len(rows), "extra_cost": sum((r["extra_cost"] for r in rows), Decimal(0)),
        "by_level": levels, "parts": top[:10],
        "root_causes": sorted(({"root_cause": k, "cases": v} for k, v in causes.items()),
                              key=lambda c: (-c["cases"], c["root_cause"])),
        "mean_satisfaction": round(sum(scores) / len(scores), 1) if scores else None,
        "forecast_review": [p for p in top if p["forecast_miss"]],
    }


def forecast_review_parts(since: datetime | None = None, until: datetime | None = None) -> QuerySet[EmergencyCase]:
    """Closed cases whose root cause was a forecast miss (closed from ``since``, before ``until``):
    their parts go to the forecast review."""
    rows = EmergencyCase.objects.filter(status=EmergencyCase.Status.CLOSED, root_cause="forecast_miss")
    if since is not None:
        rows = rows.filter(closed_at__gte=since)
    if until is not None:
        rows = rows.filter(closed_at__lt=until)
    return rows.select_related("part", "center").order_by("-closed_at")


def budget_report(user: User, quarter: str) -> list[dict[str, Any]]:
    """Per center: granted, drawn, remaining, cases, draws above the cap or beyond the budget."""
    from partspool.emergencies.models import BudgetDraw, EmergencyBudget
    from partspool.network.models import Node

    managed = managed_node_ids(user)
    budgets = EmergencyBudget.objects.filter(quarter=quarter)
    draws = BudgetDraw.objects.filter(quarter=quarter)
    if managed is not None:
        budgets, draws = budgets.filter(center_id__in=managed), draws.filter(center_id__in=managed)
    granted = dict(budgets.values_list("center_id", "amount"))
    used: dict[int, dict[str, Any]] = {}
    for d in draws.values("center_id", "amount", "over_cap", "beyond_budget"):
        u = used.setdefault(d["center_id"], {"drawn": Decimal(0), "cases": 0, "over_cap": 0, "beyond_budget": 0})
        u["drawn"] += d["amount"]
        u["cases"] += 1
        u["over_cap"] += d["over_cap"]
        u["beyond_budget"] += d["beyond_budget"]
    nodes = Node.objects.in_bulk(set(granted) | set(used))
    rows = []
    for node_id, node in sorted(nodes.items(), key=lambda kv: kv[1].code):
        u = used.get(node_id, {"drawn": Decimal(0), "cases": 0, "over_cap": 0, "beyond_budget": 0})
        amount = granted.get(node_id, Decimal(0))
        rows.append({"center": node.code, "center_name": node.name, "quarter": quarter, "granted": amount,
                     "drawn": u["drawn"], "remaining": amount - u["drawn"],
                     "used_share": round(float(u["drawn"] / amount), 3) if amount else None,
                     "cases": u["cases"], "over_cap": u["over_cap"], "beyond_budget": u["beyond_budget"]})
    return rows


def overdue_cases(user: User, limit: int = 200) -> list[tuple[EmergencyCase, list[Clock]]]:
    """Open cases the user can see with at least one overdue clock, most urgent level first.

    Asked by the nav badge on every page and by the dashboard: computed once per request's user."""
    cached: list[tuple[EmergencyCase, list[Clock]]] | None = getattr(user, "_partspool_overdue", None)
    if cached is not None:
        return cached
    found = []
    for case in visible_cases(user).exclude(status__in=[EmergencyCase.Status.CLOSED,
                                                        EmergencyCase.Status.CANCELLED])[:limit]:
        late = [c for c in case_clocks(case) if c.state == "overdue"]
        if late:
            found.append((case, late))
    found.sort(key=lambda pair: (pair[0].level, pair[0].deadline))
    user._partspool_overdue = found  # type: ignore[union-attr]
    return found
