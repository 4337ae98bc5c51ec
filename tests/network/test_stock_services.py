"""Stock services on any database: reservation rules, constraints, movements."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from partspool.errors import InsufficientStock, InvalidInput, NotPermitted
from partspool.network.models import Stock, StockMovement
from partspool.network.services import stock_count, stock_release, stock_reserve


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_reserving_a_non_positive_or_fractional_quantity_is_refused(stocked, quantity):
    with pytest.raises(InvalidInput):
        stock_reserve(node=stocked.nodes["WH-EAST"], part=stocked.parts["F01"], quantity=quantity, by=None,
                      reason="x")
    assert not StockMovement.objects.exists()


def test_reserving_more_than_available_names_the_shortfall(stocked):
    with pytest.raises(InsufficientStock) as excinfo:
        stock_reserve(node=stocked.nodes["SC-SZ01"], part=stocked.parts["F01"], quantity=3, by=None,
                      reason="x")
    assert excinfo.value.data == {"part": "BRK-PAD-F01", "node": "SC-SZ01", "requested": 3, "available": 2}
    assert "2 available" in excinfo.value.message()


def test_reserve_then_release_is_recorded_before_and_after(stocked):
    user = stocked.users["coordinator"]
    node, part = stocked.nodes["WH-EAST"], stocked.parts["F01"]
    stock_reserve(node=node, part=part, quantity=4, by=user, reason="case 17")
    stock_release(node=node, part=part, quantity=1, by=user, reason="case 17 reduced")
    stock = Stock.objects.get(node=node, part=part)
    assert (stock.on_hand, stock.reserved, stock.available) == (30, 3, 27)
    moves = list(StockMovement.objects.filter(stock=stock).order_by("id").values_list(
        "kind", "reserved_before", "reserved_after", "by_id", "reason"))
    assert moves == [("reserve", 0, 4, user.id, "case 17"), ("release", 4, 3, user.id, "case 17 reduced")]
    with pytest.raises(InvalidInput):
        stock_release(node=node, part=part, quantity=4, by=user, reason="too much")


def test_manual_count_only_for_managed_nodes_and_never_below_reserved(stocked):
    manager = stocked.users["manager"]
    with pytest.raises(NotPermitted):
        stock_count(user=manager, node=stocked.nodes["SC-SH01"], part=stocked.parts["F01"], on_hand=1,
                    reason="recount")
    with pytest.raises(InsufficientStock):
        stock_count(user=stocked.users["planner"], node=stocked.nodes["SC-SZ01"], part=stocked.parts["F01"],
                    on_hand=0, reason="recount")
    stock = stock_count(user=manager, node=stocked.nodes["SC-HZ01"], part=stocked.parts["WIP"], on_hand=6,
                        reason="recount")
    assert stock.on_hand == 6 and stock.confirmed_at is not None


def test_database_constraints_guard_stock(stocked):
    stock = Stock.objects.get(node=stocked.nodes["SC-SZ01"], part=stocked.parts["F01"])
    for change in ({"on_hand": -1}, {"reserved": 4}, {"in_transit": -2}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Stock.objects.filter(pk=stock.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(node=stocked.nodes["SC-SZ01"], part=stocked.parts["F01"], on_hand=1)


def test_movements_are_append_only(stocked):
    stock = stock_reserve(node=stocked.nodes["WH-EAST"], part=stocked.parts["F01"], quantity=1, by=None,
                          reason="x")
    move = StockMovement.objects.get(stock=stock)
    move.reason = "rewritten"
    with pytest.raises(ValueError):
        move.save()
    with pytest.raises(ValueError):
        move.delete()


def test_movements_are_visible_to_those_who_manage_the_node(stocked):
    from tests.conftest import login

    stock_count(user=stocked.users["manager"], node=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"],
                on_hand=3, reason="recount after audit")
    mine = login(stocked.users["manager"]).get("/api/nodes/SC-HZ01/movements").json()
    assert [(m["part"], m["kind"], m["on_hand_before"], m["on_hand_after"], m["by"], m["reason"])
            for m in mine] == [("BRK-PAD-F01", "adjust", 0, 3, "hz_manager", "recount after audit")]
    assert login(stocked.users["gz_manager"]).get("/api/nodes/SC-HZ01/movements").status_code == 403
    assert login(stocked.users["coordinator"]).get("/api/nodes/SC-HZ01/movements").status_code == 200
    page = login(stocked.users["manager"]).get("/nodes/SC-HZ01/").content.decode()
    assert "recount after audit" in page
    assert "recount after audit" not in login(stocked.users["gz_manager"]).get("/nodes/SC-HZ01/").content.decode()


def test_codes_are_stored_upper_case(net):
    from partspool.network.models import Node, Part

    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.filter(pk=net.nodes["SC-HZ01"].pk).update(code="sc-hz01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Part.objects.filter(pk=net.parts["F01"].pk).update(number="brk-pad-f01")
