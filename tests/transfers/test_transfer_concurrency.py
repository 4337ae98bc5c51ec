"""Many borrowers accepted against the same last units at once: exactly what is there is reserved."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from partspool.network.models import Stock
from partspool.transfers.models import TransferRequest
from partspool.transfers.services import Terms, transfer_accept

pytestmark = pytest.mark.postgres



def _requests(net, count):
    """`count` requests for 1 unit each of 宁波's wiper blades, from several borrowers (made directly)."""
    lender = net.nodes["SC-NB01"]
    borrowers = [net.nodes[c] for c in ("SC-HZ01", "SC-SH01", "SC-SZ01", "SC-GZ01", "SC-SZN1", "WH-EAST")]
    made = []
    for i in range(count):
        made.append(TransferRequest.objects.create(
            deal="compensation", part=net.parts["WIP"], quantity=1, lender=lender, borrower=borrowers[i % 6],
            requested_by=net.users["planner"]))
    return made


def test_many_acceptances_against_the_last_units_reserve_exactly_what_is_there(require_postgres, stocked):
    Stock.objects.create(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"], on_hand=4)
    requests = _requests(stocked, 16)
    lender_user = stocked.users["nb_manager"]
    start = threading.Barrier(16)

    def accept(t: TransferRequest) -> bool:
        try:
            start.wait()
            transfer_accept(transfer_id=t.pk, user=lender_user)
            return True
        except Exception:
            return False
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(accept, requests))
    assert results.count(True) == 4
    stock = Stock.objects.get(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"])
    assert (stock.on_hand, stock.reserved) == (4, 4)
    assert TransferRequest.objects.filter(status="accepted").count() == 4


def test_the_same_request_accepted_twice_at_once_reserves_once(require_postgres, stocked):
    Stock.objects.create(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"], on_hand=4)
    (request,) = _requests(stocked, 1)
    start = threading.Barrier(8)

    def accept(_i: int) -> bool:
        try:
            start.wait()
            transfer_accept(transfer_id=request.pk, user=stocked.users["nb_manager"])
            return True
        except Exception:
            return False
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(accept, range(8))).count(True) == 1
    assert Stock.objects.get(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"]).reserved == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_transfer(require_postgres, stocked):
    Stock.objects.create(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"], on_hand=9)
    body = {"part": "WIP-BLD-01", "quantity": 1, "lender": "SC-NB01", "deal": "borrow",
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat()}
    start = threading.Barrier(6)

    def post(_i: int) -> tuple[int, int]:
        client = Client()
        client.force_login(stocked.users["manager"])
        try:
            start.wait()
            response = client.post("/api/transfers", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY="retry-42")
            return response.status_code, response.json()["id"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(post, range(6)))
    assert {status for status, _id in answers} == {201}
    assert len({tid for _s, tid in answers}) == 1
    assert TransferRequest.objects.count() == 1


def test_terms_dataclass_is_importable():
    assert Terms(deal="borrow").deal == "borrow"
