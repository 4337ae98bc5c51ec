"""A part replaced by another is forecast with its successor, and reviewed against it (SPEC C4, supersession)."""

from __future__ import annotations

import pytest

from partspool.network.models import DemandRecord, Node, Part, Supersession
from partspool.planning.demo import date_on_time
from partspool.planning.models import ForecastRun, ReviewLine
from partspool.planning.selectors import last_complete_month, month_add
from tests.conftest import login

JSON = "application/json"


def _in_force(months_ago: int) -> str:
    on = month_add(last_complete_month(), -months_ago)
    Supersession.objects.filter(old__number="BRK-PAD-F01").update(effective_on=on)
    return f"{on:%Y-%m-%d}"


def _run_in_time(history):
    """杭州's run of two months ending two months ago, dated as if made in time (the month under review: last)."""
    planner = login(history.users["planner"])
    end = last_complete_month()
    made = planner.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "history_end": f"{month_add(end, -2):%Y-%m}",
                                               "horizon": 2}, content_type=JSON).json()
    date_on_time(ForecastRun.objects.get(pk=made["id"]))
    return planner, made, month_add(end, -1)


def _rows(body: dict) -> dict[tuple[str, str], dict]:
    return {(r["node"], r["part"]): r for r in body["rows"]}


def test_an_announced_supersession_leaves_both_parts_their_own_forecast(history):
    body = login(history.users["planner"]).post("/api/forecast-runs", {"horizon": 3}, content_type=JSON).json()
    rows = _rows(body)
    assert ("SC-HZ01", "BRK-PAD-F01") in rows and "replaces" not in rows[("SC-HZ01", "BRK-PAD-F02")]["explanation"]
    assert not body["summary"]["replaced"]


def test_the_successor_is_forecast_on_the_family_demand_and_says_so(history):
    since = _in_force(3)
    planner = login(history.users["planner"])
    body = planner.post("/api/forecast-runs", {"horizon": 3}, content_type=JSON).json()
    rows = _rows(body)
    assert not any(part == "BRK-PAD-F01" for _node, part in rows)  # no series of its own
    for code, scale in (("SC-HZ01", 1.0), ("SC-SH01", 2.0)):
        new = rows[(code, "BRK-PAD-F02")]
        # the family: about 4 (old) + 0.5 (new) a month at 杭州, 8 + 0.5 at 上海
        assert 3.0 * scale < new["forecast"][0] < 6.5 * scale, new["forecast"]
        assert new["explanation"]["replaces"] == [{"part": "BRK-PAD-F01", "since": since}]
        assert f"the parts it replaces (BRK-PAD-F01 from {since})" in new["why"]
    assert body["summary"]["replaced"] == {"BRK-PAD-F01": "BRK-PAD-F02"}
    run = ForecastRun.objects.get(pk=body["id"])
    assert run.series == len(rows)
    page = planner.get(f"/planning/runs/{run.pk}/").content.decode()
    assert 'id="replaced"' in page and "BRK-PAD-F01 → BRK-PAD-F02" in page
    pick = run.rows.get(node__code="SC-HZ01", part__number="BRK-PAD-F02")
    chart = planner.get(f"/planning/runs/{run.pk}/?series={pick.pk}")
    assert chart.status_code == 200 and "plotly" in chart.content.decode()


def test_a_manager_sees_only_the_supersessions_of_their_own_series(history):
    _in_force(3)
    DemandRecord.objects.filter(node__code="SC-HZ01", part__number="BRK-PAD-F01").delete()
    body = login(history.users["planner"]).post("/api/forecast-runs", {"horizon": 3}, content_type=JSON).json()
    assert body["summary"]["replaced"] == {"BRK-PAD-F01": "BRK-PAD-F02"}  # 上海's
    seen = login(history.users["manager"]).get(f"/api/forecast-runs/{body['id']}").json()
    assert seen["summary"]["replaced"] == {}
    assert "replaces" not in _rows(seen)[("SC-HZ01", "BRK-PAD-F02")]["explanation"]


def test_the_replaced_part_demand_is_reviewed_against_the_successor_forecast(history):
    _in_force(4)
    planner, made, month = _run_in_time(history)
    hz = Node.objects.get(code="SC-HZ01")
    old, new = Part.objects.get(number="BRK-PAD-F01"), Part.objects.get(number="BRK-PAD-F02")
    # 杭州 still records some demand under the old number after the supersession (its old stock used up)
    DemandRecord.objects.update_or_create(node=hz, part=old, month=month, defaults={"quantity": 6})
    own = DemandRecord.objects.filter(node=hz, part=new, month=month).first()
    review = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert review["accuracy"] is not None
    line = ReviewLine.objects.get(node=hz, part=new, month=month)
    assert line.actual == 6 + (own.quantity if own else 0) and line.run_id == made["id"]
    row = _rows(made)[("SC-HZ01", "BRK-PAD-F02")]
    assert row["first_month"] == f"{month:%Y-%m-%d}"  # the month reviewed is the run's first forecast
    assert line.forecast == pytest.approx(row["forecast"][0], abs=1e-3)
    assert not ReviewLine.objects.filter(node=hz, part=old, month=month).exists()  # no miss at forecast 0


