"""``partspool simulate`` end to end on CSV files (no database)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partspool.cli import main
from partspool.cli_policy import parse_fill_rate


@pytest.fixture()
def demand_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS")
    rows = [pd.DataFrame({"unique_id": f"HZ01/P{i}", "ds": stamps.strftime("%Y-%m-%d"),
                          "y": rng.poisson(rng.uniform(0.2, 5.0), 36)}) for i in range(12)]
    path = tmp_path / "demand.csv"
    pd.concat(rows).to_csv(path, index=False)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_service_level_replay_prints_one_json_object(demand_csv, capsys):
    code, out, err = run(capsys, "--input", str(demand_csv), "--holdout", "12", "--policy", "service-level",
                         "--target-fill-rate", "0.95", "--lead-time", "1")
    assert code == 0, err
    result = json.loads(out)
    assert result["series"] == 12
    assert result["policy"] == "service-level"
    assert result["parameters"] == {"target_fill_rate": 0.95, "scope": "series"}
    assert 0 <= result["stockout_rate"] <= 1
    assert result["fill_rate"] == pytest.approx(result["served"] / result["demanded"])
    assert result["average_inventory"] > 0
    assert result["frequency"] == "month"


def test_days_of_cover_replay_and_percent_targets(demand_csv, capsys):
    code, out, _ = run(capsys, "--input", str(demand_csv), "--holdout", "12", "--policy", "days-of-cover",
                       "--days", "30", "--lead-time", "2")
    assert code == 0
    cover = json.loads(out)
    assert cover["parameters"] == {"days": 30.0}
    code, out, _ = run(capsys, "--input", str(demand_csv), "--holdout", "12", "--policy", "service-level",
                       "--target-fill-rate", "95", "--lead-time", "2", "--per-series")
    service = json.loads(out)
    assert service["parameters"] == {"target_fill_rate": 0.95, "scope": "series"}
    assert service["fill_rate"] > cover["fill_rate"]
    assert len(service["per_series"]) == 12 and "order-up-to" in service["per_series"][0]["why"]


def test_pooled_scope_holds_less_stock(demand_csv, capsys):
    common = ["--input", str(demand_csv), "--holdout", "12", "--policy", "service-level", "--lead-time", "1"]
    _, out, _ = run(capsys, *common)
    code, pooled_out, err = run(capsys, *common, "--scope", "pooled")
    assert code == 0, err
    pooled = json.loads(pooled_out)
    assert pooled["parameters"]["scope"] == "pooled"
    assert pooled["average_inventory"] < json.loads(out)["average_inventory"]


def test_pooled_classes_hold_less_stock_than_each_series_its_class_target(demand_csv, capsys):
    common = ["--input", str(demand_csv), "--holdout", "12", "--policy", "abc-class", "--lead-time", "1",
              "--per-series"]
    _, out, _ = run(capsys, *common)
    code, pooled_out, err = run(capsys, *common, "--scope", "pooled")
    assert code == 0, err
    series, pooled = json.loads(out), json.loads(pooled_out)
    assert series["parameters"]["scope"] == "series" and pooled["parameters"]["scope"] == "pooled"
    assert pooled["average_inventory"] < series["average_inventory"]
    why = {row["abc_class"]: row["why"] for row in pooled["per_series"]}
    assert "95% fill rate over the class's parts together" in why["A"] and "no stock" in why["C"]
    code, _, err = run(capsys, *common[:5], "days-of-cover", "--lead-time", "1", "--scope", "pooled")
    assert code != 0 and "--scope goes with --policy service-level / abc-class" in err


@pytest.mark.parametrize(("text", "value"), [("0.95", 0.95), ("95", 0.95), ("95%", 0.95), ("1", 1.0),
                                              ("100", 1.0), ("0.5", 0.5), ("30%", 0.3)])
def test_fill_rate_as_fraction_or_percentage(text, value):
    assert parse_fill_rate(text) == pytest.approx(value)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


MONTHS = [f"2024-{m:02d}-01" for m in range(1, 13)]


def csv_of(values: list[int], uid: str = "P", months: list[str] = MONTHS) -> str:
    return "unique_id,ds,y\n" + "".join(f"{uid},{d},{v}\n" for d, v in zip(months, values, strict=False))


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("unique_id,ds\nP,2024-01-01\n", [], "missing column(s): y"),
        (csv_of([1, 2, -1] + [1] * 9), [], "y is negative for P"),
        (csv_of([1] * 12) + "P,2024-03-01,4\n", [], "duplicate periods: P 2024-03-01"),
        (csv_of([1] * 11, months=MONTHS[:5] + MONTHS[6:]), [], "P: 2024-05-01 is followed by 2024-07-01"),
        (csv_of([1] * 12), ["--holdout", "8"], "series too short"),
        (csv_of([1] * 12), ["--policy", "newsvendor"], "unknown policy 'newsvendor'"),
        (csv_of([1] * 12), ["--target-fill-rate", "1.5"], "(0, 1]"),
        (csv_of([1] * 12), ["--target-fill-rate", "0"], "(0, 1]"),
        (csv_of([1] * 12), ["--target-fill-rate", "120"], "(0, 1]"),
        (csv_of([1] * 12), ["--target-fill-rate", "-0.9"], "(0, 1]"),
        (csv_of([1] * 12), ["--target-fill-rate", "abc"], "must be a number"),
        (csv_of([1] * 12), ["--lead-time", "-1"], "--lead-time must be 0 to 52 periods"),
        (csv_of([1] * 12), ["--policy", "days-of-cover", "--target-fill-rate", "0.9"], "goes with"),
        (csv_of([1] * 12), ["--scope", "everything"], "unknown --scope"),
        ("", [], "empty"),
    ],
)
def test_bad_input_gives_a_clear_error_and_a_non_zero_exit(tmp_path, capsys, content, options, message):
    argv = {"--holdout": "3", "--policy": "service-level", "--lead-time": "1"}
    extra: list[str] = []
    for i in range(0, len(options), 2):
        if options[i] in argv:
            argv[options[i]] = options[i + 1]
        else:
            extra += options[i : i + 2]
    args = ["--input", write(tmp_path, content)] + [x for kv in argv.items() for x in kv] + extra
    code, out, err = run(capsys, *args)
    assert code != 0
    assert out == ""
    assert err.startswith("error: ")
    assert message in err


def test_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "--input", str(tmp_path / "none.csv"), "--holdout", "3", "--policy",
                       "service-level", "--lead-time", "1")
    assert code == 2 and "no such file" in err


def test_the_installed_command_runs_without_a_database(demand_csv, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from partspool.cli import main; sys.exit(main(sys.argv[1:]))",
         "simulate", "--input", str(demand_csv), "--holdout", "6", "--policy", "days-of-cover", "--days", "15",
         "--lead-time", "0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "no.such.settings"},
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= {"fill_rate", "average_inventory", "stockout_rate", "series"}


@pytest.mark.parametrize(("y", "message"), [("inf", "not a number"), ("1e20", "above 1,000,000 units")])
def test_infinite_or_absurd_demand_is_named(demand_csv, capsys, y, message):
    frame = pd.read_csv(demand_csv, dtype={"y": str})
    frame.loc[5, "y"] = y
    frame.to_csv(demand_csv, index=False)
    code, _out, err = run(capsys, "--input", str(demand_csv), "--holdout", "6", "--policy", "days-of-cover",
                          "--lead-time", "1")
    assert code == 1 and message in err


@pytest.mark.parametrize("extra", [["--lead-time", "100000000"], ["--lead-time", "53"],
                                   ["--days", "1e308", "--lead-time", "1"]])
def test_sizes_beyond_reason_are_refused_before_any_work(demand_csv, capsys, extra):
    policy = ["--policy", "days-of-cover"] if "--days" in extra else ["--policy", "service-level"]
    code, _out, err = run(capsys, "--input", str(demand_csv), "--holdout", "6", *policy, *extra)
    assert code == 2 and ("--lead-time must be 0 to 52" in err or "--days must be 0 to 3650" in err)


def test_an_id_called_na_and_a_gb18030_file(demand_csv, capsys, tmp_path):
    frame = pd.read_csv(demand_csv)
    frame["unique_id"] = frame["unique_id"].replace({"HZ01/P0": "NA", "HZ01/P1": "杭州/刹车片"})
    frame.to_csv(tmp_path / "gb.csv", index=False, encoding="gb18030")
    code, out, err = run(capsys, "--input", str(tmp_path / "gb.csv"), "--holdout", "6", "--policy",
                         "days-of-cover", "--lead-time", "1", "--per-series")
    assert code == 0, err
    assert json.loads(out)["series"] == 12


@pytest.mark.parametrize(("months", "weeks"), [(24, 30), (36, 156)])  # the long weekly one must not outvote
def test_one_weekly_series_among_monthly_ones_is_the_one_named(tmp_path, capsys, months, weeks):
    month_starts = pd.date_range("2022-01-01", periods=months, freq="MS").strftime("%Y-%m-%d")
    mondays = pd.date_range("2022-01-03", periods=weeks, freq="7D").strftime("%Y-%m-%d")
    frame = pd.concat([*(pd.DataFrame({"unique_id": uid, "ds": month_starts, "y": 1}) for uid in ("A", "B", "C")),
                       pd.DataFrame({"unique_id": "W1", "ds": mondays, "y": 1})])
    frame.to_csv(tmp_path / "mix.csv", index=False)
    code, _out, err = run(capsys, "--input", str(tmp_path / "mix.csv"), "--holdout", "3", "--policy",
                          "days-of-cover", "--lead-time", "1")
    assert code == 1 and "1 series: W1" in err and "expected the next month" in err


def test_an_unreadable_input_file_is_named_not_a_traceback(tmp_path, capsys):
    import os

    if os.geteuid() == 0:  # root reads any file: a folder stands in for a file that cannot be read
        target = tmp_path / "folder.csv"
        target.mkdir()
    else:
        target = tmp_path / "locked.csv"
        target.write_text("unique_id,ds,y\n")
        target.chmod(0)
    code = main(["simulate", "--input", str(target), "--holdout", "3", "--policy", "service-level",
                 "--target-fill-rate", "0.95", "--lead-time", "1"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and str(target.name) in err


@pytest.mark.parametrize("command", [["simulate", "--holdout", "3", "--policy", "service-level", "--lead-time", "1"],
                                     ["backtest", "--horizon", "3"]])
def test_a_binary_file_under_a_csv_name_is_named_as_such(tmp_path, capsys, command):
    target = tmp_path / "stock.csv"
    target.write_bytes(b"PK\x03\x04\x00\x00binary spreadsheet")
    code = main([command[0], "--input", str(target), *command[1:]])
    err = capsys.readouterr().err
    assert code != 0 and "binary data" in err and "is empty" not in err


def test_a_utf16_file_is_named_as_such(tmp_path, capsys):
    target = tmp_path / "demand.csv"
    target.write_bytes("unique_id,ds,y\nP1,2024-01-01,1\n".encode("utf-16"))
    code = main(["backtest", "--input", str(target), "--horizon", "3"])
    err = capsys.readouterr().err
    assert code != 0 and "UTF-16" in err


def test_dispersions_are_moderated_across_series_unless_asked_not_to(tmp_path, capsys):
    rng = np.random.default_rng(5)
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS")
    rows = [pd.DataFrame({"unique_id": f"P{i:02d}", "ds": stamps.strftime("%Y-%m-%d"),
                          "y": rng.negative_binomial(2, 2 / (2 + rng.uniform(1, 10)), 36)}) for i in range(40)]
    path = tmp_path / "many.csv"
    pd.concat(rows).to_csv(path, index=False)
    common = ["--input", str(path), "--holdout", "12", "--policy", "service-level", "--lead-time", "1", "--per-series"]
    code, out, err = run(capsys, *common)
    assert code == 0, err
    assert all("parts with similar demand" in s["demand_model"] for s in json.loads(out)["per_series"])
    code, out, err = run(capsys, *common, "--no-moderation")
    assert code == 0, err
    assert not any("parts with similar demand" in s["demand_model"] for s in json.loads(out)["per_series"])


def test_the_shortfall_on_parts_that_never_sold_is_told_apart_and_the_shape_can_be_turned_off(tmp_path, capsys):
    rng = np.random.default_rng(7)
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS")
    rows = []
    for i in range(40):
        y = rng.poisson(3.0 * 1.02 ** np.arange(36))
        if i < 4:  # four parts first asked for in the held-out year
            y[:24] = 0
        rows.append(pd.DataFrame({"unique_id": f"P{i:02d}", "ds": stamps.strftime("%Y-%m-%d"), "y": y}))
    path = tmp_path / "growing.csv"
    pd.concat(rows).to_csv(path, index=False)
    common = ["--input", str(path), "--holdout", "12", "--policy", "service-level", "--lead-time", "1", "--per-series"]
    code, out, err = run(capsys, *common)
    assert code == 0, err
    result = json.loads(out)
    never = sum(s["demanded"] for s in result["per_series"][:4])
    assert result["demanded_without_history"] == never > 0
    known = result["demanded"] - never
    served_never = sum(s["served"] for s in result["per_series"][:4])
    assert result["fill_rate_with_history"] == pytest.approx((result["served"] - served_never) / known)
    assert result["fill_rate_with_history"] > result["fill_rate"]
    assert "the set's x" in result["per_series"][10]["demand_model"]
    code, out, err = run(capsys, *common, "--no-shape")
    assert code == 0, err
    assert not any("the set's x" in s["demand_model"] for s in json.loads(out)["per_series"])


def test_supersessions_from_a_file_and_their_bad_input(tmp_path, capsys):
    rng = np.random.default_rng(5)
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS").strftime("%Y-%m-%d")
    old = list(rng.poisson(6.0, 27)) + list(rng.poisson(2.4, 9))
    new = [0] * 27 + list(rng.poisson(3.6, 9))
    data = tmp_path / "d.csv"
    pd.concat([pd.DataFrame({"unique_id": u, "ds": stamps, "y": y}) for u, y in (("HZ|A", old), ("HZ|B", new))]
              ).to_csv(data, index=False)
    links = tmp_path / "links.csv"
    links.write_text("old,new,effective\nHZ|A,HZ|B,2024-04-01\n", encoding="utf-8")
    base = ["--input", str(data), "--holdout", "12", "--policy", "service-level", "--lead-time", "1"]
    code, out, err = run(capsys, *base)
    alone = json.loads(out)
    code, out, err = run(capsys, *base, "--supersessions", str(links))
    assert code == 0, err
    linked = json.loads(out)
    assert linked["supersessions"] == 1 and linked["fill_rate"] > alone["fill_rate"]
    for text, says in (("old,to\nHZ|A,HZ|B\n", "missing column(s) new"),
                       ("old,new,effective\nHZ|A,,2024-04\n", "line 2: old and new must both be given"),
                       ("old,new,effective\nHZ|A,HZ|B,April\n", "line 2: effective 'April' is not a date"),
                       ("old,new\nHZ|A,HZ|B\nHZ|B,HZ|A\n", "go round in a circle: HZ|A -> HZ|B -> HZ|A")):
        links.write_text(text, encoding="utf-8")
        code, out, err = run(capsys, *base, "--supersessions", str(links))
        assert code != 0 and out == "" and says in err, err
    code, out, err = run(capsys, *base, "--supersessions", str(tmp_path / "none.csv"))
    assert code == 2 and "no such file" in err


def test_a_weekly_review_of_daily_demand_matches_the_hand_count(tmp_path, capsys):
    """One unit a day, 9 days of cover (S = 9), orders arriving 2 days after they go out. Reviewed every 7
    days, each review finds 2 on the shelf and orders 7: those 2 serve the next two days, the 7 arriving
    then serve five and leave 2 again, so nothing is lost and the shelf holds 1, 0, 6, 5, 4, 3, 2 (3.0 on
    average) with 4 orders in 28 days. Reviewed every day, it holds 6 with an order a day."""
    from datetime import date, timedelta

    path = tmp_path / "daily.csv"
    path.write_text("unique_id,ds,y\n" + "".join(f"P1,{date(2026, 1, 1) + timedelta(days=k)},1\n" for k in range(120)))
    for review, stock, orders in (("7", 3.0, 4), ("1", 6.0, 28)):
        code, out, _err = run(capsys, "--input", str(path), "--holdout", "28", "--policy", "days-of-cover",
                              "--days", "9", "--lead-time", "2", "--review-periods", review, "--per-series")
        body = json.loads(out)
        assert code == 0 and body["fill_rate"] == 1.0 and body["average_inventory"] == pytest.approx(stock)
        assert body["review_periods"] == int(review)
        assert body["per_series"][0]["orders"] == orders and body["per_series"][0]["order_up_to"] == 9
    assert f"review {7} period(s)" in json.loads(run(capsys, "--input", str(path), "--holdout", "28",
                                                      "--policy", "service-level", "--lead-time", "2",
                                                      "--review-periods", "7", "--per-series")[1])["per_series"][0]["why"]
    for bad, says in (("0", "--review-periods must be 1 to 366"), ("29", "no review inside the 28 held-out")):
        code, _out, err = run(capsys, "--input", str(path), "--holdout", "28", "--policy", "days-of-cover",
                              "--lead-time", "2", "--review-periods", bad)
        assert code == 2 and says in err
