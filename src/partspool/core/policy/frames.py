"""Demand histories as long frames ``unique_id, ds, y`` (statsforecast's shape), checked.

One row per series and period: ``unique_id`` names the series (a node x part), ``ds`` is the
period's date (any day inside it: the first of the month, the Monday of the week), ``y`` the units
demanded, a whole number at or above 0. The period length is inferred from the dates: months when
consecutive dates are one calendar month apart, weeks when 7 days, days when 1; every series must
be complete (no missing period) and hold each period once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from partspool.core.dates import parse_dates
from partspool.core.policy.demand import Frequency

REQUIRED = ("unique_id", "ds", "y")
MAX_LISTED = 5


@dataclass(frozen=True)
class FrameProblem:
    """One thing wrong with a demand frame: a stable ``code``, the English ``detail``, and the figures
    behind it (``params``: series, values, dates, counts; lists hold at most ``MAX_LISTED`` examples,
    ``more`` says how many were left out), so that a caller can say the same in another language."""

    code: str
    detail: str
    params: dict[str, Any] = field(default_factory=dict)


class DemandFrameError(ValueError):
    """A demand frame cannot be used; ``problems`` lists what is wrong (most important first), as
    English text, and ``found`` the same as ``FrameProblem``s (a plain text is one of code ``other``)."""

    def __init__(self, problems: Sequence[FrameProblem | str]) -> None:
        self.found = tuple(p if isinstance(p, FrameProblem) else FrameProblem("other", p) for p in problems)
        self.problems = tuple(p.detail for p in self.found)
        super().__init__("; ".join(self.problems[:MAX_LISTED]) + (
            f" (and {len(self.problems) - MAX_LISTED} more)" if len(self.problems) > MAX_LISTED else ""))


@dataclass(frozen=True, eq=False)
class Series:
    """One series: its periods (as dates), the calendar month of each, and the demand."""

    unique_id: str
    ds: tuple[pd.Timestamp, ...]
    months: npt.NDArray[np.int64]
    y: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True, eq=False)
class DemandPanel:
    """Checked series, in order of first appearance, and their common period length."""

    series: tuple[Series, ...]
    frequency: Frequency


def _listed(values: list[str]) -> str:
    head = ", ".join(values[:MAX_LISTED])
    return head + (f" and {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


def _examples(values: list[Any]) -> dict[str, Any]:
    """The figures of a ``_listed`` text: the first ``MAX_LISTED`` values and how many more there are."""
    return {"listed": values[:MAX_LISTED], "more": max(len(values) - MAX_LISTED, 0)}


MAX_UNITS = 1_000_000  # units of one part in one period at one place: more is a typing error, not demand


def read_demand_frame(frame: Any, frequency: Frequency | str | None = None) -> DemandPanel:
    """Check a long demand frame and split it into series.

    Args:
        frame: a pandas DataFrame with columns ``unique_id``, ``ds``, ``y`` (others ignored).
        frequency: ``month``, ``week`` or ``day``; None infers it from the dates.

    Returns:
        The series sorted by date, with the period length.

    Raises:
        DemandFrameError: naming every missing column, unreadable or negative value, duplicate
            period or gap (a few examples of each).
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DemandFrameError([FrameProblem(
            "missing_columns", f"missing column(s): {', '.join(missing)} (expected unique_id, ds, y)",
            {"missing": missing, "expected": list(REQUIRED)})])
    if len(frame) == 0:
        raise DemandFrameError([FrameProblem("empty", "the frame has no rows")])
    # a fresh index: frames concatenated without ``ignore_index`` repeat their labels, which would align
    # the masks below on the wrong rows
    data = frame.loc[:, list(REQUIRED)].reset_index(drop=True)
    problems: list[FrameProblem] = []
    empty_id = data["unique_id"].isna() | (data["unique_id"].astype(str).str.strip() == "")
    if empty_id.any():
        problems.append(FrameProblem("missing_unique_id", f"unique_id is empty on {int(empty_id.sum())} row(s)",
                                     {"rows": int(empty_id.sum())}))
    data["unique_id"] = data["unique_id"].astype(str).str.strip()
    ds = parse_dates(data["ds"])
    bad_ds = data.loc[ds.isna(), "ds"].astype(str).tolist()
    if bad_ds:
        problems.append(FrameProblem("bad_ds", f"ds is not a date: {_listed([repr(v) for v in bad_ds])}",
                                     _examples(bad_ds)))
    y = pd.to_numeric(data["y"], errors="coerce")
    y = y.where(np.isfinite(y))  # inf is no demand figure either
    bad_y = data.loc[y.isna(), "y"].astype(str).tolist()
    if bad_y:
        problems.append(FrameProblem("bad_y", f"y is not a number: {_listed([repr(v) for v in bad_y])}",
                                     _examples(bad_y)))
    huge = y > MAX_UNITS
    if huge.any():
        ids = sorted(set(data.loc[huge, "unique_id"].astype(str)))
        problems.append(FrameProblem("huge_y", f"y is above {MAX_UNITS:,} units in a period for {_listed(ids)}",
                                     {"limit": MAX_UNITS, **_examples(ids)}))
    negative = y < 0
    if negative.any():
        ids = sorted(set(data.loc[negative, "unique_id"]))
        problems.append(FrameProblem("negative_y", f"y is negative for {_listed(ids)}", _examples(ids)))
    fractional = (~y.isna()) & ~negative & ~huge & (np.abs(y - np.round(y)) > 1e-9)
    if fractional.any():
        values = [str(v) for v in y[fractional].tolist()]
        problems.append(FrameProblem("fractional_y", f"y must be whole units: {_listed(values)}",
                                     _examples(values)))
    if problems:
        raise DemandFrameError(problems)
    data["ds"] = ds
    data["y"] = np.round(y).astype(np.int64)
    duplicated = data.duplicated(["unique_id", "ds"], keep=False)
    if duplicated.any():
        pairs = [(str(u), str(d.date())) for u, d in
                 data.loc[duplicated, ["unique_id", "ds"]].drop_duplicates().itertuples(index=False)]
        raise DemandFrameError([FrameProblem(
            "duplicate_period", "duplicate periods: " + _listed([f"{u} {d}" for u, d in pairs]),
            _examples([{"series": u, "date": d} for u, d in pairs]))])
    data = data.sort_values(["unique_id", "ds"], kind="stable")
    freq = Frequency(frequency) if frequency is not None else _infer(data)
    order = list(dict.fromkeys(frame["unique_id"].astype(str).str.strip()))
    groups = {str(uid): group for uid, group in data.groupby("unique_id", sort=False)}
    series: list[Series] = []
    gaps: list[dict[str, str]] = []
    for uid in order:
        group = groups[uid]
        stamps = pd.DatetimeIndex(group["ds"])
        step = _steps(stamps, freq)
        wrong = np.nonzero(step != 1)[0]
        if len(wrong):
            i = int(wrong[0])
            gaps.append({"series": uid, "date": str(stamps[i].date()), "next": str(stamps[i + 1].date())})
            continue
        series.append(Series(uid, tuple(stamps), np.asarray(stamps.month, dtype=np.int64),
                             np.asarray(group["y"], dtype=np.int64)))
    if gaps:
        texts = [f"{g['series']}: {g['date']} is followed by {g['next']} (expected the next {freq.value})"
                 for g in gaps]
        raise DemandFrameError([FrameProblem(
            "gap", f"gap or irregular dates in {len(gaps)} series: {_listed(texts)}",
            {"count": len(gaps), "frequency": freq.value, **_examples(gaps)})])
    return DemandPanel(tuple(series), freq)


