"""Two planners turning rebalancing moves into requests at the same moment: the one spare unit is asked for once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client

from partspool.transfers.models import TransferRequest

pytestmark = pytest.mark.postgres


def test_moves_pressed_at_once_never_ask_a_lender_for_more_than_its_surplus(require_postgres, history):
    # 苏州 has one brake pad above its level; 上海 and 杭州 are both short of it
    routes = [("SC-SZ01", "SC-SH01"), ("SC-SZ01", "SC-HZ01")] * 3
    users = [history.users["planner"], history.users["coordinator"]] * 3
    start = threading.Barrier(len(routes))

    def press(k: int) -> int:
        client = Client()
        client.force_login(users[k])
        source, destination = routes[k]
        try:
            start.wait()
            response = client.post("/planning/rebalance/request/", {
                "from": source, "to": destination, "part": "BRK-PAD-F01", "units": "1"})
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(routes)) as pool:
        answers = list(pool.map(press, range(len(routes))))
    made = TransferRequest.objects.filter(lender__code="SC-SZ01", part__number="BRK-PAD-F01")
    assert sum(t.quantity for t in made) == 1
    # whoever pressed the winning move (three presses of it) sees the request made; the others are told why not
    assert set(answers) == {302, 400}
    assert len({routes[k] for k, status in enumerate(answers) if status == 302}) == 1
