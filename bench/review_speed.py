"""How long the monthly forecast review takes (page, XLSX, PDF) as forecast runs pile up.

Builds a throwaway SQLite database with the demo network (``partspool demo``), then adds one forecast
run a month for ``--months`` months, each with a 3-month forecast for every node × part of the
network times ``--copies`` (copies of the parts, with demand), dated as made on the 2nd of the month
after its history. Then, signed in as the planner, it times the review of the last complete month
(its 12-month trend covers every run in force over those months) and prints the series, the
time to store the months as ``partspool review-store`` does from cron (``--no-store``: leave it to
the first visit), each page and download, and the peak memory of the process. Run on demand:

    .venv/bin/python bench/review_speed.py
    .venv/bin/python bench/review_speed.py --copies 4 --months 12
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12, help="monthly runs (default 12, the review's trend)")
    parser.add_argument("--copies", type=int, default=1, help="copies of the demo's parts (default 1)")
    parser.add_argument("--no-store", action="store_true",
                        help="do not store the months first (the first page visit stores them)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="partspool-review-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()
    import numpy as np
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from partspool.accounts.models import User
    from partspool.cli import main as partspool
    from partspool.network.models import DemandRecord, Node, Part
    from partspool.planning.demo import date_on_time
    from partspool.planning.models import ForecastRun, ForecastSeries, ReviewLine
    from partspool.planning.review_store import store_months
    from partspool.planning.selectors import TREND_MONTHS, last_complete_month, month_add

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        out, sys.stdout = sys.stdout, quiet
        try:
            partspool(["demo"])
        finally:
            sys.stdout = out
    rng = np.random.default_rng(3)
    end = last_complete_month()
    parts = list(Part.objects.all())
    for copy in range(1, args.copies):  # more parts, each with the demand of the one it copies
        for p in parts:
            twin = Part.objects.create(number=f"{p.number[:34]}-C{copy}", name_zh=p.name_zh, name_en=p.name_en,
                                       category=p.category, unit_cost=p.unit_cost or Decimal("1"))
            DemandRecord.objects.bulk_create(
                [DemandRecord(node_id=d.node_id, part=twin, month=d.month, quantity=d.quantity)
                 for d in DemandRecord.objects.filter(part=p)], batch_size=5000)
    nodes = list(Node.objects.filter(active=True))
    parts = list(Part.objects.all())
    planner = User.objects.get(username="planner")
    for k in range(args.months, 0, -1):
        run = ForecastRun.objects.create(created_by=planner, horizon=3, method="auto", engine="local",
                                         history_end=month_add(end, -k), series=len(nodes) * len(parts))
        run.nodes.set(nodes)
        date_on_time(run)
        first = month_add(end, 1 - k)
        values = np.round(rng.gamma(0.6, 2.0, (len(nodes) * len(parts), 3)), 3)
        ForecastSeries.objects.bulk_create(
            [ForecastSeries(run=run, node=n, part=p, method="TSB", first_month=first, forecast=list(v),
                            lo=[0.0] * 3, hi=list(v * 2 + 1), explanation={"winner": "TSB", "origins": 4})
             for (n, p), v in zip(((n, p) for n in nodes for p in parts), values, strict=True)], batch_size=5000)
    built = time.perf_counter() - started
    series = ForecastSeries.objects.count()
    print(f"{len(nodes)} nodes x {len(parts)} parts, {args.months} monthly runs: {series} series, "
          f"{DemandRecord.objects.count()} demand rows (built in {built:.0f} s)")
    if not args.no_store:
        started = time.perf_counter()
        stored = store_months(month_add(end, -(TREND_MONTHS - 1)), end)
        print(f"  partspool review-store (cron): {stored} node-months, {ReviewLine.objects.count()} lines, "
              f"{time.perf_counter() - started:6.1f} s")
    client = Client()
    client.force_login(planner)
    manager = Client()
    manager.force_login(User.objects.get(username="hz_manager"))
    month = f"{end:%Y-%m}"
    for label, who, url in (("page", client, f"/planning/review/?month={month}"),
                            ("page again", client, f"/planning/review/?month={month}"),
                            ("XLSX", client, f"/api/forecast-review.xlsx?month={month}"),
                            ("PDF", client, f"/api/forecast-review.pdf?month={month}"),
                            ("a manager's page", manager, f"/planning/review/?month={month}")):
        started = time.perf_counter()
        response = who.get(url)
        print(f"  review {label:<16} {response.status_code}  {time.perf_counter() - started:6.1f} s")
    print(f"  peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