def _steps(stamps: pd.DatetimeIndex, freq: Frequency) -> npt.NDArray[np.int64]:
    """Distance between consecutive dates in periods (1 everywhere for a complete series)."""
    if len(stamps) < 2:
        return np.zeros(0, dtype=np.int64)
    if freq is Frequency.MONTH:
        index = np.asarray(stamps.year * 12 + stamps.month, dtype=np.int64)
        return np.diff(index)
    day_numbers: npt.NDArray[np.int64] = np.asarray(
        stamps.normalize().values.astype("datetime64[D]").astype(np.int64), dtype=np.int64)
    days = np.diff(day_numbers)
    width = 7 if freq is Frequency.WEEK else 1
    return np.where(days % width == 0, days // width, -1).astype(np.int64)


def _infer(data: Any) -> Frequency:
    diffs = data.groupby("unique_id", sort=False)["ds"].diff().dropna().dt.days
    if len(diffs) == 0:
        raise DemandFrameError([FrameProblem("single_period", "cannot tell the period length: every series has a "
                                             "single row (give the frequency)")])
    # each series votes with its own most common step (one vote per series, however many rows it
    # has), and the most common vote decides: one odd series is then the one named as irregular
    kinds = pd.Series(np.select([diffs == 1, diffs == 7, (diffs >= 28) & (diffs <= 31)], [1, 2, 3], default=0),
                      index=diffs.index)
    series_of = data.loc[diffs.index, "unique_id"]
    known = kinds > 0
    tally = pd.DataFrame({"series": series_of[known].to_numpy(), "kind": kinds[known].to_numpy()})
    counts = tally.groupby(["series", "kind"], sort=False).size()
    if len(counts):
        votes = [kind for _series, kind in counts.groupby(level=0, sort=False).idxmax()]
        common = int(pd.Series(votes).value_counts().idxmax())
        return {1: Frequency.DAY, 2: Frequency.WEEK, 3: Frequency.MONTH}[common]
    smallest = int(diffs.min())
    raise DemandFrameError([FrameProblem(
        "unknown_frequency", f"cannot tell the period length: the closest dates are {smallest} days apart "
        "(expected monthly, weekly or daily periods)", {"days": smallest})])
