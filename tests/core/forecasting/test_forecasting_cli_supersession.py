"""``partspool forecast --supersessions``: a replaced series is forecast with its successor (no database)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partspool.cli import main

MONTHS = 30


def write_family(path: Path, successor_in_file: bool = True) -> Path:
    """OLD sells about 4 a month until month 24, then NEW takes over (about 4 a month from month 22);
    three other series beside them."""
    rng = np.random.default_rng(6)
    ds = pd.date_range("2023-01-01", periods=MONTHS, freq="MS").strftime("%Y-%m-%d")
    series = {"OLD": np.where(np.arange(MONTHS) < 24, rng.poisson(4.0, MONTHS), 0),
              **{f"OTHER{i}": rng.poisson(1.5, MONTHS) for i in range(3)}}
    if successor_in_file:
        series["NEW"] = np.where(np.arange(MONTHS) >= 22, rng.poisson(4.0, MONTHS), 0)
    pd.concat([pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}) for uid, y in series.items()]).to_csv(
        path, index=False)
    return path


def links(path: Path, rows: str) -> Path:
    path.write_text("old,new,effective\n" + rows, encoding="utf-8")
    return path


def run(tmp_path: Path, *extra: str, source: Path | None = None) -> tuple[int, pd.DataFrame | None]:
    out = tmp_path / "out.csv"
    code = main(["forecast", "--input", str(source or write_family(tmp_path / "in.csv")), "--horizon", "3",
                 "--output", str(out), "--lang", "en", *extra])
    return code, pd.read_csv(out) if code == 0 else None


def test_the_successor_is_forecast_on_the_family_and_the_replaced_series_gets_zeros(tmp_path, capsys):
    code, plain = run(tmp_path)
    assert code == 0
    capsys.readouterr()
    code, folded = run(tmp_path, "--supersessions", str(links(tmp_path / "l.csv", "OLD,NEW,2024-11\n")))
    assert code == 0
    assert "supersessions: 1 series forecast with their successor (OLD -> NEW)" in capsys.readouterr().out
    old = folded[folded["unique_id"] == "OLD"]
    assert len(old) == 3 and (old[["forecast", "lo", "hi"]] == 0).all().all()
    assert set(old["method"]) == {"Replaced[NEW]"}
    new = folded[folded["unique_id"] == "NEW"]["forecast"]
    assert new.mean() > plain[plain["unique_id"] == "NEW"]["forecast"].mean()  # two years of the family behind it
    assert 2.5 < new.mean() < 6.0
    others = folded[folded["unique_id"].str.startswith("OTHER")].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, plain[plain["unique_id"].str.startswith("OTHER")].reset_index(drop=True))


def test_a_successor_missing_from_the_file_is_forecast_from_what_it_replaces(tmp_path):
    source = write_family(tmp_path / "in.csv", successor_in_file=False)
    code, table = run(tmp_path, "--supersessions", str(links(tmp_path / "l.csv", "OLD,NEWX,\n")), source=source)
    assert code == 0
    assert len(table[table["unique_id"] == "NEWX"]) == 3
    assert set(table[table["unique_id"] == "OLD"]["method"]) == {"Replaced[NEWX]"}


def test_a_supersession_not_in_force_by_the_first_period_forecast_changes_nothing(tmp_path, capsys):
    code, plain = run(tmp_path)
    code, later = run(tmp_path, "--supersessions", str(links(tmp_path / "l.csv", "OLD,NEW,2025-09-01\n")))
    assert code == 0 and "supersessions:" not in capsys.readouterr().out
    pd.testing.assert_frame_equal(plain, later)


@pytest.mark.parametrize(("content", "message"), [
    ("OLD,NEW,\nNEW,OLD,\n", "go round in a circle: "),
    ("OLD,,\n", "old and new must both be given"),
    ("OLD,NEW,someday\n", "is not a date"),
])
def test_bad_links_are_named_and_nothing_is_written(tmp_path, capsys, content, message):
    code, _table = run(tmp_path, "--supersessions", str(links(tmp_path / "l.csv", content)))
    assert code != 0 and message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_links_file_and_a_bad_demand_row_are_named(tmp_path, capsys):
    code, _ = run(tmp_path, "--supersessions", str(tmp_path / "nowhere.csv"))
    assert code != 0 and "no such file" in capsys.readouterr().err
    source = write_family(tmp_path / "in.csv")
    text = source.read_text().splitlines()
    text[4] = text[4].rsplit(",", 1)[0] + ",-3"
    source.write_text("\n".join(text) + "\n")
    code, _ = run(tmp_path, "--supersessions", str(links(tmp_path / "l.csv", "OLD,NEW,\n")), source=source)
    err = capsys.readouterr().err
    assert code != 0 and "line 5" in err  # the file's own row, not one of the folded frame


def test_fold_series_fills_the_family_calendar_and_leaves_an_unreadable_frame_alone():
    from partspool.core.policy.supersession import Link, SupersessionCycle, fold_series

    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    frame = pd.DataFrame({"unique_id": ["A"] * 2 + ["B"] * 2 + ["C"] * 6,
                          "ds": [*months[:2], *months[4:], *months], "y": [3, 4, 5, 6, 1, 1, 1, 1, 1, 1]})
    folded, moved = fold_series(frame, [Link("A", "B", None)])
    assert moved == {"A": "B"}
    family = folded[folded["unique_id"] == "B"]
    assert family["y"].tolist() == [3, 4, 0, 0, 5, 6]  # the months neither sold in are zeros, not gaps
    assert list(family["ds"]) == list(months)
    text = frame.assign(ds=["someday"] + [str(d.date()) for d in frame["ds"][1:]])
    assert fold_series(text, [Link("A", "B", None)]) == (text, {})
    with pytest.raises(SupersessionCycle):
        fold_series(frame, [Link("A", "B", None), Link("B", "A", None)])


@pytest.mark.parametrize(("stamps", "effective", "folded"), [
    ("MS", "2024-07-31", True),   # in force during the first month forecast (July)
    ("MS", "2024-08-01", False),  # the second month forecast: not yet, as the application reads it
    ("ME", "2024-07-15", True),
    ("ME", "2024-08-14", False),
])
def test_fold_series_reads_in_force_as_the_application_does(stamps, effective, folded):
    from partspool.core.policy.supersession import Link, fold_series

    months = pd.date_range("2024-01-01", periods=6, freq=stamps)  # the history ends in June
    frame = pd.DataFrame({"unique_id": ["A"] * 6 + ["B"] * 6, "ds": [*months, *months], "y": [1] * 12})
    _out, moved = fold_series(frame, [Link("A", "B", pd.Timestamp(effective))])
    assert bool(moved) is folded
