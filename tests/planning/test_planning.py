"""Forecast runs from the stored history, the monthly forecast review, ABC, the policy side by side,
replenishment, rebalancing into a transfer request, and the KPIs — API, pages, command line."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from partspool.network.models import Part
from partspool.planning.demo import date_on_time
from partspool.planning.models import ForecastRun, ForecastSeries
from partspool.planning.selectors import demand_panel, last_complete_month, month_add
from tests.conftest import login

JSON = "application/json"


def test_panel_fills_zero_months_and_keeps_only_series_with_demand(history):
    frame = demand_panel([history.nodes["SC-HZ01"]], months=36)
    assert set(frame["unique_id"]) <= {"SC-HZ01|BRK-PAD-F01", "SC-HZ01|WIP-BLD-01", "SC-HZ01|BRK-PAD-F02"}
    assert frame.groupby("unique_id").size().eq(36).all() and (frame["y"] >= 0).all()


def test_forecast_run_through_the_api_keeps_method_interval_and_why(history):
    hz = login(history.users["manager"])
    response = hz.post("/api/forecast-runs", {"horizon": 3}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["series"] == len(body["rows"]) >= 2
    assert {r["node"] for r in body["rows"]} == {"SC-HZ01"}  # the manager's own center only
    row = next(r for r in body["rows"] if r["part"] == "BRK-PAD-F01")
    assert len(row["forecast"]) == 3 and all(lo <= f <= hi for lo, f, hi in zip(row["lo"], row["forecast"], row["hi"], strict=True))
    assert row["explanation"]["winner"] and "RMSSE" in row["why"]
    combined = [r for r in body["rows"] if r["method"].startswith("Weighted[")]
    assert combined and all("weights:" in r["why"] for r in combined)  # each member's weight in words
    assert 2 < row["forecast"][0] < 7  # steady Poisson(4) demand


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"horizon": 0}, "forecast_horizon"),
        ({"horizon": 25}, "forecast_horizon"),
        ({"method": "crystal_ball"}, "invalid_choice"),
        ({"engine": "spark"}, "invalid_choice"),
        ({"nodes": ["SC-XX99"]}, "unknown_node"),
        ({"history_end": "2100-01"}, "history_end_future"),
        ({"history_end": "last year"}, "invalid_month"),
    ],
)
def test_bad_forecast_requests_are_named_and_store_nothing(history, body, code):
    response = login(history.users["manager"]).post("/api/forecast-runs", body, content_type=JSON)
    assert response.status_code in (400, 404) and response.json()["code"] == code
    assert not ForecastRun.objects.exists()


def test_a_manager_cannot_forecast_another_center(history):
    response = login(history.users["manager"]).post("/api/forecast-runs", {"nodes": ["SC-SH01"]}, content_type=JSON)
    assert response.status_code == 404 and not ForecastRun.objects.exists()


def test_review_compares_an_earlier_forecast_with_what_happened(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    earlier = month_add(end, -2)
    made = planner.post("/api/forecast-runs", {"history_end": f"{earlier:%Y-%m}", "horizon": 3}, content_type=JSON)
    assert made.status_code == 201
    # made today, the run is a back-test of those months: the review only counts forecasts made in time
    review = planner.get(f"/api/forecast-review?month={month_add(earlier, 1):%Y-%m}").json()
    assert review["accuracy"] is None and not review["by_node"]
    date_on_time(ForecastRun.objects.get(pk=made.json()["id"]))
    review = planner.get(f"/api/forecast-review?month={month_add(earlier, 1):%Y-%m}").json()
    assert review["accuracy"] is not None and review["by_node"]
    assert {c["abc_class"] for c in review["by_class"]} == {"A", "B", "C"}
    assert all(m["error"] == pytest.approx(m["forecast"] - m["actual"], abs=0.11) for m in review["misses"])
    page = planner.get(f"/planning/review/?month={month_add(earlier, 1):%Y-%m}").content.decode()
    assert 'id="misses"' in page and "BRK-PAD-F01" in page
    xlsx = planner.get(f"/planning/review/?month={month_add(earlier, 1):%Y-%m}&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_abc_by_units_puts_the_busiest_part_in_a(history):
    body = login(history.users["planner"]).get("/api/abc").json()
    classes = {r["part"]: r["abc_class"] for r in body["rows"]}
    assert classes["BRK-PAD-F01"] == "A" and body["rows"][0]["rank"] == 1
    assert abs(body["rows"][-1]["cumulative"] - 1) < 1e-9
    assert login(history.users["planner"]).get("/api/abc?basis=weight").status_code == 400


def test_policy_side_by_side_orders_and_surplus(history):
    hz = login(history.users["manager"])
    body = hz.get("/api/stock-policy?node=SC-HZ01&lead_time=1").json()
    names = {o["policy"] for o in body["totals"]["all"]}
    assert names == {"service_level", "class_pool", "days_15", "days_30"}
    pads = next(p for p in body["parts"] if p["part"] == "BRK-PAD-F01")
    level = next(o for o in pads["options"] if o["policy"] == "service_level")
    assert level["fill_rate"] >= 0.95 and level["order_up_to"] > 0  # class A: > 95%
    assert "fill-rate target" in pads["why"] and f"order-up-to {level['order_up_to']}" in pads["why"]
    assert "dispersion" in pads["why"]  # which factors set the level
    order = next(s for s in body["suggestions"] if s["part"] == "BRK-PAD-F01")
    assert order["order"] == level["order_up_to"] - order["position"]  # 杭州 holds none
    assert hz.get("/api/stock-policy?node=SC-HZ01&lead_time=20").json()["code"] == "lead_time_range"
    assert hz.get("/api/stock-policy?node=SC-SH01").status_code == 404
    page = hz.get("/planning/policy/").content.decode()
    assert 'id="side-by-side"' in page and "BRK-PAD-F01" in page and "How the service level was set" in page


def test_the_rebalancing_page_offers_only_regions_the_user_can_plan(history):
    import re

    def offered(user) -> list[str]:
        page = login(user).get("/planning/rebalance/").content.decode()
        return re.findall(r'<option value="([A-Z]+)"', page)

    assert offered(history.users["planner"]) == ["EAST", "SOUTH"]
    assert offered(history.users["coordinator"]) == ["EAST"]
    # a center manager is told who plans the region's moves, not shown a plan of their one center (0 moves)
    assert offered(history.users["gz_manager"]) == []
    page = login(history.users["gz_manager"]).get("/planning/rebalance/").content.decode()
    assert 'id="center-only"' in page and "/planning/policy/" in page
    refused = login(history.users["manager"]).get("/api/rebalance?region=EAST")
    assert refused.status_code == 403 and refused.json()["code"] == "rebalance_whole_region"
    asked = login(history.users["manager"]).post("/planning/rebalance/request/", {
        "from": "SC-SH01", "to": "SC-HZ01", "part": "BRK-PAD-F01", "units": "1", "lead_time": "1"})
    assert asked.status_code == 403


def test_rebalancing_moves_surplus_and_a_move_becomes_a_transfer_request(history):
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])
    body = planner.get("/api/rebalance?region=EAST").json()
    pads = [m for m in body["moves"] if m["part"] == "BRK-PAD-F01"]
    assert pads and all("below its level" in m["why"] for m in pads)
    move = pads[0]
    assert (move["from"], move["to"], move["units"]) == ("SC-SZ01", "SC-SH01", 1)
    response = planner.post("/planning/rebalance/request/", {"from": move["from"], "to": move["to"],
                                                            "part": move["part"], "units": str(move["units"]),
                                                            "why": move["why"]})
    assert response.status_code == 302
    made = TransferRequest.objects.get()
    assert (made.lender.code, made.borrower.code, made.quantity) == (move["from"], "SC-SH01", move["units"])
    assert planner.get("/api/rebalance?region=NOWHERE").status_code == 400


def test_a_regional_warehouse_is_not_emptied_by_rebalancing(history):
    """Its level comes from its region's demand (its own is next to nothing), so its 30 pads stay."""
    planner = login(history.users["planner"])
    body = planner.get("/api/stock-policy?node=WH-EAST").json()
    assert body["demand_served"] == "region"
    pads = next(p for p in body["parts"] if p["part"] == "BRK-PAD-F01")
    level = next(o for o in pads["options"] if o["policy"] == "service_level")["order_up_to"]
    assert level >= 20 and "class A" in pads["why"]
    moves = planner.get("/api/rebalance?region=EAST").json()["moves"]
    assert not [m for m in moves if m["from"] == "WH-EAST"]
    page = planner.get("/planning/policy/?node=WH-EAST").content.decode()
    assert "set from the demand of every node in the region" in page


