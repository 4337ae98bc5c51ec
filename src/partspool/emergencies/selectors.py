"""Reads of emergency cases: visibility, the level's grant and the SOP clocks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.core.clocks import CaseEvents, Clock, clocks
from partspool.core.triage import Level, LevelGrant, default_grants
from partspool.emergencies.models import EmergencyCase
from partspool.errors import NotFound

if TYPE_CHECKING:
    from partspool.accounts.models import User


def visible_cases(user: User) -> QuerySet[EmergencyCase]:
    require_role(user)
    rows = EmergencyCase.objects.select_related("center", "part", "opened_by")
    managed = managed_node_ids(user)
    return rows if managed is None else rows.filter(center_id__in=managed)


def case_get(*, user: User, case_id: int) -> EmergencyCase:
    case = visible_cases(user).filter(pk=case_id).first()
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
