"""Reading a long frame ``unique_id, ds, y`` into checked series, and the frequency of its periods.

The frequency is inferred from ``ds``: the most common step between two dates of a series says
monthly (28–31 days), quarterly (90–92), weekly (7), daily (1) or yearly (365–366). Every date is
then turned into a whole period number; within a series the numbers must follow each other without
a hole (a missing month is an error, not a zero: the caller knows whether "no row" means "no demand").
Each series keeps the date style of its own rows (first day, last day or same day of the month), so
a file may mix month-start and month-end series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray

from partspool.core.dates import parse_dates
from partspool.core.forecasting.errors import ForecastInputError

REQUIRED_COLUMNS = ("unique_id", "ds", "y")

_SEASON = {"D": 7, "W": 52, "M": 12, "Q": 4, "Y": 1}
_PER_YEAR = {"D": 365, "W": 52, "M": 12, "Q": 4, "Y": 1}
_NAME = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}
_EPOCH = np.datetime64("1970-01-01", "D")
# the steps (in days) between two consecutive periods of each frequency, finest first
_STEPS = (("D", 1, 1), ("W", 7, 7), ("M", 28, 31), ("Q", 89, 92), ("Y", 365, 366))
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DEMAND = 1e12  # units in one period: above it a value is a typing or unit error (and would overflow the maths)


@dataclass(frozen=True)
class Frequency:
    """The spacing of the periods: ``code`` D/W/M/Q/Y, the season length, and how dates are anchored.

    ``anchor`` is ``start`` (first day of the month/quarter/year), ``end`` (last day) or ``day``
    (the same day of the month as the data) for calendar frequencies, ``mixed`` when the series do
    not share one (each series' own style is in ``Panel.anchors``); ``week`` and ``day`` otherwise.
    """

    code: str
    season_length: int
    anchor: str = "start"

    @property
    def name(self) -> str:
        return _NAME[self.code]

    @property
    def periods_per_year(self) -> int:
        """Periods in a year (365 days, 52 weeks, 12 months, 4 quarters, 1 year)."""
        return _PER_YEAR[self.code]

    def future(self, last: NDArray[np.datetime64], steps: int,
               anchors: tuple[str, ...] | None = None) -> NDArray[np.datetime64]:
        """The ``steps`` dates after each date in ``last`` (shape ``(len(last), steps)``).

        Args:
            last: the last date of each series.
            steps: how many dates after it.
            anchors: each series' date style (``Panel.anchors``); default: ``anchor`` for all (``mixed``
                without ``anchors`` keeps the day of the month of each ``last``).
        """
        last = np.asarray(last, dtype="datetime64[D]")
        k = np.arange(1, steps + 1)
        if self.code in ("D", "W"):
            days = 1 if self.code == "D" else 7
            out: NDArray[np.datetime64] = last[:, None] + (k * days)[None, :].astype("timedelta64[D]")
            return out
        months = {"M": 1, "Q": 3, "Y": 12}[self.code]
        month = last.astype("datetime64[M]")
        target = month[:, None] + (k * months)[None, :].astype("timedelta64[M]")
        start: NDArray[np.datetime64] = target.astype("datetime64[D]")
        styles = np.asarray(anchors if anchors is not None else (self.anchor,) * last.size, dtype=object)
        if bool((styles == "start").all()):
            return start
        next_start = (target + np.timedelta64(1, "M")).astype("datetime64[D]")
        end = next_start - np.timedelta64(1, "D")
        day = (last - month.astype("datetime64[D]")).astype(np.int64)[:, None]
        length = (next_start - start).astype(np.int64)
        same_day = start + np.minimum(day, length - 1).astype("timedelta64[D]")
        style = styles[:, None]
        out = np.where(style == "start", start, np.where(style == "end", end, same_day))
        return out


@dataclass(frozen=True)
class Panel:
    """Checked series, sorted by ``unique_id``: values as float arrays, the last date of each, where
    the last period of each sits in the seasonal cycle (0 … season_length − 1), each series' date
    style (``anchors``: ``start``/``end``/``day`` for calendar frequencies) and its dates."""

    ids: tuple[str, ...]
    values: tuple[NDArray[np.float64], ...]
    last_ds: NDArray[np.datetime64]
    last_cycle: NDArray[np.int64]
    freq: Frequency
    anchors: tuple[str, ...] = ()
    dates: tuple[NDArray[np.datetime64], ...] = ()

    def __len__(self) -> int:
        return len(self.ids)

    def lengths(self) -> NDArray[np.int64]:
        return np.fromiter((v.size for v in self.values), dtype=np.int64, count=len(self.values))

    def future(self, steps: int) -> NDArray[np.datetime64]:
        """The ``steps`` dates after each series' last one, each in its series' style."""
        return self.freq.future(self.last_ds, steps, self.anchors or None)

    def last_dates(self, count: int) -> NDArray[np.datetime64]:
        """The dates of the last ``count`` periods of each series (shape ``(len(self), count)``)."""
        if len(self.dates) != len(self) or any(d.size < count for d in self.dates):
            raise ValueError(f"every series needs its dates and at least {count} periods")
        if not self.dates:
            return np.empty((0, count), dtype="datetime64[D]")
        return np.stack([d[d.size - count:] for d in self.dates])


def _fail(code: str, detail: str, *, uid: str | None = None, row: int | None = None,
          **params: Any) -> ForecastInputError:
    """The error, its ``params`` holding the series (``series``) and row (``row``) blamed and ``params``."""
    figures = {**({"series": uid} if uid is not None else {}), **({"row": row} if row is not None else {}),
               **params}
    return ForecastInputError(code, detail, unique_id=uid, row=row, params=figures)


def _parse_dates(raw: pd.Series) -> NDArray[np.datetime64]:
    parsed = parse_dates(raw)
    missing = np.flatnonzero(parsed.isna().to_numpy())
    if missing.size:
        i = int(missing[0])
        raise _fail("bad_ds", f"ds {raw.iloc[i]!r} in row {i + 1} is not a date", row=i + 1,
                    value=raw.iloc[i])
    out: NDArray[np.datetime64] = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return out


class _LazyIds:
    """``uids[i]``: the id of input row ``i``, looked up only when an error needs it."""

    def __init__(self, uniques: NDArray[np.object_], codes: NDArray[np.int64]):
        self.uniques, self.codes = uniques, codes

    def __getitem__(self, row: int) -> str:
        return str(self.uniques[self.codes[row]])


def _parse_values(raw: pd.Series, uids: _LazyIds) -> NDArray[np.float64]:
    numbers: NDArray[np.float64] = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        i = int(bad[0])
        raise _fail("bad_y", f"y {raw.iloc[i]!r} in row {i + 1} (series {uids[i]!r}) is not a number",
                    uid=str(uids[i]), row=i + 1, value=raw.iloc[i])
    negative = np.flatnonzero(numbers < 0)
    if negative.size:
        i = int(negative[0])
        raise _fail("negative_y", f"y is negative ({numbers[i]:g}) in row {i + 1} (series {uids[i]!r}); "
                    "demand cannot be below zero", uid=str(uids[i]), row=i + 1, y=float(numbers[i]))
    huge = np.flatnonzero(numbers > MAX_DEMAND)
    if huge.size:
        i = int(huge[0])
        raise _fail("huge_y", f"y is {numbers[i]:g} in row {i + 1} (series {uids[i]!r}): above {MAX_DEMAND:,.0f} "
                    "units in one period, which is a typing or unit error", uid=str(uids[i]), row=i + 1,
                    y=float(numbers[i]), limit=MAX_DEMAND)
    return numbers


def _step_code(step: int) -> str | None:
    """The frequency whose consecutive periods are ``step`` days apart, if any."""
    return next((code for code, low, high in _STEPS if low <= step <= high), None)


def _spans(step: int, code: str) -> bool:
    """Whether ``step`` days can be a whole number of periods of frequency ``code``."""
    low, high = next((low, high) for c, low, high in _STEPS if c == code)
    return -(-step // high) <= step // low


def _infer(days: NDArray[np.int64], same: NDArray[np.bool_], dates: NDArray[np.datetime64],
           where: Callable[[int], tuple[str, int]]) -> str:
    """The frequency code of the data; ``where(i)``: the series and input row of sorted row ``i``."""
    steps = np.diff(days)[same]
    if steps.size == 0:
        raise _fail("too_short", "every series has a single period: the frequency cannot be inferred "
                    "(at least 2 periods are needed)", purpose="frequency", needed=2)
    # the most common step decides; odd steps are then reported as duplicates or gaps
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)])
    code = _step_code(step)
    if code is not None:
        return code
    # Mostly longer steps: if the data also holds steps of a known frequency and every step is a whole
    # number of its periods, it is that frequency with gaps (reported as such by the caller).
    present = {_step_code(int(v)) for v in values}
    for known, _low, _high in _STEPS:
        if known in present and all(_spans(int(v), known) for v in values):
            return known
    i = int(np.flatnonzero(same)[np.flatnonzero(steps == step)[0]]) + 1  # the later date of such a step
    raise _unknown_frequency(step, dates[i - 1], dates[i], *where(i))


def _unknown_frequency(step: int, before: np.datetime64, after: np.datetime64, uid: str,
                       row: int) -> ForecastInputError:
    """The error for a step of no known frequency: a known one with a gap, or a spacing not supported."""
    months = int(after.astype("datetime64[M]").astype(np.int64) - before.astype("datetime64[M]").astype(np.int64))
    one = np.timedelta64(1, "D")
    ends = all((d + one).astype("datetime64[M]") != d.astype("datetime64[M]") for d in (before, after))
    readings = []
    if step % 7 == 0:
        readings.append((step // 7, "week", "weekly"))
    if months >= 2 and (ends or (before - before.astype("datetime64[M]")) == (after - after.astype("datetime64[M]"))):
        readings.append((months, "month", "monthly"))
    figures: dict[str, Any] = {"step": step, "before": str(before), "after": str(after)}
    found = (f"the most common step between two dates of a series is {step} days (e.g. series {uid!r}: "
             f"{str(before)} then {str(after)})")
    if not readings:
        return _fail("unknown_frequency", f"cannot infer the frequency: {found}; expected 1, 7, 28–31, 90–92 "
                     "or 365–366 days (daily, weekly, monthly, quarterly or yearly data)", uid=uid, row=row,
                     **figures)
    gaps = " or ".join(f"if the data is {name}, series {uid!r} has a gap: {count - 1} {name} period(s) missing "
                       f"after {str(before)}" for count, _unit, name in readings)
    every = " or ".join(f"{count} {unit}s" for count, unit, _name in readings)
    return _fail("unknown_frequency", f"cannot infer the frequency: {found}. {gaps[0].upper()}{gaps[1:]} (give "
                 f"missing periods as rows with y = 0); if the data really comes every {every}, that spacing is "
                 "not supported (use daily, weekly, monthly, quarterly or yearly periods)", uid=uid, row=row,
                 readings=[{"count": count, "unit": unit, "frequency": name} for count, unit, name in readings],
                 **figures)


def _frequency(code: str, anchors: tuple[str, ...]) -> Frequency:
    """The frequency of ``code`` with the date style its series share (``mixed`` if they differ)."""
    if code in ("D", "W"):
        return Frequency(code, _SEASON[code], "day" if code == "D" else "week")
    styles = set(anchors)
    return Frequency(code, _SEASON[code], styles.pop() if len(styles) == 1 else "mixed")


def _anchors(code: str, dates: NDArray[np.datetime64], starts: NDArray[np.int64]) -> tuple[str, ...]:
    """Each series' date style: ``start`` if all its dates are first days of a month, ``end`` if all are
    last days, else ``day`` (the same day of the month); ``starts``: where each series begins."""
    if code in ("D", "W"):
        return ("day" if code == "D" else "week",) * starts.size
    month = dates.astype("datetime64[M]")
    first = dates == month.astype("datetime64[D]")
    last = (dates + np.timedelta64(1, "D")).astype("datetime64[M]") != month
    all_first = np.logical_and.reduceat(first, starts)
    all_last = np.logical_and.reduceat(last, starts)
    styles = np.where(all_first, "start", np.where(all_last, "end", "day"))
    return tuple(str(style) for style in styles)


def _period_numbers(freq: Frequency, dates: NDArray[np.datetime64]) -> NDArray[np.int64]:
    if freq.code == "D":
        return (dates - _EPOCH).astype(np.int64)
    if freq.code == "W":
        return (dates - _EPOCH).astype(np.int64) // 7
    months = dates.astype("datetime64[M]").astype(np.int64)
    if freq.code == "M":
        return months
    if freq.code == "Q":
        return months // 3
    return months // 12


def _cycle(freq: Frequency, period: NDArray[np.int64]) -> NDArray[np.int64]:
    """Position in the seasonal cycle: month of year for monthly data (0 = January) and so on."""
    m = freq.season_length
    return np.zeros_like(period) if m <= 1 else period % m


def read_panel(frame: pd.DataFrame) -> Panel:
    """Check a long frame and split it into series.

    Args:
        frame: columns ``unique_id``, ``ds`` (dates, or text that parses as dates) and ``y``
            (numbers ≥ 0); other columns are ignored; rows in any order.

    Returns:
        The series sorted by ``unique_id`` and date.

    Raises:
        ForecastInputError: missing columns, empty input, a ds that is not a date, a y that is not a
            number or is negative, two rows for one period, a gap, or frequencies that do not agree.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise _fail("missing_columns", f"missing column(s): {', '.join(missing)} "
                    f"(expected {', '.join(REQUIRED_COLUMNS)}; found {', '.join(map(str, frame.columns))})",
                    missing=missing, expected=list(REQUIRED_COLUMNS), found=[str(c) for c in frame.columns])
    if len(frame) == 0:
        raise _fail("empty", "the input has no rows")
    raw_codes, raw_uniques = pd.factorize(frame["unique_id"])
    if (raw_codes < 0).any():
        i = int(np.flatnonzero(raw_codes < 0)[0])
        raise _fail("missing_unique_id", f"unique_id is empty in row {i + 1}", row=i + 1)
    # ids are compared as stripped text: " A1" and "A1" are one series
    names = pd.Index(raw_uniques).astype(str).str.strip()
    codes_of_name, uniques = pd.factorize(np.asarray(names, dtype=object), sort=True)
    codes = codes_of_name[raw_codes]
    if (uniques == "").any():
        i = int(np.flatnonzero(uniques[codes] == "")[0])
        raise _fail("missing_unique_id", f"unique_id is empty in row {i + 1}", row=i + 1)
    uids = _LazyIds(uniques, codes)
    dates = _parse_dates(frame["ds"])
    y = _parse_values(frame["y"], uids)

    days = (dates - _EPOCH).astype(np.int64)
    order = np.lexsort((days, codes))
    codes, days, dates, y = codes[order], days[order], dates[order], y[order]
    same = codes[1:] == codes[:-1]

    dup = np.flatnonzero(same & (days[1:] == days[:-1]))
    if dup.size:
        i = int(dup[0]) + 1
        uid = str(uniques[codes[i]])
        raise _fail("duplicate_period", f"series {uid!r} has two rows for {str(dates[i])} "
                    f"(rows {int(order[i - 1]) + 1} and {int(order[i]) + 1})", uid=uid, row=int(order[i]) + 1,
                    date=str(dates[i]), first_row=int(order[i - 1]) + 1)

    def where(i: int) -> tuple[str, int]:
        return str(uniques[codes[i]]), int(order[i]) + 1

    code = _infer(days, same, dates, where)
    if code == "W":
        _check_weekdays(days, dates, codes, order, where)
    bounds = np.flatnonzero(~same) + 1
    anchors = _anchors(code, dates, np.append(0, bounds).astype(np.int64))
    freq = _frequency(code, anchors)
    period = _period_numbers(freq, dates)
    step = np.diff(period)
    clash = np.flatnonzero(same & (step == 0))
    if clash.size:
        i = int(clash[0]) + 1
        uid = str(uniques[codes[i]])
        raise _fail("duplicate_period", f"series {uid!r} has two rows in the same {freq.name[:-2]} period "
                    f"({str(dates[i - 1])} and {str(dates[i])}, rows {int(order[i - 1]) + 1} and "
                    f"{int(order[i]) + 1})", uid=uid, row=int(order[i]) + 1, frequency=freq.name,
                    first_date=str(dates[i - 1]), date=str(dates[i]), first_row=int(order[i - 1]) + 1)
    holes = np.flatnonzero(same & (step > 1))
    if holes.size:
        i = int(holes[0])
        uid = str(uniques[codes[i]])
        first_missing = str(freq.future(dates[i:i + 1], 1, (anchors[int(codes[i])],))[0, 0])
        count = int(step[i]) - 1
        raise _fail("gap", f"series {uid!r} has a gap: {count} {freq.name} period(s) missing after "
                    f"{str(dates[i])} (first missing: {first_missing}); give missing periods as rows "
                    "with y = 0 if there was no demand", uid=uid, row=int(order[i + 1]) + 1,
                    missing=count, frequency=freq.name, after=str(dates[i]), first_missing=first_missing)

    values = tuple(np.split(y, bounds))
    last_idx = np.append(bounds - 1, y.size - 1)
    last_ds = dates[last_idx]
    return Panel(
        ids=tuple(str(u) for u in uniques),
        values=values,
        last_ds=last_ds,
        last_cycle=_cycle(freq, period[last_idx]).astype(np.int64),
        freq=freq,
        anchors=anchors,
        dates=tuple(np.split(dates, bounds)),
    )