def test_a_replaced_part_new_to_the_runs_nodes_is_reviewed_against_its_successor(history):
    """杭州 never sold the old number before the run, so the run had nothing of it to fold; demand recorded
    under the old number afterwards still counts against the successor's forecast, not as a miss of a part
    nobody forecast."""
    _in_force(4)
    hz = Node.objects.get(code="SC-HZ01")
    old, new = Part.objects.get(number="BRK-PAD-F01"), Part.objects.get(number="BRK-PAD-F02")
    DemandRecord.objects.filter(node=hz, part=old).delete()
    planner, made, month = _run_in_time(history)
    assert made["summary"]["replaced"] == {} and made["summary"]["successors"] == {"BRK-PAD-F01": "BRK-PAD-F02"}
    DemandRecord.objects.create(node=hz, part=old, month=month, quantity=5)
    own = DemandRecord.objects.filter(node=hz, part=new, month=month).first()
    planner.get(f"/api/forecast-review?month={month:%Y-%m}")
    line = ReviewLine.objects.get(node=hz, part=new, month=month)
    assert line.actual == 5 + (own.quantity if own else 0) and line.run_id == made["id"]
    assert not ReviewLine.objects.filter(node=hz, part=old, month=month).exists()


def test_a_run_made_before_the_supersession_keeps_reviewing_the_old_part(history):
    planner, made, month = _run_in_time(history)
    _in_force(1)  # in force after that run was made: it forecast the two parts apart
    planner.get(f"/api/forecast-review?month={month:%Y-%m}")
    hz = Node.objects.get(code="SC-HZ01")
    assert ReviewLine.objects.filter(node=hz, part__number="BRK-PAD-F01", month=month).exists()


def test_the_command_line_names_the_parts_forecast_with_their_successor(history, capsys):
    from partspool.cli import main

    _in_force(3)
    assert main(["forecast-run", "--as", "planner", "--node", "SC-SH01", "--horizon", "2", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 part replaced by a successor was forecast with it: BRK-PAD-F01 -> BRK-PAD-F02" in out
    assert main(["forecast-run", "--as", "planner", "--node", "SC-SH01", "--horizon", "2", "--lang", "zh-hans"]) == 0
    assert "BRK-PAD-F01 -> BRK-PAD-F02" in capsys.readouterr().out


def test_searching_a_run_for_a_replaced_part_points_to_its_successor(history):
    _in_force(3)
    planner = login(history.users["planner"])
    run = planner.post("/api/forecast-runs", {"horizon": 2}, content_type=JSON).json()
    page = planner.get(f"/planning/runs/{run['id']}/?part=brk-pad-f01").content.decode()
    assert "BRK-PAD-F01 was replaced by BRK-PAD-F02" in page and "?part=BRK-PAD-F02" in page
    assert "was replaced by" not in planner.get(f"/planning/runs/{run['id']}/?part=WIP").content.decode()


def test_abc_classes_a_replaced_part_under_its_successor_as_the_stock_policy_does(history):
    planner = login(history.users["planner"])
    before = {r["part"]: r for r in planner.get("/api/abc").json()["rows"]}
    assert "BRK-PAD-F01" in before
    _in_force(3)
    rows = {r["part"]: r for r in planner.get("/api/abc").json()["rows"]}
    assert "BRK-PAD-F01" not in rows
    assert rows["BRK-PAD-F02"]["measure"] == before["BRK-PAD-F01"]["measure"] + before["BRK-PAD-F02"]["measure"]
    assert rows["BRK-PAD-F02"]["abc_class"] == "A"
    policy_class = {p["part"]: p["abc_class"] for p in planner.get("/api/stock-policy?node=SC-SH01").json()["parts"]}
    assert policy_class["BRK-PAD-F02"] == "A"
    page = planner.get("/planning/abc/").content.decode()
    assert "with the demand of BRK-PAD-F01, which it replaces" in page


def test_an_emergency_blamed_on_a_replaced_parts_forecast_reaches_its_successor(history):
    """A forecast-miss emergency on the old number, after the supersession: the successor, forecast on the
    family's demand, carries the risk note; a review note on the old number is pointed to the successor."""
    from datetime import datetime, time, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from partspool.emergencies import services
    from partspool.emergencies.models import EmergencyCase
    from partspool.planning.selectors import month_start

    _in_force(4)
    end = last_complete_month()
    planner = login(history.users["planner"])
    # the review of last month: its next month is forecast by a run ending last month
    made = planner.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "history_end": f"{end:%Y-%m}", "horizon": 2},
                        content_type=JSON).json()
    assert ("SC-HZ01", "BRK-PAD-F02") in _rows(made)
    case = services.case_open(user=history.users["manager"], center=history.nodes["SC-HZ01"], customer_name="客户",
                              customer_type="regular", ltv=Decimal(20000), part=history.parts["F01"], quantity=1,
                              deadline=timezone.now() + timedelta(hours=20), vehicle_usable=False)
    closed = datetime.combine(month_start(end).date() + timedelta(days=3), time(12),
                              tzinfo=timezone.get_default_timezone())
    EmergencyCase.objects.filter(pk=case.pk).update(status="closed", closed_at=closed, root_cause="forecast_miss")
    review = login(history.users["manager"]).get(f"/api/forecast-review?month={end:%Y-%m}",
                                                 HTTP_ACCEPT_LANGUAGE="en").json()
    row = next(r for r in review["next_month"] if (r["node"], r["part"]) == ("SC-HZ01", "BRK-PAD-F02"))
    assert f"{case.number} (BRK-PAD-F01)" in row["risk"]
    assert next(f for f in review["flagged"] if f["case"] == case.number)["family"] == "BRK-PAD-F02"
    # a note on the old number: the review counts its demand under the successor, and says so
    _run_in_time(history)
    month = month_add(end, -1)
    body = login(history.users["manager"]).put("/api/forecast-review/notes", {
        "month": f"{month:%Y-%m}", "node": "SC-HZ01", "part": "BRK-PAD-F01", "cause": "x"},
        content_type=JSON, HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 400 and body.json()["code"] == "review_note_replaced"
    assert "replaced by BRK-PAD-F02" in body.json()["message"]
