"""The planning settings a planner may change, turned into the core's rule objects.

One row of ``PlanningSettings`` holds them; without a row the source's defaults apply. A change is
checked whole (every field, then the rules built from them) before anything is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext

from partspool.accounts.permissions import CENTRAL_ROLES, require_role
from partspool.core.policy import AbcClass, AbcRules, KpiTargets, ReplenishmentRules, ServicePolicies
from partspool.errors import InvalidInput, NotPermitted
from partspool.planning.models import PlanningSettings

if TYPE_CHECKING:
    from partspool.accounts.models import User

EDITABLE = tuple(f.name for f in PlanningSettings._meta.get_fields()
                 if f.concrete and f.name not in ("id", "updated_at", "updated_by"))
KPI_FIELDS = {"availability": "kpi_availability", "turnover": "kpi_turnover", "overstock": "kpi_overstock",
              "emergency_cost_share": "kpi_emergency_cost_share", "supplier_on_time": "kpi_supplier_on_time",
              "satisfaction": "kpi_satisfaction", "nps": "kpi_nps", "first_time_fix": "kpi_first_time_fix"}


def current() -> PlanningSettings:
    """The settings in force: the saved row, or the defaults (unsaved) when none was saved yet."""
    return PlanningSettings.objects.select_related("updated_by").order_by("pk").first() or PlanningSettings()


def abc_rules(s: PlanningSettings, basis: str | None = None) -> AbcRules:
    """The ABC cut-offs; ``basis`` (``quantity`` or ``value``) overrides the saved one for one view."""
    chosen = basis or s.abc_basis
    if chosen not in ("quantity", "value"):
        raise InvalidInput("invalid_choice", field=gettext("the ABC basis (quantity or value)"), value=chosen,
                           parameter="basis")
    return AbcRules(a_cut=s.abc_a_cut, b_cut=s.abc_b_cut, basis=chosen)  # type: ignore[arg-type]


def service_policies(s: PlanningSettings) -> ServicePolicies:
    """Each class's promise (availability, delivery days) with the saved targets."""
    defaults = ServicePolicies()
    classes = {c: replace(defaults.for_class(c), target_availability=getattr(s, f"service_{c.lower()}"),
                          delivery_days=getattr(s, f"days_{c.lower()}")) for c in ("A", "B", "C")}
    return ServicePolicies(MappingProxyType({AbcClass(c): v for c, v in classes.items()}))


def kpi_targets(s: PlanningSettings) -> KpiTargets:
    return KpiTargets(**{kpi: getattr(s, field) for kpi, field in KPI_FIELDS.items()})


def replenishment_rules(s: PlanningSettings) -> ReplenishmentRules:
    """The margin above a level before stock counts as surplus (and as overstock)."""
    return ReplenishmentRules(margin_units=s.surplus_margin_units, margin_share=s.surplus_margin_share)


def annual_factors(s: PlanningSettings) -> dict[str, float]:
    """The annual plan's factors, as ``Scenario`` fields."""
    return {"seasonal_weight": s.annual_seasonal_weight, "growth_lower_factor": s.annual_growth_lower_factor,
            "cohort_uplift": s.annual_cohort_uplift, "heat_uplift": s.annual_heat_uplift}


def accuracy_targets(s: PlanningSettings) -> dict[str, float]:
    """Forecast-accuracy targets per class (the SPEC: A 80%, B 70%; C has none)."""
    return {"A": s.accuracy_a, "B": s.accuracy_b}


def as_dict(s: PlanningSettings) -> dict[str, Any]:
    return {name: getattr(s, name) for name in EDITABLE} | {
        "updated_at": s.updated_at.isoformat() if s.updated_at else None,
        "updated_by": s.updated_by.username if s.updated_by_id else None}


def update(*, user: User, changes: Mapping[str, Any], shown: Mapping[str, str] | None = None) -> PlanningSettings:
    """Change some settings (supply chain only). Every value is checked, and the ABC cut-offs and
    class targets together, before the row is saved; a bad value changes nothing. ``shown``: per setting
    changed, the value the user's page showed; one changed by someone else since is refused
    (``settings_changed_since``), not overwritten unseen."""
    require_role(user)
    if user.role not in CENTRAL_ROLES:
        raise NotPermitted("planning_settings_role")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput("unknown_setting", field=", ".join(unknown))
    try:
        return _save(user, changes, shown or {})
    except IntegrityError:  # two first saves at once: the other one made row 1, so change that
        return _save(user, changes, shown or {})


def _label(name: str) -> str:
    return str(PlanningSettings._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _value(name: str, raw: Any) -> Any:
    """A setting's new value from a form or JSON, or the error naming the setting."""
    field = PlanningSettings._meta.get_field(name)
    if getattr(field, "choices", None):  # a choice (ABC basis, review): checked against them when saved
        return str(raw)
    if isinstance(raw, bool):
        raise InvalidInput("setting_not_number", field=_label(name), setting=name, value=raw)
    if isinstance(field, models.IntegerField) and isinstance(raw, str):  # "3.0" typed for a count of days
        try:
            number = float(raw)
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):
            if not number.is_integer():
                raise InvalidInput("setting_not_whole", field=_label(name), setting=name, value=raw)
            raw = int(number)
    try:
        value = field.to_python(raw)  # type: ignore[union-attr]
    except ValidationError:
        raise InvalidInput("setting_not_number", field=_label(name), setting=name, value=raw) from None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput("setting_not_number", field=_label(name), setting=name, value=raw)
    if isinstance(field, models.IntegerField) and isinstance(raw, float) and not raw.is_integer():
        raise InvalidInput("setting_not_whole", field=_label(name), setting=name, value=raw)
    return value


def _save(user: User, changes: Mapping[str, Any], shown: Mapping[str, str]) -> PlanningSettings:
    with transaction.atomic():
        # one row: the first save creates it as pk 1 (a second first save at once fails and retries)
        row = PlanningSettings.objects.select_for_update().order_by("pk").first() or PlanningSettings(pk=1)
        for name, was in shown.items():
            if str(getattr(row, name)) != was:
                raise InvalidInput("settings_changed_since", field=_label(name), value=str(getattr(row, name)),
                                   shown=was, who=row.updated_by.username if row.updated_by else "—")
        for name, raw in changes.items():
            setattr(row, name, _value(name, raw))
        try:
            row.full_clean(exclude=["updated_by"], validate_unique=False)
        except ValidationError as error:
            fields = {k: v for k, v in error.message_dict.items() if k != NON_FIELD_ERRORS}
            if not fields:
                raise InvalidInput("abc_cuts", a=row.abc_a_cut, b=row.abc_b_cut) from None
            name, problems = next(iter(fields.items()))
            raise InvalidInput("setting_invalid", field=_label(name), setting=name, value=getattr(row, name, ""),
                               detail=" ".join(problems)) from None
        row.updated_by = user
        row.save(force_insert=row._state.adding)
    return row
