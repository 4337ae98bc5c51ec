"""Reading demand history (partspool.core.forecasting.panel): bad input is refused with the culprit named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import ForecastInputError, forecast, read_panel


def monthly(ids=("A", "B"), months=24, start="2023-01-01", value=1.0) -> pd.DataFrame:
    ds = pd.date_range(start, periods=months, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat(ids, months), "ds": np.tile(ds, len(ids)),
                         "y": np.full(months * len(ids), value)})


def refused(frame: pd.DataFrame, horizon: int = 3, method: str = "auto") -> ForecastInputError:
    with pytest.raises(ForecastInputError) as caught:
        forecast(frame, horizon, method=method)
    return caught.value


def test_a_missing_column_is_named():
    error = refused(monthly().drop(columns=["y"]))
    assert error.code == "missing_columns"
    assert "y" in error.detail and "unique_id, ds, y" in error.detail


def test_text_in_y_names_the_row_and_the_series():
    frame = monthly().astype({"y": object})
    frame.loc[5, "y"] = "abc"
    error = refused(frame)
    assert (error.code, error.row, error.unique_id) == ("bad_y", 6, "A")
    assert "'abc'" in error.detail


def test_negative_demand_is_refused():
    frame = monthly()
    frame.loc[30, "y"] = -2
    error = refused(frame)
    assert (error.code, error.row, error.unique_id) == ("negative_y", 31, "B")
    assert "negative" in error.detail


def test_two_rows_for_one_period_are_refused():
    frame = pd.concat([monthly(), monthly(ids=("B",)).iloc[[4]]], ignore_index=True)
    error = refused(frame)
    assert error.code == "duplicate_period" and error.unique_id == "B"
    assert "2023-05-01" in error.detail


def test_two_dates_in_the_same_month_are_a_duplicate_period():
    frame = monthly()
    frame.loc[3, "ds"] = pd.Timestamp("2023-03-15")  # March already has 2023-03-01
    error = refused(frame)
    assert error.code == "duplicate_period" and error.unique_id == "A"


def test_a_missing_month_is_a_gap_with_the_first_missing_month_named():
    frame = monthly().drop(index=[10, 11]).reset_index(drop=True)
    error = refused(frame)
    assert error.code == "gap" and error.unique_id == "A"
    assert "2 monthly period(s) missing" in error.detail and "2023-11-01" in error.detail


def test_a_missing_week_is_a_gap_too():
    ds = pd.date_range("2024-01-01", periods=30, freq="7D")
    frame = pd.DataFrame({"unique_id": "W1", "ds": ds, "y": 1.0}).drop(index=[7]).reset_index(drop=True)
    error = refused(frame)
    assert error.code == "gap" and "2024-02-19" in error.detail


def test_a_series_too_short_for_auto_says_how_many_periods_are_needed():
    frame = pd.concat([monthly(ids=("LONG",)), monthly(ids=("NEW",), months=10)], ignore_index=True)
    error = refused(frame, horizon=3)
    assert error.code == "too_short" and error.unique_id == "NEW"
    assert "10 periods" in error.detail and "at least 15" in error.detail


def test_a_series_too_short_for_a_seasonal_method_is_refused():
    error = refused(monthly(months=20), method="SeasonalNaive")
    assert error.code == "too_short" and "at least 24" in error.detail


def test_a_date_that_is_not_a_date_names_the_row():
    frame = monthly().astype({"ds": str})
    frame.loc[7, "ds"] = "next spring"
    error = refused(frame)
    assert (error.code, error.row) == ("bad_ds", 8)


def test_an_unknown_method_lists_the_valid_ones():
    error = refused(monthly(), method="prophet")
    assert error.code == "unknown_method"
    assert "auto" in error.detail and "CrostonSBA" in error.detail and "TSB" in error.detail


@pytest.mark.parametrize(("dates", "code", "season"), [
    (pd.date_range("2022-01-01", periods=30, freq="MS"), "M", 12),
    (pd.date_range("2022-01-31", periods=30, freq="ME"), "M", 12),
    (pd.date_range("2022-01-03", periods=30, freq="W-MON"), "W", 52),
    (pd.date_range("2022-01-01", periods=30, freq="QS"), "Q", 4),
])
def test_the_frequency_is_inferred_from_ds(dates, code, season):
    panel = read_panel(pd.DataFrame({"unique_id": "X", "ds": dates, "y": 1.0}))
    assert (panel.freq.code, panel.freq.season_length) == (code, season)


def test_future_dates_keep_the_style_of_the_data():
    month_ends = pd.DataFrame({"unique_id": "X", "ds": pd.date_range("2022-01-31", periods=24, freq="ME"), "y": 1.0})
    result = forecast(month_ends, 3, method="HistoricAverage")
    assert [d.strftime("%Y-%m-%d") for d in result.forecasts["ds"]] == ["2024-01-31", "2024-02-29", "2024-03-31"]
    weekly = pd.DataFrame({"unique_id": "X", "ds": pd.date_range("2024-01-01", periods=20, freq="7D"), "y": 1.0})
    result = forecast(weekly, 2, method="TSB")
    assert [d.strftime("%Y-%m-%d") for d in result.forecasts["ds"]] == ["2024-05-20", "2024-05-27"]


def test_rows_in_any_order_and_text_dates_give_the_same_panel():
    frame = monthly()
    shuffled = frame.sample(frac=1.0, random_state=1).astype({"ds": str})
    shuffled["ds"] = pd.to_datetime(shuffled["ds"]).dt.strftime("%Y-%m")
    a, b = read_panel(frame), read_panel(shuffled)
    assert a.ids == b.ids == ("A", "B")
    assert all(np.array_equal(x, y) for x, y in zip(a.values, b.values, strict=True))
