"""Opening and triaging emergency cases, overrides, and the SOP steps that stop the clocks."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from partspool.accounts.permissions import CENTRAL_ROLES, can_manage_node, require_role
from partspool.core.sourcing import PlanLine, SourceKind
from partspool.core.transfer_flow import Deal
from partspool.core.triage import (
    BusinessImpact,
    CaseFacts,
    CustomerType,
    Level,
    OpinionRisk,
    SafetyRisk,
    Triage,
    TriageRules,
    override,
    triage,
)
from partspool.emergencies.models import (
    BudgetDraw,
    CaseApproval,
    CaseEvent,
    EmergencyBudget,
    EmergencyCase,
)
from partspool.emergencies.selectors import grant_for
from partspool.emergencies.sourcing import CaseSources, candidate_key, case_sources
from partspool.errors import InsufficientStock, InvalidInput, NotPermitted
from partspool.network.models import Node, Part, RuleSet
from partspool.network.rules import build_triage

if TYPE_CHECKING:
    from partspool.accounts.models import User

# The safety factor defaults from the part's category (a manager may change it).
CATEGORY_SAFETY = {
    "brakes": SafetyRisk.HIGH, "steering": SafetyRisk.HIGH, "hv_battery": SafetyRisk.HIGH,
    "battery_12v": SafetyRisk.HIGH, "air_conditioning": SafetyRisk.MEDIUM, "interior": SafetyRisk.MEDIUM,
    "suspension": SafetyRisk.MEDIUM, "electric_drive": SafetyRisk.MEDIUM,
}
REPEAT_COMPLAINER = 2  # earlier complaints from which a customer counts as a repeat complainer
QUARTER = re.compile(r"\d{4}Q[1-4]")
ROOT_CAUSES = {value for value, _label in EmergencyCase._meta.get_field("root_cause").choices}  # type: ignore[union-attr]


def triage_rules() -> TriageRules:
    stored = RuleSet.objects.filter(key="triage").values_list("values", flat=True).first()
    return build_triage(stored if isinstance(stored, dict) else {})


def default_safety(part: Part) -> SafetyRisk:
    return CATEGORY_SAFETY.get(part.category, SafetyRisk.LOW)


def default_opinion(customer_type: str, complaints: int) -> OpinionRisk:
    if customer_type == CustomerType.INFLUENCER or complaints >= REPEAT_COMPLAINER:
        return OpinionRisk.HIGH
    return OpinionRisk.MEDIUM if complaints == 1 else OpinionRisk.LOW


def default_impact(customer_type: str) -> BusinessImpact:
    return BusinessImpact.SEVERE if customer_type == CustomerType.ENTERPRISE else BusinessImpact.MINOR


def triage_as_json(result: Triage) -> dict[str, Any]:
    return {
        "level": int(result.level), "rule": result.rule,
        "computed_level": int(result.computed_level),
        "grades": [{**asdict(g), "factor": str(g.factor)} for g in result.grades],
        "fired": [str(g.factor) for g in result.fired],
        "override_reason": result.override_reason,
    }


def case_open(*, user: User, center: Node, customer_name: str, customer_type: str, ltv: Decimal,
              part: Part, quantity: int, deadline: datetime, vehicle_usable: bool = True,
              followers: int = 0, complaints: int = 0, safety: str | None = None,
              opinion: str | None = None, impact: str | None = None) -> EmergencyCase:
    """Open a case and set its response level from the five factors, with the reasons kept."""
    require_role(user)
    if not can_manage_node(user, center):
        raise NotPermitted("node_not_managed", node=center.code)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("quantity_not_positive", quantity=quantity)
    if not customer_name.strip():
        raise InvalidInput("customer_required")
    if customer_type not in set(CustomerType):
        raise InvalidInput("invalid_choice", field="customer_type", value=customer_type)
    if ltv < 0:
        raise InvalidInput("negative_amount")
    if timezone.is_naive(deadline):
        raise InvalidInput("deadline_needs_time_zone")
    now = timezone.now()
    if deadline <= now:
        raise InvalidInput("deadline_in_past")
    try:
        facts = CaseFacts(
            customer_type=CustomerType(customer_type), ltv=ltv,
            hours_to_deadline=(deadline - now).total_seconds() / 3600, vehicle_usable=vehicle_usable,
            safety=SafetyRisk(safety) if safety else default_safety(part),
            opinion=OpinionRisk(opinion) if opinion else default_opinion(customer_type, complaints),
            impact=BusinessImpact(impact) if impact else default_impact(customer_type),
        )
    except ValueError as error:
        raise InvalidInput("invalid_choice", field="risk", value=str(error)) from None
    result = triage(facts, triage_rules())
    with transaction.atomic():
        case = EmergencyCase.objects.create(
            center=center, opened_by=user, customer_name=customer_name.strip()[:100],
            customer_type=customer_type, ltv=ltv, followers=followers, complaints=complaints, part=part,
            quantity=quantity, deadline=deadline, vehicle_usable=vehicle_usable, safety=str(facts.safety),
            opinion=str(facts.opinion), impact=str(facts.impact), computed_level=int(result.level),
            level=int(result.level), triage=triage_as_json(result),
        )
        CaseEvent.objects.create(case=case, kind="opened", by=user, data={"level": int(result.level),
                                                                          "rule": result.rule})
    return case


def _locked(case_id: int, user: User) -> EmergencyCase:
    case = EmergencyCase.objects.select_for_update(of=("self",)).select_related("center", "part").get(pk=case_id)
    require_role(user)
    if not can_manage_node(user, case.center):
        raise NotPermitted("node_not_managed", node=case.center.code)
    return case


def case_override(*, case_id: int, user: User, level: int, reason: str) -> EmergencyCase:
    """A manager sets another level; the written reason and the computed level are kept."""
    if level not in (1, 2, 3):
        raise InvalidInput("invalid_choice", field="level", value=level)
    if not reason.strip():
        raise InvalidInput("override_reason_required")
    with transaction.atomic():
        case = _locked(case_id, user)
        computed = Triage(level=Level(case.computed_level), grades=(), fired=(), rule=case.triage.get("rule", ""))
        result = override(computed, Level(level), reason.strip())
        case.level, case.override_reason = int(result.level), result.override_reason
        case.triage = {**case.triage, "level": int(result.level), "override_reason": result.override_reason}
        case.save(update_fields=["level", "override_reason", "triage"])
        CaseEvent.objects.create(case=case, kind="override", by=user, note=reason.strip(),
                                 data={"from": case.computed_level, "to": level})
    return case


STEPS = {
    "assessed": "assessed_at",
    "sourcing_started": "sourcing_started_at",
    "source_found": "source_found_at",
    "arrived": "arrived_at",
    "customer_updated": "last_customer_update_at",
}


def case_step(*, case_id: int, user: User, step: str, note: str = "") -> EmergencyCase:
    """Record an SOP step (stops or resets its clock). Customer updates may repeat; others happen once."""
    if step not in STEPS:
        raise InvalidInput("invalid_choice", field="step", value=step)
    with transaction.atomic():
        case = _locked(case_id, user)
        field = STEPS[step]
        if step != "customer_updated" and getattr(case, field) is not None:
            raise InvalidInput("step_already_done", step=step)
        setattr(case, field, timezone.now())
        status = {"sourcing_started": EmergencyCase.Status.SOURCING,
                  "source_found": EmergencyCase.Status.SOURCE_FOUND,
                  "arrived": EmergencyCase.Status.ARRIVED}.get(step)
        fields = [field]
        if status is not None:
            case.status = status
            fields.append("status")
        case.save(update_fields=fields)
        CaseEvent.objects.create(case=case, kind=step, by=user, note=note)
    return case



# --- approvals -------------------------------------------------------------------------------------


def case_approve(*, case_id: int, user: User, code: str, approver: str = "", note: str = "",
                 amount: Decimal | None = None) -> CaseApproval:
    """Record an approval. The center records its own (a sales manager, the customer, a broker
    check, naming who gave it); only the supply chain (planner, admin) approves extra cost."""
    if code not in CaseApproval.Code.values:
        raise InvalidInput("invalid_choice", field="approval", value=code)
    if amount is not None and amount < 0:
        raise InvalidInput("negative_amount")
    with transaction.atomic():
        if code == CaseApproval.Code.BUDGET:
            require_role(user)
            case = EmergencyCase.objects.select_for_update(of=("self",)).get(pk=case_id)
            if user.role not in CENTRAL_ROLES:
                raise NotPermitted("budget_approval_role")
        else:
            case = _locked(case_id, user)
            if not approver.strip():
                raise InvalidInput("approver_required")
        if case.status in (EmergencyCase.Status.CLOSED, EmergencyCase.Status.CANCELLED):
            raise InvalidInput("case_closed")
        if CaseApproval.objects.filter(case=case, code=code).exists():
            raise InvalidInput("approval_exists", approval=code)
        approval = CaseApproval.objects.create(case=case, code=code, granted_by=user, note=note.strip(),
                                               approver=(approver.strip() or user.get_username())[:100],
                                               amount=amount)
        CaseEvent.objects.create(case=case, kind="approval", by=user, note=note.strip(),
                                 data={"code": code, "approver": approval.approver,
                                       "amount": None if amount is None else str(amount)})
    return approval


# --- the quarterly budget --------------------------------------------------------------------------


def quarter_label(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def check_quarter(quarter: str) -> str:
    if not QUARTER.fullmatch(quarter or ""):
        raise InvalidInput("invalid_quarter", quarter=quarter)
    return quarter


def budget_set(*, user: User, center: Node, quarter: str, amount: Decimal) -> EmergencyBudget:
    """The supply chain grants (or changes) a center's emergency budget for a quarter."""
    require_role(user)
    if user.role not in CENTRAL_ROLES:
        raise NotPermitted("budget_grant_role")
    check_quarter(quarter)
    if not amount.is_finite() or amount < 0:
        raise InvalidInput("negative_amount")
    if center.kind != Node.Kind.SERVICE_CENTER:
        raise InvalidInput("budget_for_centers")
    budget, _created = EmergencyBudget.objects.update_or_create(
        center=center, quarter=quarter, defaults={"amount": amount, "granted_by": user})
    return budget