def test_a_move_between_two_centers_is_capped_by_the_trust_rule_and_can_be_requested(history):
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])
    moves = planner.get("/api/rebalance?region=EAST").json()["moves"]
    move = next(m for m in moves if m["part"] == "BRK-PAD-F02")
    assert move["capped_at"] == 1 and move["units"] == 1 and "at most 1 per move" in move["why"]
    response = planner.post("/planning/rebalance/request/", {"from": move["from"], "to": move["to"],
                                                            "part": move["part"], "units": "1"})
    assert response.status_code == 302 and TransferRequest.objects.filter(part__number="BRK-PAD-F02").count() == 1
    assert "At most 1 per move on this route" in planner.get("/planning/rebalance/?region=EAST").content.decode()


def test_a_move_the_stock_no_longer_bears_is_refused_and_changes_nothing(history):
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])

    def ask(source: str, destination: str, units: int, part: str = "BRK-PAD-F01") -> str:
        response = planner.post("/planning/rebalance/request/", {"from": source, "to": destination, "part": part,
                                                                "units": str(units)})
        return response.content.decode() if response.status_code != 302 else "made"

    # 上海 holds 5 against a level far above: it has nothing to lend, whatever the form says
    refused = ask("SC-SH01", "SC-HZ01", 1)
    assert "SC-SH01 no longer has 1 × BRK-PAD-F01 above its level" in refused
    # more than the plan's surplus, and more than the borrower is short of
    assert "no longer has 5 × BRK-PAD-F01" in ask("SC-SZ01", "SC-SH01", 5)
    assert "no longer needs" in ask("SC-SZ01", "SC-HZ01", 1, "BRK-PAD-F02")  # 杭州 holds none, needs none
    assert TransferRequest.objects.count() == 0
    # once the one spare unit is asked for, it cannot be asked for again by another route
    assert ask("SC-SZ01", "SC-SH01", 1) == "made"
    assert ask("SC-SZ01", "SC-SH01", 1) == "made"  # the same press again shows the same request
    assert "so 0 could go" in ask("SC-SZ01", "SC-HZ01", 1)
    assert TransferRequest.objects.count() == 1
    # and the plan, which counts requests not yet shipped, no longer proposes it
    moves = login(history.users["planner"]).get("/api/rebalance?region=EAST").json()["moves"]
    assert not [m for m in moves if m["part"] == "BRK-PAD-F01" and m["from"] == "SC-SZ01"]
    # a node of another region is not part of this region's plan
    assert "not in the same region" in ask("SC-GZ01", "SC-HZ01", 1)


def test_an_accepted_transfer_counts_only_its_accepted_units_as_on_the_way(history):
    from partspool.planning import policy
    from partspool.transfers.models import TransferRequest

    east = [n for n in history.nodes.values() if n.region.code == "EAST"]
    levels = policy.node_policies(east)

    def sh_in_transit() -> int:
        rows = policy.rebalance_positions(east, levels, parts={"BRK-PAD-F01"})["SC-SH01"]
        return rows[0].in_transit

    assert sh_in_transit() == 0
    TransferRequest.objects.create(deal="compensation", part=history.parts["F01"], quantity=5,
                                   lender=history.nodes["WH-EAST"], borrower=history.nodes["SC-SH01"],
                                   requested_by=history.users["planner"], status="accepted", accepted_quantity=1)
    assert sh_in_transit() == 1  # 1 of the 5 asked for was accepted
    TransferRequest.objects.create(deal="compensation", part=history.parts["F01"], quantity=2,
                                   lender=history.nodes["SC-NB01"], borrower=history.nodes["SC-SH01"],
                                   requested_by=history.users["planner"])
    assert sh_in_transit() == 3  # and 2 more asked for


