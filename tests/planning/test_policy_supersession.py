"""A part replaced by another: run down, its successor stocked on the family's demand (SPEC C5, supersession)."""

from __future__ import annotations

import pytest
from django.utils import translation

from partspool.core.policy.supersession import Link, SupersessionCycle, successor_heads
from partspool.network.models import Part, Supersession
from partspool.planning import policy
from partspool.planning.selectors import last_complete_month, month_add
from tests.conftest import login


def _in_force(months_ago: int = 3) -> None:
    Supersession.objects.filter(old__number="BRK-PAD-F01").update(
        effective_on=month_add(last_complete_month(), -months_ago))


def _parts(client, node: str) -> dict[str, dict]:
    body = client.get(f"/api/stock-policy?node={node}&lead_time=1").json()
    return {p["part"]: p for p in body["parts"]}, body


def _level(part: dict, option: str = "service_level") -> int:
    return next(o["order_up_to"] for o in part["options"] if o["policy"] == option)


def test_chains_go_to_the_last_successor_and_a_circle_is_named():
    heads = successor_heads([Link("A", "B", "2026-01-01"), Link("B", "C", "2026-06-01"), Link("X", "Y")])
    assert heads["A"][0] == "C" and [link.new for link in heads["A"][1]] == ["B", "C"]
    assert heads["B"][0] == "C" and heads["X"][0] == "Y" and "C" not in heads
    with pytest.raises(SupersessionCycle, match="A -> B -> A"):
        successor_heads([Link("A", "B"), Link("B", "A")])


def test_an_announced_supersession_changes_no_level(history):
    parts, _body = _parts(login(history.users["planner"]), "SC-SH01")
    assert parts["BRK-PAD-F01"]["replaced_by"] is None and _level(parts["BRK-PAD-F01"]) > 0
    assert parts["BRK-PAD-F02"]["inherits"] == []


def test_the_replaced_part_is_run_down_and_its_successor_stocked_for_both(history):
    manager = login(history.users["planner"])
    before, _ = _parts(manager, "SC-SH01")
    _in_force()
    parts, body = _parts(manager, "SC-SH01")
    old, new = parts["BRK-PAD-F01"], parts["BRK-PAD-F02"]
    assert old["replaced_by"] == "BRK-PAD-F02" and old["abc_class"] is None
    assert all(o["order_up_to"] == 0 and o["capital"] == 0 for o in old["options"])
    assert "replaced by BRK-PAD-F02" in old["why"] and "used up" in old["why"]
    assert new["inherits"] == ["BRK-PAD-F01"] and new["abc_class"] == "A"  # the family's demand sets its class
    # about 8 + 0.5 a month: the successor's level is the old part's (at least), not its own 0.5's
    assert _level(new) >= _level(before["BRK-PAD-F01"]) > _level(before["BRK-PAD-F02"])
    assert _level(new, "days_30") >= _level(before["BRK-PAD-F01"], "days_30")
    assert "It replaces BRK-PAD-F01" in new["why"]
    # 上海 holds 5 of the old part: nothing to order or lend of it; the successor's order is net of them
    suggested = {s["part"]: s for s in body["suggestions"]}
    assert "BRK-PAD-F01" not in suggested
    assert suggested["BRK-PAD-F02"]["order_up_to"] == _level(new) - 5
    assert suggested["BRK-PAD-F02"]["order"] == _level(new) - 5
    # the run-down part's demand is counted once, in its successor's: it is left out of the totals
    all_service = next(o for o in body["totals"]["all"] if o["policy"] == "service_level")
    assert all_service["parts"] == len(parts) - 1
    assert all_service["capital"] == pytest.approx(sum(
        next(o["capital"] for o in p["options"] if o["policy"] == "service_level") for p in parts.values()),
        abs=0.005 * len(parts))  # each figure to the fen


def test_a_successor_with_no_demand_of_its_own_is_stocked(history):
    from partspool.network.models import DemandRecord

    DemandRecord.objects.filter(part__number="BRK-PAD-F02").delete()
    _in_force()
    parts, body = _parts(login(history.users["manager"]), "SC-HZ01")
    assert parts["BRK-PAD-F02"]["inherits"] == ["BRK-PAD-F01"] and _level(parts["BRK-PAD-F02"]) > 0
    assert next(s for s in body["suggestions"] if s["part"] == "BRK-PAD-F02")["order"] > 0