@dataclass(frozen=True)
class BudgetCheck:
    quarter: str
    granted: Decimal
    drawn: Decimal  # by other cases
    remaining: Decimal
    cap: Decimal
    amount: Decimal
    over_cap: bool
    beyond_budget: bool

    @property
    def needs_approval(self) -> bool:
        return self.over_cap or self.beyond_budget


def budget_check(case: EmergencyCase, amount: Decimal) -> BudgetCheck:
    """What drawing ``amount`` for the case means: above the level's cap? beyond what is left?"""
    quarter = quarter_label(timezone.localdate(case.opened_at))
    granted = EmergencyBudget.objects.filter(center_id=case.center_id, quarter=quarter).values_list(
        "amount", flat=True).first() or Decimal(0)
    drawn = BudgetDraw.objects.filter(center_id=case.center_id, quarter=quarter).exclude(case=case).aggregate(
        total=Sum("amount"))["total"] or Decimal(0)
    remaining = granted - drawn
    cap = grant_for(case).extra_cost_cap
    return BudgetCheck(quarter=quarter, granted=granted, drawn=drawn, remaining=remaining, cap=cap,
                       amount=amount, over_cap=amount > cap, beyond_budget=amount > max(remaining, Decimal(0)))


def _draw(case: EmergencyCase, amount: Decimal) -> BudgetCheck:
    """Take ``amount`` for the case from its budget; refused without the supply chain's approval
    when it is above the level's cap or beyond the remaining budget. Call inside a transaction
    with the case locked."""
    # One draw at a time per center and quarter: lock the budget row (when there is one).
    quarter = quarter_label(timezone.localdate(case.opened_at))
    list(EmergencyBudget.objects.select_for_update().filter(center_id=case.center_id, quarter=quarter))
    check = budget_check(case, amount)
    if check.needs_approval and amount > 0:
        approval = CaseApproval.objects.filter(case=case, code=CaseApproval.Code.BUDGET).first()
        if approval is None or (approval.amount is not None and approval.amount < amount):
            raise InvalidInput("budget_approval_needed", amount=amount, cap=check.cap,
                               remaining=max(check.remaining, Decimal(0)),
                               approved=None if approval is None else approval.amount)
    BudgetDraw.objects.update_or_create(case=case, defaults={
        "center_id": case.center_id, "quarter": check.quarter, "amount": amount,
        "over_cap": check.over_cap, "beyond_budget": check.beyond_budget})
    return check


