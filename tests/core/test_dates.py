"""Dates of uploaded demand files are read as written, whatever offsets or formats the rows mix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.dates import parse_dates
from partspool.core.forecasting import ForecastInputError, backtest
from partspool.core.policy import DemandFrameError, ServiceLevelPolicy, simulate


def _rows(stamps: list[str], uid: str = "P1") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": stamps, "y": np.arange(len(stamps)) % 3})


MONTHS = [f"2024-{m:02d}-01" for m in range(1, 13)] + [f"2025-{m:02d}-01" for m in range(1, 13)]


@pytest.mark.parametrize("written, read", [
    (["2024-01-01T00:00:00+09:00", "2024-02-01T00:00:00+08:00"], ["2024-01-01", "2024-02-01"]),  # offsets differ
    (["2024-01-01T00:00:00+08:00", "2024-02-01"], ["2024-01-01", "2024-02-01"]),  # one with, one without
    (["2024-01-01", "2024/02/01", "Mar 1 2024"], ["2024-01-01", "2024-02-01", "2024-03-01"]),  # formats mixed
    (["2024-01-31T23:30:00-05:00"], ["2024-01-31 23:30"]),  # the wall clock, not converted to another zone
])
def test_dates_are_read_as_written(written, read):
    out = parse_dates(pd.Series(written))
    assert str(out.dtype) == "datetime64[ns]"
    assert list(out) == [pd.Timestamp(r) for r in read]


def test_what_is_no_date_stays_missing_for_the_caller_to_name():
    out = parse_dates(pd.Series(["2024-01-01T00:00:00+08:00", "soon", None, "2024-03-01T00:00:00+09:00"]))
    assert out.isna().tolist() == [False, True, True, False]
    far = parse_dates(pd.Series(["2024-01-01", "3024-02-01", "2024-03-01T00:00:00+08:00", "9999-11-01"]))
    assert far.isna().tolist() == [False, True, False, True]  # a year typed wrong is no date, not a crash


def test_forecast_and_simulate_read_a_file_whose_rows_mix_offsets():
    stamps = [m + ("T00:00:00+08:00" if i % 2 else "T00:00:00+09:00") for i, m in enumerate(MONTHS)]
    frame = _rows(stamps)
    plain = _rows(MONTHS)
    a = backtest(frame, 3, methods=["WindowAverage"]).detail
    b = backtest(plain, 3, methods=["WindowAverage"]).detail
    assert a.equals(b)
    s1 = simulate(frame, holdout=3, policy=ServiceLevelPolicy(0.9), lead_time=1)
    s2 = simulate(plain, holdout=3, policy=ServiceLevelPolicy(0.9), lead_time=1)
    assert s1.to_dict(per_series=True) == s2.to_dict(per_series=True)
    far = _rows(MONTHS[:-1] + ["9999-11-01"])
    with pytest.raises(ForecastInputError, match="9999-11-01"):
        backtest(far, 3, methods=["WindowAverage"])
    with pytest.raises(DemandFrameError, match="9999-11-01"):
        simulate(far, holdout=3, policy=ServiceLevelPolicy(0.9), lead_time=1)
    bad = _rows(stamps[:-1] + ["later"])
    with pytest.raises(ForecastInputError, match="'later'"):
        backtest(bad, 3, methods=["WindowAverage"])
    with pytest.raises(DemandFrameError, match="'later'"):
        simulate(bad, holdout=3, policy=ServiceLevelPolicy(0.9), lead_time=1)
