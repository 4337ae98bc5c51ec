"""The emergency pages: open a case from the form, read why, pick and request a plan, messages,
close, the ledger, the monthly review, the budget, overdue warnings on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partspool.emergencies.models import EmergencyBudget, EmergencyCase
from partspool.emergencies.services import quarter_label
from partspool.transfers.models import TransferRequest
from tests.conftest import login


def _form(**overrides):
    data = {"customer_name": "张先生", "customer_type": "vip", "ltv": "150000", "part": "BRK-PAD-F01",
            "quantity": "3", "deadline": (timezone.localtime() + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M"),
            "followers": "0", "complaints": "0"}
    data.update(overrides)
    return data


def test_open_from_the_form_and_see_why_and_the_sources(stocked):
    hz = login(stocked.users["manager"])
    response = hz.post("/emergencies/new/", _form())
    assert response.status_code == 302
    case = EmergencyCase.objects.get()
    page = hz.get(response["Location"]).content.decode()
    assert case.level == 1 and "Level 1: at least one factor is at grade 1." in page
    assert "LTV above 100000" in page and "sets the level" in page
    assert "WH-EAST" in page and 'id="request-best"' in page and "beyond the level&#x27;s radius" in page
    assert "needs the supply chain's approval of its extra cost" in page  # no budget granted yet


def test_bad_form_input_is_named_and_nothing_opens(stocked):
    hz = login(stocked.users["manager"])
    past = hz.post("/emergencies/new/", _form(deadline="2020-01-01T10:00"))
    assert past.status_code == 400 and "already past" in past.content.decode()
    unknown = hz.post("/emergencies/new/", _form(part="NOPE-1"))
    assert unknown.status_code == 404
    zero = hz.post("/emergencies/new/", _form(quantity="0"))
    assert zero.status_code == 400
    assert not EmergencyCase.objects.exists()


def test_request_the_best_plan_from_the_page_after_the_planner_grants_a_budget(stocked):
    hz, planner = login(stocked.users["manager"]), login(stocked.users["planner"])
    hz.post("/emergencies/new/", _form())
    case = EmergencyCase.objects.get()
    refused = hz.post(f"/emergencies/{case.pk}/act/plan/", {"mode": "best"})
    assert refused.status_code == 400 and "supply chain must approve" in refused.content.decode()
    assert hz.post("/emergencies/budget/", {"center": "SC-HZ01", "amount": "9000"}).status_code == 403
    granted = planner.post("/emergencies/budget/", {"center": "SC-HZ01", "amount": "9000",
                                                    "quarter": quarter_label(timezone.localdate())})
    assert granted.status_code == 302 and EmergencyBudget.objects.get().amount == 9000
    assert hz.post(f"/emergencies/{case.pk}/act/plan/", {"mode": "best"}).status_code == 302
    page = hz.get(f"/emergencies/{case.pk}/").content.decode()
    assert 'id="case-transfers"' in page and "WH-EAST" in page
    assert TransferRequest.objects.get().case_id == case.pk
    report = planner.get("/emergencies/budget/").content.decode()
    assert "SC-HZ01" in report and "¥9000" in report


def test_picked_lines_from_the_page(stocked):
    EmergencyBudget.objects.create(center=stocked.nodes["SC-HZ01"], quarter=quarter_label(timezone.localdate()),
                                   amount=9000, granted_by=stocked.users["planner"])
    hz = login(stocked.users["manager"])
    hz.post("/emergencies/new/", _form(quantity="2"))
    case = EmergencyCase.objects.get()
    nb = f"stock:{stocked.nodes['SC-NB01'].pk}:{stocked.parts['F01'].pk}"
    wh = f"stock:{stocked.nodes['WH-EAST'].pk}:{stocked.parts['F01'].pk}"
    response = hz.post(f"/emergencies/{case.pk}/act/plan/", {"mode": "picked", "pick": [nb, wh],
                                                             f"qty:{nb}": "1", f"qty:{wh}": "1"})
    assert response.status_code == 302, response.content
    assert sorted(TransferRequest.objects.values_list("lender__code", flat=True)) == ["SC-NB01", "WH-EAST"]


def test_message_fragment_and_close_into_the_ledger(stocked):
    hz = login(stocked.users["manager"])
    hz.post("/emergencies/new/", _form())
    case = EmergencyCase.objects.get()
    text = hz.get(f"/emergencies/{case.pk}/message/?situation=vip_today&language=en&compensation=loaner_car",
                  HTTP_HX_REQUEST="true").content.decode()
    assert "张先生" in text and "loaner car" in text and "<textarea" in text
    bad = hz.post(f"/emergencies/{case.pk}/act/close/", {"satisfaction": "eleven", "root_cause": "logistics"})
    assert bad.status_code == 400
    done = hz.post(f"/emergencies/{case.pk}/act/close/", {"satisfaction": "8", "root_cause": "forecast_miss",
                                                         "improvement": "夏季前提高安全库存"})
    assert done.status_code == 302
    ledger = hz.get(f"/emergencies/ledger/?month={timezone.localdate():%Y-%m}").content.decode()
    assert case.number in ledger and "夏季前提高安全库存" in ledger
    xlsx = hz.get("/emergencies/ledger/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    review = hz.get("/emergencies/review/").content.decode()
    assert "plotly" in review.lower() and 'id="forecast-review"' in review and "BRK-PAD-F01" in review


def test_override_from_the_page_needs_a_reason(stocked):
    hz = login(stocked.users["manager"])
    hz.post("/emergencies/new/", _form())
    case = EmergencyCase.objects.get()
    refused = hz.post(f"/emergencies/{case.pk}/act/override/", {"level": "2", "reason": ""})
    assert refused.status_code == 400 and EmergencyCase.objects.get().level == 1
    assert hz.post(f"/emergencies/{case.pk}/act/override/", {"level": "2", "reason": "客户同意明天"}).status_code == 302
    assert EmergencyCase.objects.get().level == 2


def test_other_centers_cannot_see_or_act(stocked):
    hz = login(stocked.users["manager"])
    hz.post("/emergencies/new/", _form())
    case = EmergencyCase.objects.get()
    gz = login(stocked.users["gz_manager"])
    assert gz.get(f"/emergencies/{case.pk}/").status_code == 404
    assert gz.post(f"/emergencies/{case.pk}/act/cancel/", {"reason": "x"}).status_code == 404
    assert EmergencyCase.objects.get().status == "open"


def test_overdue_clocks_warn_on_the_dashboard_and_the_list(stocked):
    hz = login(stocked.users["manager"])
    hz.post("/emergencies/new/", _form())
    EmergencyCase.objects.update(opened_at=timezone.now() - timedelta(minutes=30))
    dashboard = hz.get("/").content.decode()
    assert 'id="overdue-cases"' in dashboard and "Assess the case" in dashboard
    listing = hz.get("/emergencies/").content.decode()
    assert "overdue" in listing and "badge bad" in listing
    assert 'id="overdue-cases"' not in login(stocked.users["gz_manager"]).get("/").content.decode()
