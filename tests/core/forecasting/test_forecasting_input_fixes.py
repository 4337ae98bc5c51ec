"""Input the forecasting commands used to misread or misreport: extra fields, mixed date styles,
weekdays, frequencies with gaps, absurd demand, outputs that collide."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partspool.cli import main
from partspool.cli_csv import read_text_csv
from partspool.core.forecasting import ForecastInputError, backtest, forecast, read_panel


def monthly_text(uid: str = "A", months: int = 30, start: str = "2021-01-01", freq: str = "MS") -> list[str]:
    return [f"{uid},{d:%Y-%m-%d},{i % 4}" for i, d in enumerate(pd.date_range(start, periods=months, freq=freq))]


def run_forecast(tmp_path: Path, lines: list[str], *extra: str) -> tuple[int, str, Path]:
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("\n".join(["unique_id,ds,y", *lines]) + "\n")
    code = main(["forecast", "--input", str(source), "--horizon", "2", "--output", str(out), "--method", "TSB",
                 *extra])
    return code, out, source


@pytest.mark.parametrize(("row", "line", "hint"), [
    (0, 2, False),   # the first data row: pandas used to take its first field as the index
    (3, 5, False),   # a later row
])
def test_a_row_with_more_fields_than_the_header_is_refused_by_its_line(tmp_path, capsys, row, line, hint):
    lines = monthly_text()
    uid, rest = lines[row].split(",", 1)
    lines[row] = f"{uid},X,{rest}"
    code, out, _source = run_forecast(tmp_path, lines)
    err = capsys.readouterr().err
    assert code == 1 and f"line {line} has 4 fields but the header has 3 (unique_id, ds, y)" in err
    assert "a comma at the end" not in err and not out.exists()


def test_trailing_commas_are_named_as_such_not_as_a_bad_date(tmp_path, capsys):
    code, out, _source = run_forecast(tmp_path, [line + "," for line in monthly_text()])
    err = capsys.readouterr().err
    assert code == 1 and "line 2 has 4 fields" in err and "a comma at the end of a line" in err
    assert "is not a date" not in err and not out.exists()


def test_the_extra_field_line_counts_the_lines_of_a_quoted_value(tmp_path, capsys):
    lines = monthly_text()
    lines[0] = '"A\nsecond line",' + lines[0].split(",", 1)[1]
    lines[2] += ",9"  # record 4, on file line 5 because the quoted id spans two lines
    code, _out, _source = run_forecast(tmp_path, lines)
    assert code == 1 and "line 5 has 4 fields" in capsys.readouterr().err


def test_header_names_read_as_pandas_names_them(tmp_path):
    source = tmp_path / "h.csv"
    source.write_text("unique_id,ds,y,note,note,\nA,2021-01-01,1,a,b,\n")
    frame, lines = read_text_csv(str(source))
    assert list(frame.columns) == ["unique_id", "ds", "y", "note", "note.1", "Unnamed: 5"]
    assert frame.iloc[0].tolist() == ["A", "2021-01-01", "1", "a", "b", ""] and lines.line(1) == 2


def mixed_styles() -> pd.DataFrame:
    starts = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2021-01-01", periods=26, freq="MS"), "y": 2.0})
    ends = pd.DataFrame({"unique_id": "B", "ds": pd.date_range("2021-03-31", periods=24, freq="ME"), "y": 3.0})
    return pd.concat([starts, ends], ignore_index=True)


def test_each_series_keeps_its_own_date_style_in_the_forecast():
    panel = read_panel(mixed_styles())
    assert panel.anchors == ("start", "end") and panel.freq.anchor == "mixed"
    result = forecast(mixed_styles(), 3, method="TSB", workers=1)
    dates = result.forecasts.assign(ds=result.forecasts["ds"].dt.strftime("%Y-%m-%d")).groupby("unique_id")["ds"]
    assert dates.apply(list).to_dict() == {"A": ["2023-03-01", "2023-04-01", "2023-05-01"],
                                           "B": ["2023-03-31", "2023-04-30", "2023-05-31"]}


def test_the_backtest_detail_shows_the_real_held_out_dates():
    result = backtest(mixed_styles(), 3, methods=("TSB",), workers=1)
    dates = result.detail.assign(ds=result.detail["ds"].dt.strftime("%Y-%m-%d")).groupby("unique_id")["ds"]
    assert dates.apply(list).to_dict() == {"A": ["2022-12-01", "2023-01-01", "2023-02-01"],
                                           "B": ["2022-12-31", "2023-01-31", "2023-02-28"]}


def test_choices_naming_the_output_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import partspool.core.forecasting as forecasting

    def no_work(*_args, **_kwargs):
        raise AssertionError("the forecast ran")

    monkeypatch.setattr(forecasting, "forecast", no_work)
    out = tmp_path / "out.csv"
    code, _out, _source = run_forecast(tmp_path, monthly_text(), "--choices", str(tmp_path / "." / "out.csv"))
    err = capsys.readouterr().err
    assert code == 1 and "two outputs name the same file" in err and not out.exists()


def test_a_collision_found_only_when_writing_is_still_a_clear_error(tmp_path, capsys, monkeypatch):
    import partspool.cli_forecast as cli_forecast

    monkeypatch.setattr(cli_forecast, "check_writable", lambda *paths: None)
    code, out, _source = run_forecast(tmp_path, monthly_text(), "--choices", str(tmp_path / "out.csv"))
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "same file" in err and "Traceback" not in err
    assert not out.exists()


def test_autos_seconds_include_its_work_on_the_whole_panel(monkeypatch):
    from partspool.core.forecasting import api

    real = api._decay

    def slow_decay(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_decay", slow_decay)
    result = backtest(mixed_styles(), 3, methods=("TSB",), workers=1)
    seconds = result.summary.set_index("method")["seconds"]
    assert seconds["auto"] >= 0.3 > seconds["TSB"]


def test_the_series_off_the_common_weekday_is_the_one_named():
    mondays = [pd.DataFrame({"unique_id": f"W{i}", "ds": pd.date_range("2021-01-04", periods=60, freq="7D"),
                             "y": 1.0}) for i in range(4)]
    tuesdays = pd.DataFrame({"unique_id": "T", "ds": pd.date_range("2021-01-05", periods=60, freq="7D"), "y": 1.0})
    frame = pd.concat([*mondays, tuesdays], ignore_index=True)
    with pytest.raises(ForecastInputError) as caught:
        read_panel(frame)
    error = caught.value
    assert error.code == "mixed_weekdays" and error.unique_id == "T" and error.row == 241
    assert "series 'T') is a Tuesday, but most dates are Mondays" in error.detail


def test_a_seasonal_method_on_yearly_data_says_there_is_no_season():
    yearly = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2000-01-01", periods=20, freq="YS"), "y": 5.0})
    with pytest.raises(ForecastInputError) as caught:
        forecast(yearly, 2, method="SeasonalNaive", workers=1)
    assert caught.value.code == "no_season" and "yearly data has no season" in caught.value.detail
    assert "1073741824" not in caught.value.detail


def test_two_months_apart_names_the_gap_and_the_spacing(tmp_path, capsys):
    code, out, source = run_forecast(tmp_path, ["A,2020-01-01,1", "A,2020-03-01,2"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "If the data is monthly, series 'A' has a gap: 1 monthly period(s) missing after 2020-01-01" in err
    assert "every 2 months, that spacing is not supported" in err and f"line 3 of {source}" in err


def test_longer_steps_among_monthly_ones_are_gaps():
    # the most common step is two months, but series B shows the data is monthly
    frame = pd.DataFrame({"unique_id": ["A", "A", "A", "B", "B"],
                          "ds": ["2020-01-01", "2020-03-01", "2020-05-01", "2020-01-01", "2020-02-01"], "y": 1})
    with pytest.raises(ForecastInputError) as caught:
        read_panel(frame)
    assert caught.value.code == "gap" and "series 'A' has a gap: 1 monthly period(s)" in caught.value.detail


def test_absurd_demand_is_refused_by_its_row_and_large_demand_keeps_finite_intervals(tmp_path, capsys):
    lines = monthly_text()
    lines[4] = lines[4].rsplit(",", 1)[0] + ",1e200"
    code, out, source = run_forecast(tmp_path, lines)
    err = capsys.readouterr().err
    assert code == 1 and "y is 1e+200 in row 5 (series 'A')" in err and f"line 6 of {source}" in err
    assert not out.exists()
    big = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2020-01-01", periods=30, freq="MS"),
                        "y": np.linspace(1e11, 1e12, 30)})
    result = forecast(big, 3, method="TSB", workers=1)
    assert np.isfinite(result.forecasts[["forecast", "lo", "hi"]].to_numpy()).all()