def test_rebalancing_leaves_the_old_part_where_it_is(history):
    _in_force()
    nodes = [history.nodes[c] for c in ("SC-HZ01", "SC-SH01", "SC-SZ01", "SC-NB01", "WH-EAST")]
    plan = policy.region_rebalance(nodes)
    assert all(m.part != "BRK-PAD-F01" for m in plan.moves)
    policies = policy.node_policies(nodes)
    positions = policy.rebalance_positions(nodes, policies)
    old = {p.node: p for rows in positions.values() for p in rows if p.part == "BRK-PAD-F01"}
    new = {p.node: p for rows in positions.values() for p in rows if p.part == "BRK-PAD-F02"}
    assert all(p.run_down for p in old.values())
    # 苏州 sells neither: its old pads are kept for nothing, so they can be lent (never ordered, never short)
    assert old["SC-SZ01"].order_up_to == 0
    # the regional warehouse keeps its old pads up to the family's level (the region's demand for both) and
    # stocks the successor only for the rest
    family = next(c for c in policies[-1].comparisons if c.key == "BRK-PAD-F02").option("service_level").level
    assert old["WH-EAST"].order_up_to == min(30, family.order_up_to)
    assert new["WH-EAST"].order_up_to == family.order_up_to - old["WH-EAST"].order_up_to
    suggestions = {(s.node, s.part): s for s in policy.suggest_replenishment(
        [p for rows in positions.values() for p in rows])}
    assert suggestions[("SC-SZ01", "BRK-PAD-F01")].surplus == 1 and suggestions[("SC-SZ01", "BRK-PAD-F01")].order_quantity == 0
    assert all(suggestions[(n, "BRK-PAD-F01")].shortfall == 0 for n in old)


def test_a_future_date_waits_and_a_circle_in_the_data_is_left_out(history):
    end = last_complete_month()
    Supersession.objects.filter(old__number="BRK-PAD-F01").update(effective_on=month_add(end, 1))
    assert policy.supersession_heads(end) == {"BRK-PAD-F01": ("BRK-PAD-F02", f"{month_add(end, 1):%Y-%m-%d}")}
    Supersession.objects.filter(old__number="BRK-PAD-F01").update(effective_on=month_add(end, 2))
    assert policy.supersession_heads(end) == {}  # beyond the month the levels are set for
    _in_force()
    Supersession.objects.create(old=Part.objects.get(number="BRK-PAD-F02"), new=Part.objects.get(number="BRK-PAD-F01"))
    assert policy.supersession_heads(end) == {}
    assert login(history.users["planner"]).get("/api/stock-policy?node=SC-SH01").status_code == 200


