"""The CSV commands speak Chinese or English (``--lang``, else the locale), naming the same series, rows
and figures in both; English reads as it did before the messages went through gettext."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.utils import translation

from partspool.cli import main
from partspool.cli_messages import (
    FORECAST_MESSAGES,
    FRAME_MESSAGES,
    decay_description,
    forecast_message,
    frame_message,
    growth_description,
    language_from_environment,
)
from partspool.core.forecasting import ForecastInputError, backtest, forecast, read_panel
from partspool.core.forecasting.api import lead_time_quantiles
from partspool.core.forecasting.seasonal import GrowthPrior
from partspool.core.forecasting.selection import DecayChoice
from partspool.core.policy import DemandFrameError, ServiceLevelPolicy, read_demand_frame, simulate
from partspool.core.policy.supersession import Link
from tests.core.forecasting.test_forecasting_cli import write_history

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # two English words in a row
HAN = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese(text: str, *paths: Path) -> None:
    for path in paths:
        text = text.replace(str(path), "")
    assert HAN.search(text), text
    assert not ENGLISH_SENTENCE.search(text), text


def changed(tmp_path: Path, change) -> Path:
    table = pd.read_csv(write_history(tmp_path / "good.csv"), dtype=str)
    change(table).to_csv(tmp_path / "bad.csv", index=False)
    return tmp_path / "bad.csv"


def ragged(tmp_path: Path, tail: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(f"unique_id,ds,y\nA,2021-01-01,2\nA,2021-02-01,2{tail}\n")
    return path


def binary(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary spreadsheet")
    return path


# (name, the file, extra arguments, exit code, the old English message, figures the Chinese one names)
CASES = [
    ("missing column", lambda p: changed(p, lambda t: t.drop(columns=["y"])), [], 1,
     "error: missing column(s): y (expected unique_id, ds, y; found unique_id, ds)", ["y", "unique_id, ds"]),
    ("negative y", lambda p: changed(p, lambda t: t.assign(y=t["y"].where(t.index != 4, "-1"))), [], 1,
     "error: y is negative (-1) in row 5 (series 'BRK-00'); demand cannot be below zero (line 6 of {path})",
     ["-1", "5", "'BRK-00'", "6"]),
    ("gap", lambda p: changed(p, lambda t: t.drop(index=[12])), [], 1,
     "error: series 'BRK-00' has a gap: 1 monthly period(s) missing after 2023-12-01 (first missing: 2024-01-01); "
     "give missing periods as rows with y = 0 if there was no demand (line 14 of {path})",
     ["'BRK-00'", "2023-12-01", "2024-01-01", "14"]),
    ("duplicate period", lambda p: changed(p, lambda t: pd.concat([t, t.iloc[[3]]])), [], 1,
     "error: series 'BRK-00' has two rows for 2023-04-01 (rows 4 and 241) (line 242 of {path})",
     ["'BRK-00'", "2023-04-01", "4", "241", "242"]),
    ("too short", lambda p: changed(p, lambda t: t[t["ds"] >= "2024-10-01"]), [], 1,
     "error: series 'BRK-00' has 9 periods; auto with horizon 3 (12 to fit and 3 to test) needs at least 15 "
     "(and 7 more series)", ["'BRK-00'", "9", "12", "15", "7"]),
    ("bad horizon", lambda p: write_history(p / "good.csv"), ["--horizon", "0"], 1,
     "error: horizon must be a whole number from 1 to 520, got 0", ["520", "0"]),
    ("no such file", lambda p: p / "none.csv", [], 2, "error: no such file: {path}", ["none.csv"]),
    ("binary file", binary, [], 1,
     "error: {path} is not a CSV text file (it holds binary data; save it as CSV, UTF-8)", ["UTF-8"]),
    ("extra field", lambda p: ragged(p, ","), [], 1,
     "error: {path} is not a readable CSV file: line 3 has 4 fields but the header has 3 (unique_id, ds, y) "
     "(a comma at the end of a line starts one more, empty field)", ["3", "4", "unique_id, ds, y"]),
]


@pytest.mark.parametrize(("make", "extra", "code", "english", "figures"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_bad_input_is_told_in_chinese_with_the_same_figures_and_in_english_as_before(
        tmp_path, capsys, make, extra, code, english, figures):
    path = make(tmp_path)
    args = ["forecast", "--input", str(path), "--horizon", "3", "--output", str(tmp_path / "o.csv"), *extra]
    assert main([*args, "--lang", "en"]) == code
    assert capsys.readouterr().err == english.format(path=path) + "\n"
    assert main([*args, "--lang", "zh-hans"]) == code
    err = capsys.readouterr().err
    assert err.startswith("错误：")
    assert_chinese(err, path)
    for figure in figures:
        assert figure in err.replace(str(path.parent), ""), (figure, err)
    assert not (tmp_path / "o.csv").exists()


def test_a_forecast_reports_what_it_wrote_in_chinese(tmp_path, capsys):
    source, out = write_history(tmp_path / "in.csv", series=3), tmp_path / "out.csv"
    assert main(["forecast", "--input", str(source), "--horizon", "2", "--output", str(out), "--method", "TSB",
                 "--lang", "zh-hans"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"已写入 {out}：3 个序列 × 2 个月度周期") and "TSB 3" in said
    assert_chinese(said, out)


@pytest.mark.parametrize(("content", "options", "figures"), [
    ("unique_id,ds,y\n" + "".join(f"P,2024-{m:02d}-01,{-1 if m == 3 else 1}\n" for m in range(1, 13)), [],
     ["bad.csv", "P"]),
    ("unique_id,ds,y\n" + "".join(f"P,2024-{m:02d}-01,1\n" for m in range(1, 13) if m != 6), [],
     ["1", "P", "2024-05-01", "2024-07-01"]),
    ("unique_id,ds,y\nP,2024-01-01,1\n", ["--lead-time", "53"], ["52", "53"]),
])
def test_simulate_speaks_chinese_too(tmp_path, capsys, content, options, figures):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    argv = {"--holdout": "3", "--policy": "service-level", "--lead-time": "1", **dict(zip(options[::2],
                                                                                        options[1::2], strict=True))}
    code = main(["simulate", "--input", str(path), *(x for kv in argv.items() for x in kv), "--lang", "zh-hans"])
    out, err = capsys.readouterr()
    assert code != 0 and out == "" and err.startswith("错误：")
    assert_chinese(err, path)
    for figure in figures:
        assert figure in err


def test_the_language_follows_the_locale_unless_given(tmp_path, capsys, monkeypatch):
    args = ["backtest", "--input", str(tmp_path / "none.csv"), "--horizon", "3"]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert main(args) == 2 and capsys.readouterr().err.startswith("错误：文件不存在：")
    assert main([*args, "--lang", "en"]) == 2 and capsys.readouterr().err.startswith("error: no such file: ")
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL, when set, outranks LANG
    assert main(args) == 2 and capsys.readouterr().err.startswith("error: ")
    assert main([*args, "--lang", "zh-hans"]) == 2 and capsys.readouterr().err.startswith("错误：")
    assert translation.get_language() != "zh-hans"  # the command's language does not outlive it


@pytest.mark.parametrize(("environ", "language"), [
    ({}, "en"), ({"LANG": "C"}, "en"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
    ({"LANG": "zh_TW.UTF-8"}, "zh-hans"), ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-hans"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"), ({"LC_ALL": "", "LANG": "zh_CN"}, "zh-hans"),
])
def test_the_default_language_is_the_first_locale_variable_set(environ, language):
    assert language_from_environment(environ) == language


def forecast_errors(tmp_path: Path) -> list[ForecastInputError]:
    """One error of every code and variant the forecasting core raises."""
    months = pd.date_range("2023-01-01", periods=30, freq="MS").strftime("%Y-%m-%d")
    good = pd.DataFrame({"unique_id": np.repeat(["A", "B"], 30), "ds": np.tile(months, 2), "y": "1"})
    weeks = pd.date_range("2024-01-01", periods=6, freq="7D").strftime("%Y-%m-%d").tolist()
    tuesdays = pd.date_range("2024-01-02", periods=2, freq="7D").strftime("%Y-%m-%d").tolist()
    frames = [
        good.drop(columns=["y"]), good.iloc[:0], good.assign(unique_id=good["unique_id"].where(good.index != 3, " ")),
        good.assign(ds=good["ds"].where(good.index != 2, "soon")), good.assign(y=good["y"].where(good.index != 5, "x")),
        good.assign(y=good["y"].where(good.index != 5, "-2.5")), good.assign(y=good["y"].where(good.index != 5, "1e13")),
        good.groupby("unique_id").head(1), pd.concat([good, good.iloc[[7]]]), good.drop(index=[40]),
        pd.DataFrame({"unique_id": "A", "ds": ["2024-01-01", "2024-01-04", "2024-01-07"], "y": "1"}),
        pd.DataFrame({"unique_id": "A", "ds": ["2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01"], "y": "1"}),
        pd.DataFrame({"unique_id": "A", "ds": ["2020-02-01", "2020-08-01"], "y": "1"}),
        pd.DataFrame({"unique_id": ["A"] * 6 + ["B"] * 2 + ["C"] * 2, "ds": weeks + tuesdays + tuesdays, "y": "1"}),
        pd.DataFrame({"unique_id": ["A"] * 6 + ["B"] * 2, "ds": weeks + tuesdays, "y": "1"}),
        pd.concat([good, pd.DataFrame({"unique_id": ["A"], "ds": ["2023-03-15"], "y": ["1"]})]),
    ]
    calls = [lambda f=f: read_panel(f) for f in frames] + [
        lambda: forecast(good, 3, method="magic"), lambda: forecast(good, 3, engine="spark"),
        lambda: backtest(good, 3, engine="spark"), lambda: forecast(good, 0),
        lambda: forecast(good.groupby("unique_id").head(10), 3),
        lambda: forecast(good.groupby("unique_id").head(10), 3, method="SeasonalNaive"),
        lambda: backtest(good.groupby("unique_id").head(10), 3),
        lambda: forecast(pd.DataFrame({"unique_id": "A", "ds": [f"{y}-01-01" for y in range(2000, 2020)], "y": 1}),
                         2, method="SeasonalNaive"),
        lambda: lead_time_quantiles(forecast(good, 2, method="TSB", workers=1), 0),
    ]
    errors = []
    for call in calls:
        with pytest.raises(ForecastInputError) as caught:
            call()
        errors.append(caught.value)
    return errors


def test_every_forecasting_error_has_a_template_that_reads_as_the_english_detail(tmp_path):
    errors = forecast_errors(tmp_path)
    assert {e.code for e in errors} == set(FORECAST_MESSAGES)
    with translation.override("en"):
        for error in errors:
            params = {**error.params, **({"series": repr(error.params["series"])} if "series" in error.params else {})}
            assert FORECAST_MESSAGES[error.code](params) == error.detail  # the template, not the fallback
            assert forecast_message(error) == error.detail


def test_a_code_without_a_template_or_with_figures_missing_falls_back_to_the_detail():
    with translation.override("zh-hans"):
        assert forecast_message(ForecastInputError("brand_new", "something new")) == "something new"
        assert forecast_message(ForecastInputError("gap", "a gap", params={"series": "A"})) == "a gap"


def frame_errors() -> list[DemandFrameError]:
    months = [f"2024-{m:02d}-01" for m in range(1, 13)]
    good = pd.DataFrame({"unique_id": "P", "ds": months, "y": 1})
    many = pd.DataFrame({"unique_id": [f"Q{i}" for i in range(8)], "ds": "2024-01-01", "y": -1})
    frames = [
        good.drop(columns=["y"]), good.iloc[:0],
        good.assign(unique_id=["", *["P"] * 11], ds=["soon", *months[1:]],
                    y=[1, "x", 2e7, -1, 1.5, *[1] * 7]),  # six problems at once: the sixth is counted
        many, pd.concat([good, good.iloc[[2]]]), good.drop(index=[5]), good.iloc[:1],
        pd.DataFrame({"unique_id": "P", "ds": ["2024-01-01", "2024-01-04", "2024-01-07"], "y": 1}),
    ]
    errors = []
    for frame in frames:
        with pytest.raises(DemandFrameError) as caught:
            read_demand_frame(frame)
        errors.append(caught.value)
    many_problems = DemandFrameError([*errors[2].found, *errors[3].found])
    shorts = pd.concat([good.assign(unique_id=f"S{i}") for i in range(7)], ignore_index=True)
    with pytest.raises(DemandFrameError) as caught:  # simulate's own check: too short for the holdout
        simulate(shorts, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    errors.append(caught.value)
    earlier = pd.concat([good.assign(unique_id="A"), good.assign(unique_id="B", ds=[m.replace("2024", "2023")
                                                                                   for m in months])])
    loose = pd.concat([good.assign(unique_id=f"loose{i}") for i in range(7)], ignore_index=True)
    uneven = pd.concat([good.assign(unique_id="N|P"), good.iloc[:-1].assign(unique_id="N|Q")], ignore_index=True)
    for frame, options in ((earlier, {"supersessions": [Link("A", "B", None)]}),
                           (loose, {"first_demand": True}), (uneven, {"first_demand": True})):
        with pytest.raises(DemandFrameError) as caught:  # a link between two calendars; ids not NODE|PART
            simulate(frame, holdout=3, policy=ServiceLevelPolicy(0.95), lead_time=1, **options)
        errors.append(caught.value)
    return [*errors, many_problems]


def test_every_policy_frame_error_has_a_template_that_reads_as_the_english_text():
    errors = frame_errors()
    assert {p.code for e in errors for p in e.found} == set(FRAME_MESSAGES)
    with translation.override("en"):
        for error in errors:
            for problem in error.found:
                assert FRAME_MESSAGES[problem.code](dict(problem.params)) == problem.detail
            assert frame_message(error) == str(error)


def test_the_back_test_and_growth_lines_read_as_the_cores_descriptions():
    decays = [DecayChoice(0.5, 1.0, 0.5, 3.2, ((1.0, 0.81), (0.5, 0.7)), 40, 31.4),
              DecayChoice(1.0, 1.0, 0.7, 1.1, ((1.0, 0.81), (0.7, 0.8), (0.5, 0.9)), 40, 31.4),
              DecayChoice(1.0, 1.0, 1.0, 0.0, ((1.0, 0.81), (0.5, 0.9)), 40, 31.4)]
    growths = [GrowthPrior(0.3, 0.1, 40), GrowthPrior(-0.05, 0.02, 35, per_season=7, yearly=False),
               GrowthPrior(0.1, 0.0, 50, groups=((0.6, (1.0,) * 12), (0.4, (1.2,) * 12)))]
    with translation.override("en"):
        assert [decay_description(d) for d in decays] == [d.describe() for d in decays]
        assert [growth_description(g) for g in growths] == [g.describe() for g in growths]


def test_the_installed_command_speaks_without_a_database_or_settings(tmp_path):
    source = changed(tmp_path, lambda t: t.assign(y=t["y"].where(t.index != 4, "-1")))
    done = subprocess.run([sys.executable, "-c", "import sys; from partspool.cli import main; sys.exit(main())",
                           "forecast", "--input", str(source), "--horizon", "3", "--output", str(tmp_path / "o.csv"),
                           "--lang", "zh-hans"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "does.not.exist"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "-1" in done.stderr and "'BRK-00'" in done.stderr and "6" in done.stderr