# --- the plan becomes transfer requests -----------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """A line picked by hand: a candidate (by its key) and how many from it."""

    key: str
    quantity: int


def _plan_lines(case: EmergencyCase, picks: list[Pick] | None) -> tuple[list[PlanLine], CaseSources]:
    found = case_sources(case)
    if picks is None:
        if not found.plan.lines:
            raise InvalidInput("no_source")
        return list(found.plan.lines), found
    if not picks:
        raise InvalidInput("no_source")
    by_key = {candidate_key(c): c for c in found.candidates}
    lines: list[PlanLine] = []
    seen: set[str] = set()
    for pick in picks:
        candidate = by_key.get(pick.key)
        if candidate is None:
            raise InvalidInput("unknown_source", source=pick.key)
        if pick.key in seen:
            raise InvalidInput("duplicate_source", source=pick.key)
        seen.add(pick.key)
        if not candidate.feasible:
            raise InvalidInput("source_not_usable", source=pick.key, reasons=", ".join(candidate.reasons))
        if isinstance(pick.quantity, bool) or pick.quantity <= 0:
            raise InvalidInput("quantity_not_positive", quantity=pick.quantity)
        if pick.quantity > candidate.available:
            raise InsufficientStock("source_short", source=pick.key, available=candidate.available,
                                    quantity=pick.quantity)
        lines.append(PlanLine(candidate=candidate, quantity=pick.quantity, cost=candidate.cost_for(pick.quantity)))
    if sum(line.quantity for line in lines) > case.quantity:
        raise InvalidInput("plan_too_large", quantity=case.quantity)
    return lines, found


