"""The ledger and the quarterly budget report as XLSX, headers in the user's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from partspool.emergencies.models import EmergencyCase
from partspool.network.exports import table_xlsx


def ledger_xlsx(rows: QuerySet[EmergencyCase]) -> bytes:
    header = [_("Case"), _("Closed"), _("Center"), _("Part number"), _("Part"), _("Quantity"),
              _("Customer type"), _("Level"), _("Source"), _("Extra cost"), _("Hours to delivery"),
              _("Satisfaction"), _("Root cause"), _("Root cause in words"), _("Improvement taken")]

    def lines() -> Iterable[list[Any]]:
        for c in rows.iterator(chunk_size=2000):
            yield [c.number, timezone.localtime(c.closed_at).replace(tzinfo=None) if c.closed_at else None,
                   c.center.code, c.part.number, c.part.name, c.quantity, str(c.get_customer_type_display()),
                   c.level, c.source_summary, float(c.extra_cost),
                   None if c.hours_to_delivery is None else float(c.hours_to_delivery), c.satisfaction,
                   str(c.get_root_cause_display()), c.root_cause_note, c.improvement]

    return table_xlsx(_("Ledger"), header, lines())


def budget_xlsx(rows: list[dict[str, Any]]) -> bytes:
    header = [_("Center"), _("Name"), _("Quarter"), _("Granted"), _("Drawn"), _("Remaining"), _("Share used"),
              _("Cases"), _("Above the level's cap"), _("Beyond the budget")]
    return table_xlsx(_("Emergency budget"), header, (
        [r["center"], r["center_name"], r["quarter"], float(r["granted"]), float(r["drawn"]),
         float(r["remaining"]), r["used_share"], r["cases"], r["over_cap"], r["beyond_budget"]] for r in rows))