def add_filter_parts(history, prefix: str, name_en: str, cost: str, series) -> None:
    """12 filter parts × 杭州, 上海 and 苏州 (36 series, enough to learn from), each series' monthly demand
    to the last complete month drawn by ``series()``."""
    from decimal import Decimal

    from partspool.network.models import DemandRecord

    end = last_complete_month()
    records = []
    for k in range(12):
        part = Part.objects.create(number=f"{prefix}-{k:03d}", name_zh="滤清器", name_en=name_en, category="filters",
                                   unit_cost=Decimal(cost))
        for code in ("SC-HZ01", "SC-SH01", "SC-SZ01"):
            values = series()
            records += [DemandRecord(node=history.nodes[code], part=part, month=month_add(end, m + 1 - len(values)),
                                     quantity=int(y)) for m, y in enumerate(values)]
    DemandRecord.objects.bulk_create(records)


def test_a_nodes_levels_are_the_same_on_its_page_and_in_its_regions_plan(history):
    """With 30+ series in the region the dispersions are moderated; the trend is learnt from the whole
    region whichever page asks, so 杭州's own page and the region's plan agree."""
    import numpy as np

    from partspool.planning import policy

    rng = np.random.default_rng(4)

    def lumpy():
        mean = rng.uniform(0.5, 15)
        return rng.negative_binomial(2, 2 / (2 + mean), 36)

    add_filter_parts(history, "FLT", "filter", "40", lumpy)
    east = [n for n in history.nodes.values() if n.region.code == "EAST"]
    alone = policy.node_policy(history.nodes["SC-HZ01"])
    together = next(p for p in policy.node_policies(east) if p.node.code == "SC-HZ01")
    levels = {c.key: c.option("service_level").level.order_up_to for c in alone.comparisons}
    assert levels == {c.key: c.option("service_level").level.order_up_to for c in together.comparisons}
    moderated = [c for c in alone.comparisons if c.model is not None and c.model.prior_dispersion is not None]
    assert moderated  # the region has enough series to learn from
    pads = login(history.users["manager"]).get("/api/stock-policy?node=SC-HZ01").json()["parts"]
    assert any("parts with similar demand" in p["why"] for p in pads)


def test_kpis_against_targets(history):
    rows = {k["name"]: k for k in login(history.users["planner"]).get("/api/kpis").json()}
    assert rows["availability"]["target"] == 0.95 and rows["turnover"]["target"] == 5
    assert rows["nps"]["value"] is None and rows["nps"]["met"] is None  # not measured in PartsPool
    assert 0 <= rows["availability"]["value"] <= 1
    assert "Parts availability" in login(history.users["planner"]).get("/planning/kpis/").content.decode()


