"""A class's availability target reached by its parts at a node together, at the least capital (SPEC C5)."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest
from django.utils import translation

from partspool.network.models import DemandRecord, Node, Part
from partspool.planning.selectors import last_complete_month, month_add
from tests.conftest import login


def _option(part: dict, name: str) -> dict:
    return next(o for o in part["options"] if o["policy"] == name)


@pytest.fixture
def many_parts(history):
    """杭州 sells twelve more parts of very different costs and rates, so its classes hold several parts."""
    rng = np.random.default_rng(11)
    hz = Node.objects.get(code="SC-HZ01")
    end = last_complete_month()
    rows = []
    for k in range(12):
        part = Part.objects.create(number=f"FLT-{k:03d}", name_zh=f"滤清器{k}", name_en=f"Filter {k}",
                                   category="filters", unit_cost=Decimal(str([15, 60, 240, 900][k % 4])))
        rate = [6.0, 3.0, 1.5, 0.8, 0.4, 0.2][k % 6]
        rows += [DemandRecord(node=hz, part=part, month=month_add(end, -m), quantity=q)
                 for m in range(36) if (q := int(rng.poisson(rate))) > 0]
    DemandRecord.objects.bulk_create(rows)
    return history


@pytest.mark.parametrize("lead_time", [1, 3])
def test_each_class_reaches_its_target_pooled_with_no_more_capital(many_parts, lead_time):
    body = login(many_parts.users["manager"]).get(f"/api/stock-policy?node=SC-HZ01&lead_time={lead_time}").json()
    totals = body["totals"]
    for klass, target in (("A", 0.95), ("B", 0.85)):
        by = {o["policy"]: o for o in totals[klass]}
        assert by["class_pool"]["fill_rate"] >= target - 1e-6, (klass, by)
        assert by["class_pool"]["capital"] <= by["service_level"]["capital"] + 1e-6
    # over the classes together the pooled levels hold less: whole units overshoot every per-part target
    everything = {o["policy"]: o for o in totals["all"]}
    assert everything["class_pool"]["capital"] < everything["service_level"]["capital"]
    parts = {p["part"]: p for p in body["parts"]}
    pooled = [p for p in parts.values() if p["abc_class"] in ("A", "B")]
    assert pooled and all(p["why_pooled"].startswith("Pooled: the node's") for p in pooled)
    # class C is kept without stock whichever way: the same level, nothing more to say
    c = [p for p in parts.values() if p["abc_class"] == "C"]
    assert all(_option(p, "class_pool")["order_up_to"] == 0 and p["why_pooled"] == "" for p in c)
    assert all(o["fill_rate"] < 1e-9 for o in totals["C"] if o["policy"] in ("service_level", "class_pool"))
    assert list(totals) == ["A", "B", "C", "all"]  # the classes in their order


def test_orders_follow_the_option_chosen(many_parts):
    hz = login(many_parts.users["manager"])
    body = hz.get("/api/stock-policy?node=SC-HZ01&lead_time=1&option=class_pool").json()
    assert body["suggestions_by"] == "class_pool"
    levels = {p["part"]: _option(p, "class_pool")["order_up_to"] for p in body["parts"]}
    assert body["suggestions"]
    for s in body["suggestions"]:
        assert s["order_up_to"] == levels[s["part"]]
    cover = hz.get("/api/stock-policy?node=SC-HZ01&lead_time=1&option=days_30").json()
    levels = {p["part"]: _option(p, "days_30")["order_up_to"] for p in cover["parts"]}
    assert all(s["order_up_to"] == levels[s["part"]] for s in cover["suggestions"])
    bad = hz.get("/api/stock-policy?node=SC-HZ01&option=cheapest")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice" and "cheapest" in bad.json()["message"]
    assert hz.get("/planning/policy/?node=SC-HZ01&option=cheapest").status_code == 400


def test_the_page_shows_the_pooled_option_and_why(many_parts):
    hz = login(many_parts.users["manager"])
    page = hz.get("/planning/policy/?node=SC-HZ01&option=class_pool").content.decode()
    assert "class target, pooled" in page and 'value="class_pool" selected' in page
    assert "stock goes first where a yuan held serves the most demand by value" in page
    with translation.override("zh-hans"):
        page = hz.get("/planning/policy/?node=SC-HZ01", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "按类别合并达标" in page


def test_a_weekly_review_covers_days_not_months(many_parts):
    """Reviewed weekly with parts arriving in 5 days, each level covers 12 days of demand instead of a
    month and the lead time: the service level needs less stock, the days-of-cover rule serves far more of
    its demand, and every figure says it is in days."""
    hz = login(many_parts.users["manager"])
    monthly = hz.get("/api/stock-policy?node=SC-HZ01&lead_time=1").json()
    weekly = hz.get("/api/stock-policy?node=SC-HZ01&review=week&lead_days=5").json()
    assert (weekly["review"], weekly["review_days"], weekly["lead_days"], weekly["lead_time"]) == ("week", 7, 5, None)
    by_month = {o["policy"]: o for o in monthly["totals"]["A"]}
    by_week = {o["policy"]: o for o in weekly["totals"]["A"]}
    assert by_week["service_level"]["fill_rate"] >= 0.95 and by_week["class_pool"]["fill_rate"] >= 0.95 - 1e-6
    assert by_week["service_level"]["capital"] < by_month["service_level"]["capital"]
    assert by_week["days_30"]["fill_rate"] > by_month["days_30"]["fill_rate"] + 0.2
    pads = next(p for p in weekly["parts"] if p["part"] == "BRK-PAD-F01")
    assert "5 days of lead time and the 7 days to the next review" in pads["why"]
    assert "a month over 36 months" in pads["why"]  # the demand is still read by the month
    # the days-of-cover levels are the same units whatever the review: days of average demand
    for p_week, p_month in zip(weekly["parts"], monthly["parts"], strict=True):
        assert _option(p_week, "days_15")["order_up_to"] == _option(p_month, "days_15")["order_up_to"]
    # the default lead time of a weekly review is the source's 3 to 7 days' middle
    assert hz.get("/api/stock-policy?node=SC-HZ01&review=week").json()["lead_days"] == 5


@pytest.mark.parametrize(("query", "code"), [("review=daily", "invalid_choice"), ("review=week&lead_days=-1", "lead_days_range"),
                                             ("review=week&lead_days=400", "lead_days_range")])
def test_a_bad_review_is_refused_by_name(many_parts, query, code):
    hz = login(many_parts.users["manager"])
    bad = hz.get(f"/api/stock-policy?node=SC-HZ01&{query}")
    assert bad.status_code == 400 and bad.json()["code"] == code, bad.json()
    page = hz.get(f"/planning/policy/?node=SC-HZ01&{query}")
    assert page.status_code == 400 and bad.json()["message"] in page.content.decode()


def test_a_lead_time_in_days_that_is_no_number_is_named_in_either_language(many_parts):
    hz = login(many_parts.users["manager"])
    en = hz.get("/planning/policy/?node=SC-HZ01&review=week&lead_days=abc").content.decode()
    assert "from 0 to 120 (got abc)" in en
    with translation.override("zh-hans"):
        zh = hz.get("/planning/policy/?node=SC-HZ01&review=week&lead_days=abc", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 400 and "120" in zh.content.decode() and "%(" not in zh.content.decode()


def test_the_policy_page_reviews_weekly_on_request(many_parts):
    hz = login(many_parts.users["manager"])
    page = hz.get("/planning/policy/?node=SC-HZ01&review=week&lead_days=3").content.decode()
    assert "Reviewed every 7 days, orders arriving 3 days after they are placed" in page
    assert '<option value="week" selected>' in page and 'name="lead_days" type="number" min="0" max="120" value="3"' in page
    assert "3 days of lead time and the 7 days to the next review" in page
    assert "The fill rates are exact, with unmet demand lost" in page and "reckoned review by review" in page
    late = hz.get("/planning/policy/?node=SC-HZ01&review=week&lead_days=7").content.decode()
    assert "The fill rates are lower bounds (unmet demand counted as waiting)" in late  # arriving after the review
    monthly = hz.get("/planning/policy/?node=SC-HZ01&lead_time=2").content.decode()
    assert "Reviewed each month, orders arriving 2 months after they are placed." in monthly


def test_the_command_line_gives_the_weekly_orders_and_a_workbook(many_parts, capsys, tmp_path):
    """From cron each Monday: the node's options per class and this week's orders, in either language, and
    every part's levels with the reasons in a workbook; the API's orders are the same."""
    import openpyxl

    from partspool.cli import main

    manager = many_parts.users["manager"].username
    book = tmp_path / "hz.xlsx"
    assert main(["stock-policy", "--as", manager, "--node", "SC-HZ01", "--review", "week", "--lead-days", "3",
                 "--option", "class_pool", "--xlsx", str(book), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert re.match(r"SC-HZ01, reviewed every 7 days from \d{4}-\d\d-\d\d, lead time 3 days\n", out)
    assert "A class target, pooled: fill rate" in out and "Orders (class target, pooled):" in out
    api = login(many_parts.users["manager"]).get(
        "/api/stock-policy?node=SC-HZ01&review=week&lead_days=3&option=class_pool").json()
    ordered = {s["part"]: s["order"] for s in api["suggestions"] if s["order"]}
    assert ordered and all(f"  {part}\t{units}\t" in out for part, units in ordered.items())
    sheets = openpyxl.load_workbook(book, read_only=True)
    levels = list(sheets[sheets.sheetnames[1]].iter_rows(values_only=True))
    assert levels[0][:2] == ("Part", "Class") and len(levels) - 1 == len(api["parts"])
    assert any("7 days to the next review" in (row[-2] or "") for row in levels[1:])
    orders = list(sheets[sheets.sheetnames[0]].iter_rows(values_only=True))
    assert {r[0]: r[3] for r in orders[1:] if r[3]} == ordered
    assert main(["stock-policy", "--as", manager, "--node", "SC-HZ01"]) == 0
    assert capsys.readouterr().out.startswith("SC-HZ01，每月盘点，提前期 1 个月")
    # a node the manager does not see, a bad review and a lead time out of range change nothing and say why
    assert main(["stock-policy", "--as", manager, "--node", "SC-SH01", "--lang", "en"]) == 2
    assert "SC-SH01" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["stock-policy", "--as", manager, "--node", "SC-HZ01", "--review", "daily", "--lang", "en"])
    assert "invalid choice: 'daily'" in capsys.readouterr().err
    assert main(["stock-policy", "--as", manager, "--node", "SC-HZ01", "--lead-time", "13", "--lang", "en"]) == 1
    assert "from 0 to 12 (got 13)" in capsys.readouterr().err


def test_rebalancing_reads_the_weekly_levels_and_its_move_is_checked_against_them(history):
    """The region's plan under a weekly review sets each node's level on 7 + 5 days of demand, not a month
    and a month's lead time: the shortfalls it moves stock for are those levels', and the move posted from
    the page is checked against the same levels (its review travels with it)."""
    from partspool.planning import policy
    from partspool.planning.selectors import region_nodes
    from partspool.transfers.models import TransferRequest

    planner = login(history.users["planner"])
    weekly = planner.get("/api/rebalance?region=EAST&review=week&lead_days=5").json()
    assert (weekly["review"], weekly["lead_days"], weekly["lead_time"]) == ("week", 5, None)
    nodes = region_nodes(history.users["planner"], "EAST")
    levels = {(p.node.code, c.key): c.option("service_level").level.order_up_to
              for p in policy.node_policies(nodes, pooled=False, cadence=policy.cadence_for("week", 5))
              for c in p.comparisons}
    monthly = {(p.node.code, c.key): c.option("service_level").level.order_up_to
               for p in policy.node_policies(nodes, pooled=False) for c in p.comparisons}
    assert any(levels[k] < monthly[k] for k in levels)  # the weekly levels are not the monthly ones
    by_month = planner.get("/api/rebalance?region=EAST").json()
    assert weekly["moves"] and weekly["moves"] != by_month["moves"]
    for move in weekly["moves"]:  # each shortfall named is the weekly level's
        short = int(move["why"].split(f"{move['to']} is ", 1)[1].split(" below")[0])
        assert short <= levels[(move["to"], move["part"])]
    page = planner.get("/planning/rebalance/?region=EAST&review=week&lead_days=5").content.decode()
    assert '<input type="hidden" name="review" value="week"><input type="hidden" name="lead_days" value="5">' in page
    day = re.search(r'name="review_on" value="(\d{4}-\d\d-\d\d)"', page).group(1)
    move = weekly["moves"][0]
    posted = {"from": move["from"], "to": move["to"], "part": move["part"], "units": str(move["units"]),
              "review": "week", "lead_days": "5"}
    # a plan made in a month that is over is not carried out on levels it no longer has
    stale = planner.post("/planning/rebalance/request/", {**posted, "review_on": "2020-01-06"})
    assert stale.status_code == 400 and "2020-01-06" in stale.content.decode() and TransferRequest.objects.count() == 0
    assert planner.post("/planning/rebalance/request/", {**posted, "review_on": "soon"}).status_code == 400
    response = planner.post("/planning/rebalance/request/", {**posted, "review_on": day})
    assert response.status_code == 302 and TransferRequest.objects.count() == 1
    bad = planner.get("/api/rebalance?region=EAST&review=week&lead_days=999")
    assert bad.status_code == 400 and bad.json()["code"] == "lead_days_range"
    refused = planner.post("/planning/rebalance/request/", {"from": "SC-SZ01", "to": "SC-SH01", "part": "BRK-PAD-F01",
                                                           "units": "1", "review": "fortnight"})
    assert refused.status_code == 400 and TransferRequest.objects.count() == 1


def test_a_weekly_review_protects_the_days_from_the_review_on(many_parts):
    """A part sold only in the month after next is protected for nothing at the first review of this month
    and for its season at the last one, whose 12 days run into that month; today's review is the default."""
    from datetime import timedelta

    from django.utils import timezone

    from partspool.planning import policy

    hz = Node.objects.get(code="SC-HZ01")
    end = last_complete_month()
    season = month_add(end, 2).month  # the month after the one the levels are set in
    part = Part.objects.create(number="AC-SEASON", name_zh="季节件", name_en="Seasonal part", category="ac",
                               unit_cost=Decimal("100"))
    DemandRecord.objects.bulk_create([DemandRecord(node=hz, part=part, month=month_add(end, -m), quantity=9)
                                      for m in range(36) if month_add(end, -m).month == season])
    first, last = month_add(end, 1), month_add(end, 2) - timedelta(days=1)
    weekly = policy.cadence_for("week", 5)

    def protected(day):
        found = policy.node_policy(hz, cadence=weekly, review_on=day)
        assert found.review_on == day
        return next(c for c in found.comparisons if c.key == "AC-SEASON").option("service_level").level

    early, late = protected(first), protected(last)
    assert late.protection_mean > 5 * early.protection_mean and late.order_up_to > early.order_up_to
    today = timezone.localdate()
    body = login(many_parts.users["manager"]).get("/api/stock-policy?node=SC-HZ01&review=week").json()
    assert body["review_on"] == (today if first <= today <= last else first).isoformat()
    with pytest.raises(ValueError, match="does not follow"):
        policy.node_policy(hz, cadence=weekly, review_on=month_add(end, 2))


