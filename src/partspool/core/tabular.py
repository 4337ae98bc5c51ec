"""Reading uploaded spreadsheets (CSV or XLSX) safely and checking them against a schema.

A file is read whole, every row is checked, and the result is either the clean records or the
complete list of problems (row, column, code, detail); callers write nothing when there is any
problem. Problem codes are stable strings that the interface translates.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves CSV as GBK/GB18030
MAX_ROWS = 200_000
MAX_UNZIPPED_RATIO = 50  # refuse XLSX files whose content inflates more than this (zip bombs)
MAX_QUANTITY = 1_000_000_000  # far above any real count, well inside the database's integer range
MAX_DECIMAL = Decimal("99999")  # distances (km) and lead times (hours)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: spreadsheet row (header is row 1), column, code, detail."""

    row: int | None
    column: str | None
    code: str
    detail: str = ""


class FileRejected(Exception):
    """The file as a whole cannot be read (too large, not a spreadsheet, empty)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


@dataclass
class Table:
    """Header and rows of a spreadsheet, values as read (str, int, float, datetime or None)."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values)


def _reject(code: str, detail: str = "") -> FileRejected:
    return FileRejected(Problem(None, None, code, detail))


def read_table(data: bytes, filename: str, max_bytes: int) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file.

    Args:
        data: the uploaded bytes.
        filename: the uploaded name (only its extension is looked at).
        max_bytes: the largest accepted size.

    Returns:
        The header (stripped, lower-cased) and the non-empty rows with their row numbers.

    Raises:
        FileRejected: file_too_large, empty_file, not_a_spreadsheet, too_many_rows.
    """
    if len(data) > max_bytes:
        raise _reject("file_too_large", f"{len(data)} > {max_bytes}")
    if not data.strip():
        raise _reject("empty_file")
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        if not name.endswith((".xlsx", ".xlsm")):
            raise _reject("not_a_spreadsheet", filename)
        raw_rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        raw_rows = _csv_rows(data)
    else:
        raise _reject("not_a_spreadsheet", filename)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(raw_rows, start=1):
        if header is None:
            if all(_blank(v) for v in values):
                continue
            header = [str(v).strip().lower() if v is not None else "" for v in values]
            continue
        if all(_blank(v) for v in values):
            continue
        rows.append((number, list(values)))
        if len(rows) > MAX_ROWS:
            raise _reject("too_many_rows", str(MAX_ROWS))
    if header is None:
        raise _reject("empty_file")
    return Table(header=header, rows=rows)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_rows(data: bytes) -> list[list[Any]]:
    if b"\x00" in data:
        raise _reject("not_a_spreadsheet", "binary content")
    text = None
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _reject("not_a_spreadsheet", "unknown text encoding")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise _reject("not_a_spreadsheet", str(exc)) from exc


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    import openpyxl  # imported here: only XLSX uploads pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _reject("not_a_spreadsheet", "damaged XLSX") from exc
    if inflated > MAX_UNZIPPED_RATIO * max(len(data), 1024 * 1024):
        raise _reject("not_a_spreadsheet", "content inflates too much")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise _reject("not_a_spreadsheet", type(exc).__name__) from exc
    try:
        sheet = book.worksheets[0]
        # Some exporters write a wrong <dimension> tag; read-only mode would trust it and lose rows.
        sheet.reset_dimensions()
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


# --- values ---------------------------------------------------------------------------------


class ValueProblem(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def parse_quantity(value: Any) -> int:
    """A whole, non-negative quantity."""
    if isinstance(value, bool):
        raise ValueProblem("not_a_number", str(value))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueProblem("not_a_number", str(value))
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueProblem("not_a_number", text) from None
    if not number.is_finite():
        raise ValueProblem("not_a_number", str(value))
    if number < 0:
        raise ValueProblem("negative", str(value))
    if number > MAX_QUANTITY:
        raise ValueProblem("too_large", str(value))
    if number != number.to_integral_value():
        raise ValueProblem("fractional", str(value))
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    """A non-negative decimal number (distances, hours, money)."""
    text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueProblem("not_a_number", text) from None
    if not number.is_finite():
        raise ValueProblem("not_a_number", text)
    if number < 0:
        raise ValueProblem("negative", text)
    if number > MAX_DECIMAL:
        raise ValueProblem("too_large", text)
    return number


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_DATETIME_RE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$"
)


def parse_date(value: Any) -> date:
    """A calendar date: 2026-11-03, 2026/11/03, 2026年11月3日, or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DATE_RE.match(text) or _DATETIME_RE.match(text)
    if not match:
        raise ValueProblem("bad_date", text)
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueProblem("bad_date", text) from None


