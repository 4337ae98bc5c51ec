"""Reading and writing the command line's CSV files safely (shared by forecast, backtest, simulate)."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partspool.cli_messages import _

ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without a BOM, else the Chinese Windows encoding


class CsvReadError(ValueError):
    """The file cannot be read as a CSV table (its text, not its values, is at fault); the message is in
    the language active when it is raised (``cli_messages.speaking``)."""


class RecordLines:
    """The file line on which each kept row of a CSV starts, worked out only when asked (``line``).

    pandas counts records, not lines: a quoted value that spans lines would shift every line
    number after it. Error messages are rare, so the file is read again with the ``csv`` module
    (which follows quoting as pandas does) only when a line number is wanted.
    """

    def __init__(self, path: Path, encoding: str, rows: int) -> None:
        self._path, self._encoding, self._rows = path, encoding, rows
        self._lines: list[int] | None = None

    def _starts(self) -> list[int]:
        if self._lines is None:
            starts: list[int] = []
            limit = csv.field_size_limit()
            csv.field_size_limit(sys.maxsize)  # pandas reads values of any length; so must this
            try:
                with self._path.open(encoding=self._encoding, newline="") as handle:
                    reader = csv.reader(handle, skipinitialspace=True)
                    previous = 0
                    for number, record in enumerate(reader):
                        start, previous = previous + 1, reader.line_num
                        if number > 0 and any(value.strip() for value in record):  # record 0 is the header
                            starts.append(start)
            except (OSError, csv.Error, UnicodeError):
                starts = []  # the file changed or cannot be re-read: no line numbers rather than a crash
            finally:
                csv.field_size_limit(limit)
            self._lines = starts if len(starts) == self._rows else []
        return self._lines

    def line(self, row: int) -> int | None:
        """The file line where data row ``row`` (1 = the first after the header) starts, if known."""
        starts = self._starts()
        return starts[row - 1] if 0 < row <= len(starts) else None


def read_text_csv(path_text: str) -> tuple[Any, RecordLines]:
    """The CSV as text columns, and the file line on which each row starts (blank lines skipped).

    Every value stays text ("NA" and "null" are ids like any other); the caller converts and checks.
    Line numbers count blank lines and the lines inside quoted values that span lines. Raises
    ``FileNotFoundError`` for a missing file and ``CsvReadError`` for one that is not readable CSV
    text in UTF-8 or GB18030.
    """
    import pandas as pd

    path = Path(path_text)
    if not path.is_file():
        raise FileNotFoundError(path_text)
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError as error:
        raise CsvReadError(_("cannot read %(path)s: %(reason)s") % {
            "path": path_text, "reason": error.strerror or error}) from None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        raise CsvReadError(_("%(path)s is UTF-16 text; save it as CSV UTF-8 (or GB18030)") % {"path": path_text})
    if b"\x00" in head:  # text has no NUL bytes: a spreadsheet, archive or image saved under a .csv name
        raise CsvReadError(_("%(path)s is not a CSV text file (it holds binary data; save it as CSV, UTF-8)")
                           % {"path": path_text})
    for encoding in ENCODINGS:
        try:
            # The header is read as a row (``header=None``) so that pandas holds every row to the header's
            # number of fields: with ``header=0`` a first data row with one field more turns the first
            # column into the index and shifts every value one column left, silently.
            raw = pd.read_csv(path, header=None, index_col=False, dtype=str, keep_default_na=False,
                              skipinitialspace=True, encoding=encoding, skip_blank_lines=False)
        except UnicodeDecodeError:
            continue
        except OSError as error:  # unreadable (permissions, a folder, a device error): named, not a traceback
            raise CsvReadError(_("cannot read %(path)s: %(reason)s") % {
                "path": path_text, "reason": error.strerror or error}) from None
        except pd.errors.EmptyDataError:
            return pd.DataFrame(), RecordLines(path, encoding, 0)
        except pd.errors.ParserError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
            why = _too_many_fields(path, encoding) or first
            raise CsvReadError(_("%(path)s is not a readable CSV file: %(reason)s") % {
                "path": path_text, "reason": why}) from None
        raw = raw.iloc[1:].set_axis(_column_names(raw.iloc[0].tolist()), axis=1)
        blank = (raw.apply(lambda column: column.str.strip()) == "").all(axis=1)
        kept = raw.loc[~blank].reset_index(drop=True)
        return kept, RecordLines(path, encoding, len(kept))
    raise CsvReadError(_("%(path)s is neither UTF-8 nor GB18030 text") % {"path": path_text})


def _column_names(header: list[str]) -> list[str]:
    """The header's names as pandas gives them: ``Unnamed: i`` for an empty one, ``y.1`` for a second ``y``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, text in enumerate(header):
        name = text if text.strip() else f"Unnamed: {i}"
        base = name
        while name in seen:
            seen[base] += 1
            name = f"{base}.{seen[base]}"
        seen[name] = 0
        names.append(name)
    return names


