"""``partspool forecast`` and ``partspool backtest`` on CSV files, end to end, without a database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partspool.cli import main

MONTHS = 30


def write_history(path: Path, series: int = 8, months: int = MONTHS) -> Path:
    rng = np.random.default_rng(1)
    ds = pd.date_range("2023-01-01", periods=months, freq="MS").strftime("%Y-%m-%d")
    values = np.where(rng.random((series, months)) < 0.5, rng.poisson(2.0, (series, months)), 0)
    pd.DataFrame({"unique_id": np.repeat([f"BRK-{i:02d}" for i in range(series)], months),
                  "ds": np.tile(ds, series), "y": values.reshape(-1)}).to_csv(path, index=False)
    return path


def test_forecast_writes_the_contract_columns(tmp_path, capsys):
    source, out = write_history(tmp_path / "in.csv"), tmp_path / "out.csv"
    assert main(["forecast", "--input", str(source), "--horizon", "3", "--output", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["unique_id", "ds", "forecast", "method", "lo", "hi"]
    assert len(table) == 8 * 3 and (table["forecast"] >= 0).all()
    assert (table["lo"] <= table["hi"]).all()
    assert table["ds"].iloc[:3].tolist() == ["2025-07-01", "2025-08-01", "2025-09-01"]
    assert table["method"].str.startswith("Weighted[").all()
    assert "8 series × 3 monthly period(s)" in capsys.readouterr().out


def test_forecast_with_a_named_method_and_the_choices_file(tmp_path):
    source, out, why = write_history(tmp_path / "in.csv"), tmp_path / "out.csv", tmp_path / "why.csv"
    args = ["forecast", "--input", str(source), "--horizon", "2", "--output", str(out), "--method", "crostonsba",
            "--choices", str(why), "--lang", "zh-hans"]
    assert main(args) == 0
    assert set(pd.read_csv(out)["method"]) == {"CrostonSBA"}
    assert "explanation" in pd.read_csv(why).columns
    assert set(pd.read_csv(why)["why"]) == {"预测方法为人工指定。"}  # in the command's language
    assert main(["forecast", "--input", str(source), "--horizon", "2", "--output", str(out), "--choices", str(why),
                 "--lang", "en"]) == 0
    reasons = pd.read_csv(why)["why"]
    assert reasons.str.startswith("Back-testing on ").all() and reasons.str.contains("RMSSE").all()


def test_backtest_prints_a_table_and_json(tmp_path, capsys):
    source = write_history(tmp_path / "in.csv")
    assert main(["backtest", "--input", str(source), "--horizon", "3", "--methods", "baseline,TSB"]) == 0
    text = capsys.readouterr().out
    assert "RMSSE" in text and "accuracy" in text and "seconds" in text
    assert [line.split()[0] for line in text.splitlines()[3:6]] == ["baseline", "TSB", "auto"]
    assert main(["backtest", "--input", str(source), "--horizon", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    methods = {row["method"]: row for row in report["methods"]}
    assert report["series"] == 8 and "auto" in methods and "CrostonSBA" in methods
    assert {"mae", "rmse", "rmsse", "bias", "accuracy", "seconds"} <= set(methods["auto"])


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.drop(columns=["y"]), "missing column(s): y"),
    (lambda t: t.assign(y=t["y"].where(t.index != 4, -1)), "y is negative (-1) in row 5 (series 'BRK-00')"),
    (lambda t: pd.concat([t, t.iloc[[3]]]), "series 'BRK-00' has two rows for 2023-04-01"),
    (lambda t: t.drop(index=[12]), "series 'BRK-00' has a gap: 1 monthly period(s) missing after 2023-12-01"),
    (lambda t: t[t["ds"] >= "2024-10-01"], "series 'BRK-00' has 9 periods"),
    (lambda t: t.assign(ds=t["ds"].where(t.index != 2, "soon")), "ds 'soon' in row 3 is not a date"),
])
def test_bad_input_fails_with_a_clear_message(tmp_path, capsys, change, message):
    table = pd.read_csv(write_history(tmp_path / "good.csv"), dtype=str)
    bad = tmp_path / "bad.csv"
    change(table).to_csv(bad, index=False)
    code = main(["forecast", "--input", str(bad), "--horizon", "3", "--output", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ")
    assert message in err
    assert not (tmp_path / "o.csv").exists()


def test_unknown_method_lists_the_valid_names(tmp_path, capsys):
    source = write_history(tmp_path / "in.csv")
    code = main(["forecast", "--input", str(source), "--horizon", "3", "--output", str(tmp_path / "o.csv"),
                 "--method", "magic"])
    err = capsys.readouterr().err
    assert code == 1 and "unknown method 'magic'" in err and "auto, baseline, CrostonClassic" in err


def test_a_missing_file_exits_2(tmp_path, capsys):
    code = main(["backtest", "--input", str(tmp_path / "nope.csv"), "--horizon", "3"])
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_the_installed_command_runs_without_a_database(tmp_path):
    source = write_history(tmp_path / "in.csv", series=3)
    script = Path(sys.executable).with_name("partspool")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "partspool.cli"]
    done = subprocess.run([*command, "forecast", "--input", str(source), "--horizon", "3", "--output",
                           str(tmp_path / "out.csv"), "--method", "TSB"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "does.not.exist"})
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "out.csv")) == 9


def test_unreadable_files_are_named_not_crashed_and_line_numbers_count_blank_lines(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("unique_id,ds,y\nA,2021-01-01,2\nA,2021-02-01,2,5,6\n")
    assert main(["forecast", "--input", str(ragged), "--horizon", "2", "--output", str(tmp_path / "o.csv")]) == 1
    assert "not a readable CSV file" in capsys.readouterr().err and not (tmp_path / "o.csv").exists()
    lines = write_history(tmp_path / "h.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",x"  # file line 4 …
    (tmp_path / "blank.csv").write_text("\n".join(lines[:2] + ["", ""] + lines[2:]) + "\n")  # … now line 6
    assert main(["backtest", "--input", str(tmp_path / "blank.csv"), "--horizon", "2"]) == 1
    assert "line 6 of" in capsys.readouterr().err


def test_line_numbers_count_the_lines_inside_a_quoted_value_that_spans_lines(tmp_path, capsys):
    lines = write_history(tmp_path / "h.csv").read_text().splitlines()
    first_id = lines[1].split(",")[0]
    # the first row's id is quoted and spans three lines; the bad value is on the 5th record's row
    lines[1] = '"' + first_id + '\nsecond line\nthird line"' + lines[1][len(first_id):]
    lines[4] = lines[4].rsplit(",", 1)[0] + ",x"
    (tmp_path / "multi.csv").write_text("\n".join(lines) + "\n")
    assert main(["backtest", "--input", str(tmp_path / "multi.csv"), "--horizon", "2"]) == 1
    assert "line 7 of" in capsys.readouterr().err  # record 5 starts on line 5 + 2 lines of the quoted id


def test_line_numbers_hold_in_a_crlf_file_with_a_bom_and_survive_a_very_long_value(tmp_path, capsys):
    lines = write_history(tmp_path / "h.csv").read_text().splitlines()
    lines[1] = '"' + lines[1].split(",")[0] + '\r\nmore"' + lines[1][len(lines[1].split(",")[0]):]
    lines[4] = lines[4].rsplit(",", 1)[0] + ",x"
    (tmp_path / "crlf.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    assert main(["backtest", "--input", str(tmp_path / "crlf.csv"), "--horizon", "2"]) == 1
    assert "line 6 of" in capsys.readouterr().err
    # a value longer than the csv module's default limit (128 KB): still named, never a traceback
    lines = write_history(tmp_path / "h.csv").read_text().splitlines()
    lines[1] = "b" * 140_000 + lines[1][len(lines[1].split(",")[0]):]
    lines[4] = lines[4].rsplit(",", 1)[0] + ",x"
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n")
    assert main(["backtest", "--input", str(tmp_path / "long.csv"), "--horizon", "2"]) == 1
    assert "line 5 of" in capsys.readouterr().err


def test_a_gb18030_file_with_chinese_ids_and_an_id_called_na_is_read(tmp_path, capsys):
    frame = pd.read_csv(write_history(tmp_path / "h.csv", series=2))
    frame["unique_id"] = frame["unique_id"].map({"BRK-00": "刹车片", "BRK-01": "NA"})
    frame.to_csv(tmp_path / "gb.csv", index=False, encoding="gb18030")
    out = tmp_path / "o.csv"
    assert main(["forecast", "--input", str(tmp_path / "gb.csv"), "--horizon", "2", "--output", str(out)]) == 0
    assert set(pd.read_csv(out, keep_default_na=False)["unique_id"]) == {"刹车片", "NA"}


def test_nothing_is_written_when_an_output_cannot_be(tmp_path, capsys):
    history = write_history(tmp_path / "h.csv")
    out = tmp_path / "o.csv"
    code = main(["forecast", "--input", str(history), "--horizon", "2", "--output", str(out),
                 "--choices", str(tmp_path / "missing" / "c.csv")])
    assert code == 1 and "does not exist" in capsys.readouterr().err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".partspool-")]
    assert main(["forecast", "--input", str(history), "--horizon", "1000000000", "--output", str(out)]) == 1
    assert "from 1 to 520" in capsys.readouterr().err and not out.exists()


def test_backtest_of_auto_alone_and_a_method_named_twice(tmp_path, capsys):
    history = write_history(tmp_path / "h.csv")
    assert main(["backtest", "--input", str(history), "--horizon", "2", "--methods", "auto", "--json"]) == 0
    assert [m["method"] for m in json.loads(capsys.readouterr().out)["methods"]] == ["auto"]
    assert main(["backtest", "--input", str(history), "--horizon", "2", "--methods", "TSB,tsb", "--json"]) == 0
    assert [m["method"] for m in json.loads(capsys.readouterr().out)["methods"]] == ["TSB", "auto"]


def test_outputs_land_together_or_not_at_all_with_the_usual_permissions(tmp_path, monkeypatch):
    import os

    from partspool.cli_csv import CsvReadError, write_all

    old = tmp_path / "out.csv"
    old.write_text("old")
    real = os.replace
    calls = []

    def failing_third_move(a, b):
        calls.append(a)
        if len(calls) == 3:  # out.csv moved aside, the new one in place, then the second file fails
            raise OSError("disk full")
        return real(a, b)

    monkeypatch.setattr(os, "replace", failing_third_move)
    with pytest.raises(OSError):
        write_all([(str(old), lambda p: Path(p).write_text("new")), (str(tmp_path / "c.csv"), lambda p: None)])
    monkeypatch.setattr(os, "replace", real)
    assert old.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    write_all([(str(tmp_path / "a.csv"), lambda p: Path(p).write_text("a"))])
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(CsvReadError, match="same file"):
        write_all([(str(old), lambda p: None), (str(old), lambda p: None)])


def test_forecast_and_backtest_report_the_panel_growth(tmp_path, capsys):
    rng = np.random.default_rng(4)
    series, months = 40, MONTHS
    ds = pd.date_range("2023-01-01", periods=months, freq="MS").strftime("%Y-%m-%d")
    rates = np.exp(rng.normal(1.0, 0.7, series))[:, None] * 1.03 ** (np.arange(months) - months + 1)
    source, out = tmp_path / "grow.csv", tmp_path / "out.csv"
    pd.DataFrame({"unique_id": np.repeat([f"FLT-{i:02d}" for i in range(series)], months),
                  "ds": np.tile(ds, series), "y": rng.poisson(rates).reshape(-1)}).to_csv(source, index=False)
    assert main(["forecast", "--input", str(source), "--horizon", "3", "--output", str(out)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("growth: "))
    assert "read against the panel's +" in line and "a year" in line and "40 series" in line
    assert main(["backtest", "--input", str(source), "--horizon", "3", "--methods", "TSB", "--json"]) == 0
    growth = json.loads(capsys.readouterr().out)["panel_growth"]
    assert growth["series"] == 40 and 20 < growth["percent_per_season"] < 70  # 3% a month is +43% a year
