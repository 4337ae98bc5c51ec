"""The imported tables, out to XLSX or CSV with the same column names (a file exported can be re-imported)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.core.tabular import FORMULA_START
from partspool.errors import InvalidInput, NotFound, NotPermitted
from partspool.network.models import (
    DemandRecord,
    DistanceOverride,
    FailureReport,
    InTransitShipment,
    Stock,
)

if TYPE_CHECKING:
    from partspool.accounts.models import User

EXPORT_KINDS = ("stock", "demand", "failures", "in_transit", "distances")


def _local(value: Any) -> Any:
    """Spreadsheets have no time zones: write local wall-clock time without an offset."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _rows(kind: str, managed: set[int] | None) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    def scoped(qs: Any, field: str = "node_id") -> Any:
        return qs if managed is None else qs.filter(**{f"{field}__in": managed})

    if kind == "stock":
        qs = scoped(Stock.objects.all()).order_by("node__code", "part__number").values_list(
            "node__code", "part__number", "on_hand", "reserved", "in_transit", "confirmed_at")
        header = ["node", "part", "on_hand", "reserved", "in_transit", "available", "confirmed_at"]
        return header, (
            (n, p, oh, r, it, oh - r, _local(c)) for n, p, oh, r, it, c in qs.iterator(chunk_size=5000)
        )
    if kind == "demand":
        qs = scoped(DemandRecord.objects.all()).order_by("node__code", "part__number", "month").values_list(
            "node__code", "part__number", "month", "quantity")
        return ["node", "part", "month", "quantity"], (
            (n, p, m.strftime("%Y-%m"), q) for n, p, m, q in qs.iterator(chunk_size=5000))
    if kind == "failures":
        qs = scoped(FailureReport.objects.all()).order_by("reported_on", "id").values_list(
            "node__code", "part__number", "batch", "reported_on", "vehicle_model", "quantity", "vin")
        return ["node", "part", "batch", "date", "vehicle_model", "quantity", "vin"], qs.iterator(
            chunk_size=5000)
    if kind == "in_transit":
        qs = scoped(InTransitShipment.objects.all(), "destination_id").order_by("eta", "id").values_list(
            "shipment_no", "part__number", "quantity", "destination__code", "eta", "status")
        return ["shipment", "part", "quantity", "destination", "eta", "status"], (
            (s, p, q, d, _local(e), st) for s, p, q, d, e, st in qs.iterator(chunk_size=5000))
    if kind == "distances":
        if managed is not None:
            raise NotPermitted("import_kind", kind=kind)
        qs = DistanceOverride.objects.order_by("from_node__code", "to_node__code").values_list(
            "from_node__code", "to_node__code", "km", "hours")
        return ["from_node", "to_node", "km", "hours"], (
            (f, t, float(k), float(h)) for f, t, k, h in qs.iterator(chunk_size=5000))
    raise NotFound("unknown_kind", kind=kind)


def export_xlsx(*, user: User, kind: str) -> bytes:
    """One sheet named after the kind, the nodes the user manages (all for the supply chain)."""
    header, rows = _export_rows(user, kind)
    return table_xlsx(kind, header, rows)


def export_csv(*, user: User, kind: str) -> bytes:
    """The same table as ``export_xlsx``, as CSV in UTF-8 with a byte-order mark (so Excel in China
    reads the Chinese right; PartsPool's imports take it as it is)."""
    header, rows = _export_rows(user, kind)
    return table_csv(header, rows)


def _export_rows(user: User, kind: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    require_role(user)
    if kind not in EXPORT_KINDS:
        raise NotFound("unknown_kind", kind=kind)
    return _rows(kind, managed_node_ids(user))


def table_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A header row, then the rows; times to the second, as the imports read them. A text cell that starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe so a spreadsheet never runs it
    as a formula, and so does one that starts with an apostrophe (the imports take one off again)."""
    out = io.StringIO()
    writer = csv.writer(out)  # CRLF, so a value holding a line break of either kind is quoted

    def cell(value: Any) -> Any:
        if isinstance(value, str) and value[:1] and value[:1] in (*FORMULA_START, "'"):
            return "'" + value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value

    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def table_xlsx(title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """One sheet: a header row, then the rows (streamed); see ``workbook_xlsx``."""
    return workbook_xlsx([(title, header, rows)])


def workbook_xlsx(sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> bytes:
    """Sheets in order, each a title, a header row and its rows (streamed). Text is always written as
    text: a note that starts with "=" stays words and never becomes a formula in the planner's Excel,
    and control characters Excel cannot hold are dropped rather than breaking the file."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])

        def cell(value: Any, sheet: Any = sheet) -> Any:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if isinstance(value, str) and value.startswith("="):
                written = WriteOnlyCell(sheet, value=value)
                written.data_type = "s"
                return written
            return value

        sheet.append([cell(v) for v in header])
        for row in rows:
            sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    """A file to save: XLSX, or PDF / CSV when the name ends in .pdf / .csv."""
    kind = "application/pdf" if filename.endswith(".pdf") else "text/csv; charset=utf-8" \
        if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(*, user: User, kind: str, fmt: str = "xlsx") -> HttpResponse:
    """The export as a download (``fmt`` xlsx or csv), for the page and the API alike."""
    if fmt == "csv":
        return download(export_csv(user=user, kind=kind), f"partspool-{kind}.csv")
    if fmt != "xlsx":
        raise InvalidInput("unknown_format", format=fmt)
    return download(export_xlsx(user=user, kind=kind), f"partspool-{kind}.xlsx")