def test_the_page_says_why_in_chinese(history):
    _in_force()
    with translation.override("zh-hans"):
        page = login(history.users["planner"]).get("/planning/policy/?node=SC-SH01",
                                                    HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "被 BRK-PAD-F02 替代" in page and "它替代 BRK-PAD-F01" in page


def test_the_annual_plan_plans_the_old_parts_demand_under_its_successor(history):
    planner = login(history.users["planner"])
    before = {x["part"]: x for x in planner.get("/api/annual-plan?growth=0").json()["lines"]}
    _in_force()
    after = {x["part"]: x for x in planner.get("/api/annual-plan?growth=0").json()["lines"]}
    assert "BRK-PAD-F01" not in after
    assert after["BRK-PAD-F02"]["total"] == pytest.approx(before["BRK-PAD-F01"]["total"] + before["BRK-PAD-F02"]["total"],
                                                           rel=0.02)
    assert "with the demand of BRK-PAD-F01, which it replaces" in after["BRK-PAD-F02"]["why"]
    assert after["WIP-BLD-01"] == before["WIP-BLD-01"]


def test_the_links_export_leaves_a_circle_out(history, tmp_path):
    from partspool.cli import main
    from partspool.cli_policy import read_links
    from partspool.core.policy.supersession import successor_heads

    _in_force()
    Part.objects.create(number="WIP-BLD-02", name_zh="雨刮片（新）", name_en="Wiper blade (new)", category="wipers",
                        unit_cost=60)
    wip, wip2 = Part.objects.get(number="WIP-BLD-01"), Part.objects.get(number="WIP-BLD-02")
    Supersession.objects.create(old=wip, new=wip2)
    Supersession.objects.create(old=wip2, new=wip)
    series, links = tmp_path / "d.csv", tmp_path / "l.csv"
    assert main(["export", "demand", str(series), "--series", "--supersessions", str(links), "--as", "planner"]) == 0
    read = read_links(links)
    assert {link.old.split("|")[1] for link in read} == {"BRK-PAD-F01"}
    successor_heads(read)  # no circle left: simulate can use the file as it is


def test_one_successor_for_two_parts_keeps_each_old_stock_within_its_own_level(history):
    """F01 and the wiper blade both replaced by F02 at 上海: 上海's 5 old pads are kept only up to the pads'
    own level, so the wipers' customers still get F02 ordered for them."""
    from partspool.network.models import Stock

    _in_force()
    wip, f02 = Part.objects.get(number="WIP-BLD-01"), Part.objects.get(number="BRK-PAD-F02")
    Supersession.objects.create(old=wip, new=f02, effective_on=month_add(last_complete_month(), -3))
    node = history.nodes["SC-SH01"]
    Stock.objects.filter(node=node, part__number="BRK-PAD-F01").update(on_hand=200)
    result = policy.node_policy(node)
    rows = {c.key: c for c in result.comparisons}
    assert rows["BRK-PAD-F01"].replaced_by == "BRK-PAD-F02" and rows["WIP-BLD-01"].replaced_by == "BRK-PAD-F02"
    own = rows["BRK-PAD-F01"].keeps_at_most["service_level"]
    assert own > 0
    positions = {p.part: p for p in policy.positions_for(node, result)}
    family = rows["BRK-PAD-F02"].option("service_level").level.order_up_to
    assert positions["BRK-PAD-F01"].order_up_to == own < family
    assert positions["BRK-PAD-F02"].order_up_to == family - own > 0
    suggestions = {s.part: s for s in policy.replenishment(node, result)}
    assert suggestions["BRK-PAD-F01"].surplus == 200 - own - suggestions["BRK-PAD-F01"].margin
    from partspool.planning.explain import level_reason

    assert f"at most {own} of it (its own level) is kept" in level_reason(rows["BRK-PAD-F01"])
    # a third part replaced by F02, held at 上海 but never sold there, keeps none of its stock for the family
    z = Part.objects.create(number="BRK-PAD-Z01", name_zh="旧刹车片", name_en="Old pads", category="brakes",
                            unit_cost=400)
    Supersession.objects.create(old=z, new=f02, effective_on=month_add(last_complete_month(), -3))
    Stock.objects.create(node=node, part=z, on_hand=50)
    result = policy.node_policy(node)
    positions = {p.part: p for p in policy.positions_for(node, result)}
    assert positions["BRK-PAD-Z01"].order_up_to == 0 and positions["BRK-PAD-Z01"].run_down
    assert positions["BRK-PAD-F02"].order_up_to == family - own


def test_a_nodes_levels_do_not_depend_on_which_page_came_first(history):
    from django.core.cache import cache

    _in_force()
    wip, f02 = Part.objects.get(number="WIP-BLD-01"), Part.objects.get(number="BRK-PAD-F02")
    Supersession.objects.create(old=wip, new=f02, effective_on=month_add(last_complete_month(), -3))
    region = [history.nodes[c] for c in ("SC-HZ01", "SC-SH01", "SC-SZ01", "SC-NB01", "WH-EAST")]
    cache.clear()
    alone = {c.key: c.option("service_level").level.order_up_to for c in policy.node_policy(history.nodes["SC-SH01"]).comparisons}
    cache.clear()
    policy.node_policies(region)
    after_region = {c.key: c.option("service_level").level.order_up_to
                    for c in policy.node_policy(history.nodes["SC-SH01"]).comparisons}
    assert alone == after_region


def test_a_successors_order_says_its_level_is_net_of_the_old_stock(history):
    _in_force()
    parts, body = _parts(login(history.users["planner"]), "SC-SH01")
    order = next(s for s in body["suggestions"] if s["part"] == "BRK-PAD-F02")
    family = _level(parts["BRK-PAD-F02"])
    assert order["order_up_to"] == family - 5
    assert f"The level is the family's {family} less 5 units of the parts it replaces" in order["why"]


def test_the_orders_table_says_a_successors_level_is_net_of_the_old_stock(history):
    _in_force()
    parts, _body = _parts(login(history.users["planner"]), "SC-SH01")
    family = _level(parts["BRK-PAD-F02"])
    page = login(history.users["planner"]).get("/planning/policy/?node=SC-SH01").content.decode()
    assert f"(the family's {family} less 5 of the parts it replaces)" in page


def test_the_levels_table_marks_a_replaced_part_as_run_down_not_fully_served(history):
    import re

    _in_force()
    page = login(history.users["planner"]).get("/planning/policy/?node=SC-SH01", HTTP_ACCEPT_LANGUAGE="en")
    row = re.search(r"<tr><td>BRK-PAD-F01</td>.*?</tr>", page.content.decode(), re.S).group(0)
    assert row.count("0 <span class=\"hint\">(run down)</span>") == 4 and "100%" not in row