def case_commit_plan(*, case_id: int, user: User, picks: list[Pick] | None = None) -> EmergencyCase:
    """Turn the best plan (or the lines picked by hand) into transfer requests to the lenders, earmark
    in-transit shipments, book unusual sources, and draw the extra cost from the quarter's budget.
    All of it or nothing."""
    from partspool.transfers.models import TransferRequest
    from partspool.transfers.services import Terms, transfer_request

    with transaction.atomic():
        case = _locked(case_id, user)
        if case.status in (EmergencyCase.Status.CLOSED, EmergencyCase.Status.CANCELLED):
            raise InvalidInput("case_closed")
        if case.plan.get("committed_at"):
            raise InvalidInput("plan_already_committed")
        lines, _found = _plan_lines(case, picks)
        total = sum((line.cost for line in lines), Decimal(0))
        check = _draw(case, total)
        nodes = Node.objects.in_bulk({line.candidate.node_id for line in lines})
        parts = Part.objects.in_bulk({line.candidate.part_id for line in lines if line.candidate.part_id})
        group = uuid.uuid4().hex[:12]
        made: list[int] = []
        rows: list[dict[str, Any]] = []
        for line in lines:
            c = line.candidate
            row: dict[str, Any] = {"key": candidate_key(c), "kind": str(c.kind), "node": nodes[c.node_id].code,
                                   "quantity": line.quantity, "cost": str(line.cost),
                                   "eta_hours": round(c.eta_hours, 2), "mode": c.mode}
            if c.kind == SourceKind.STOCK:
                part = parts[c.part_id]  # type: ignore[index]
                transfer = transfer_request(
                    user=user, borrower=case.center, lender=nodes[c.node_id], part=part,
                    quantity=line.quantity, group=group,
                    terms=Terms(deal=Deal.COMPENSATION, freight=line.cost, needed_by=case.deadline,
                                reason=f"{case.number} · L{case.level}",
                                p0=case.level == 1 and case.opinion == EmergencyCase.Risk.HIGH))
                made.append(transfer.pk)
                row |= {"part": part.number, "transfer": transfer.pk}
            elif c.kind == SourceKind.INBOUND:
                row |= {"shipment": c.shipment_id, "part": case.part.number}
            else:
                row |= {"offer": c.offer_id, "part": case.part.number}
            rows.append(row)
        TransferRequest.objects.filter(pk__in=made).update(case=case)
        now = timezone.now()
        case.plan = {"committed_at": now.isoformat(), "lines": rows, "total_cost": str(total),
                     "covers": sum(line.quantity for line in lines) >= case.quantity,
                     "budget": {"quarter": check.quarter, "over_cap": check.over_cap,
                                "beyond_budget": check.beyond_budget}}
        case.extra_cost = total
        case.source_summary = ", ".join(f"{r['node']}×{r['quantity']}" if r["kind"] == "stock"
                                        else f"{r['kind']}×{r['quantity']}" for r in rows)[:200]
        for field in ("assessed_at", "sourcing_started_at", "source_found_at"):
            if getattr(case, field) is None:
                setattr(case, field, now)
        case.status = EmergencyCase.Status.SOURCE_FOUND
        case.save()
        CaseEvent.objects.create(case=case, kind="plan_committed", by=user,
                                 data={"transfers": made, "total_cost": str(total)})
    return case


