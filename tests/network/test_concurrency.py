"""Concurrent reservations never hand out the same unit twice (real connections, PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from partspool.errors import InsufficientStock
from partspool.network.models import Stock, StockMovement
from partspool.network.services import stock_reserve

pytestmark = pytest.mark.postgres



def test_twenty_concurrent_reservations_of_the_last_five_units(require_postgres, stocked):
    node, part = stocked.nodes["SC-SH01"], stocked.parts["WIP"]
    Stock.objects.create(node=node, part=part, on_hand=5)
    users = list(stocked.users.values())[:5]
    start = threading.Barrier(20)

    def attempt(i: int) -> bool:
        try:
            start.wait()
            stock_reserve(node=node, part=part, quantity=1, by=users[i % 5], reason=f"request {i}")
            return True
        except InsufficientStock:
            return False
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))

    assert results.count(True) == 5
    stock = Stock.objects.get(node=node, part=part)
    assert (stock.on_hand, stock.reserved) == (5, 5)
    moves = StockMovement.objects.filter(stock=stock, kind="reserve").order_by("id")
    assert [m.reserved_after for m in moves] == [1, 2, 3, 4, 5]


def test_concurrent_multi_unit_reservations_never_exceed_stock(require_postgres, stocked):
    node, part = stocked.nodes["SC-NB01"], stocked.parts["WIP"]
    Stock.objects.create(node=node, part=part, on_hand=7)
    start = threading.Barrier(12)

    def attempt(i: int) -> int:
        quantity = 1 + i % 3
        try:
            start.wait()
            stock_reserve(node=node, part=part, quantity=quantity, by=None, reason="load")
            return quantity
        except InsufficientStock:
            return 0
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        granted = sum(pool.map(attempt, range(12)))

    stock = Stock.objects.get(node=node, part=part)
    assert stock.reserved == granted <= 7
    assert granted >= 5  # the last units still go out: nobody is refused while 3+ remain


def test_database_refuses_negative_or_over_reserved_stock(require_postgres, stocked):
    from django.db import IntegrityError, transaction

    stock = Stock.objects.create(node=stocked.nodes["SC-SZN1"], part=stocked.parts["WIP"], on_hand=2)
    for change in ({"on_hand": -1}, {"reserved": 3}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Stock.objects.filter(pk=stock.pk).update(**change)