def test_a_lead_time_of_the_other_kind_is_refused_not_ignored(many_parts, capsys):
    """A cron line or a script that gives a lead time in days gets a weekly review; one that gives both
    kinds, or the wrong kind for its review, is told so rather than ordering for the wrong cover."""
    from partspool.cli import main

    hz = login(many_parts.users["manager"])
    assert hz.get("/api/stock-policy?node=SC-HZ01&lead_days=3").json()["review"] == "week"
    for query, code in (("review=week&lead_time=2", "lead_time_weekly"), ("review=month&lead_days=3", "lead_days_monthly"),
                        ("lead_time=1&lead_days=3", "lead_days_monthly")):
        bad = hz.get(f"/api/stock-policy?node=SC-HZ01&{query}")
        assert bad.status_code == 400 and bad.json()["code"] == code
    planner = login(many_parts.users["planner"])
    assert planner.get("/api/rebalance?region=EAST&review=week&lead_time=2").json()["code"] == "lead_time_weekly"
    manager = many_parts.users["manager"].username
    assert main(["stock-policy", "--as", manager, "--node", "SC-HZ01", "--lead-days", "3", "--lang", "en"]) == 0
    assert "reviewed every 7 days from" in capsys.readouterr().out
    assert main(["stock-policy", "--as", manager, "--node", "SC-HZ01", "--review", "week", "--lead-time", "2",
                 "--lang", "en"]) == 1
    assert "lead time in days" in capsys.readouterr().err
    assert main(["stock-policy", "--as", manager, "--node", " ", "--lang", "en"]) == 2
    assert "Unknown node" in capsys.readouterr().err
    # the page sends both fields: the one of the other review is not read
    assert hz.get("/planning/policy/?node=SC-HZ01&review=month&lead_days=abc").status_code == 200
    # a link with both lead times and no review is ambiguous, on the page as in the API
    assert hz.get("/planning/policy/?node=SC-HZ01&lead_time=1&lead_days=3").status_code == 400
    # a link with a lead time alone reads as the API reads it: days make it weekly, months monthly
    assert "Reviewed every 7 days, orders arriving 3 days" in hz.get("/planning/policy/?node=SC-HZ01&lead_days=3").content.decode()
    assert "orders arriving 2 months" in hz.get("/planning/policy/?node=SC-HZ01&lead_time=2").content.decode()
    assert "orders arriving 1 day after" in hz.get("/planning/policy/?node=SC-HZ01&lead_days=1").content.decode()