def test_kpis_do_not_depend_on_the_viewers_time_zone(history, monkeypatch):
    """Just after midnight on the 1st in the site's time zone it is still the month before in Urumqi:
    the figures (their 3- and 12-month windows, the quarter) are the site's for everyone."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from partspool.planning import kpis
    from partspool.planning.selectors import last_complete_month, month_add

    first = month_add(last_complete_month(), 1)  # the current month's first day
    moment = datetime(first.year, first.month, 1, tzinfo=UTC) - timedelta(hours=8) + timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: moment)  # 00:30 in Shanghai, 22:30 the day before in Urumqi
    seen = {}
    for zone in ("Asia/Shanghai", "Asia/Urumqi"):
        with timezone.override(zone):
            seen[zone] = ([(k.name, k.value) for k in kpis.network_kpis(history.users["planner"])],
                          kpis.trends(history.users["planner"]))
    assert seen["Asia/Shanghai"] == seen["Asia/Urumqi"]


def test_overstock_judges_a_warehouse_against_the_demand_it_serves(history):
    import math

    from partspool.core.policy import ReplenishmentRules
    from partspool.network.models import DemandRecord, Stock
    from partspool.planning.selectors import last_complete_month, month_add

    end = last_complete_month()
    year = DemandRecord.objects.filter(month__gt=month_add(end, -12), month__lte=end)

    def monthly(**where) -> float:
        return sum(r.quantity for r in year.filter(**where)) / 12

    from partspool.network.models import Node

    central = Node.objects.create(code="WH-CN", name_zh="中央库", name_en="Central warehouse", kind="central_wh",
                                  region=history.regions["SOUTH"], city_zh="广州", city_en="Guangzhou",
                                  latitude=23.1, longitude=113.3)
    Stock.objects.create(node=central, part=history.parts["F01"], on_hand=60)
    margin = ReplenishmentRules().margin

    def expected(stock) -> tuple[float, float]:
        if stock.node.kind == "regional_wh":  # the region's centers' demand, not its own (none)
            served = monthly(node__region=stock.node.region, part=stock.part)
        elif stock.node.kind == "central_wh":  # the network's
            served = monthly(part=stock.part)
        else:
            served = monthly(node=stock.node, part=stock.part)
        level = math.ceil(served)
        cost = float(stock.part.unit_cost)
        return max(stock.on_hand - level - margin(level), 0) * cost, stock.on_hand * cost

    from partspool.accounts.models import Role, User

    south = User.objects.create_user("south_coord", role=Role.REGIONAL_COORDINATOR, region=history.regions["SOUTH"])
    for user, nodes in ((history.users["planner"], None), (history.users["coordinator"], {"EAST"}), (south, {"SOUTH"})):
        rows = [expected(s) for s in Stock.objects.filter(on_hand__gt=0).select_related("node", "part")
                if nodes is None or s.node.region.code in nodes]
        kpi = {k["name"]: k for k in login(user).get("/api/kpis").json()}["overstock"]
        assert kpi["value"] == pytest.approx(sum(a for a, _t in rows) / sum(t for _a, t in rows))
    wh = Stock.objects.get(node__code="WH-EAST", part__number="BRK-PAD-F01")
    assert monthly(node=wh.node, part=wh.part) == 0 and expected(wh)[0] < wh.on_hand * float(wh.part.unit_cost)


def test_pages_and_command_line(history, capsys):
    from partspool.cli import main

    hz = login(history.users["manager"])
    response = hz.post("/planning/", {"horizon": "2", "method": "auto", "engine": "local"})
    assert response.status_code == 302
    run = ForecastRun.objects.get()
    page = hz.get(response["Location"]).content.decode()
    assert "BRK-PAD-F01" in page and "RMSSE" in page
    series = ForecastSeries.objects.filter(part=Part.objects.get(number="BRK-PAD-F01")).first()
    assert "plotly" in hz.get(f"/planning/runs/{run.pk}/?series={series.pk}").content.decode()
    assert hz.post("/planning/", {"horizon": "x"}).status_code == 400
    assert hz.get("/planning/abc/").status_code == 200
    assert main(["forecast-run", "--as", "planner", "--node", "SC-SH01", "--horizon", "3", "--lang", "en"]) == 0
    assert "series" in capsys.readouterr().out
    assert main(["forecast-run", "--as", "planner", "--node", "SC-SH01", "--horizon", "3"]) == 0
    assert "个序列" in capsys.readouterr().out
    assert main(["forecast-run", "--as", "planner", "--history-end", "soon"]) == 1
    assert ForecastRun.objects.count() == 3
    assert isinstance(run.history_end, date)


def test_annual_plan_with_scenario_switches(history):
    planner = login(history.users["planner"])
    base = planner.get("/api/annual-plan?growth=0").json()
    pads = next(line for line in base["lines"] if line["part"] == "BRK-PAD-F01")
    assert pads["total"] == pytest.approx(pads["last_year"], rel=1e-6)  # no growth: last year's total again
    shocked = planner.get("/api/annual-plan?growth=10&cohort=20&recall_parts=BRK-PAD-F01&recall_units=12").json()
    pads2 = next(line for line in shocked["lines"] if line["part"] == "BRK-PAD-F01")
    assert pads2["total"] == pytest.approx(pads["last_year"] * 1.1 * 1.06 + 12, rel=1e-3)
    assert "recall +12" in pads2["why"]
    bad = planner.get("/api/annual-plan?summer_shift=5")
    assert bad.status_code == 400 and bad.json()["code"] == "scenario_field"
    assert planner.get("/api/annual-plan?growth=lots").status_code == 400
    page = planner.get("/planning/annual/?heat=1").content.decode()
    assert 'id="plan"' in page and "BRK-PAD-F01" in page


def test_annual_plan_reads_two_years_even_where_the_records_begin_later(history):
    """Six months of records only: the plan still reads its two years month for month (the months before
    the records as none), rather than failing on a history shorter than a year."""
    from partspool.network.models import DemandRecord
    from partspool.planning.selectors import last_complete_month, month_add

    DemandRecord.objects.filter(month__lt=month_add(last_complete_month(), -5)).delete()
    body = login(history.users["planner"]).get("/api/annual-plan?growth=0").json()
    pads = next(line for line in body["lines"] if line["part"] == "BRK-PAD-F01")
    kept = sum(DemandRecord.objects.filter(part__number="BRK-PAD-F01").values_list("quantity", flat=True))
    assert pads["last_year"] == pytest.approx(kept)


def test_annual_plan_says_when_its_growth_was_held_and_a_recall_follows_a_supersession(history):
    """杭州 and 上海 double their demand in the last year: the plan holds growth at ×1.3 and says what the
    history showed; a recall of a replaced part lands on its successor's line; a recall without units (or
    units without parts) is named, not ignored; page and API give the same reasons."""
    from partspool.network.models import DemandRecord, Supersession
    from partspool.planning.selectors import last_complete_month, month_add

    end = last_complete_month()
    for record in DemandRecord.objects.filter(month__gt=month_add(end, -12)):
        record.quantity *= 2
        record.save(update_fields=["quantity"])
    planner = login(history.users["planner"])
    lines = {x["part"]: x for x in planner.get("/api/annual-plan", HTTP_ACCEPT_LANGUAGE="en").json()["lines"]}
    pads = lines["BRK-PAD-F01"]
    assert "growth ×1.300 (the history's ×" in pads["why"] and "held within the plan's limits" in pads["why"]
    page = planner.get("/planning/annual/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "held within the plan&#x27;s limits" in page or "held within the plan's limits" in page
    Supersession.objects.filter(old__number="BRK-PAD-F01").update(effective_on=month_add(end, -3))
    body = planner.get("/api/annual-plan?recall_parts=BRK-PAD-F01&recall_units=120", HTTP_ACCEPT_LANGUAGE="en").json()
    parts = {x["part"]: x for x in body["lines"]}
    assert "BRK-PAD-F01" not in parts and "recall +120, that of BRK-PAD-F01 included" in parts["BRK-PAD-F02"]["why"]
    both = {x["part"]: x for x in planner.get("/api/annual-plan?recall_parts=BRK-PAD-F01,BRK-PAD-F02&recall_units=120",
                                              HTTP_ACCEPT_LANGUAGE="en").json()["lines"]}["BRK-PAD-F02"]
    assert "recall +240, that of BRK-PAD-F01 included" in both["why"]  # 120 of each part recalled
    assert both["total"] == pytest.approx(parts["BRK-PAD-F02"]["total"] + 120, abs=0.01)
    for query, code in (("recall_parts=BRK-PAD-F02", "recall_needs_units"), ("recall_units=5", "recall_needs_parts")):
        refused = planner.get(f"/api/annual-plan?{query}")
        assert refused.status_code == 400 and refused.json()["code"] == code
    # on the page: named above the form, the form kept as typed to correct it
    page = planner.get("/planning/annual/?recall_parts=BRK-PAD-F02", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 400 and 'id="scenario-error"' in text and "needs the number of units" in text
    assert 'name="recall_parts" value="BRK-PAD-F02"' in text


def test_annual_plan_moves_an_air_conditioning_summer_earlier_in_api_and_page(history):
    from decimal import Decimal

    from partspool.network.models import DemandRecord

    ac = Part.objects.create(number="AC-CMP-E01", name_zh="空调压缩机", name_en="AC compressor",
                             category="air_conditioning", unit_cost=Decimal("900"))
    end = last_complete_month()
    DemandRecord.objects.bulk_create([
        DemandRecord(node=history.nodes["SC-HZ01"], part=ac, month=month_add(end, -k),
                     quantity=9 if month_add(end, -k).month in (6, 7, 8) else 1) for k in range(24)])
    planner = login(history.users["planner"])
    base = {x["part"]: x for x in planner.get("/api/annual-plan?growth=0").json()["lines"]}
    early = {x["part"]: x for x in planner.get("/api/annual-plan?growth=0&summer_shift=1").json()["lines"]}
    assert early["AC-CMP-E01"]["total"] == pytest.approx(base["AC-CMP-E01"]["total"])  # moved, not added
    assert early["AC-CMP-E01"]["months"].index(max(early["AC-CMP-E01"]["months"])) == 4  # from June to May
    assert early["AC-CMP-E01"]["summer_shift"] == 1 and "summer 1 month earlier" in early["AC-CMP-E01"]["why"]
    assert early["WIP-BLD-01"]["months"] == base["WIP-BLD-01"]["months"] and early["WIP-BLD-01"]["summer_shift"] == 0
    page = planner.get("/planning/annual/?summer_shift=2&heat=1").content.decode()
    assert "summer 2 months earlier, heat waves in the hot months" in page


def test_a_later_back_test_does_not_rewrite_a_reviewed_month(history):
    planner, manager = login(history.users["planner"]), login(history.users["manager"])
    end = last_complete_month()
    month = month_add(end, -1)
    sent = planner.post("/api/forecast-runs", {"history_end": f"{month_add(end, -2):%Y-%m}", "horizon": 2},
                        content_type=JSON)
    date_on_time(ForecastRun.objects.get(pk=sent.json()["id"]))
    before = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    for method in ("SeasonalNaive", "HistoricAverage"):  # made today, with the same old history
        body = {"nodes": ["SC-HZ01"], "horizon": 1, "method": method, "history_end": f"{month_add(end, -2):%Y-%m}"}
        assert manager.post("/api/forecast-runs", body, content_type=JSON).status_code == 201
    after = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    assert after["accuracy"] == before["accuracy"] and after["by_node"] == before["by_node"]
    assert after["misses"] == before["misses"]


def test_next_month_keeps_a_longer_forecast_when_a_newer_run_stops_short(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    reviewed = month_add(end, -1)  # its next month is ``end``
    long = planner.post("/api/forecast-runs", {"history_end": f"{month_add(end, -3):%Y-%m}", "horizon": 3},
                        content_type=JSON)  # reaches end - 2, end - 1 and end
    date_on_time(ForecastRun.objects.get(pk=long.json()["id"]))
    review = planner.get(f"/api/forecast-review?month={reviewed:%Y-%m}").json()
    assert review["next_month"]
    short = planner.post("/api/forecast-runs", {"history_end": f"{month_add(end, -2):%Y-%m}", "horizon": 1},
                         content_type=JSON)  # newer, but reaches only the reviewed month
    assert short.status_code == 201
    again = planner.get(f"/api/forecast-review?month={reviewed:%Y-%m}").json()
    assert again["next_month"] == review["next_month"]


def test_demand_for_a_part_the_run_did_not_forecast_counts_as_a_miss(history):
    from decimal import Decimal

    from partspool.network.models import DemandRecord, Node

    planner = login(history.users["planner"])
    end = last_complete_month()
    month = month_add(end, -1)
    made = planner.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "history_end": f"{month_add(end, -2):%Y-%m}",
                                               "horizon": 2}, content_type=JSON)
    date_on_time(ForecastRun.objects.get(pk=made.json()["id"]))
    before = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    new = Part.objects.create(number="WIP-NEW-01", name_zh="新雨刮", name_en="New wiper", category="body",
                              unit_cost=Decimal("50"))
    DemandRecord.objects.create(node=Node.objects.get(code="SC-HZ01"), part=new, month=month, quantity=7)
    after = planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()
    row = next(m for m in after["misses"] if m["part"] == "WIP-NEW-01")
    assert (row["node"], row["forecast"], row["actual"], row["method"]) == ("SC-HZ01", 0, 7, "—")
    assert after["accuracy"] < before["accuracy"]
    # demand at a node no counted run covered stays out
    DemandRecord.objects.create(node=Node.objects.get(code="WH-EAST"), part=new, month=month, quantity=5)
    assert not any(m["node"] == "WH-EAST" and m["part"] == "WIP-NEW-01"
                   for m in planner.get(f"/api/forecast-review?month={month:%Y-%m}").json()["misses"])


def test_whether_a_run_was_in_time_does_not_depend_on_the_viewers_time_zone(history):
    from datetime import timedelta

    from partspool.network.models import Node
    from partspool.planning.selectors import month_start

    Node.objects.filter(code="SC-HZ01").update(time_zone="America/Los_Angeles")  # the manager's home, 16 h behind
    planner, manager = login(history.users["planner"]), login(history.users["manager"])
    end = last_complete_month()
    month = month_add(end, -1)
    made = planner.post("/api/forecast-runs", {"nodes": ["SC-HZ01"], "history_end": f"{month_add(month, -1):%Y-%m}",
                                               "horizon": 1}, content_type=JSON)
    # 01:00 in Shanghai on the 1st of the next month: the month was over at the site, not yet in Los Angeles
    ForecastRun.objects.filter(pk=made.json()["id"]).update(created_at=month_start(end) + timedelta(hours=1))
    for client in (planner, manager):
        review = client.get(f"/api/forecast-review?month={month:%Y-%m}").json()
        assert review["by_node"] == []


def test_runs_are_listed_page_by_page_through_the_page_and_the_api(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    runs = [ForecastRun.objects.create(created_by=history.users["planner"], horizon=3, history_end=end, series=0)
            for _ in range(35)]
    first = planner.get("/planning/").content.decode()
    assert runs[-1].number in first and runs[0].number not in first  # newest first, 30 a page
    assert 'href="?page=2"' in first and "35" in first
    second = planner.get("/planning/?page=2").content.decode()
    assert runs[0].number in second and runs[-1].number not in second and 'href="?page=1"' in second
    missing = planner.get("/planning/?page=3")
    assert missing.status_code == 400 and "3" in missing.content.decode()
    listed = planner.get("/api/forecast-runs?offset=30&limit=10").json()
    assert listed["total"] == 35 and [r["number"] for r in listed["runs"]] == [r.number for r in runs[4::-1]]
    bad = planner.get("/api/forecast-runs?offset=-1")
    assert bad.status_code == 400 and bad.json()["code"] == "offset_negative"


def test_a_manager_lists_only_runs_that_reach_their_center(history):
    hz = login(history.users["manager"])
    assert hz.post("/api/forecast-runs", {"horizon": 3}, content_type=JSON).status_code == 201
    assert login(history.users["planner"]).post("/api/forecast-runs", {"horizon": 3, "nodes": ["SC-SH01"]},
                                                content_type=JSON).status_code == 201
    listed = hz.get("/api/forecast-runs").json()
    assert listed["total"] == 1 and listed["runs"][0]["series"] >= 2


@pytest.fixture
def parts_that_stop(net):
    """40 parts at 杭州 over 36 months, 12 of which stopped selling a year or more ago."""
    from decimal import Decimal

    import numpy as np

    from partspool.network.models import DemandRecord

    rng = np.random.default_rng(4)
    end = last_complete_month()
    node = net.nodes["SC-HZ01"]
    records = []
    for i in range(40):
        part = Part.objects.create(number=f"FLT-OIL-{i:02d}", name_zh=f"机油滤清器 {i}", name_en=f"Oil filter {i}",
                                   category="filter", unit_cost=Decimal("35"))
        stops = 24 if i < 12 else 36
        for k in range(stops):
            quantity = int(rng.poisson(3.0))
            if quantity:
                records.append(DemandRecord(node=node, part=part, month=month_add(end, -35 + k), quantity=quantity))
    DemandRecord.objects.bulk_create(records)
    return net


def test_a_run_says_which_parts_look_stopped_and_forecasts_them_down(parts_that_stop):
    hz = login(parts_that_stop.users["manager"])
    body = hz.post("/api/forecast-runs", {"horizon": 3}, content_type=JSON).json()
    rows = {r["part"]: r for r in body["rows"]}
    stopped, selling = rows["FLT-OIL-00"], rows["FLT-OIL-20"]
    assert stopped["explanation"]["alive"] < 0.1 and max(stopped["forecast"]) < 0.1
    assert "the chance that this part still has demand" in stopped["why"]
    assert selling["explanation"]["alive"] > 0.9 and selling["forecast"][0] > 2
    assert "still has demand" not in selling["why"]
    summary = body["summary"]["obsolescence"]
    assert summary["likely_stopped"] == 12 and summary["fitted_on"] == 40 and summary["stop_rate"] > 0
    page = hz.get(f"/planning/runs/{body['id']}/").content.decode()
    assert "12 series are more likely to have stopped selling than not" in page
    decay = body["summary"]["origin_decay"]  # the back-test's weighting, chosen from the run's own history
    assert decay["judged_on"] == 40 and f"origin × {decay['decay']:g} per step back" in page
    assert set(decay["scores"]) == {"0.1", "0.2", "0.3", "0.5", "0.7", "1"}
    growth = body["summary"]["panel_growth"]  # the network's growth, toward which each series' own was shrunk
    assert growth["measured_on"] > 30 and growth["yearly"] is True
    assert isinstance(growth["season_profiles"], int)
    assert "Each part's trend growth is read against the network's: the " in page
    assert f"series measured change by {growth['percent']:.1f}% a year together" in page
    assert ForecastRun.objects.get(pk=body["id"]).summary["obsolescence"]["likely_stopped"] == 12


def test_each_manager_counts_the_stopped_parts_of_their_own_center(parts_that_stop):
    """The planner's run over 杭州 (40 parts, 12 stopped) and 上海 (10 parts, 3 stopped)."""
    import numpy as np

    from partspool.network.models import DemandRecord

    rng = np.random.default_rng(9)
    end = last_complete_month()
    shanghai = parts_that_stop.nodes["SC-SH01"]
    DemandRecord.objects.bulk_create([
        DemandRecord(node=shanghai, part=Part.objects.get(number=f"FLT-OIL-{i:02d}"), month=month_add(end, -35 + k),
                     quantity=int(rng.poisson(3.0)) + 1)
        for i in range(10) for k in range(24 if i < 3 else 36)])
    planner = login(parts_that_stop.users["planner"])
    body = planner.post("/api/forecast-runs", {"horizon": 3, "nodes": ["SC-HZ01", "SC-SH01"]},
                        content_type=JSON).json()
    assert body["summary"]["obsolescence"]["likely_stopped"] == 15
    seen = {role: login(parts_that_stop.users[role]).get(f"/api/forecast-runs/{body['id']}").json()
            for role in ("manager", "sh_manager")}
    assert seen["manager"]["summary"]["obsolescence"]["likely_stopped"] == 12
    assert seen["sh_manager"]["summary"]["obsolescence"]["likely_stopped"] == 3
    # the network's model, their own count; how many series it was fitted on is the whole run's, not shown
    assert "fitted_on" not in seen["sh_manager"]["summary"]["obsolescence"]
    assert body["summary"]["obsolescence"]["fitted_on"] == 50