def _too_many_fields(path: Path, encoding: str) -> str | None:
    """Which line has more fields than the header, in words (``None``: no such line, another fault).

    pandas counts records, not lines, in its message; the file is read again to name the real line.
    """
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header: list[str] | None = None
            previous = 0
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if header is None:
                    header = record
                elif len(record) > len(header):
                    figures = {"line": start, "fields": len(record), "columns": len(header),
                               "header": ", ".join(header)}
                    if not any(value.strip() for value in record[len(header):]):
                        text = _("line %(line)s has %(fields)s fields but the header has %(columns)s "
                                 "(%(header)s) (a comma at the end of a line starts one more, empty field)")
                    else:
                        text = _("line %(line)s has %(fields)s fields but the header has %(columns)s (%(header)s)")
                    return text % figures
    except (OSError, csv.Error, UnicodeError):
        return None
    finally:
        csv.field_size_limit(limit)
    return None


def check_writable(*paths: str | None) -> None:
    """Refuse, before any work, output files whose folder does not exist or cannot be written, and two
    outputs that name the same file (the second would overwrite the first)."""
    named: dict[Path, str] = {}
    for text in paths:
        if text is None:
            continue
        target = Path(text).resolve()
        same = target if target in named else next(
            (seen for seen in named if target.is_file() and seen.is_file() and os.path.samefile(seen, target)), None)
        if same is not None:  # one path, or two paths to one file (a hard link)
            raise CsvReadError(_("two outputs name the same file (%(first)s and %(second)s); give each output "
                                 "its own file") % {"first": named[same], "second": text})
        named[target] = text
        folder = Path(text).resolve().parent
        if not folder.is_dir():
            raise CsvReadError(_("cannot write %(path)s: the folder %(folder)s does not exist") % {
                "path": text, "folder": folder})
        if not os.access(folder, os.W_OK):
            raise CsvReadError(_("cannot write %(path)s: the folder %(folder)s is not writable") % {
                "path": text, "folder": folder})
        if Path(text).is_dir():
            raise CsvReadError(_("cannot write %(path)s: it is a folder") % {"path": text})


def write_all(writers: list[tuple[str, Callable[[str], None]]]) -> None:
    """Write every file to a temporary name beside it, then move them all into place.

    Either all the outputs appear or none does: a failure while writing or moving leaves no new
    file behind and puts back any file that was there before. New files get the usual permissions
    (0666 less the umask). Two outputs with the same path are refused.
    """
    targets = [str(Path(target).resolve()) for target, _write in writers]
    if len(set(targets)) < len(targets):
        raise CsvReadError(_("two outputs name the same file"))
    for target in targets:
        if Path(target).is_dir():
            raise CsvReadError(_("cannot write %(path)s: it is a folder") % {"path": target})
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[str, str]] = []
    moved: list[tuple[str, str | None]] = []  # (target, backup of the file it replaced)
    try:
        for target, write in writers:
            handle, temporary = tempfile.mkstemp(prefix=".partspool-", suffix=".csv",
                                                 dir=Path(target).resolve().parent)
            os.close(handle)
            staged.append((temporary, target))
            write(temporary)
            os.chmod(temporary, 0o666 & ~umask)
        for temporary, target in staged:
            backup = None
            if Path(target).exists():
                backup = temporary + ".old"
                os.replace(target, backup)
            moved.append((target, backup))
            os.replace(temporary, target)
        done, staged, moved = moved, [], []
        for _target, backup in done:  # all in place: the old files can go
            if backup:
                Path(backup).unlink(missing_ok=True)
    finally:
        for target, backup in reversed(moved):  # a move failed: undo the ones made
            if backup and Path(backup).exists():
                os.replace(backup, target)
            elif not backup:
                Path(target).unlink(missing_ok=True)
        for temporary, _target in staged:
            Path(temporary).unlink(missing_ok=True)
