"""Planning pages and API under bad or unusual input: each gets a clear error naming what is wrong,
or the planner's expected result, never a server error — and the words stay in the user's language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from partspool.accounts.models import Role, User
from partspool.network.models import Part, Region
from partspool.planning.models import ForecastRun
from tests.conftest import PASSWORD, login

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.mark.parametrize(("query", "field"), [
    ("recall_units=inf", "recall_units"), ("recall_units=1e400", "recall_units"), ("summer_shift=inf", "summer_shift"),
    ("summer_shift=1.9", "summer_shift"), ("summer_shift=5", "summer_shift"), ("cohort=-3", "cohort"),
    ("growth=nan", "growth"), ("growth=lots", "growth"), ("recall_units=2.5", "recall_units"),
])
def test_annual_plan_refuses_numbers_out_of_range_naming_the_field(history, query, field):
    planner = login(history.users["planner"])
    bad = planner.get(f"/api/annual-plan?{query}")
    assert bad.status_code == 400 and bad.json()["code"] == "scenario_field", bad.content
    page = planner.get(f"/planning/annual/?{query}", **ZH)
    assert page.status_code == 400
    text = page.content.decode()
    labels = {"recall_units": "每种额外件数", "summer_shift": "夏季提前（月）", "cohort": "%", "growth": "%"}
    assert labels[field] in text


def test_recall_of_an_unknown_part_is_refused_and_a_part_without_history_still_gets_its_line(history):
    planner = login(history.users["planner"])
    unknown = planner.get("/api/annual-plan?recall_parts=NOPE-1&recall_units=100")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_part"
    assert "NOPE-1" in unknown.json()["message"]
    quiet = Part.objects.create(number="CLT-KIT-09", name_zh="离合器套件", name_en="Clutch kit", category="clutch",
                                unit_cost=Decimal("900"))
    base = planner.get("/api/annual-plan").json()
    recalled = planner.get(f"/api/annual-plan?recall_parts={quiet.number}&recall_units=100").json()
    line = next(x for x in recalled["lines"] if x["part"] == quiet.number)
    assert line["last_year"] == 0 and line["total"] == pytest.approx(100, abs=0.01)
    assert recalled["total"] == pytest.approx(base["total"] + 100, abs=0.01)


@pytest.mark.parametrize("month", ["0001-01", "0003-01", "1999-12", "2101-01"])
def test_months_outside_2000_to_2100_are_refused_not_crashed(history, month):
    planner = login(history.users["planner"])
    assert planner.get(f"/planning/review/?month={month}").status_code == 400
    assert planner.get(f"/api/forecast-review?month={month}").json()["code"] == "invalid_month"
    response = planner.post("/api/forecast-runs", {"horizon": 3, "history_end": month},
                            content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_month"
    assert not ForecastRun.objects.exists()


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_rebalancing_refuses_a_distance_limit_that_is_not_a_distance(history, value):
    import json

    bad = login(history.users["planner"]).get(f"/api/rebalance?region=EAST&max_km={value}")
    assert bad.status_code == 400 and bad.json()["code"] == "max_km_range"
    body = json.loads(bad.content, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))  # as JSON.parse reads it
    assert value in str(body["details"]["value"])


def test_a_forecast_download_too_big_for_one_file_asks_for_a_narrower_one(history, monkeypatch):
    from partspool.planning import views

    planner = login(history.users["planner"])
    assert planner.post("/planning/", {"horizon": "2"}).status_code == 302
    run = ForecastRun.objects.get()
    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 2)
    big = planner.get(f"/planning/runs/{run.pk}/?format=xlsx")
    assert big.status_code == 400 and "narrow" in big.content.decode()
    narrow = planner.get(f"/planning/runs/{run.pk}/?format=xlsx&node=SC-HZ01&part=BRK-PAD-F01")
    assert narrow.status_code == 200 and narrow["Content-Type"].startswith("application/vnd.openxmlformats")


def test_policy_page_names_the_policies_in_the_users_language(history):
    import re

    page = login(history.users["manager"]).get("/planning/policy/", **ZH).content.decode()
    assert "按服务水平" in page and "按类别合并达标" in page
    shown = re.sub(r'value="[^"]*"', "", page)  # the choices' values are codes; what is shown is not
    for code in ("service_level", "class_pool", "days_15", "days_30", ">all<"):
        assert code not in shown


def test_a_coordinators_home_outside_the_region_is_not_shown_and_no_nodes_is_a_clear_404(history):
    east = history.users["coordinator"]
    east.home_node = history.nodes["SC-GZ01"]  # a southern node: not the coordinator's to see
    east.save()
    page = login(east).get("/planning/policy/").content.decode()
    assert "SC-GZ01" not in page.split("<h1>")[1].split("</h1>")[0]
    empty = Region.objects.create(code="NORTH", name_zh="华北", name_en="North China")
    lonely = User.objects.create_user("north_coord", password=PASSWORD, role=Role.REGIONAL_COORDINATOR, region=empty)
    assert login(lonely).get("/planning/policy/").status_code == 404


def test_a_transfer_from_rebalancing_gives_its_reason_in_the_users_language(history):
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])
    move = next(m for m in planner.get("/api/rebalance?region=EAST").json()["moves"])
    response = planner.post("/planning/rebalance/request/", {
        "from": move["from"], "to": move["to"], "part": move["part"], "units": str(move["units"]),
        "why": "anything posted here is ignored"}, **ZH)
    assert response.status_code == 302
    again = planner.post("/planning/rebalance/request/", {
        "from": move["from"], "to": move["to"], "part": move["part"], "units": str(move["units"])}, **ZH)
    assert again["Location"] == response["Location"]  # a second press shows the same request
    reason = TransferRequest.objects.get().reason
    assert "ignored" not in reason and move["from"] in reason and move["part"] in reason
    assert "网络调拨" in reason and "move" not in reason


def test_emergency_cost_is_a_share_of_the_parts_budget_not_of_the_emergency_budget(history):
    from partspool.emergencies import services
    from partspool.emergencies.models import BudgetDraw
    from partspool.planning import kpis, rules

    case = services.case_open(user=history.users["manager"], center=history.nodes["SC-HZ01"], customer_name="客户",
                              customer_type="regular", ltv=Decimal(20000), part=history.parts["F01"], quantity=1,
                              deadline=timezone.now() + timedelta(hours=20), vehicle_usable=False)
    BudgetDraw.objects.create(case_id=case.pk, center=history.nodes["SC-HZ01"], quarter=services.quarter_label(timezone.localdate()),
                              amount=Decimal("300"))
    planner = login(history.users["planner"])
    proxy = {k["name"]: k for k in planner.get("/api/kpis").json()}["emergency_cost_share"]
    assert proxy["value"] is not None and proxy["value"] > 0  # against the last 3 months' demand value
    assert "三个月" in planner.get("/planning/kpis/", **ZH).content.decode()
    rules.update(user=history.users["planner"], changes={"kpi_budget_quarter": 100_000})
    set_ = {k["name"]: k for k in planner.get("/api/kpis").json()}["emergency_cost_share"]
    gone, days = kpis.quarter_days(timezone.localdate())  # the budget for the days gone, not the whole quarter's
    assert set_["value"] == pytest.approx(300 / (100_000 * gone / days))
    assert set_["met"] is (300 / (100_000 * gone / days) < 0.03)
    assert "¥100,000" in planner.get("/planning/kpis/").content.decode()
    # a center manager's draws are their own centers' only: measured against their own demand's value
    mine = {k["name"]: k for k in login(history.users["manager"]).get("/api/kpis").json()}["emergency_cost_share"]
    assert mine["value"] == pytest.approx(proxy["value"] * proxy_value_ratio(history), rel=1e-6)
    assert "¥100,000" not in login(history.users["manager"]).get("/planning/kpis/").content.decode()


def proxy_value_ratio(history):
    """The network's last-3-months demand value ÷ 杭州's (the manager's draws are all of the draws here)."""
    from django.db.models import F, Sum

    from partspool.network.models import DemandRecord
    from partspool.network.selectors import months_back
    from partspool.planning.selectors import last_complete_month

    end = last_complete_month()
    rows = DemandRecord.objects.filter(month__gte=months_back(end, 2), month__lte=end)
    value = F("quantity") * F("part__unit_cost")
    return (float(rows.aggregate(v=Sum(value))["v"])
            / float(rows.filter(node=history.nodes["SC-HZ01"]).aggregate(v=Sum(value))["v"]))


def test_annual_page_shows_the_cohort_as_a_percentage(history):
    page = login(history.users["planner"]).get("/planning/annual/?cohort=30").content.decode()
    assert "out-of-warranty cohort +9.0%" in page  # 30% of the parc × 30% more use
    small = login(history.users["planner"]).get("/planning/annual/?cohort=1").content.decode()
    assert "out-of-warranty cohort +0.3%" in small  # not rounded away


def test_a_manager_sees_only_their_own_centers_share_of_a_network_run(history):
    planner = login(history.users["planner"])
    made = planner.post("/api/forecast-runs", {"horizon": 2, "nodes": ["SC-HZ01", "SC-SH01"]},
                        content_type="application/json").json()
    assert made["series"] == 6 and sum(made["summary"]["methods_won"].values()) == 6
    hz = login(history.users["manager"])
    mine = hz.get(f"/api/forecast-runs/{made['id']}").json()
    assert mine["series"] == 3 and sum(mine["summary"]["methods_won"].values()) == 3
    assert {r["node"] for r in mine["rows"]} == {"SC-HZ01"}
    page = hz.get(f"/planning/runs/{made['id']}/").content.decode()
    assert "3 series" in page and "6 series" not in page
    # the run's models were fitted on every node's series: their counts are not the manager's to see
    from partspool.planning.models import ForecastRun

    counted = {"panel_growth": "measured_on", "origin_decay": "judged_on", "obsolescence": "fitted_on"}
    run = ForecastRun.objects.get(pk=made["id"])
    run.summary |= {"panel_growth": {"percent": 12.0, "spread": 0.1, "measured_on": 516},
                    "origin_decay": {"decay": 0.5, "setting": 0.5, "switched": False, "judged_on": 454},
                    "obsolescence": {"stop_rate": 0.01, "fitted_on": 522, "likely_stopped": 9}}
    run.save(update_fields=["summary"])
    mine = hz.get(f"/api/forecast-runs/{made['id']}").json()["summary"]
    assert all(field not in mine[key] for key, field in counted.items())
    assert mine["panel_growth"]["percent"] == 12.0 and mine["obsolescence"]["likely_stopped"] == 0
    full = planner.get(f"/api/forecast-runs/{made['id']}").json()["summary"]
    assert all(field in full[key] for key, field in counted.items())
    page = hz.get(f"/planning/runs/{made['id']}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the parts of the whole run change by 12.0% a year" in page
    assert not any(str(n) in page for n in (516, 454, 522))
    listing = hz.get("/planning/").content.decode()
    assert f">{made['number']}<" in listing and '<td class="num">3</td>' in listing


def test_the_apis_reasons_follow_the_users_language(history):
    planner = login(history.users["planner"])
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    move = planner.get("/api/rebalance?region=EAST", **zh).json()["moves"][0]
    assert "低于水位" in move["why"] and "below" not in move["why"]
    row = planner.get("/api/abc", **zh).json()["rows"][0]
    assert "类" in row["why"] and "class" not in row["why"]
    kpi = {k["name"]: k for k in planner.get("/api/kpis", **zh).json()}["availability"]
    assert "目标" in kpi["why"] and "配件可用率" in kpi["why"]
    line = planner.get("/api/annual-plan?recall_parts=BRK-PAD-F01&recall_units=12", **zh).json()["lines"]
    pads = next(x for x in line if x["part"] == "BRK-PAD-F01")
    assert "明年" in pads["why"] and "next year" not in pads["why"]
    suggestions = planner.get("/api/stock-policy?node=SC-HZ01", **zh).json()["suggestions"]
    assert all("水位" in s["why"] for s in suggestions)
    parts = planner.get("/api/stock-policy?node=SC-HZ01", **zh).json()["parts"]
    assert all("类" in p["why"] and "class" not in p["why"] for p in parts)
    assert any("满足率目标" in p["why"] for p in parts)
    english = planner.get("/api/rebalance?region=EAST").json()["moves"][0]
    assert english["why"].startswith(f"move {english['units']} {english['part']} from {english['from']} to "
                                     f"{english['to']} ({english['km']:g} km)")
    assert english["why"].endswith("below its level")


@pytest.mark.parametrize("url", ["/api/abc?node=%00", "/planning/abc/?node=%00", "/planning/?part=a%00b",
                                 "/api/forecast-review?month=2025-01&x%00=1", "/api/parts/BRK%00",
                                 "/parts/BRK%00/", "/nodes/SC%00/"])
def test_a_nul_in_a_path_or_query_is_refused_by_name(history, url):
    response = login(history.users["planner"]).get(url, **ZH)
    assert response.status_code == 400
    assert response.get("X-Frame-Options") == "DENY"
    if url.startswith("/api/"):
        assert response.json()["code"] == "control_character"
    else:
        assert "控制字符" in response.content.decode()


def test_a_nul_refused_in_an_htmx_request_is_a_fragment_not_a_page(history):
    response = login(history.users["planner"]).get("/planning/abc/?node=%00", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "<html" not in response.content.decode().lower()


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/vnd.api+json", ""])
def test_a_nul_in_a_json_body_is_refused_whatever_its_content_type(history, content_type):
    planner = login(history.users["planner"])
    body = '{"nodes": ["SC-HZ01\\u0000"], "horizon": 1}'
    response = planner.post("/api/forecast-runs", body, content_type=content_type)
    assert response.status_code == 400 and response.json()["code"] == "control_character"
    assert not ForecastRun.objects.exists()


def test_a_nul_in_a_form_is_refused_and_deep_json_is_a_clear_400(history):
    planner = login(history.users["planner"])
    form = {"month": "2025-01", "node": "SC-HZ01", "part": "BRK-PAD-F01", "cause": "a\x00"}
    assert planner.post("/planning/review/note/", form).status_code == 400
    deep = planner.post("/api/forecast-runs", "[" * 5000, content_type="application/json")
    assert deep.status_code == 400
    # other control characters pass the door (a note refuses them itself, files drop them)
    assert planner.get("/api/abc?node=SC-HZ01%01").status_code == 404


def test_run_filters_are_capped_and_the_download_names_its_months(history, tmp_path):
    from openpyxl import load_workbook

    from partspool.planning.selectors import last_complete_month, month_add

    planner = login(history.users["planner"])
    made = planner.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "horizon": 2, "method": "SeasonalNaive"},
                        content_type="application/json")
    assert made.status_code == 201
    run = made.json()["id"]
    assert planner.get(f"/planning/runs/{run}/?part={'A' * 5000}").status_code == 400
    path = tmp_path / "run.xlsx"
    path.write_bytes(planner.get(f"/planning/runs/{run}/?format=xlsx").content)
    header = next(load_workbook(path).active.values)
    end = last_complete_month()
    assert header[4:6] == (f"{month_add(end, 1):%Y-%m}", f"{month_add(end, 2):%Y-%m}")
    rows = planner.get(f"/api/forecast-runs/{run}").json()["rows"]
    assert rows and all(r["why"] == "Method chosen by hand." for r in rows)
    assert not any("None" in r["why"] for r in rows)


def test_only_the_supply_chain_runs_forecasts_on_dask(history):
    manager = login(history.users["manager"])
    response = manager.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "engine": "dask"},
                            content_type="application/json", **ZH)
    assert response.status_code == 403 and response.json()["code"] == "dask_central_only"
    assert "Dask" in response.json()["message"]
    assert manager.post("/planning/", {"nodes": ["SC-HZ01"], "engine": "dask"}).status_code == 403
    assert not ForecastRun.objects.exists()
    assert 'value="dask"' not in manager.get("/planning/").content.decode()
    assert 'value="dask"' in login(history.users["planner"]).get("/planning/").content.decode()


