"""Class A held at the regional warehouse (the class policy's ``held_at``): a center covers its review month."""

from __future__ import annotations

from django.utils import translation

from partspool.network.models import Node
from partspool.planning import policy
from partspool.planning.explain import level_reason
from tests.conftest import login


def _rows(result):
    return {c.key: c for c in result.comparisons}


def test_a_center_in_a_region_with_a_warehouse_covers_only_its_review_month_for_class_a(history):
    nodes = [history.nodes[c] for c in ("SC-SH01", "WH-EAST")]
    center, warehouse = (_rows(r) for r in policy.node_policies(nodes, lead_time=1))
    pads = center["BRK-PAD-F01"]
    assert pads.abc_class == "A" and pads.fed_by == "WH-EAST"
    level = pads.option("service_level").level
    assert level.lead_time == 0  # refilled from the warehouse within days
    assert level.order_up_to == _rows(policy.node_policy(history.nodes["SC-SH01"], lead_time=0))[
        "BRK-PAD-F01"].option("service_level").level.order_up_to
    assert level.expected_fill_rate >= 0.95
    # the warehouse holds the region's pads over the supply lead time
    assert warehouse["BRK-PAD-F01"].fed_by is None
    assert warehouse["BRK-PAD-F01"].option("service_level").level.lead_time == 1
    # a class the centers hold themselves keeps the whole lead time
    others = [c for c in center.values() if c.abc_class == "B"]
    assert all(c.fed_by is None and c.option("service_level").level.lead_time == 1 for c in others)
    with translation.override("en"):
        assert "held at the regional warehouse WH-EAST" in level_reason(pads)
    with translation.override("zh-hans"):
        assert "区域中央库 WH-EAST" in level_reason(pads)


def test_without_a_regional_warehouse_the_center_covers_the_lead_time(history):
    Node.objects.filter(code="WH-EAST").update(kind=Node.Kind.CENTRAL_WAREHOUSE)
    pads = _rows(policy.node_policy(history.nodes["SC-SH01"], lead_time=1))["BRK-PAD-F01"]
    assert pads.fed_by is None and pads.option("service_level").level.lead_time == 1
    body = login(history.users["planner"]).get("/api/stock-policy?node=SC-SH01&lead_time=1").json()
    assert "regional warehouse" not in next(p for p in body["parts"] if p["part"] == "BRK-PAD-F01")["why"]
