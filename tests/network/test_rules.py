"""Rules are data: an admin's stored settings change the lookup; bad settings are refused."""

from __future__ import annotations

import pytest

from partspool.network.models import RuleSet
from partspool.network.rules import build_geo, geo_rules, lookup_rules
from tests.conftest import login


def test_defaults_are_the_sources_values(db):
    assert geo_rules().road_factor == 1.3
    assert lookup_rules().stale_after_hours == 48


def test_stored_stale_window_changes_what_counts_as_stale(stocked):
    RuleSet.objects.create(key="lookup", values={"stale_after_hours": 200})
    rows = login(stocked.users["manager"]).get("/api/lookup", {"part": "BRK-PAD-F01"}).json()["groups"][0]["rows"]
    assert not any(r["stale"] for r in rows)


def test_stored_road_factor_changes_distances(stocked):
    before = login(stocked.users["manager"]).get("/api/lookup", {"part": "BRK-PAD-F01"}).json()
    RuleSet.objects.create(key="geo", values={"road_factor": 2.0})
    after = login(stocked.users["manager"]).get("/api/lookup", {"part": "BRK-PAD-F01"}).json()
    km = {r["node"]: r["leg"]["km"] for r in before["groups"][0]["rows"]}
    km2 = {r["node"]: r["leg"]["km"] for r in after["groups"][0]["rows"]}
    assert km2["SC-SH01"] == pytest.approx(km["SC-SH01"] / 1.3 * 2.0, rel=0.01)


@pytest.mark.parametrize("values", [{"road_factor": "fast"}, {"road_factor": -1}, {"speed": 3},
                                    {"modes": [{"code": "x"}]}, {"modes": []}])
def test_bad_settings_are_refused(values):
    with pytest.raises(ValueError):
        build_geo(values)


def test_admin_form_refuses_bad_settings(stocked):
    client = login(stocked.users["admin"])
    response = client.post("/admin/network/ruleset/add/", {"key": "geo", "values": '{"road_factor": "x"}'})
    assert response.status_code == 200 and not RuleSet.objects.exists()
    response = client.post("/admin/network/ruleset/add/", {"key": "geo", "values": '{"road_factor": 1.5}'})
    assert response.status_code == 302 and geo_rules().road_factor == 1.5