@pytest.mark.parametrize(("query", "named"), [
    ("page=abc", "The page number must be a whole number, 1 or more (got abc)"),
    ("series=x", "The series to show is given by its number (got x)"),
])
def test_a_page_or_series_that_is_not_a_number_is_named(history, query, named):
    planner = login(history.users["planner"])
    made = planner.post("/api/forecast-runs", {"horizon": 3}, content_type="application/json")
    url = "/planning/?" + query if query.startswith("page") else f"/planning/runs/{made.json()['id']}/?{query}"
    response = planner.get(url)
    assert response.status_code == 400 and named in response.content.decode()
    assert "(got " not in planner.get(url, **ZH).content.decode()


def test_a_rebalancing_move_refused_is_named_in_the_users_language(history):
    planner = login(history.users["planner"])
    refused = planner.post("/planning/rebalance/request/", {"from": "SC-SH01", "to": "SC-HZ01", "part": "BRK-PAD-F01",
                                                             "units": "1"}, **ZH)
    assert refused.status_code == 400 and "SC-SH01" in refused.content.decode()
    assert "水位" in refused.content.decode() and "level" not in refused.content.decode()


@pytest.mark.parametrize(("day", "gone", "days"), [
    ("2026-01-01", 1, 90), ("2026-03-31", 90, 90), ("2026-04-15", 15, 91), ("2028-02-29", 60, 91),
    ("2026-10-01", 1, 92), ("2026-12-31", 92, 92),
])
def test_quarter_days_count_the_days_gone_and_the_days_in_the_quarter(day, gone, days):
    from datetime import date

    from partspool.planning.kpis import quarter_days

    assert quarter_days(date.fromisoformat(day)) == (gone, days)


