"""Emergency writes at the same moment: a budget is never overdrawn without approval, and a plan
becomes requests once (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from partspool.emergencies import services
from partspool.emergencies.models import BudgetDraw, EmergencyBudget, EmergencyCase
from partspool.transfers.models import TransferRequest

pytestmark = pytest.mark.postgres


def _case(net, quantity=1):
    return services.case_open(user=net.users["manager"], center=net.nodes["SC-HZ01"], customer_name="客户",
                              customer_type="regular", ltv=Decimal(20000), part=net.parts["F01"],
                              quantity=quantity, deadline=timezone.now() + timedelta(hours=20),
                              vehicle_usable=False)


def _race(count, work):
    start = threading.Barrier(count)

    def run(arg):
        try:
            start.wait()
            work(arg)
            return True
        except Exception:
            return False
        finally:
            connections.close_all()

    return run


def test_simultaneous_closes_never_overdraw_the_quarter(require_postgres, stocked):
    EmergencyBudget.objects.create(center=stocked.nodes["SC-HZ01"], amount=1000, granted_by=stocked.users["planner"],
                                   quarter=services.quarter_label(timezone.localdate()))
    cases = [_case(stocked) for _ in range(6)]
    run = _race(6, lambda case: services.case_close(case_id=case.pk, user=stocked.users["manager"], satisfaction=8,
                                                    root_cause="logistics", extra_cost=Decimal(400)))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(run, cases))
    assert results.count(True) == 2
    assert sum(d.amount for d in BudgetDraw.objects.all()) == 800
    assert EmergencyCase.objects.filter(status="closed").count() == 2


def test_one_plan_committed_twice_at_once_makes_one_set_of_requests(require_postgres, stocked):
    EmergencyBudget.objects.create(center=stocked.nodes["SC-HZ01"], amount=50000,
                                   granted_by=stocked.users["planner"],
                                   quarter=services.quarter_label(timezone.localdate()))
    case = _case(stocked, quantity=3)
    run = _race(6, lambda _i: services.case_commit_plan(case_id=case.pk, user=stocked.users["manager"]))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(run, range(6)))
    assert results.count(True) == 1
    assert TransferRequest.objects.filter(case=case).count() == 1
    assert BudgetDraw.objects.count() == 1
