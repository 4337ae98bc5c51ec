"""Demo forecasts for 杭州: runs made six, four and two months ago (so the monthly review has actuals
to compare and a six-month accuracy trend) and one from the latest history (next month's forecast).
Each is dated as if made on the 2nd of the month after its history, as a planner would have run it:
the review counts only forecasts made before the month they forecast was over."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partspool.accounts.models import User
from partspool.planning.models import ForecastRun
from partspool.planning.review_store import forget_run
from partspool.planning.selectors import last_complete_month, month_add, month_start
from partspool.planning.services import forecast_run

DEMO_NODES = ["SC-HZ01"]


def load_demo_forecasts() -> list[ForecastRun]:
    planner = User.objects.get(username="planner")
    end = last_complete_month()
    return [date_on_time(forecast_run(user=planner, nodes=DEMO_NODES, horizon=3, history_end=month_add(end, -k)))
            for k in (6, 4, 2, 0)]


def date_on_time(run: ForecastRun) -> ForecastRun:
    """Date ``run`` 09:00 on the 2nd of the month after its history (or now, if that is later than now)."""
    made = min(timezone.now(), month_start(month_add(run.history_end, 1)) + timedelta(days=1, hours=9))
    ForecastRun.objects.filter(pk=run.pk).update(created_at=made)
    forget_run(run)  # the months it now was in time for are worked out again
    run.created_at = made
    return run