def test_turnover_divides_by_the_average_stock_of_the_year_not_todays(history):
    """Stock that came in six months ago counts in the 6 of the 13 month-start readings after it; stock
    received today is outside the year the demand is counted over and does not move the figure."""
    from datetime import datetime, time

    from partspool.network.models import StockMovement
    from partspool.network.services import StockChange, stock_apply
    from partspool.planning.kpis import network_kpis
    from partspool.planning.selectors import last_complete_month, month_add

    def turnover():
        return next(k for k in network_kpis(history.users["planner"]) if k.name == "turnover")

    before = turnover()
    node, part = history.nodes["WH-EAST"], history.parts["F01"]
    stock_apply(changes=[StockChange(node, part, on_hand=130)], by=history.users["planner"], kind="adjust",
                reason="goods received")
    today = turnover()
    assert today.denominator == pytest.approx(before.denominator) and today.value == pytest.approx(before.value)
    six_ago = month_add(last_complete_month(), -5)  # the current month is last_complete_month() + 1
    moment = datetime.combine(six_ago.replace(day=2), time(10), tzinfo=timezone.get_default_timezone())
    StockMovement.objects.filter(reason="goods received").update(at=moment)
    earlier = turnover()
    assert earlier.denominator == pytest.approx(before.denominator + 130 * float(part.unit_cost) * 6 / 13)
    assert earlier.numerator == pytest.approx(before.numerator) and earlier.value < before.value