def parse_month(value: Any) -> date:
    """The first day of a month: 2026-11, 2026/11, 2026年11月, or any date in that month."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = str(value).strip()
    match = _MONTH_RE.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return date(year, month, 1)
        raise ValueProblem("bad_date", text)
    day = parse_date(text)
    return date(day.year, day.month, 1)


def parse_local_datetime(value: Any) -> datetime:
    """A naive local date-time (the caller attaches the node's time zone); a date means midnight."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 (local, zone added later)
    text = str(value).strip()
    match = _DATETIME_RE.match(text)
    if match:
        try:
            year, month, mday, hour, minute = (int(match.group(i)) for i in range(1, 6))
            second = int(match.group(6) or 0)
            return datetime(year, month, mday, hour, minute, second)  # noqa: DTZ001 (local, zone added later)
        except ValueError:
            raise ValueProblem("bad_date", text) from None
    day = parse_date(text)
    return datetime(day.year, day.month, day.day)  # noqa: DTZ001 (local, zone added later)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def parse_text(value: Any) -> str:
    """The text, stripped; the apostrophe our CSV export puts before text a spreadsheet could take for a
    formula ("'=…", "'-…") or that starts with an apostrophe itself ("''…") is taken off again, so an
    exported file re-imports unchanged."""
    text = str(value)
    if text[:1] == "'" and text[1:2] and text[1:2] in (*FORMULA_START, "'"):
        text = text[1:]
    return text.strip()


def parse_flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "x"}:
        return True
    if text in {"0", "false", "no", "n", "否", ""}:
        return False
    raise ValueProblem("not_a_flag", text)


# --- schemas --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import: its name, accepted header spellings, parser, whether required."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = True
    aliases: tuple[str, ...] = ()
    reference: str | None = None  # "node" or "part": the value must be a known code


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that must be unique within the file
    node_column: str | None = None  # the column whose node the uploader must be allowed to manage

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class Checked:
    """The result of checking a table: clean records, or problems (then records are not to be used)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_table(
    table: Table,
    schema: Schema,
    known: Mapping[str, Iterable[str]],
    allowed_nodes: set[str] | None = None,
    max_problems: int = 500,
) -> Checked:
    """Check every row of a table against a schema.

    Args:
        table: what ``read_table`` returned.
        schema: the import's columns and key.
        known: "node" -> known node codes, "part" -> known part numbers (upper-case).
        allowed_nodes: node codes the uploader may change; None means all.
        max_problems: stop collecting after this many problems (the file is rejected anyway).

    Returns:
        Records keyed by column name (reference values upper-cased) plus ``_row``, the
        spreadsheet row they came from; or the problems found.
    """
    result = Checked()
    positions: dict[str, int] = {}
    shown: dict[str, str] = {}  # column name -> the header as the file spells it (e.g. 库存)
    for column in schema.columns:
        spellings = (column.name, *column.aliases)
        found = next((table.header.index(s) for s in spellings if s in table.header), None)
        if found is not None:
            positions[column.name] = found
            shown[column.name] = table.header[found]
        elif column.required:
            result.problems.append(Problem(1, column.name, "missing_column"))
    if result.problems:
        return result
    known_sets = {ref: {str(v).upper() for v in values} for ref, values in known.items()}
    seen: dict[tuple[Any, ...], int] = {}
    for row_number, values in table.rows:
        record: dict[str, Any] = {}
        row_ok = True
        for column in schema.columns:
            position = positions.get(column.name)
            raw = values[position] if position is not None and position < len(values) else None
            if _blank(raw):
                if column.required:
                    result.problems.append(Problem(row_number, shown.get(column.name, column.name),
                                                   "missing_value"))
                    row_ok = False
                record[column.name] = None
                continue
            try:
                value = column.parse(raw)
            except ValueProblem as problem:
                result.problems.append(
                    Problem(row_number, shown[column.name], problem.code, problem.detail)
                )
                row_ok = False
                continue
            if column.reference is not None:
                value = str(value).upper()
                if value not in known_sets.get(column.reference, set()):
                    result.problems.append(
                        Problem(row_number, shown[column.name], f"unknown_{column.reference}", value)
                    )
                    row_ok = False
                    continue
                if (
                    column.name == schema.node_column
                    and allowed_nodes is not None
                    and value not in allowed_nodes
                ):
                    result.problems.append(
                        Problem(row_number, shown[column.name], "node_not_permitted", value)
                    )
                    row_ok = False
                    continue
            record[column.name] = value
        if row_ok:
            record["_row"] = row_number
            key = tuple(record[name] for name in schema.key)
            if key in seen:
                result.problems.append(
                    Problem(
                        row_number,
                        ", ".join(shown.get(name, name) for name in schema.key),
                        "duplicate_key",
                        f"{' / '.join(str(k) for k in key)} (row {seen[key]})",
                    )
                )
            else:
                seen[key] = row_number
                result.records.append(record)
        if len(result.problems) >= max_problems:
            result.problems.append(Problem(None, None, "too_many_problems", str(max_problems)))
            break
    if result.problems:
        result.records = []
    return result
