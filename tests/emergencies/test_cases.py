"""Opening an emergency case: the level at once, with the factors that set it; overrides; SOP steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partspool.emergencies.models import CaseEvent, EmergencyCase
from partspool.network.models import RuleSet
from tests.conftest import login


def _open(client, **overrides):
    body = {"customer_name": "李女士", "customer_type": "regular", "ltv": "20000", "part": "WIP-BLD-01",
            "quantity": 1, "deadline": (timezone.now() + timedelta(days=6)).isoformat(), "vehicle_usable": True,
            "opinion": "low", "impact": "minor"}
    body.update(overrides)
    return client.post("/api/cases", body, content_type="application/json")


@pytest.mark.parametrize(
    ("overrides", "level", "fired"),
    [
        ({}, 3, []),  # everything minor
        ({"ltv": "100000.01"}, 1, ["customer_value"]),
        ({"ltv": "100000"}, 3, []),  # exactly 100,000 is grade 2 only: one grade 2 is not enough
        ({"ltv": "100000", "opinion": "medium"}, 2, ["customer_value", "opinion"]),
        ({"part": "BRK-PAD-F01"}, 1, ["safety"]),  # brakes: high safety risk by default
        ({"customer_type": "influencer", "opinion": None}, 1, ["opinion"]),
        ({"customer_type": "enterprise", "impact": None}, 1, ["impact"]),
    ],
)
def test_level_from_the_five_factors_with_the_factors_that_fired(stocked, overrides, level, fired):
    response = _open(login(stocked.users["manager"]), **overrides)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["level"] == body["computed_level"] == level
    assert body["triage"]["fired"] == fired
    assert len(body["triage"]["grades"]) == 5


def test_deadline_boundaries_24_hours_and_3_days(stocked):
    client = login(stocked.users["manager"])
    just_under_24 = _open(client, deadline=(timezone.now() + timedelta(hours=23, minutes=50)).isoformat())
    assert just_under_24.json()["level"] == 1 and just_under_24.json()["triage"]["fired"] == ["time"]
    two_days = _open(client, deadline=(timezone.now() + timedelta(days=2)).isoformat(), opinion="medium")
    assert two_days.json()["level"] == 2


def test_what_the_level_grants_is_shown(stocked):
    body = _open(login(stocked.users["manager"]), part="BRK-PAD-F01").json()
    assert body["grant"]["extra_cost_cap"] == 5000 and body["grant"]["radius_km"] == 500
    assert body["grant"]["unusual_sources_allowed"] is True
    assert [c["code"] for c in body["clocks"]][:2] == ["assess", "start_sourcing"]


def test_override_needs_a_reason_and_keeps_the_computed_level(stocked):
    client = login(stocked.users["manager"])
    case_id = _open(client).json()["id"]
    refused = client.post(f"/api/cases/{case_id}/override", {"level": 1, "reason": " "},
                          content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "override_reason_required"
    assert EmergencyCase.objects.get().level == 3
    done = client.post(f"/api/cases/{case_id}/override", {"level": 1, "reason": "客户滞留在高速服务区"},
                       content_type="application/json").json()
    assert (done["level"], done["computed_level"], done["override_reason"]) == (1, 3, "客户滞留在高速服务区")
    assert CaseEvent.objects.filter(kind="override").count() == 1


def test_settings_change_the_level(stocked):
    RuleSet.objects.create(key="triage", values={"ltv_level1_above": 10000, "ltv_level2_from": 5000})
    assert _open(login(stocked.users["manager"])).json()["level"] == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"deadline": (timezone.now() - timedelta(hours=1)).isoformat()}, "deadline_in_past"),
        ({"quantity": 0}, "quantity_not_positive"),
        ({"quantity": -2}, "quantity_not_positive"),
        ({"part": "NOPE-1"}, "unknown_part"),
        ({"customer_type": "alien"}, "invalid_choice"),
        ({"ltv": "-5"}, "negative_amount"),
        ({"customer_name": " "}, "customer_required"),
    ],
)
def test_bad_cases_are_refused_and_nothing_is_opened(stocked, overrides, code):
    response = _open(login(stocked.users["manager"]), **overrides)
    assert response.status_code in (400, 404)
    assert response.json()["code"] == code
    assert not EmergencyCase.objects.exists()


def test_only_the_centers_people_open_and_see_its_cases(stocked):
    refused = _open(login(stocked.users["manager"]), center="SC-SH01")
    assert refused.status_code == 403
    case_id = _open(login(stocked.users["manager"])).json()["id"]
    assert login(stocked.users["gz_manager"]).get(f"/api/cases/{case_id}").status_code == 404
    assert login(stocked.users["coordinator"]).get(f"/api/cases/{case_id}").status_code == 200
    assert login(stocked.users["planner"]).get(f"/api/cases/{case_id}").status_code == 200


def test_sop_steps_stop_their_clocks_once(stocked):
    client = login(stocked.users["manager"])
    case_id = _open(client).json()["id"]
    body = client.post(f"/api/cases/{case_id}/steps/assessed", {}, content_type="application/json").json()
    assess = next(c for c in body["clocks"] if c["code"] == "assess")
    assert assess["state"] == "done"
    again = client.post(f"/api/cases/{case_id}/steps/assessed", {}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "step_already_done"
    for _ in range(2):
        assert client.post(f"/api/cases/{case_id}/steps/customer_updated", {"note": "已电话告知进展"},
                           content_type="application/json").status_code == 200
    assert client.post(f"/api/cases/{case_id}/steps/teleport", {}, content_type="application/json").status_code == 400


def test_sources_within_the_levels_reach_and_the_best_split(stocked):
    from partspool.network.models import InTransitShipment

    client = login(stocked.users["manager"])
    # Level 1 (brakes): 500 km; 3 units needed. 广州 (days away, 1,300+ km) is out of reach.
    case_id = _open(client, part="BRK-PAD-F01", quantity=3,
                    deadline=(timezone.now() + timedelta(hours=20)).isoformat()).json()["id"]
    InTransitShipment.objects.create(shipment_no="SHP-1", part=stocked.parts["F01"],
                                     destination=stocked.nodes["SC-HZ01"], quantity=2,
                                     eta=timezone.now() + timedelta(days=3))  # too late for a 20 h deadline
    body = client.get(f"/api/cases/{case_id}/sources").json()
    by_node = {(c["kind"], c["node"]): c for c in body["candidates"]}
    assert by_node[("stock", "WH-EAST")]["feasible"] is True
    gz = by_node[("stock", "SC-GZ01")]
    assert gz["feasible"] is False and "beyond_radius" in gz["reasons"]
    inbound = by_node[("inbound", "SC-HZ01")]
    assert inbound["feasible"] is False and "too_late" in inbound["reasons"]
    plan = body["plan"]
    assert plan["covers"] and plan["sources"] == 1 and plan["lines"][0]["node"] == "WH-EAST"
    assert plan["total_cost"] <= 5000 and plan["reasons"]
    assert login(stocked.users["gz_manager"]).get(f"/api/cases/{case_id}/sources").status_code == 404