def test_a_stock_count_is_not_worked_back_through_as_goods_coming_in(history):
    """Loading the network's stock by a count import (as the demo and a go-live do) leaves the months before it
    at the level counted, not empty: the turnover is measured from the first day."""
    from datetime import datetime, time

    from partspool.network.models import StockMovement
    from partspool.network.services import StockChange, stock_apply
    from partspool.planning.kpis import network_kpis
    from partspool.planning.selectors import last_complete_month, month_add

    def turnover():
        return next(k for k in network_kpis(history.users["planner"]) if k.name == "turnover")

    before = turnover()
    node, part = history.nodes["WH-EAST"], history.parts["F01"]
    stock_apply(changes=[StockChange(node, part, on_hand=130)], by=history.users["planner"], kind="count",
                reason="stock count")  # 130 more counted than the record held
    counted = turnover()
    assert counted.denominator == pytest.approx(before.denominator + 130 * float(part.unit_cost))
    assert counted.numerator == pytest.approx(before.numerator)
    # dated six months ago, the count still says nothing of goods coming in: the same figure
    moment = datetime.combine(month_add(last_complete_month(), -5).replace(day=2), time(10),
                              tzinfo=timezone.get_default_timezone())
    StockMovement.objects.filter(reason="stock count").update(at=moment)
    assert turnover().denominator == pytest.approx(counted.denominator)
    # a later count (the daily stock import records its changes as counts) is a flow like any other
    stock_apply(changes=[StockChange(node, part, on_hand=50)], by=history.users["planner"], kind="count",
                reason="daily import")
    daily = turnover()
    assert daily.denominator == pytest.approx(counted.denominator)  # today's: outside the year's readings
    StockMovement.objects.filter(reason="daily import").update(at=moment)
    assert turnover().denominator == pytest.approx(counted.denominator + 50 * float(part.unit_cost) * 6 / 13)


