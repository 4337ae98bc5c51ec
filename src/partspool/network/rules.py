"""Settings per concern: the SPEC's defaults, overridden by what an admin stored in ``RuleSet``."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeVar

from partspool.core.geo import GeoRules, TransportMode
from partspool.core.lookup import LookupRules
from partspool.network.models import RuleSet

T = TypeVar("T")


def _stored(key: str) -> dict[str, Any]:
    row = RuleSet.objects.filter(key=key).values_list("values", flat=True).first()
    return row if isinstance(row, dict) else {}


def _merge(default: T, stored: dict[str, Any]) -> T:
    names = {f.name for f in fields(default)}  # type: ignore[arg-type]
    return replace(default, **{k: v for k, v in stored.items() if k in names})  # type: ignore[type-var]


def geo_rules() -> GeoRules:
    stored = dict(_stored("geo"))
    if "modes" in stored:
        stored["modes"] = tuple(TransportMode(**mode) for mode in stored["modes"])
    return _merge(GeoRules(), stored)


def lookup_rules() -> LookupRules:
    return _merge(LookupRules(), _stored("lookup"))