def test_levels_carry_the_networks_growth_forward_and_say_so(history):
    import numpy as np

    from partspool.planning import policy

    end = last_complete_month()
    assert policy.network_shape(end) is None  # a handful of series: too few to read a growth from
    rng = np.random.default_rng(6)

    def growing():
        base = rng.uniform(3, 12)
        return [rng.poisson(base * 1.02 ** (m - 35)) for m in range(36)]

    add_filter_parts(history, "OIL", "oil filter", "30", growing)
    shape = policy.network_shape(end)
    assert shape is not None and 1.15 < shape.growth < 1.35
    body = login(history.users["manager"]).get("/api/stock-policy?node=SC-HZ01").json()
    oil = next(p for p in body["parts"] if p["part"] == "OIL-000")
    assert f"the network's ×{shape.growth:.2f}, weighed against the part's own trend" in oil["why"]


def test_a_network_with_less_than_two_years_of_records_reads_no_growth(history):
    """Flat demand over 18 months: the months before the records began must not read as growth."""
    import numpy as np

    from partspool.planning import policy

    rng = np.random.default_rng(8)
    add_filter_parts(history, "CAB", "cabin filter", "25", lambda: [rng.poisson(8) for _m in range(18)])
    shape = policy.network_shape(last_complete_month())
    assert shape is not None and abs(shape.growth - 1.0) < 0.08
    body = login(history.users["manager"]).get("/api/stock-policy?node=SC-HZ01").json()
    cab = next(p for p in body["parts"] if p["part"] == "CAB-000")
    # records for 18 months of the 36-month window: modelled from the first, not diluted by the empty months
    assert "the 18 months with no demand before its first are left out" in cab["why"]