def test_satisfaction_counts_the_92_days_to_the_day_asked_for(history):
    from datetime import datetime, time

    from partspool.emergencies import services
    from partspool.emergencies.models import EmergencyCase
    from partspool.planning.kpis import network_kpis

    case = services.case_open(user=history.users["manager"], center=history.nodes["SC-HZ01"], customer_name="客户",
                              customer_type="regular", ltv=Decimal(20000), part=history.parts["F01"], quantity=1,
                              deadline=timezone.now() + timedelta(hours=20), vehicle_usable=False)
    site = timezone.get_default_timezone()
    closed = datetime.combine(timezone.localdate() - timedelta(days=200), time(12), tzinfo=site)
    EmergencyCase.objects.filter(pk=case.pk).update(status="closed", closed_at=closed, satisfaction=7)

    def score(day):
        return next(k for k in network_kpis(history.users["planner"], today=day) if k.name == "satisfaction").value

    assert score(timezone.localdate()) is None  # closed 200 days ago: outside the rolling quarter
    assert score(closed.date() + timedelta(days=91)) == pytest.approx(7)  # a review of that quarter sees it
    assert score(closed.date() - timedelta(days=1)) is None  # not yet closed then


def test_the_kpis_trend_month_by_month_from_the_stock_ledger(history):
    """Stock received two months ago counts from the month after on: availability and stock value follow the
    ledger, page and API alike; a manager sees their own center only."""
    from datetime import datetime, time

    from partspool.network.models import StockMovement
    from partspool.network.services import StockChange, stock_apply
    from partspool.planning.selectors import last_complete_month, month_add

    hz, pads = history.nodes["SC-HZ01"], history.parts["F01"]
    planner = login(history.users["planner"])
    before = planner.get("/api/kpi-trends").json()["stock"]
    assert [t["month"] for t in before] == [f"{month_add(last_complete_month(), -k):%Y-%m-%d}" for k in range(5, -1, -1)]
    stock_apply(changes=[StockChange(hz, pads, on_hand=10)], by=history.users["planner"], kind="adjust",
                reason="goods received")
    received = month_add(last_complete_month(), -1)  # during the last complete month
    StockMovement.objects.filter(reason="goods received").update(
        at=datetime.combine(received.replace(day=10), time(9), tzinfo=timezone.get_default_timezone()))
    mine = login(history.users["manager"]).get("/api/kpi-trends").json()["stock"]
    by_month = {t["month"]: t for t in mine}
    last, earlier = by_month[f"{last_complete_month():%Y-%m-%d}"], by_month[f"{received:%Y-%m-%d}"]
    assert last["stock_value"] == pytest.approx(10 * float(pads.unit_cost))  # 杭州 held no pads before
    assert earlier["stock_value"] == 0 and earlier["availability"] == 0 and earlier["stockout_rate"] == 1
    assert last["availability"] > 0  # its pads were on the shelf when the last month began
    page = login(history.users["manager"]).get("/planning/kpis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="stock-trend"' in page and "Turnover at the month's pace" in page
    assert planner.get("/api/kpi-trends?months=0").status_code == 400
