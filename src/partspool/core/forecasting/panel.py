"""Reading a long frame ``unique_id, ds, y`` into checked series, and the frequency of its periods.

The frequency is inferred from ``ds``: the most common step between two dates of a series says
monthly (28–31 days), quarterly (90–92), weekly (7), daily (1) or yearly (365–366). Every date is
then turned into a whole period number; within a series the numbers must follow each other without
a hole (a missing month is an error, not a zero: the caller knows whether "no row" means "no demand").
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Frequency:
    """The spacing of the periods: ``code`` D/W/M/Q/Y, the season length, and how dates are anchored.

    ``anchor`` is ``start`` (first day of the month/quarter/year), ``end`` (last day) or ``day``
    (the same day of the month as the data) for calendar frequencies; ``week`` and ``day`` otherwise.
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

    def future(self, last: NDArray[np.datetime64], steps: int) -> NDArray[np.datetime64]:
        """The ``steps`` dates after each date in ``last`` (shape ``(len(last), steps)``), in the data's style."""
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
        if self.anchor == "start":
            return start
        next_start = (target + np.timedelta64(1, "M")).astype("datetime64[D]")
        if self.anchor == "end":
            end: NDArray[np.datetime64] = next_start - np.timedelta64(1, "D")
            return end
        day = (last - month.astype("datetime64[D]")).astype(np.int64)[:, None]
        length = (next_start - start).astype(np.int64)
        same_day: NDArray[np.datetime64] = start + np.minimum(day, length - 1).astype("timedelta64[D]")
        return same_day


@dataclass(frozen=True)
class Panel:
    """Checked series, sorted by ``unique_id``: values as float arrays, the last date of each, and
    where the last period of each sits in the seasonal cycle (0 … season_length − 1)."""

    ids: tuple[str, ...]
    values: tuple[NDArray[np.float64], ...]
    last_ds: NDArray[np.datetime64]
    last_cycle: NDArray[np.int64]
    freq: Frequency

    def __len__(self) -> int:
        return len(self.ids)

    def lengths(self) -> NDArray[np.int64]:
        return np.fromiter((v.size for v in self.values), dtype=np.int64, count=len(self.values))


def _fail(code: str, detail: str, *, uid: str | None = None, row: int | None = None) -> ForecastInputError:
    return ForecastInputError(code, detail, unique_id=uid, row=row)


def _parse_dates(raw: pd.Series) -> NDArray[np.datetime64]:
    parsed = parse_dates(raw)
    missing = np.flatnonzero(parsed.isna().to_numpy())
    if missing.size:
        i = int(missing[0])
        raise _fail("bad_ds", f"ds {raw.iloc[i]!r} in row {i + 1} is not a date", row=i + 1)
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
                    uid=str(uids[i]), row=i + 1)
    negative = np.flatnonzero(numbers < 0)
    if negative.size:
        i = int(negative[0])
        raise _fail("negative_y", f"y is negative ({numbers[i]:g}) in row {i + 1} (series {uids[i]!r}); "
                    "demand cannot be below zero", uid=str(uids[i]), row=i + 1)
    return numbers


def _infer(days: NDArray[np.int64], same: NDArray[np.bool_], dates: NDArray[np.datetime64]) -> Frequency:
    steps = np.diff(days)[same]
    if steps.size == 0:
        raise _fail("too_short", "every series has a single period: the frequency cannot be inferred "
                    "(at least 2 periods are needed)")
    # the most common step decides; odd steps are then reported as duplicates or gaps
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)])
    if step == 1:
        return Frequency("D", _SEASON["D"], "day")
    if step == 7:
        return Frequency("W", _SEASON["W"], "week")
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    next_day = (dates + np.timedelta64(1, "D")).astype("datetime64[M]") != dates.astype("datetime64[M]")
    anchor = "start" if bool((day == 1).all()) else "end" if bool(next_day.all()) else "day"
    if 28 <= step <= 31:
        return Frequency("M", _SEASON["M"], anchor)
    if 89 <= step <= 92:
        return Frequency("Q", _SEASON["Q"], anchor)
    if 365 <= step <= 366:
        return Frequency("Y", _SEASON["Y"], anchor)
    raise _fail("unknown_frequency", f"cannot infer the frequency: the most common step between two dates of "
                f"a series is {step} days (expected 1, 7, 28–31, 90–92 or 365–366)")


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
                    f"(expected {', '.join(REQUIRED_COLUMNS)}; found {', '.join(map(str, frame.columns))})")
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
                    f"(rows {int(order[i - 1]) + 1} and {int(order[i]) + 1})", uid=uid, row=int(order[i]) + 1)

    freq = _infer(days, same, dates)
    if freq.code == "W":
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        mixed = np.flatnonzero(weekday != weekday[0])
        if mixed.size:
            i = int(mixed[0])
            raise _fail("mixed_weekdays", f"weekly data must fall on one weekday: row {int(order[i]) + 1} "
                        f"({str(dates[i])}, series {str(uniques[codes[i]])!r}) does not match row "
                        f"{int(order[0]) + 1} ({str(dates[0])})", uid=str(uniques[codes[i]]), row=int(order[i]) + 1)
    period = _period_numbers(freq, dates)
    step = np.diff(period)
    clash = np.flatnonzero(same & (step == 0))
    if clash.size:
        i = int(clash[0]) + 1
        uid = str(uniques[codes[i]])
        raise _fail("duplicate_period", f"series {uid!r} has two rows in the same {freq.name[:-2]} period "
                    f"({str(dates[i - 1])} and {str(dates[i])}, rows {int(order[i - 1]) + 1} and "
                    f"{int(order[i]) + 1})", uid=uid, row=int(order[i]) + 1)
    holes = np.flatnonzero(same & (step > 1))
    if holes.size:
        i = int(holes[0])
        uid = str(uniques[codes[i]])
        first_missing = str(freq.future(dates[i:i + 1], 1)[0, 0])
        count = int(step[i]) - 1
        raise _fail("gap", f"series {uid!r} has a gap: {count} {freq.name} period(s) missing after "
                    f"{str(dates[i])} (first missing: {first_missing}); give missing periods as rows "
                    "with y = 0 if there was no demand", uid=uid, row=int(order[i + 1]) + 1)

    bounds = np.flatnonzero(~same) + 1
    values = tuple(np.split(y, bounds))
    last_idx = np.append(bounds - 1, y.size - 1)
    last_ds = dates[last_idx]
    return Panel(
        ids=tuple(str(u) for u in uniques),
        values=values,
        last_ds=last_ds,
        last_cycle=_cycle(freq, period[last_idx]).astype(np.int64),
        freq=freq,
    )


def cycle_positions(last_cycle: int, length: int, season_length: int) -> NDArray[np.int64]:
    """The cycle position of every period of a series of ``length`` ending at ``last_cycle``."""
    offsets = np.arange(length - 1, -1, -1, dtype=np.int64)
    return (last_cycle - offsets) % max(season_length, 1)