def _check_weekdays(days: NDArray[np.int64], dates: NDArray[np.datetime64], codes: NDArray[np.int64],
                    order: NDArray[np.int64], where: Callable[[int], tuple[str, int]]) -> None:
    """Weekly dates must share one weekday: name the first row (in the file) off the most common one."""
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    common = int(np.bincount(weekday, minlength=7).argmax())
    off = np.flatnonzero(weekday != common)
    if not off.size:
        return
    i = int(off[np.argmin(order[off])])
    on = np.flatnonzero(weekday == common)
    j = int(on[np.argmin(order[on])])
    (uid, row), (other, other_row) = where(i), where(j)
    series = int(np.unique(codes[off]).size)
    more = f"; {series} series are off that weekday" if series > 1 else ""
    raise _fail("mixed_weekdays", f"weekly data must fall on one weekday: row {row} ({str(dates[i])}, series "
                f"{uid!r}) is a {_WEEKDAYS[int(weekday[i])]}, but most dates are {_WEEKDAYS[common]}s (e.g. row "
                f"{other_row}, {str(dates[j])}, series {other!r}){more}", uid=uid, row=row,
                date=str(dates[i]), weekday=int(weekday[i]), common=common, other_row=other_row,
                other_date=str(dates[j]), other_series=other, series_off=series)


def cycle_positions(last_cycle: int, length: int, season_length: int) -> NDArray[np.int64]:
    """The cycle position of every period of a series of ``length`` ending at ``last_cycle``."""
    offsets = np.arange(length - 1, -1, -1, dtype=np.int64)
    return (last_cycle - offsets) % max(season_length, 1)
