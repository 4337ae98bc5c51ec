"""Opening and triaging emergency cases, overrides, and the SOP steps that stop the clocks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from partspool.accounts.permissions import can_manage_node, require_role
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
from partspool.emergencies.models import CaseEvent, EmergencyCase
from partspool.errors import InvalidInput, NotPermitted
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

