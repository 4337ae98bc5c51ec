"""Who may see and do what, on every page and API call (SPEC roles table)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import login

READ_PAGES = ["/", "/lookup/?part=BRK-PAD-F01&from_node=SC-HZ01", "/nodes/SC-SH01/", "/parts/BRK-PAD-F01/",
              "/imports/", "/me/tokens/", "/exports/stock.xlsx"]
READ_API = ["/api/me", "/api/parts?q=BRK", "/api/parts/BRK-PAD-F01", "/api/parts/BRK-PAD-F01/demand",
            "/api/lookup?part=BRK-PAD-F01&from_node=SC-HZ01", "/api/nodes", "/api/nodes/SC-SH01",
            "/api/nodes/SC-SH01/stock", "/api/health", "/api/exports/stock"]
ROLES = ["manager", "coordinator", "planner", "admin"]


@pytest.mark.parametrize("url", READ_PAGES)
def test_pages_send_anonymous_users_to_sign_in(stocked, url):
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", READ_API)
def test_api_refuses_anonymous_calls(stocked, url):
    assert Client().get(url).status_code == 401


@pytest.mark.parametrize("url", READ_PAGES + READ_API)
def test_an_account_without_role_sees_nothing(stocked, url):
    response = login(stocked.users["norole"]).get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READ_PAGES + READ_API)
def test_every_role_sees_the_network(stocked, role, url):
    response = login(stocked.users[role]).get(url)
    assert response.status_code == 200, (role, url, response.content[:300])


@pytest.mark.parametrize(
    ("role", "node", "allowed"),
    [
        ("manager", "SC-HZ01", True),
        ("manager", "SC-SH01", False),
        ("gz_manager", "SC-GZ01", True),
        ("gz_manager", "SC-HZ01", False),
        ("coordinator", "SC-SH01", True),
        ("coordinator", "WH-EAST", True),
        ("coordinator", "SC-GZ01", False),
        ("planner", "SC-GZ01", True),
        ("admin", "SC-HZ01", True),
    ],
)
def test_stock_upload_only_for_managed_nodes(stocked, role, node, allowed):
    client = login(stocked.users[role])
    upload = SimpleUploadedFile("s.csv", f"node,part,on_hand\n{node},BRK-PAD-F01,3\n".encode())
    response = client.post("/api/imports/stock", {"file": upload})
    assert response.status_code == (200 if allowed else 422)
    if not allowed:
        assert response.json()["details"]["problems"][0]["code"] == "node_not_permitted"


@pytest.mark.parametrize(("role", "allowed"), [("manager", False), ("coordinator", False),
                                               ("planner", True), ("admin", True)])
def test_in_transit_upload_is_for_the_supply_chain(stocked, role, allowed):
    client = login(stocked.users[role])
    upload = SimpleUploadedFile(
        "t.csv", b"shipment,part,quantity,destination,eta\nS-1,BRK-PAD-F01,2,SC-HZ01,2026-12-02\n")
    response = client.post("/api/imports/in_transit", {"file": upload})
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize(("role", "node", "allowed"), [
    ("manager", "SC-HZ01", True), ("manager", "SC-SH01", False),
    ("coordinator", "SC-NB01", True), ("coordinator", "SC-GZ01", False), ("planner", "SC-GZ01", True),
])
def test_demand_history_of_a_node_only_where_managed(stocked, role, node, allowed):
    response = login(stocked.users[role]).get(f"/api/parts/BRK-PAD-F01/demand?node={node}")
    assert response.status_code == (200 if allowed else 403)


def test_demand_chart_covers_only_what_the_user_manages(stocked):
    from datetime import date

    from django.utils import timezone

    from partspool.network.models import DemandRecord
    from partspool.network.selectors import months_back

    month = months_back(timezone.localdate(), 1)
    assert isinstance(month, date)
    DemandRecord.objects.create(node=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"], month=month, quantity=4)
    DemandRecord.objects.create(node=stocked.nodes["SC-GZ01"], part=stocked.parts["F01"], month=month, quantity=9)
    total = {
        role: sum(p["quantity"] for p in login(stocked.users[role]).get("/api/parts/BRK-PAD-F01/demand").json())
        for role in ("manager", "gz_manager", "coordinator", "planner")
    }
    assert total == {"manager": 4, "gz_manager": 9, "coordinator": 4, "planner": 13}


def test_admin_site_is_for_admins_only(stocked):
    assert login(stocked.users["admin"]).get("/admin/").status_code == 200
    assert login(stocked.users["planner"]).get("/admin/").status_code == 302


def test_personal_token_acts_with_the_users_role(stocked):
    from partspool.accounts.services import token_create

    _token, raw = token_create(user=stocked.users["manager"], name="DMS")
    client = Client()
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["home_node"] == "SC-HZ01"
    upload = SimpleUploadedFile("s.csv", b"node,part,on_hand\nSC-SH01,BRK-PAD-F01,3\n")
    refused = client.post("/api/imports/stock", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 422  # another center's stock: node_not_permitted
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer pp_wrong").status_code == 401


def test_revoked_token_is_refused(stocked):
    from partspool.accounts.models import ApiToken
    from partspool.accounts.services import token_create

    token, raw = token_create(user=stocked.users["planner"], name="ERP")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_tokens_page_creates_a_token_shown_once(stocked):
    from partspool.accounts.models import ApiToken

    client = login(stocked.users["manager"])
    page = client.post("/me/tokens/", {"name": "DMS"})
    token = ApiToken.objects.get(user=stocked.users["manager"])
    assert token.prefix in page.content.decode()
    assert token.digest not in page.content.decode()
    again = client.get("/me/tokens/").content.decode()
    assert token.prefix in again and "pp_" in again