def test_a_regions_demand_models_are_fitted_once_until_its_demand_changes(history, monkeypatch):
    """The region's pages and every rebalancing request's check ask for the same levels: the parts are
    fitted once, and again only when the demand changes (a corrected month included)."""
    import numpy as np

    from partspool.network.models import DemandRecord
    from partspool.planning import policy

    rng = np.random.default_rng(12)
    add_filter_parts(history, "OIL", "oil filter", "30", lambda: [rng.poisson(5 * 1.02 ** (m - 35)) for m in range(36)])
    fits = []
    real = policy.shape_models
    monkeypatch.setattr(policy, "shape_models", lambda *a, **k: fits.append(1) or real(*a, **k))
    nodes = [history.nodes[c] for c in ("SC-HZ01", "SC-SH01")]
    first = policy.node_policies(nodes)
    again = policy.node_policies(nodes)
    assert len(fits) == 1
    assert [c.option("service_level").level.order_up_to for p in again for c in p.comparisons] == \
        [c.option("service_level").level.order_up_to for p in first for c in p.comparisons]
    record = DemandRecord.objects.filter(node=history.nodes["SC-HZ01"], part__number="OIL-000").latest("month")
    record.quantity += 40  # a month corrected: same records, same newest, a different total
    record.save()
    changed = policy.node_policies(nodes)
    assert len(fits) == 2
    level = next(c for c in changed[0].comparisons if c.key == "OIL-000").option("service_level").level
    before = next(c for c in first[0].comparisons if c.key == "OIL-000").option("service_level").level
    assert level.order_up_to > before.order_up_to


