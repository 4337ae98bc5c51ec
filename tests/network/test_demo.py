"""The demo network: its shape, its history's patterns and its stock's invariants (loaded once)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, F, Max, Sum

from partspool.accounts.models import User
from partspool.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from partspool.network.models import (
    Compatibility,
    DemandRecord,
    FailureReport,
    InTransitShipment,
    Node,
    Part,
    Region,
    Stock,
    StockMovement,
    Supersession,
)

TODAY = dt.date(2026, 3, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.perf_counter()
        counts = load_demo(today=TODAY)
        counts["seconds"] = time.perf_counter() - started
        yield counts
        transaction.set_rollback(True)


def _fingerprint() -> dict:
    return {
        "stock": sorted(Stock.objects.values_list("node__code", "part__number", "on_hand", "reserved",
                                                  "in_transit")),
        "demand": DemandRecord.objects.aggregate(total=Sum("quantity"), rows=Count("id")),
        "failures": sorted(FailureReport.objects.values_list("node__code", "part__number", "batch",
                                                             "reported_on", "quantity")),
        "shipments": sorted(InTransitShipment.objects.values_list("shipment_no", "part__number", "quantity")),
    }


def test_demo_loads_a_national_network_quickly(demo):
    assert demo["seconds"] < 30
    assert demo["regions"] == Region.objects.count() >= 6
    assert 35 <= demo["nodes"] == Node.objects.count() <= 50
    assert 280 <= demo["parts"] == Part.objects.count() <= 320
    assert demo["users"] == len(DEMO_USERS) == User.objects.count()
    for region in Region.objects.all():
        assert region.nodes.filter(kind=Node.Kind.REGIONAL_WAREHOUSE).count() == 1
    assert Node.objects.filter(kind=Node.Kind.CENTRAL_WAREHOUSE).count() == 1
    hz = Node.objects.get(code="SC-HZ01")
    assert (hz.city_zh, hz.kind, hz.region.code) == ("杭州", Node.Kind.SERVICE_CENTER, "EAST")
    assert Node.objects.get(city_en="Urumqi").time_zone == "Asia/Urumqi"
    assert set(Node.objects.annotate(n=Count("contacts")).values_list("n", flat=True)) <= {1, 2, 3}


def test_demo_catalog_has_the_parts_a_tester_looks_for(demo):
    names = dict(Part.objects.values_list("number", "name_zh"))
    assert names["BRK-PAD-F01"] == "前刹车片"
    assert names["AC-CMP-E01"] == "空调压缩机"
    assert names["BAT-12V-01"] == "12V蓄电池"
    assert names["WIP-BLD-01"] == "雨刮片"
    assert Supersession.objects.filter(old__number="BRK-PAD-F01", new__number="BRK-PAD-F02").exists()
    assert set(Compatibility.objects.values_list("level", flat=True)) == {"full", "conditional", "third_party"}
    assert Compatibility.objects.filter(part__number="WIP-BLD-01", level="third_party").exists()
    assert not Part.objects.filter(category="brakes", safety_critical=False).exists()
    assert not Part.objects.filter(category="wipers", safety_critical=True).exists()


def test_demand_is_pareto_shaped_and_covers_the_last_full_months(demo):
    totals = sorted(DemandRecord.objects.values("part").annotate(q=Sum("quantity"))
                    .values_list("q", flat=True), reverse=True)
    top = totals[: Part.objects.count() // 5]
    assert sum(top) >= 0.6 * sum(totals)
    months = sorted(set(DemandRecord.objects.values_list("month", flat=True)))
    assert len(months) == 36
    assert months[-1] == dt.date(2026, 2, 1)
    assert all(m.day == 1 for m in months)
    assert not DemandRecord.objects.filter(quantity__lte=0).exists()


def test_air_conditioning_demand_peaks_in_summer(demo):
    ac = DemandRecord.objects.filter(part__category="air_conditioning")
    summer = ac.filter(month__month__in=[6, 7, 8]).aggregate(q=Sum("quantity"))["q"]
    winter = ac.filter(month__month__in=[12, 1, 2]).aggregate(q=Sum("quantity"))["q"]
    assert summer > 1.5 * winter


def test_battery_batch_spike_in_south_china(demo):
    reports = FailureReport.objects.filter(part__number="BAT-12V-01", batch="B2408-17")
    assert set(reports.values_list("node__region__code", flat=True)) == {"SOUTH"}
    per_month = Counter()
    for reported_on, quantity in reports.values_list("reported_on", "quantity"):
        per_month[reported_on.replace(day=1)] += quantity
    *earlier, latest = sorted(per_month)
    average = sum(per_month[m] for m in earlier) / len(earlier)
    assert latest == dt.date(2026, 2, 1)
    assert per_month[latest] >= 12
    assert per_month[latest] >= 3 * average
    assert FailureReport.objects.exclude(batch="B2408-17").count() > 100


def test_stock_is_consistent_and_auditable(demo):
    from partspool.transfers.models import TransferRequest

    assert not Stock.objects.filter(reserved__gt=F("on_hand")).exists()
    # Every row can be rebuilt from its movements: from zero, each step starting where the last ended.
    for stock in Stock.objects.prefetch_related("movements"):
        moves = sorted(stock.movements.all(), key=lambda m: m.id)
        assert moves, stock
        assert (moves[0].on_hand_before, moves[0].reserved_before, moves[0].in_transit_before) == (0, 0, 0)
        for before, after in zip(moves, moves[1:], strict=False):
            assert (after.on_hand_before, after.reserved_before, after.in_transit_before) == (
                before.on_hand_after, before.reserved_after, before.in_transit_after)
        last = moves[-1]
        assert (last.on_hand_after, last.reserved_after, last.in_transit_after) == (
            stock.on_hand, stock.reserved, stock.in_transit)
    opening = StockMovement.objects.filter(kind="count", reason="demo data", by=None, on_hand_before=0)
    assert opening.count() == demo["stock_rows"]
    expected = defaultdict(int)
    for node, part, quantity in InTransitShipment.objects.filter(status="in_transit").values_list(
            "destination", "part", "quantity"):
        expected[(node, part)] += quantity
    for t in TransferRequest.objects.filter(status="shipped"):
        expected[(t.borrower_id, t.part_id)] += t.shipped_quantity
    assert 25 <= len(InTransitShipment.objects.all()) == demo["shipments"] <= 40
    actual = {(s.node_id, s.part_id): s.in_transit for s in Stock.objects.filter(in_transit__gt=0)}
    assert actual == expected


def test_demo_transfers_show_every_state_and_the_alliance_points(demo):
    from partspool.transfers.models import AllianceMember, TransferRequest

    assert demo["transfers"] == 6
    assert set(TransferRequest.objects.values_list("status", flat=True)) == {"closed", "received", "shipped",
                                                                             "requested"}
    points = dict(AllianceMember.objects.values_list("node__code", "points"))
    assert sum(points.values()) == 0 and points["SC-HZ01"] == 1


def test_brake_pads_around_hangzhou_and_a_nationwide_shortage(demo):
    f01 = dict(Stock.objects.filter(part__number="BRK-PAD-F01").values_list("node__code", "on_hand"))
    assert f01["SC-HZ01"] == 0
    near = {code: f01[code] for code in ("SC-SH01", "SC-SZ01", "SC-NB01", "SC-NJ01", "WH-EAST")}
    assert all(near.values()) and len(set(near.values())) == len(near)
    f02 = Stock.objects.filter(part__number="BRK-PAD-F02", on_hand__gt=0).count()
    assert 2 <= f02 <= 4
    held = set(Stock.objects.filter(on_hand__gt=0).values_list("part__number", flat=True))
    recent = set(DemandRecord.objects.filter(month=dt.date(2026, 2, 1)).values_list("part__number", flat=True))
    assert len(recent - held) >= 3
    newest = dict(Stock.objects.values("node__code").annotate(at=Max("confirmed_at"))
                  .values_list("node__code", "at"))
    reference = max(newest.values())
    stale = {code for code, at in newest.items() if at < reference - dt.timedelta(days=4)}
    assert 3 <= len(stale) <= 4
    assert all(reference - at < dt.timedelta(days=1) for code, at in newest.items() if code not in stale)


def test_demo_users_have_their_roles_and_the_demo_password(demo, settings):
    # the demo was hashed before any per-test hasher override took effect: accept either
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {u.username: u for u in User.objects.select_related("home_node", "region")}
    assert users["hz_manager"].role == "center_manager"
    assert users["hz_manager"].home_node.code == "SC-HZ01"
    assert users["gz_manager"].home_node.city_en == "Guangzhou"
    assert users["east_coord"].region.code == "EAST"
    assert users["planner"].home_node.kind == "central_wh"
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["hz_manager"].check_password(DEMO_PASSWORD)


def test_loading_again_without_reset_is_refused(demo):
    with pytest.raises(RuntimeError, match="reset=True"):
        load_demo(today=TODAY)


def test_reset_reloads_the_same_network(demo):
    before = _fingerprint()
    first = load_demo(today=TODAY, reset=True)
    after_first = _fingerprint()
    second = load_demo(today=TODAY, reset=True)
    assert first == second
    assert before == after_first == _fingerprint()
    assert User.objects.get(username="hz_manager").home_node.code == "SC-HZ01"


def test_months_sets_the_length_of_the_history(demo):
    load_demo(today=TODAY, months=12, reset=True)
    months = sorted(set(DemandRecord.objects.values_list("month", flat=True)))
    assert months[0] == dt.date(2025, 3, 1) and months[-1] == dt.date(2026, 2, 1) and len(months) == 12
