"""Reading the date column of an uploaded demand file (``ds``), however it was written.

A period's date is taken as written: ``2026-03-01T00:00:00+08:00`` is March 1st, whatever the
offset (a demand month does not move with the time zone of whoever exported it). Files mixing
offsets, or dates with and without one, or several formats, are read row by row where the fast
reading fails; a value that is no date at all becomes ``NaT`` for the caller to name.
"""

from __future__ import annotations

import warnings

import pandas as pd  # type: ignore[import-untyped, unused-ignore]


def _one(value: object) -> pd.Timestamp:
    if value is None or (isinstance(value, float) and value != value):
        return pd.NaT
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if stamp is pd.NaT:
        return pd.NaT
    stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    try:
        return stamp.as_unit("ns")  # years 1677–2262: beyond them (3024 typed for 2024) no date here
    except (ValueError, OverflowError):
        return pd.NaT


def parse_dates(raw: pd.Series) -> pd.Series:
    """``raw`` as naive ``datetime64[ns]`` dates (wall clock as written), ``NaT`` where unreadable."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
    with warnings.catch_warnings():  # mixed offsets: pandas warns and returns objects, handled below
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": each row is tried below
        try:
            parsed = pd.to_datetime(raw, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):  # offsets differ between rows
        parsed = pd.Series([_one(v) for v in parsed], index=raw.index, dtype="datetime64[ns]")
    elif getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    bad = parsed.isna() & raw.notna()
    if bad.any():  # rows in another format, or with an offset where the first rows had none
        parsed = parsed.copy()
        parsed[bad] = pd.Series([_one(v) for v in raw[bad]], index=raw[bad].index, dtype="datetime64[ns]")
    return parsed
