"""The forecast review's months are stored once they are over, read back unchanged, and worked out
again when their demand changes or one of their runs goes."""

from __future__ import annotations

import pytest

from partspool.network.models import DemandRecord, Node, Part
from partspool.network.services import import_file
from partspool.planning.demo import date_on_time
from partspool.planning.models import ForecastRun, ForecastSeries, ReviewLine, ReviewMonth
from partspool.planning.review_store import store_months
from partspool.planning.selectors import last_complete_month, month_add
from tests.conftest import login

JSON = "application/json"


def _reviewed(history):
    """A run made in time for the last three complete months; returns (planner client, a reviewed month, run)."""
    planner = login(history.users["planner"])
    end = last_complete_month()
    made = planner.post("/api/forecast-runs", {"history_end": f"{month_add(end, -3):%Y-%m}", "horizon": 3},
                        content_type=JSON)
    assert made.status_code == 201
    return planner, month_add(end, -1), date_on_time(ForecastRun.objects.get(pk=made.json()["id"]))


def test_a_reviewed_month_is_stored_and_read_back_as_it_was(history):
    planner, month, run = _reviewed(history)
    first = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    stored = ReviewMonth.objects.filter(month=month, series__gt=0)
    assert {m.node.code for m in stored} == {"SC-HZ01", "SC-SH01"}
    assert sum(m.series for m in stored) == ReviewLine.objects.filter(month=month).count() == sum(
        n["series"] for n in first["by_node"])
    hz = stored.get(node__code="SC-HZ01")
    assert first["by_node"][[n["node"] for n in first["by_node"]].index("SC-HZ01")]["accuracy"] == pytest.approx(
        1 - hz.abs_error / hz.actual)
    # the month is read from what was stored, not worked out from the runs again
    ForecastSeries.objects.filter(run=run).update(forecast=[0.0, 0.0, 0.0])
    again = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert again["accuracy"] == first["accuracy"] and again["misses"] == first["misses"]
    assert again["trend"] == first["trend"]


def test_demand_imported_for_a_reviewed_month_is_counted(history):
    planner, month, _run = _reviewed(history)
    before = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    record = DemandRecord.objects.get(node__code="SC-HZ01", part__number="BRK-PAD-F01", month=month)
    line = ReviewLine.objects.get(node__code="SC-HZ01", part__number="BRK-PAD-F01", month=month)
    bigger = record.quantity + 40
    import_file(user=history.users["manager"], kind="demand", filename="demand.csv", max_bytes=1_000_000,
                data=f"node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,{month:%Y-%m},{bigger}\n".encode())
    after = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    row = next(m for m in after["misses"] if (m["node"], m["part"]) == ("SC-HZ01", "BRK-PAD-F01"))
    assert row["actual"] == bigger and row["forecast"] == pytest.approx(line.forecast, abs=0.05)
    assert after["accuracy"] < before["accuracy"]
    # a record saved on its own counts too
    record.refresh_from_db()
    record.quantity = 0
    record.save()
    gone = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    row = next(m for m in gone["misses"] if (m["node"], m["part"]) == ("SC-HZ01", "BRK-PAD-F01"))
    assert row["actual"] == 0


def test_a_deleted_part_leaves_the_months_it_was_counted_in(history):
    from decimal import Decimal

    planner, month, _run = _reviewed(history)
    gone = Part.objects.create(number="WIP-OLD-09", name_zh="旧雨刮", name_en="Old wiper", category="body",
                               unit_cost=Decimal("40"))
    DemandRecord.objects.create(node=Node.objects.get(code="SC-HZ01"), part=gone, month=month, quantity=9)
    with_it = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert any(m["part"] == "WIP-OLD-09" for m in with_it["misses"])
    gone.delete()
    without = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    hz = next(n for n in without["by_node"] if n["node"] == "SC-HZ01")
    assert hz["series"] == ReviewLine.objects.filter(node__code="SC-HZ01", month=month).count()
    assert hz["series"] == next(n for n in with_it["by_node"] if n["node"] == "SC-HZ01")["series"] - 1


def test_a_month_with_many_notes_still_lists_every_noted_miss(history):
    from partspool.planning.models import ReviewNote

    planner, month, _run = _reviewed(history)
    planner.get(f"/api/forecast-review?month={month:%Y-%m}")
    lines = list(ReviewLine.objects.filter(month=month).select_related("node", "part"))
    for line in lines:
        ReviewNote.objects.create(node=line.node, part=line.part, month=month, cause="促销", action="调整",
                                  updated_by=history.users["planner"])
    review = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert {(m["node"], m["part"]) for m in review["misses"]} == {(x.node.code, x.part.number) for x in lines}
    assert all(m["cause"] == "促销" for m in review["misses"])


