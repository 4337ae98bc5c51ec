"""The pages a manager opens: dashboard, node, part; language switching; assets served locally."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partspool.network.models import DemandRecord, InTransitShipment
from partspool.network.selectors import months_back
from tests.conftest import login


def _recent_demand(net, node, part, qty=3):
    DemandRecord.objects.create(node=net.nodes[node], part=net.parts[part],
                                month=months_back(timezone.localdate(), 1), quantity=qty)


def test_dashboard_shows_shortages_by_region_unavailable_parts_and_stale_nodes(stocked):
    _recent_demand(stocked, "SC-HZ01", "F01")  # 杭州 has 0 of F01: a shortage
    _recent_demand(stocked, "SC-HZ01", "WIP")  # wiper blades: available nowhere
    page = login(stocked.users["manager"]).get("/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    health = page.context["health"]
    east = next(r for r in health.regions if r.region.code == "EAST")
    assert east.shortages == 1
    assert [p.number for p, _total in health.unavailable_parts] == ["WIP-BLD-01"]
    assert "WIP-BLD-01" in text


def test_stale_nodes_are_the_ones_not_confirmed_recently(stocked):
    health = login(stocked.users["planner"]).get("/api/health").json()
    # 上海's only stock row was confirmed 100 h ago; 深圳 has never confirmed anything.
    assert "SC-SH01" in health["stale_nodes"]
    assert "SC-SZN1" in health["stale_nodes"]
    assert "SC-SZ01" not in health["stale_nodes"]


def test_node_page_shows_stock_shortages_contacts_and_inbound(stocked):
    _recent_demand(stocked, "SC-HZ01", "F01")
    InTransitShipment.objects.create(shipment_no="SHP-9", part=stocked.parts["F01"],
                                     destination=stocked.nodes["SC-HZ01"], quantity=4,
                                     eta=timezone.now() + timedelta(days=2))
    client = login(stocked.users["manager"])
    page = client.get("/nodes/SC-HZ01/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert page.context["summary"]["shortages"] == 1
    assert "SHP-9" in text and "BRK-PAD-F01" in text
    shortages = client.get("/nodes/SC-HZ01/?shortages=1", HTTP_HX_REQUEST="true")
    fragment = shortages.content.decode()
    assert "<html" not in fragment and "BRK-PAD-F01" in fragment
    other = client.get("/nodes/SC-SH01/")
    assert "王磊" in other.content.decode() and other.context["may_manage"] is False
    assert client.get("/nodes/NOPE/").status_code == 404


def test_part_page_has_the_demand_chart_alternatives_and_sources(stocked):
    _recent_demand(stocked, "SC-HZ01", "F01", qty=7)
    page = login(stocked.users["manager"]).get("/parts/BRK-PAD-F01/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "/assets/plotly.min.js" in text and "Plotly.newPlot" in text
    assert page.context["demand_total"] == 7
    assert "BRK-PAD-F02" in text and "BRK-PAD-F01-TP" in text
    assert "WH-EAST" in text
    assert login(stocked.users["manager"]).get("/parts/NOPE/").status_code == 404


def test_plotly_and_htmx_are_served_locally(stocked):
    client = login(stocked.users["manager"])
    js = client.get("/assets/plotly.min.js")
    assert js.status_code == 200 and js["Content-Type"] == "application/javascript"
    page = client.get("/").content.decode()
    assert "htmx" in page and "http://" not in page.split("<main>")[0].replace("http://www.w3.org", "")
    assert "cdn" not in page.lower()


def test_language_follows_the_browser_and_can_be_switched(stocked):
    client = login(stocked.users["manager"])
    zh = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "查找配件" in zh
    en = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Find a part" in en
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Find a part" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_api_docs_describe_the_lookup(stocked):
    client = login(stocked.users["manager"])
    schema = client.get("/api/openapi.json").json()
    assert "/api/lookup" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    text = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in text and "cdn" not in text.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_busy_pages_keep_a_flat_query_count(stocked):
    client = login(stocked.users["manager"])
    for url in ("/", "/nodes/SC-HZ01/", "/parts/BRK-PAD-F01/", "/lookup/?part=BRK-PAD-F01"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) <= 25, (url, len(queries))


def test_times_are_shown_in_the_time_zone_of_the_users_node(stocked):
    from datetime import UTC, datetime

    from partspool.network.models import Node, Stock

    Stock.objects.filter(node=stocked.nodes["SC-HZ01"]).update(
        confirmed_at=datetime(2026, 11, 20, 0, 30, tzinfo=UTC))
    client = login(stocked.users["manager"])
    assert "8:30" in client.get("/nodes/SC-HZ01/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    Node.objects.filter(pk=stocked.nodes["SC-HZ01"].pk).update(time_zone="Asia/Urumqi")
    assert "6:30" in client.get("/nodes/SC-HZ01/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
