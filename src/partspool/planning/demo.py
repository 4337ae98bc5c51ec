"""Demo forecasts for 杭州: runs made six, four and two months ago (so the monthly review has actuals
to compare and a six-month accuracy trend) and one from the latest history (next month's forecast)."""

from __future__ import annotations

from partspool.accounts.models import User
from partspool.planning.models import ForecastRun
from partspool.planning.selectors import last_complete_month, month_add
from partspool.planning.services import forecast_run

DEMO_NODES = ["SC-HZ01"]


def load_demo_forecasts() -> list[ForecastRun]:
    planner = User.objects.get(username="planner")
    end = last_complete_month()
    return [forecast_run(user=planner, nodes=DEMO_NODES, horizon=3, history_end=month_add(end, -k))
            for k in (6, 4, 2, 0)]
