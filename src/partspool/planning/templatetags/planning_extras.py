"""Template filters of the planning pages."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage with ``digits`` decimals, cut rather than rounded below 100%, so a fill rate
    just short of its target never shows as reaching it (99.86% against 99.9% shows 99.8%, not 100% or
    99.9%); '—' for no value."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(share):
        return "—"
    scale = 10 ** int(digits)
    shown = math.floor(share * 100 * scale + 1e-6) / scale if share < 1 else round(share * 100, int(digits))
    return f"{shown:.{int(digits)}f}%"


@register.filter
def percent_number(value: Any) -> str:
    """A share as the number of a percentage, with the decimals it has (0.7 → 70, 0.955 → 95.5, 0.001 → 0.1),
    for a sentence that writes the % itself; '—' for no value."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return "—"
    return f"{round(100 * share, 4):g}" if math.isfinite(share) else "—"