def test_a_winner_without_error_is_not_said_to_beat_its_runner_up_by_zero_percent(english):
    from partspool.planning.explain import forecast_basis, method_reason

    explanation = {"winner": "baseline", "winner_rmsse": 0.0, "runner_up": "SESOpt", "runner_up_rmsse": 0.036,
                   "margin": 0.0, "origins": 4}
    why = method_reason(explanation)
    assert "no error at all" in why and "SESOpt (RMSSE 0.036)" in why and "0.0%" not in why
    assert "without error" in forecast_basis(explanation, "baseline") and "0.0%" not in forecast_basis(
        explanation, "baseline")


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_mix_is_not_said_to_be_the_back_tests_best_and_its_own_score_is_shown(english):
    """The back-test ranks single methods; the forecast used is a mix of the best few, which may score worse
    than the best alone there. The basis names the best alone as such, and the mix's own score."""
    import numpy as np

    from partspool.core.forecasting.selection import _explain
    from partspool.planning.explain import forecast_basis, method_reason

    mix = "Weighted[HistoricAverage|TSB]"
    explanation = {"winner": "HistoricAverage", "winner_rmsse": 1.2996, "runner_up": "TSB", "runner_up_rmsse": 1.3395,
                   "margin": 0.031, "origins": 4, "rmsse": 1.3459, "weights": "HistoricAverage 0.51; TSB 0.49"}
    basis = forecast_basis(explanation, mix)
    assert "a mix of the best methods of the back-test over 4 origins" in basis
    assert "the best alone, HistoricAverage, 3.1% ahead of TSB" in basis and "the mix scored RMSSE 1.346" in basis
    assert "best of the back-test" not in basis
    assert "The mix itself scored RMSSE 1.346 on the same back-test." in method_reason(explanation)
    tiny = method_reason(explanation | {"weights": "HistoricAverage 0.998; TSB 0.002"})
    assert "HistoricAverage 100%; TSB <1%" in tiny  # a member that barely counts is not shown at 0%
    # the core's own words: no "0% behind" a winner without error
    text = _explain("TSB", ("TSB",), (("TSB", 0.0), ("SESOpt", 0.057)), "SESOpt", 0.0, 4, 3, 0.0, 0.0, 1.0, 8,
                    "inverse_mse", np.ones(1), 1.0)
    assert "0% behind" not in text and "runner-up SESOpt (0.057), behind the best single method TSB, which made " \
        "no error" in text