@pytest.mark.parametrize(("query", "field", "got"), [("review=week&lead_days=abc", "lead_days", "abc"),
                                                     ("review=week&lead_days=1.5", "lead_days", "1.5"),
                                                     ("lead_time=x", "lead_time", "x")])
def test_a_parameter_of_the_wrong_kind_is_named_in_the_users_language(many_parts, query, field, got):
    hz = login(many_parts.users["manager"])
    bad = hz.get(f"/api/stock-policy?node=SC-HZ01&{query}")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid_parameter" and body["message"] == f"{field}: a whole number is needed (got {got})."
    zh = hz.get(f"/api/stock-policy?node=SC-HZ01&{query}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["message"]
    assert field in zh and got in zh and "whole number" not in zh
    assert hz.get("/api/stock-policy").json()["message"] == 'node: it is needed (got "").'


def test_a_body_field_of_the_wrong_kind_is_named_with_what_was_sent(many_parts):
    from partspool.transfers.models import TransferRequest

    hz = login(many_parts.users["manager"])
    body = {"lender": "SC-SH01", "part": "BRK-PAD-F01", "quantity": "many"}
    bad = hz.post("/api/transfers", body, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_parameter"
    assert bad.json()["message"] == "quantity: a whole number is needed (got many)."
    long = hz.post("/api/transfers", {**body, "quantity": "9" * 200 + "x"}, content_type="application/json").json()
    assert long["message"].endswith("9" * 80 + ").") and TransferRequest.objects.count() == 0
