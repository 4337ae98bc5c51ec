"""From a case's plan to transfer requests, unusual sources with their approvals, the quarterly
budget and its approvals, customer messages, closing into the ledger, the monthly review."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from partspool.emergencies.models import (
    BudgetDraw,
    CaseApproval,
    EmergencyBudget,
    EmergencyCase,
    UnusualOffer,
)
from partspool.emergencies.services import quarter_label
from partspool.transfers.models import TransferRequest
from tests.conftest import login

JSON = "application/json"


def _open(client, **overrides):
    body = {"customer_name": "李女士", "customer_type": "regular", "ltv": "20000", "part": "BRK-PAD-F01",
            "quantity": 3, "deadline": (timezone.now() + timedelta(hours=20)).isoformat(), "vehicle_usable": False,
            "opinion": "low", "impact": "minor"}
    body.update(overrides)
    response = client.post("/api/cases", body, content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def _budget(stocked, amount="20000", center="SC-HZ01"):
    response = login(stocked.users["planner"]).put(
        "/api/emergency-budgets", {"center": center, "quarter": quarter_label(timezone.localdate()),
                                   "amount": amount}, content_type=JSON)
    assert response.status_code == 200, response.content
    return response.json()


def test_best_plan_becomes_requests_the_lenders_see(stocked):
    _budget(stocked)
    hz = login(stocked.users["manager"])
    case = _open(hz)
    assert case["level"] == 1
    body = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON)
    assert body.status_code == 200, body.content
    done = body.json()
    assert done["status"] == "source_found" and done["plan"]["committed_at"]
    transfer = TransferRequest.objects.get(case_id=case["id"])
    assert (transfer.lender.code, transfer.quantity, transfer.deal) == ("WH-EAST", 3, "compensation")
    assert transfer.freight == Decimal(str(done["extra_cost"])) and transfer.needed_by is not None
    assert BudgetDraw.objects.get(case_id=case["id"]).amount == Decimal(str(done["extra_cost"]))
    assert [t["lender"] for t in done["transfers"]] == ["WH-EAST"]
    # The plan is committed once; the clocks stopped.
    again = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON)
    assert again.status_code == 400 and again.json()["code"] == "plan_already_committed"
    assert {c["code"]: c["state"] for c in done["clocks"]}["source_found"] == "done"


def test_picked_split_goes_to_each_lender_with_first_loan_caps(stocked):
    _budget(stocked)
    hz = login(stocked.users["manager"])
    case = _open(hz, customer_type="regular", ltv="20000", quantity=2)
    sources = hz.get(f"/api/cases/{case['id']}/sources").json()
    keys = {c["node"]: c for c in sources["candidates"] if c["kind"] == "stock" and c["alternative_level"] is None}
    successor = next(c for c in sources["candidates"] if c["alternative_level"] == "full")
    assert successor["node"] == "SC-SZ01" and successor["feasible"]  # BRK-PAD-F02 replaces F01
    # 苏州 has 2 available but a first loan from a center is capped at 1 unit.
    assert keys["SC-SZ01"]["available"] == 1 and keys["SC-SZ01"]["trust_cap"] == 1
    assert keys["WH-EAST"]["trust_cap"] is None
    picks = [{"key": keys["SC-SZ01"]["key"], "quantity": 1}, {"key": keys["SC-NB01"]["key"], "quantity": 1}]
    done = hz.post(f"/api/cases/{case['id']}/plan", {"lines": picks}, content_type=JSON).json()
    assert sorted(t["lender"] for t in done["transfers"]) == ["SC-NB01", "SC-SZ01"]
    sz = login(stocked.users["sh_manager"])  # not a lender: sees nothing of it
    assert sz.get("/api/transfers?role=lender").json() == [] or all(
        t["lender"] != "SC-SH01" for t in sz.get("/api/transfers").json())
    nb = login(stocked.users["nb_manager"]).get("/api/transfers").json()
    assert any(t["lender"] == "SC-NB01" and t["quantity"] == 1 for t in nb)


@pytest.mark.parametrize(
    ("picks", "status", "code"),
    [
        ([{"key": "stock:999:1", "quantity": 1}], 400, "unknown_source"),
        ([{"key": "WH", "quantity": 0}], 400, "unknown_source"),
        ([], 400, "no_source"),
    ],
)
def test_bad_picks_change_nothing(stocked, picks, status, code):
    _budget(stocked)
    hz = login(stocked.users["manager"])
    case = _open(hz)
    response = hz.post(f"/api/cases/{case['id']}/plan", {"lines": picks}, content_type=JSON)
    assert response.status_code == status and response.json()["code"] == code
    assert not TransferRequest.objects.exists() and not BudgetDraw.objects.exists()
    assert EmergencyCase.objects.get().status == "open"


def test_pick_more_than_available_or_than_needed_or_unusable(stocked):
    _budget(stocked)
    hz = login(stocked.users["manager"])
    case = _open(hz)
    sources = hz.get(f"/api/cases/{case['id']}/sources").json()
    by_node = {c["node"]: c for c in sources["candidates"] if c["kind"] == "stock"}
    wh, gz = by_node["WH-EAST"]["key"], by_node["SC-GZ01"]["key"]
    too_many = hz.post(f"/api/cases/{case['id']}/plan", {"lines": [{"key": wh, "quantity": 31}]}, content_type=JSON)
    assert too_many.status_code == 409 and too_many.json()["code"] == "source_short"
    more = hz.post(f"/api/cases/{case['id']}/plan", {"lines": [{"key": wh, "quantity": 4}]}, content_type=JSON)
    assert more.status_code == 400 and more.json()["code"] == "plan_too_large"
    far = hz.post(f"/api/cases/{case['id']}/plan", {"lines": [{"key": gz, "quantity": 1}]}, content_type=JSON)
    assert far.status_code == 400 and far.json()["code"] == "source_not_usable"
    assert "beyond_radius" in far.json()["message"]
    assert not TransferRequest.objects.exists()


def test_a_draw_beyond_the_budget_needs_the_supply_chains_approval(stocked):
    hz = login(stocked.users["manager"])
    case = _open(hz)  # no budget granted yet: nothing remains
    refused = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON)
    assert refused.status_code == 400 and refused.json()["code"] == "budget_approval_needed"
    assert not TransferRequest.objects.exists() and not BudgetDraw.objects.exists()
    # The manager cannot approve it; the planner can.
    mine = hz.post(f"/api/cases/{case['id']}/approvals", {"code": "budget"}, content_type=JSON)
    assert mine.status_code == 403 and mine.json()["code"] == "budget_approval_role"
    planner = login(stocked.users["planner"])
    assert planner.post(f"/api/cases/{case['id']}/approvals", {"code": "budget", "note": "客户流失风险高"},
                        content_type=JSON).status_code == 201
    done = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON).json()
    draw = BudgetDraw.objects.get(case_id=case["id"])
    assert draw.beyond_budget and not draw.over_cap and done["plan"]["budget"]["beyond_budget"]
    report = planner.get(f"/api/emergency-budgets?quarter={quarter_label(timezone.localdate())}").json()
    hz_row = next(r for r in report if r["center"] == "SC-HZ01")
    assert hz_row["granted"] == 0 and hz_row["drawn"] == float(draw.amount) and hz_row["beyond_budget"] == 1


def test_above_the_levels_cap_needs_approval_even_with_budget_left(stocked):
    _budget(stocked, amount="100000")
    hz = login(stocked.users["manager"])
    case = _open(hz, deadline=(timezone.now() + timedelta(days=10)).isoformat(), vehicle_usable=True,
                 part="WIP-BLD-01")
    assert case["level"] == 3 and case["grant"]["extra_cost_cap"] == 0
    # Level 3 has no extra-cost allowance: any extra cost at all needs the supply chain.
    from partspool.network.models import Node, Stock
    Stock.objects.create(node=Node.objects.get(code="WH-EAST"), part=stocked.parts["WIP"], on_hand=10)
    refused = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON)
    assert refused.status_code == 400 and refused.json()["code"] == "budget_approval_needed"
    login(stocked.users["planner"]).post(f"/api/cases/{case['id']}/approvals",
                                         {"code": "budget", "amount": "1"}, content_type=JSON)
    small = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON)
    assert small.status_code == 400 and small.json()["code"] == "budget_approval_needed"  # approved 1 CNY only


def test_budget_bad_input(stocked):
    planner = login(stocked.users["planner"])
    bad_quarter = planner.put("/api/emergency-budgets", {"center": "SC-HZ01", "quarter": "2026Q5", "amount": "1"},
                              content_type=JSON)
    assert bad_quarter.status_code == 400 and bad_quarter.json()["code"] == "invalid_quarter"
    negative = planner.put("/api/emergency-budgets", {"center": "SC-HZ01", "quarter": "2026Q4", "amount": "-5"},
                           content_type=JSON)
    assert negative.status_code == 400 and negative.json()["code"] == "negative_amount"
    warehouse = planner.put("/api/emergency-budgets", {"center": "WH-EAST", "quarter": "2026Q4", "amount": "5"},
                            content_type=JSON)
    assert warehouse.status_code == 400 and warehouse.json()["code"] == "budget_for_centers"
    manager = login(stocked.users["manager"]).put(
        "/api/emergency-budgets", {"center": "SC-HZ01", "quarter": "2026Q4", "amount": "5"}, content_type=JSON)
    assert manager.status_code == 403
    assert not EmergencyBudget.objects.exists()


def test_demo_car_only_at_level_1_and_only_with_the_sales_managers_approval(stocked):
    _budget(stocked)
    UnusualOffer.objects.create(kind="demo_car", center=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"],
                                available=4, hours=2, extra_cost=800, description="展厅试驾车 Model Y")
    hz = login(stocked.users["manager"])
    urgent = _open(hz, quantity=4)
    offer = next(c for c in hz.get(f"/api/cases/{urgent['id']}/sources").json()["candidates"]
                 if c["kind"] == "demo_car")
    assert offer["feasible"] is False and "needs_approval:sales_manager" in offer["reasons"]
    assert offer["required_approvals"] == ["sales_manager"] and offer["risk_notes"]
    nameless = hz.post(f"/api/cases/{urgent['id']}/approvals", {"code": "sales_manager"}, content_type=JSON)
    assert nameless.status_code == 400 and nameless.json()["code"] == "approver_required"
    hz.post(f"/api/cases/{urgent['id']}/approvals", {"code": "sales_manager", "approver": "销售经理 陈涛"},
            content_type=JSON)
    offer = next(c for c in hz.get(f"/api/cases/{urgent['id']}/sources").json()["candidates"]
                 if c["kind"] == "demo_car")
    assert offer["feasible"] is True
    calm = _open(hz, deadline=(timezone.now() + timedelta(days=10)).isoformat(), vehicle_usable=True,
                 part="WIP-BLD-01")
    UnusualOffer.objects.create(kind="demo_car", center=stocked.nodes["SC-HZ01"], part=stocked.parts["WIP"],
                                available=1, hours=1, extra_cost=0)
    offer = next(c for c in hz.get(f"/api/cases/{calm['id']}/sources").json()["candidates"]
                 if c["kind"] == "demo_car")
    assert offer["feasible"] is False and "level1_only" in offer["reasons"]


def test_messages_in_both_languages_with_the_cases_facts_and_compensation(stocked):
    hz = login(stocked.users["manager"])
    case = _open(hz)
    en = hz.get(f"/api/cases/{case['id']}/messages?situation=wait&language=en"
                "&compensation=loaner_car,labor_waived").json()["text"]
    assert "李女士" in en and "Front brake pads" in en and "loaner car" in en and "labour" in en
    zh = hz.get(f"/api/cases/{case['id']}/messages?situation=found&language=zh-hans").json()["text"]
    assert "李女士" in zh and "前刹车片" in zh and zh != en
    every = hz.get(f"/api/cases/{case['id']}/messages").json()["drafts"]
    assert set(every) == {"found", "wait", "vip_today"} and set(every["found"]) == {"zh-hans", "en"}
    bad = hz.get(f"/api/cases/{case['id']}/messages?situation=found&compensation=free_car")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"


def _closed(stocked, hz, root_cause="forecast_miss", **overrides):
    case = _open(hz, **overrides)
    response = hz.post(f"/api/cases/{case['id']}/close", {"satisfaction": 9, "root_cause": root_cause,
                                                          "improvement": "安全库存由 2 提到 4"}, content_type=JSON)
    assert response.status_code == 200, response.content
    return response.json()


def test_close_into_the_ledger_filter_and_export(stocked):
    hz = login(stocked.users["manager"])
    one = _closed(stocked, hz)
    _closed(stocked, hz, root_cause="supplier_delay", part="WIP-BLD-01", vehicle_usable=True,
            deadline=(timezone.now() + timedelta(days=10)).isoformat())
    assert one["status"] == "closed" and one["ledger"]["hours_to_delivery"] is not None
    month = timezone.localdate().strftime("%Y-%m")
    rows = hz.get(f"/api/ledger?month={month}").json()
    assert len(rows) == 2
    assert [r["part"] for r in hz.get("/api/ledger?root_cause=forecast_miss").json()] == ["BRK-PAD-F01"]
    assert [r["level"] for r in hz.get("/api/ledger?level=3").json()] == [3]
    assert login(stocked.users["gz_manager"]).get("/api/ledger").json() == []
    book = openpyxl.load_workbook(io.BytesIO(hz.get(f"/api/ledger.xlsx?month={month}").content))
    sheet = book.active
    assert sheet.max_row == 3 and "BRK-PAD-F01" in [c.value for c in sheet[2]] + [c.value for c in sheet[3]]
    bad = hz.get("/api/ledger?month=2026-13")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_month"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"satisfaction": 11, "root_cause": "forecast_miss"}, "satisfaction_range"),
        ({"satisfaction": 8, "root_cause": "bad_luck"}, "invalid_choice"),
        ({"satisfaction": 8, "root_cause": "other"}, "root_cause_note_required"),
        ({"satisfaction": 8, "root_cause": "logistics", "extra_cost": "-1"}, "negative_amount"),
        ({"satisfaction": 8, "root_cause": "logistics", "extra_cost": "9000"}, "budget_approval_needed"),
    ],
)
def test_bad_closes_change_nothing(stocked, body, code):
    hz = login(stocked.users["manager"])
    case = _open(hz)
    response = hz.post(f"/api/cases/{case['id']}/close", body, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == code
    row = EmergencyCase.objects.get()
    assert row.status == "open" and row.closed_at is None and not BudgetDraw.objects.exists()


def test_monthly_review_counts_by_level_and_marks_forecast_misses(stocked):
    hz = login(stocked.users["manager"])
    _closed(stocked, hz)
    _closed(stocked, hz, root_cause="supplier_delay", part="WIP-BLD-01", vehicle_usable=True,
            deadline=(timezone.now() + timedelta(days=10)).isoformat())
    review = hz.get(f"/api/emergency-review?month={timezone.localdate():%Y-%m}").json()
    assert review["cases"] == 2
    assert {r["level"]: r["cases"] for r in review["by_level"]} == {1: 1, 2: 0, 3: 1}
    assert [p["part"] for p in review["forecast_review"]] == ["BRK-PAD-F01"]
    assert {c["root_cause"] for c in review["root_causes"]} == {"forecast_miss", "supplier_delay"}
    assert review["mean_satisfaction"] == 9


def test_cancel_releases_the_draw_and_value_estimate_is_shown(stocked):
    _budget(stocked)
    hz = login(stocked.users["manager"])
    case = _open(hz, customer_type="vip", ltv="300000")
    assert case["value"]["matrix"]["level"] == 1 and case["value"]["matrix"]["situation"] == "safety_issue"
    done = hz.post(f"/api/cases/{case['id']}/plan", {}, content_type=JSON).json()
    assert done["value"]["extra_cost"] > 0 and done["value"]["worth_it"] is True
    no_reason = hz.post(f"/api/cases/{case['id']}/cancel", {"reason": ""}, content_type=JSON)
    assert no_reason.status_code == 400
    assert hz.post(f"/api/cases/{case['id']}/cancel", {"reason": "客户自行解决"}, content_type=JSON).json()[
        "status"] == "cancelled"
    assert not BudgetDraw.objects.exists()
    assert CaseApproval.objects.count() == 0
    # The request sent to the warehouse is withdrawn with the case.
    assert set(TransferRequest.objects.filter(case_id=case["id"]).values_list("status", flat=True)) == {"cancelled"}


def test_matrix_is_readable(stocked):
    rows = login(stocked.users["manager"]).get("/api/emergency-matrix").json()
    assert len(rows) == 20
    vip = next(r for r in rows if r["customer_type"] == "vip" and r["situation"] == "safety_issue")
    assert (vip["level"], vip["cost_cap"]) == (1, 5000)


def test_command_line_ledger_review_and_budget(stocked, capsys, tmp_path):
    import json

    from partspool.cli import main

    hz = login(stocked.users["manager"])
    _closed(stocked, hz)
    _budget(stocked, amount="12000")
    out = tmp_path / "ledger.xlsx"
    assert main(["ledger", str(out), "--as", "hz_manager", "--month", f"{timezone.localdate():%Y-%m}"]) == 0
    assert "1 cases" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).active.max_row == 2
    assert main(["ledger", "--as", "hz_manager", "--review", "--month", f"{timezone.localdate():%Y-%m}"]) == 0
    assert json.loads(capsys.readouterr().out)["forecast_review"][0]["part"] == "BRK-PAD-F01"
    assert main(["ledger", "--as", "hz_manager", "--review", "--month", "2026-13"]) == 1
    assert "2026-13" in capsys.readouterr().err
    quarter = quarter_label(timezone.localdate())
    assert main(["budget", quarter, "--as", "planner"]) == 0
    report = capsys.readouterr().out
    assert "SC-HZ01" in report and "12000" in report
    assert main(["budget", "2026Q9", "--as", "planner"]) == 1