def test_orders_count_transfers_asked_for_and_a_lender_does_not_offer_promised_units_twice(history):
    """A move turned into a transfer request: the borrower's order shrinks by the units asked for, the
    lender's surplus by the units promised, on the page, the API and the reasons, until it ships."""
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])

    def suggestion(node: str) -> dict | None:
        body = planner.get(f"/api/stock-policy?node={node}").json()
        return next((s for s in body["suggestions"] if s["part"] == "BRK-PAD-F01"), None)

    before_sh, before_sz = suggestion("SC-SH01"), suggestion("SC-SZ01")
    assert before_sh["order"] > 0 and before_sz["surplus"] == 1 and before_sz["promised_out"] == 0
    made = planner.post("/planning/rebalance/request/", {"from": "SC-SZ01", "to": "SC-SH01", "part": "BRK-PAD-F01",
                                                         "units": "1"})
    assert made.status_code == 302 and TransferRequest.objects.count() == 1
    after_sh = suggestion("SC-SH01")
    assert after_sh["order"] == before_sh["order"] - 1 and after_sh["position"] == before_sh["position"] + 1
    assert after_sh["requested_in"] == 1 and "1 unit asked of other nodes" in after_sh["why"]
    assert suggestion("SC-SZ01") is None  # its one spare unit is promised: nothing to lend, nothing to order
    page = planner.get("/planning/policy/?node=SC-SH01").content.decode()
    assert "(with 1 unit asked of another node, not yet shipped)" in page
    # the request withdrawn: the order is back
    TransferRequest.objects.update(status="cancelled")
    assert suggestion("SC-SH01")["order"] == before_sh["order"]


def test_a_move_from_a_node_to_itself_or_of_no_units_is_refused_at_once(history):
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])
    for posted, said in (({"from": "SC-SZ01", "to": "SC-SZ01", "units": "1"}, "A node cannot borrow from itself."),
                         ({"from": "SC-SZ01", "to": "SC-SH01", "units": "-3"}, "above zero (got -3)"),
                         ({"from": "SC-SZ01", "to": "SC-SH01", "units": "0"}, "above zero (got 0)")):
        response = planner.post("/planning/rebalance/request/", {**posted, "part": "BRK-PAD-F01"},
                                HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and said in response.content.decode(), (posted, response.content[:300])
    assert TransferRequest.objects.count() == 0


def test_a_warehouse_is_classed_by_the_demand_it_serves_as_its_levels_are(history):
    from partspool.planning.policy import node_policy

    planner = login(history.users["planner"])
    body = planner.get("/api/abc?node=WH-EAST").json()
    assert set(body["demand_of"]) == {"SC-HZ01", "SC-SH01", "SC-SZ01", "SC-NB01", "WH-EAST"}
    classes = {r["part"]: r["abc_class"] for r in body["rows"]}
    levels = node_policy(history.nodes["WH-EAST"]).classes
    assert classes == {part: str(klass) for part, klass in levels.items()}
    assert login(history.users["planner"]).get("/api/abc?node=SC-HZ01").json()["demand_of"] == ["SC-HZ01"]
    # all one manages (no node asked for): each node's own demand, a warehouse among them adds nothing
    coordinator = login(history.users["coordinator"]).get("/api/abc").json()
    assert set(coordinator["demand_of"]) == {"SC-HZ01", "SC-SH01", "SC-SZ01", "SC-NB01", "WH-EAST"}
    page = planner.get("/planning/abc/?node=WH-EAST").content.decode()
    assert 'id="served"' in page
    assert 'id="served"' not in planner.get("/planning/abc/?node=SC-HZ01").content.decode()
    valued = planner.get("/planning/abc/?node=WH-EAST&basis=value", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demand value, ¥ at cost (12 months)" in valued and "A cut-off 70%" in valued


def test_a_forecast_reads_no_zeros_from_before_a_nodes_first_record(history):
    """History cut three months after the records begin: the months before them are not sales of nothing.
    Each series is forecast from the months there are, by its average where they are too few to back-test,
    and says so; a center that opened later is read from its opening on."""
    from partspool.network.models import DemandRecord
    from partspool.planning.models import ForecastSeries
    from partspool.planning.selectors import demand_panel, last_complete_month, month_add
    from partspool.planning.services import forecast_run

    first = month_add(last_complete_month(), -35)
    end = month_add(first, 2)
    hz = history.nodes["SC-HZ01"]
    pads = list(DemandRecord.objects.filter(node=hz, part=history.parts["F01"], month__lte=end)
                .order_by("month").values_list("quantity", flat=True))
    run = forecast_run(user=history.users["planner"], nodes=["SC-HZ01"], horizon=2, history_end=end)
    row = ForecastSeries.objects.get(run=run, node=hz, part=history.parts["F01"])
    assert row.forecast[0] == pytest.approx(sum(pads) / 3, abs=1e-3)  # kept to 3 decimals
    assert (row.method, row.explanation["origins"]) == ("HistoricAverage", 0)
    page = login(history.users["planner"]).get(f"/planning/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Not back-tested (the history is too short" in page.content.decode()
    # a center whose records begin 12 months before the end: 12 months read, none invented before them
    nb = history.nodes["SC-NB01"]
    opened = month_add(last_complete_month(), -11)
    DemandRecord.objects.bulk_create([DemandRecord(node=nb, part=history.parts["F01"], month=month_add(opened, k),
                                                   quantity=6) for k in range(12)])
    frame = demand_panel([nb, hz])
    assert len(frame[frame["unique_id"] == "SC-NB01|BRK-PAD-F01"]) == 12
    assert len(frame[frame["unique_id"] == "SC-HZ01|BRK-PAD-F01"]) == 36
    run = forecast_run(user=history.users["planner"], nodes=["SC-NB01"], horizon=1)
    assert ForecastSeries.objects.get(run=run, node=nb).forecast[0] == pytest.approx(6, rel=0.05)


def test_the_rebalancing_page_says_why_nothing_moves_and_what_is_still_short(history):
    from partspool.planning import rules

    planner = login(history.users["planner"])
    page = planner.get("/planning/rebalance/?region=EAST", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Routes up to 600 km by road" in page and 'id="still-short"' in page
    body = planner.get("/api/rebalance?region=EAST").json()
    short = {p["part"]: p["still_short"] for p in body["parts"] if p["still_short"] > 0}
    assert short and all(f"<td>{part}</td>" in page for part in short)
    rules.update(user=history.users["planner"], changes={"rebalance_max_km": 0})
    page = planner.get("/planning/rebalance/?region=EAST", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Routes up to 0 km" in page and "no route between them is allowed" in page
    assert "no node is below its level where another has surplus" not in page
