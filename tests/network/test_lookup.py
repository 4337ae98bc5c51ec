"""Network lookup through the API, the page and the command line (SPEC C1)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login


def _lookup(client, **params):
    return client.get("/api/lookup", params)


def _codes(group):
    return [row["node"] for row in group["rows"]]


def test_manager_sees_every_node_with_the_part_ranked_by_arrival_then_quantity(stocked):
    response = _lookup(login(stocked.users["manager"]), part="BRK-PAD-F01")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["origin"] == "SC-HZ01"
    requested = body["groups"][0]
    assert requested["relation"] == "requested"
    # Same-day sources first, most available first; 广州 (days away) last although it has 9.
    assert _codes(requested) == ["WH-EAST", "SC-SH01", "SC-SZ01", "SC-NB01", "SC-GZ01"]
    sz = next(r for r in requested["rows"] if r["node"] == "SC-SZ01")
    assert sz["available"] == 2  # on hand 3 minus reserved 1
    assert requested["rows"][0]["reasons"], "each source explains its place"
    assert requested["rows"][-1]["leg"]["hours"] > 24


def test_lookup_includes_successors_and_alternatives_with_their_stock(stocked):
    body = _lookup(login(stocked.users["manager"]), part="brk-pad-f01").json()
    relations = {g["relation"]: g for g in body["groups"]}
    assert _codes(relations["successor"]) == ["SC-SZ01"]
    assert relations["successor"]["part"]["number"] == "BRK-PAD-F02"
    alternative = relations["alternative"]
    assert alternative["level"] == "third_party" and alternative["conditions"] == "需客户同意"
    assert _codes(alternative) == ["SC-GZ01"]


def test_stale_stock_is_flagged_with_its_confirmation_time(stocked):
    rows = _lookup(login(stocked.users["manager"]), part="BRK-PAD-F01").json()["groups"][0]["rows"]
    by_node = {r["node"]: r for r in rows}
    assert by_node["SC-SH01"]["stale"] is True
    assert by_node["SC-SH01"]["confirmed_at"] is not None
    assert by_node["WH-EAST"]["stale"] is False


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"min_available": 3}, ["WH-EAST", "SC-SH01", "SC-GZ01"]),
        ({"within_km": 500}, ["WH-EAST", "SC-SH01", "SC-SZ01", "SC-NB01"]),
        ({"region": "SOUTH"}, ["SC-GZ01"]),
        ({"min_available": 6, "within_km": 500}, ["WH-EAST"]),
    ],
)
def test_filters_at_least_n_within_k_km_and_region(stocked, params, expected):
    body = _lookup(login(stocked.users["manager"]), part="BRK-PAD-F01", **params).json()
    assert _codes(body["groups"][0]) == expected


def test_measured_lead_time_overrides_the_estimate_and_changes_the_ranking(stocked):
    from partspool.network.models import DistanceOverride

    # A measured 30 h from WH-EAST to 杭州 pushes it out of the same-day band.
    DistanceOverride.objects.create(from_node=stocked.nodes["WH-EAST"], to_node=stocked.nodes["SC-HZ01"],
                                    km=190, hours=30)
    rows = _lookup(login(stocked.users["manager"]), part="BRK-PAD-F01").json()["groups"][0]["rows"]
    assert [r["node"] for r in rows][:3] == ["SC-SH01", "SC-SZ01", "SC-NB01"]
    wh = next(r for r in rows if r["node"] == "WH-EAST")
    assert wh["leg"] == {"km": 190.0, "hours": 30.0, "mode": "matrix", "measured": True}


def test_reserved_units_are_not_offered(stocked):
    from partspool.network.models import Stock

    Stock.objects.filter(node=stocked.nodes["SC-NB01"], part=stocked.parts["F01"]).update(reserved=1)
    rows = _lookup(login(stocked.users["manager"]), part="BRK-PAD-F01").json()["groups"][0]["rows"]
    assert "SC-NB01" not in [r["node"] for r in rows]


def test_planner_chooses_the_node_to_rank_from(stocked):
    body = _lookup(login(stocked.users["planner"]), part="BRK-PAD-F01", from_node="SC-GZ01").json()
    assert body["origin"] == "SC-GZ01"
    assert "SC-GZ01" not in _codes(body["groups"][0])


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"part": "NO-SUCH-PART"}, 404, "unknown_part"),
        ({"part": "BRK-PAD-F01", "min_available": 0}, 400, "quantity_not_positive"),
        ({"part": "BRK-PAD-F01", "min_available": -2}, 400, "quantity_not_positive"),
        ({"part": "BRK-PAD-F01", "region": "MARS"}, 404, "unknown_region"),
        ({"part": "BRK-PAD-F01", "from_node": "SC-XX99"}, 404, "unknown_node"),
        ({"part": "BRK-PAD-F01", "within_km": -5}, 400, "invalid_input"),
    ],
)
def test_bad_lookups_say_what_is_wrong(stocked, params, status, code):
    response = _lookup(login(stocked.users["manager"]), **params)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_planner_without_home_node_must_name_one(stocked):
    response = _lookup(login(stocked.users["planner"]), part="BRK-PAD-F01")
    assert response.status_code == 400
    assert response.json()["code"] == "no_home_node"


def test_lookup_query_count_does_not_grow_with_sources(stocked):
    client = login(stocked.users["manager"])
    client.get("/api/lookup", {"part": "BRK-PAD-F01"})  # warm the cached reliability scores
    with CaptureQueriesContext(connection) as few:
        client.get("/api/lookup", {"part": "BRK-PAD-F01"})
    from partspool.network.models import Contact

    for node in stocked.nodes.values():
        Contact.objects.create(node=node, name="张伟", role="配件主管", phone="13900000000")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/lookup", {"part": "BRK-PAD-F01"})
    assert len(many) == len(few)
    assert len(many) <= 20


def test_lookup_page_shows_ranked_sources_and_contacts(stocked):
    client = login(stocked.users["manager"])
    page = client.get("/lookup/", {"part": "BRK-PAD-F01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("WH-EAST") < text.index("SC-SH01") < text.index("SC-GZ01")
    assert "王磊" in text and "13800000001" in text
    assert "BRK-PAD-F02" in text  # successor section


def test_lookup_page_by_name_offers_the_matching_parts(stocked):
    client = login(stocked.users["manager"])
    page = client.get("/lookup/", {"part": "刹车片"})
    text = page.content.decode()
    assert "Which part do you mean?" in text or "您要找的是哪个配件" in text
    assert "BRK-PAD-F01" in text and "BRK-PAD-F02" in text
    single = client.get("/lookup/", {"part": "Wiper"})
    assert single.status_code == 200
    assert "WIP-BLD-01" in single.content.decode()


def test_lookup_page_htmx_returns_only_the_results_fragment(stocked):
    client = login(stocked.users["manager"])
    page = client.get("/lookup/", {"part": "BRK-PAD-F01"}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "<html" not in text and "WH-EAST" in text


def test_lookup_page_bad_filter_is_an_error_not_a_crash(stocked):
    client = login(stocked.users["manager"])
    page = client.get("/lookup/", {"part": "BRK-PAD-F01", "min_available": "abc"})
    assert page.status_code == 400


def test_command_line_lookup_prints_the_ranking(stocked, capsys):
    from partspool.cli import main

    assert main(["lookup", "BRK-PAD-F01", "--as", "hz_manager", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert [r["node"] for r in groups[0]["rows"]][:2] == ["WH-EAST", "SC-SH01"]
    assert main(["lookup", "NOPE", "--as", "hz_manager"]) == 2
    assert "Unknown part" in capsys.readouterr().err


def test_lookup_page_shows_the_first_sources_then_all_on_request(stocked, monkeypatch):
    from partspool.network import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    client = login(stocked.users["manager"])
    first = client.get("/lookup/", {"part": "BRK-PAD-F01"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SC-SH01" in first and "SC-NB01" not in first.split('data-relation="successor"')[0]
    assert "Showing 2 of 5" in first
    everything = client.get("/lookup/", {"part": "BRK-PAD-F01", "all": "1"}).content.decode()
    assert "SC-NB01" in everything.split('data-relation="successor"')[0]


def test_command_line_demo_does_not_overwrite_an_existing_network(net, capsys):
    from partspool.cli import main
    from partspool.network.models import Node

    before = Node.objects.count()
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "already holds a network" in out and "hz_manager" in out
    assert Node.objects.count() == before