# --- closing into the ledger -----------------------------------------------------------------------


def case_close(*, case_id: int, user: User, satisfaction: int, root_cause: str, root_cause_note: str = "",
               improvement: str = "", extra_cost: Decimal | None = None) -> EmergencyCase:
    """Close the case into the ledger (紧急调货台账). The extra cost actually spent (default: the plan's)
    is drawn from the budget with the same approval rule."""
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 0 <= satisfaction <= 10:
        raise InvalidInput("satisfaction_range", value=satisfaction)
    if root_cause not in ROOT_CAUSES:
        raise InvalidInput("invalid_choice", field="root_cause", value=root_cause)
    if root_cause == "other" and not root_cause_note.strip():
        raise InvalidInput("root_cause_note_required")
    if extra_cost is not None and (not extra_cost.is_finite() or extra_cost < 0):
        raise InvalidInput("negative_amount")
    with transaction.atomic():
        case = _locked(case_id, user)
        if case.status in (EmergencyCase.Status.CLOSED, EmergencyCase.Status.CANCELLED):
            raise InvalidInput("case_closed")
        now = timezone.now()
        if extra_cost is not None:
            _draw(case, extra_cost)
            case.extra_cost = extra_cost
        if case.arrived_at is None:
            case.arrived_at = now
        case.hours_to_delivery = Decimal(round((case.arrived_at - case.opened_at).total_seconds() / 3600, 1))
        case.closed_at, case.status = now, EmergencyCase.Status.CLOSED
        case.satisfaction, case.root_cause = satisfaction, root_cause
        case.root_cause_note, case.improvement = root_cause_note.strip(), improvement.strip()
        case.save()
        CaseEvent.objects.create(case=case, kind="closed", by=user, note=root_cause_note.strip(),
                                 data={"root_cause": root_cause, "satisfaction": satisfaction})
    return case


def case_cancel(*, case_id: int, user: User, reason: str) -> EmergencyCase:
    if not reason.strip():
        raise InvalidInput("cancel_reason_required")
    with transaction.atomic():
        case = _locked(case_id, user)
        if case.status in (EmergencyCase.Status.CLOSED, EmergencyCase.Status.CANCELLED):
            raise InvalidInput("case_closed")
        case.status, case.closed_at = EmergencyCase.Status.CANCELLED, timezone.now()
        case.save(update_fields=["status", "closed_at"])
        BudgetDraw.objects.filter(case=case).delete()
        # Requests not yet shipped are withdrawn (their reservations released); shipped ones go on.
        from partspool.transfers.models import TransferRequest
        from partspool.transfers.services import transfer_cancel

        for transfer_id in TransferRequest.objects.filter(case=case, status__in=["requested", "accepted"]).values_list(
                "pk", flat=True):
            transfer_cancel(transfer_id=transfer_id, user=user, reason=f"{case.number}: {reason.strip()}")
        CaseEvent.objects.create(case=case, kind="cancelled", by=user, note=reason.strip())
    return case
