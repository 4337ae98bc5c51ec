"""Settings per concern: the SPEC's defaults, overridden by what an admin stored in ``RuleSet``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields, replace
from typing import Any, TypeVar

from partspool.core.geo import GeoRules, TransportMode
from partspool.core.lookup import LookupRules
from partspool.core.triage import TriageRules
from partspool.network.models import RuleSet

T = TypeVar("T")


def _stored(key: str) -> dict[str, Any]:
    row = RuleSet.objects.filter(key=key).values_list("values", flat=True).first()
    return row if isinstance(row, dict) else {}


def merge_rules(default: T, stored: dict[str, Any]) -> T:
    """The default settings object with the stored values over it; unknown keys or bad numbers refused."""
    names = {f.name for f in fields(default)}  # type: ignore[arg-type]
    unknown = set(stored) - names
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    merged = replace(default, **stored)  # type: ignore[type-var]
    for f in fields(merged):  # type: ignore[arg-type]
        value, wanted = getattr(merged, f.name), type(getattr(default, f.name))
        if wanted in (int, float) and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
            raise ValueError(f"{f.name} must be a non-negative number")
    return merged


def build_geo(values: dict[str, Any]) -> GeoRules:
    values = dict(values)
    if "modes" in values:
        try:
            values["modes"] = tuple(TransportMode(**mode) for mode in values["modes"])
        except TypeError as error:
            raise ValueError(f"modes: {error}") from error
        if not values["modes"] or any(m.speed_kmh <= 0 for m in values["modes"]):
            raise ValueError("modes: at least one mode, each with a speed above 0")
    return merge_rules(GeoRules(), values)


def build_lookup(values: dict[str, Any]) -> LookupRules:
    return merge_rules(LookupRules(), values)


def build_triage(values: dict[str, Any]) -> TriageRules:
    return merge_rules(TriageRules(), values)


BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "geo": build_geo, "lookup": build_lookup, "triage": build_triage,
}
DEFAULTS: dict[str, Callable[[], Any]] = {"geo": GeoRules, "lookup": LookupRules, "triage": TriageRules}


def defaults_as_json(key: str) -> dict[str, Any]:
    """The defaults of a concern as the JSON an admin edits."""
    return asdict(DEFAULTS[key]())


def geo_rules() -> GeoRules:
    return build_geo(_stored("geo"))


def lookup_rules() -> LookupRules:
    return build_lookup(_stored("lookup"))