def test_a_run_written_across_the_end_of_a_month_is_counted_in_it(history, django_capture_on_commit_callbacks,
                                                                  monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from partspool.planning.selectors import month_start
    from partspool.planning.services import forecast_run

    planner, month, _run = _reviewed(history)
    before = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()  # stored now
    # a newer run begun a minute before the month ended (its row is dated then) and committed after
    # the month was stored: its commit removes the stored month, and the review counts it
    end = last_complete_month()
    monkeypatch.setattr(timezone, "now", lambda: month_start(end) - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        forecast_run(user=history.users["planner"], nodes=None, horizon=1, method="WindowAverage",
                     history_end=month_add(month, -1))
    monkeypatch.undo()
    after = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert {m["method"] for m in after["misses"]} == {"WindowAverage"} != {m["method"] for m in before["misses"]}


def test_a_deleted_run_leaves_the_months_it_forecast(history):
    planner, month, run = _reviewed(history)
    assert planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()["by_node"]
    run.delete()
    review = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert review["by_node"] == [] and review["accuracy"] is None
    assert not ReviewLine.objects.filter(month=month).exists()


def test_a_run_re_dated_or_given_other_nodes_moves_the_months_it_is_in_force_for(
        history, django_capture_on_commit_callbacks):
    planner, month, run = _reviewed(history)

    def reviewed() -> list[str]:
        return sorted(n["node"] for n in planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()["by_node"])

    assert reviewed() == ["SC-HZ01", "SC-SH01"]
    # dated after the month was over, the run was too late for it: nothing was forecast in time
    with django_capture_on_commit_callbacks(execute=True):
        run.created_at = run.created_at.replace(year=run.created_at.year + 1)
        run.save()
    assert reviewed() == []
    date_on_time(run)  # back in time (a QuerySet.update, with the months forgotten by hand as the demo does)
    assert reviewed() == ["SC-HZ01", "SC-SH01"]
    # a node taken off the run: its month had no run in force
    with django_capture_on_commit_callbacks(execute=True):
        run.nodes.remove(Node.objects.get(code="SC-SH01"))
    assert reviewed() == ["SC-HZ01"]
    with django_capture_on_commit_callbacks(execute=True):
        run.nodes.add(Node.objects.get(code="SC-SH01"))
    assert reviewed() == ["SC-HZ01", "SC-SH01"]
    with django_capture_on_commit_callbacks(execute=True):
        run.nodes.clear()
    assert reviewed() == []


def test_a_forecast_edited_on_its_own_is_reviewed_as_edited(history, django_capture_on_commit_callbacks):
    planner, month, run = _reviewed(history)
    before = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    series = ForecastSeries.objects.get(run=run, node__code="SC-HZ01", part__number="BRK-PAD-F01")
    k = (month.year - series.first_month.year) * 12 + month.month - series.first_month.month
    series.forecast = [v + 500.0 if i == k else v for i, v in enumerate(series.forecast)]
    with django_capture_on_commit_callbacks(execute=True):
        series.save()
    after = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    row = next(m for m in after["misses"] if (m["node"], m["part"]) == ("SC-HZ01", "BRK-PAD-F01"))
    assert row["forecast"] == pytest.approx(series.forecast[k], abs=0.05)
    assert after["accuracy"] < before["accuracy"]
    # cut short so that it no longer reaches the month: the month it covered before is worked out again
    series.forecast, series.lo, series.hi = series.forecast[:k], series.lo[:k], series.hi[:k]
    with django_capture_on_commit_callbacks(execute=True):
        series.save()
    planner.get(f"/api/forecast-review?month={month:%Y-%m}")
    line = ReviewLine.objects.get(node__code="SC-HZ01", part__number="BRK-PAD-F01", month=month)
    assert line.method == "—" and line.forecast == 0  # demand the run in force no longer forecast


def test_review_store_again_works_out_months_changed_behind_its_back(history, capsys):
    from partspool.cli import main

    planner, month, run = _reviewed(history)
    first = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    ForecastSeries.objects.filter(run=run).update(forecast=[0.0, 0.0, 0.0])  # no signal: the stored month stays
    assert planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()["accuracy"] == first["accuracy"]
    assert main(["review-store", "--lang", "en", "--from", f"{month:%Y-%m}", "--to", f"{month:%Y-%m}", "--again"]) == 0
    assert "worked out again" in capsys.readouterr().out
    again = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert again["accuracy"] == 0.0  # nothing forecast: every unit demanded is missed


def test_storing_again_after_an_interruption_keeps_one_line_each(history):
    _planner, month, _run = _reviewed(history)
    assert store_months(month, month) == Node.objects.count()
    lines = ReviewLine.objects.filter(month=month).count()
    ReviewMonth.objects.filter(month=month).delete()  # as if a worker died after the lines were written
    assert store_months(month, month) == Node.objects.count()
    assert ReviewLine.objects.filter(month=month).count() == lines
    assert store_months(month, month) == 0  # nothing left to do


def test_a_manager_reads_only_their_centers_stored_lines(history):
    planner, month, _run = _reviewed(history)
    planner.get(f"/api/forecast-review?month={month:%Y-%m}")
    review = login(history.users["manager"]).get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert {n["node"] for n in review["by_node"]} == {"SC-HZ01"}
    assert {m["node"] for m in review["misses"]} == {"SC-HZ01"}
    hz = ReviewMonth.objects.get(node__code="SC-HZ01", month=month)
    assert review["accuracy"] == pytest.approx(1 - hz.abs_error / hz.actual)


def test_review_store_command_for_cron(history, capsys):
    from partspool.cli import main

    _planner, month, _run = _reviewed(history)
    end = last_complete_month()
    assert main(["review-store", "--lang", "en", "--from", f"{month_add(end, -2):%Y-%m}"]) == 0
    out = capsys.readouterr().out
    assert f"{3 * Node.objects.count()} node-month(s)" in out
    assert ReviewLine.objects.filter(month=month, part=Part.objects.get(number="BRK-PAD-F01")).count() == 2
    assert main(["review-store", "--lang", "en", "--from", f"{month_add(end, -2):%Y-%m}"]) == 0
    assert "0 node-month(s)" in capsys.readouterr().out
    assert main(["review-store", "--lang", "en", "--to", f"{month_add(end, 1):%Y-%m}"]) == 1
    assert "not over yet" in capsys.readouterr().err
    assert main(["review-store", "--lang", "en", "--from", f"{end:%Y-%m}", "--to", f"{month_add(end, -1):%Y-%m}"]) == 1
    assert "after the last month" in capsys.readouterr().err
    assert main(["review-store", "--from", f"{month_add(end, -2):%Y-%m}"]) == 0  # Chinese unless asked otherwise
    assert "已保留此前保存的月份" in capsys.readouterr().out


@pytest.mark.postgres
def test_first_visits_at_the_same_moment_store_each_line_once(require_postgres, history):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    _planner, month, _run = _reviewed(history)
    first = month_add(month, -1)
    start = threading.Barrier(4)

    def store(_):
        try:
            start.wait()
            store_months(first, month)
            return True
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(store, range(4)))
    lines = ReviewLine.objects.filter(month__gte=first, month__lte=month)
    assert lines.count() == lines.values("node", "part", "month").distinct().count() > 0
    assert ReviewMonth.objects.filter(month__gte=first, month__lte=month).count() == 2 * Node.objects.count()


@pytest.mark.postgres
def test_demand_imported_while_a_month_is_being_stored_is_not_lost(require_postgres, history, monkeypatch):
    import threading
    import time

    from django.db import connections

    from partspool.planning import review_store

    planner, month, _run = _reviewed(history)
    has_read = threading.Event()
    real_delete = review_store._delete

    def slow_delete(pairs):  # called after the store has read the demand, before it writes
        has_read.set()
        time.sleep(0.5)  # the import below commits now unless it has to wait for the store
        return real_delete(pairs)

    monkeypatch.setattr(review_store, "_delete", slow_delete)

    def store():
        try:
            store_months(month, month, {Node.objects.get(code="SC-HZ01").pk})
        finally:
            connections.close_all()

    def load():
        try:
            assert has_read.wait(10)
            import_file(user=history.users["manager"], kind="demand", filename="late.csv", max_bytes=10**6,
                        data=f"node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,{month:%Y-%m},999\n".encode())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=store), threading.Thread(target=load)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.setattr(review_store, "_delete", real_delete)
    review = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    row = next(m for m in review["misses"] if (m["node"], m["part"]) == ("SC-HZ01", "BRK-PAD-F01"))
    assert row["actual"] == 999


@pytest.mark.django_db(transaction=True)
def test_without_a_transaction_the_months_are_forgotten_after_the_write(history, monkeypatch):
    """In autocommit an on-commit callback runs at once: queued before the write, a visit between the
    two could store the month from the old forecast again. The forgetting must see the new row."""
    from partspool.planning import signals

    _planner, month, run = _reviewed(history)
    series = ForecastSeries.objects.get(run=run, node__code="SC-HZ01", part__number="BRK-PAD-F01")
    seen = []
    real = signals.forget

    def spy(pairs):
        seen.append(ForecastSeries.objects.get(pk=series.pk).forecast)
        return real(pairs)

    monkeypatch.setattr(signals, "forget", spy)
    series.forecast = [v + 100.0 for v in series.forecast]
    series.save()
    assert seen == [series.forecast]  # once, with the new forecast already written
    seen.clear()
    run.created_at = run.created_at.replace(year=run.created_at.year + 1)
    run.save()
    assert len(seen) == 1
