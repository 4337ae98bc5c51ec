"""The stock policy's options over a whole database: per node kind and class, capital and expected fill
rate by service level (each part its class's target) and by class target pooled (each node's class
together), whether every pool reaches its target with no more capital, and how long a node's page takes
(a first view, with the demand models' cache warm and no lost-sales figures kept, then the same page
again).

Run on demand from the folder that holds the database (the demo's: `partspool demo` there first):

    cd demo && ../.venv/bin/python ../bench/class_pools.py --lead-times 1 2 3
    cd demo && ../.venv/bin/python ../bench/class_pools.py --weekly 3 5 7 --days-of-cover

``--weekly`` reviews weekly with those lead times in days instead of monthly (``core.policy.cadence``);
``--days-of-cover`` prints the 15 and 30 days' rule beside the two.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lead-times", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--weekly", type=int, nargs="+", default=None, metavar="LEAD_DAYS",
                        help="a weekly review with these lead times in days (instead of --lead-times)")
    parser.add_argument("--days-of-cover", action="store_true", help="the 15 / 30 days' rule too")
    parser.add_argument("--pages", nargs="*", default=["SC-HZ01", "WH-EAST", "WH-NATIONAL"],
                        help="nodes whose page time is measured (warm caches)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()
    from partspool.core.policy.cadence import Cadence
    from partspool.core.policy.memo import clear_all as clear_memo
    from partspool.network.models import Node
    from partspool.planning import policy

    runs = ([(f"weekly review, lead time {d} days", {"cadence": Cadence(7, d)}) for d in args.weekly]
            if args.weekly is not None else [(f"lead time {lead}", {"lead_time": lead}) for lead in args.lead_times])
    names = ("service_level", "class_pool", *(("days_15", "days_30") if args.days_of_cover else ()))

    nodes = list(Node.objects.order_by("code"))
    for title, how in runs:
        started = time.perf_counter()
        results = policy.node_policies(nodes, **how)
        seconds = time.perf_counter() - started
        totals: dict[tuple[str, str, str], list[float]] = {}
        short, dearer = [], []
        for r in results:
            for klass, options in r.totals.items():
                by = {o.name: o for o in options}
                for name in names:
                    row = totals.setdefault((r.node.kind, klass, name), [0.0, 0.0, 0.0])
                    row[0] += by[name].capital
                    row[1] += by[name].fill_rate * by[name].annual_demand_value
                    row[2] += by[name].annual_demand_value
                target = {"A": 0.95, "B": 0.85}.get(klass)
                if target is not None:
                    if by["class_pool"].fill_rate < target - 1e-6:
                        short.append(f"{r.node.code} {klass} {by['class_pool'].fill_rate:.1%}")
                    if by["class_pool"].capital > by["service_level"].capital + 1e-6:
                        dearer.append(f"{r.node.code} {klass}")
        print(f"\n{title}: {len(nodes)} nodes in {seconds:.1f} s; pools under target: "
              f"{len(short)} {short[:5]}; pools dearer than per part: {len(dearer)} {dearer[:5]}")
        for (kind, klass, name), (capital, weighted, weight) in sorted(totals.items()):
            if klass in ("A", "B"):
                print(f"  {kind:<12} {klass} {name:<14} capital {capital:>14,.0f}  fill "
                      f"{weighted / weight if weight else 1.0:6.1%}")
        for code in args.pages:
            node = Node.objects.filter(code=code).first()
            if node is None:
                continue
            policy.node_policies([node], pooled=False, **how)  # warm the demand models' cache
            clear_memo()  # a first view solves every lost-sales chain
            started = time.perf_counter()
            policy.node_policies([node], pooled=False, **how)
            plain = time.perf_counter() - started
            clear_memo()
            started = time.perf_counter()
            policy.node_policies([node], **how)
            first = time.perf_counter() - started
            started = time.perf_counter()
            policy.node_policies([node], **how)  # its XLSX, its orders, a reload: the chains' figures kept
            print(f"  page {code}: {first:.2f} s ({plain:.2f} s without the pools), "
                  f"{time.perf_counter() - started:.2f} s viewed again")


if __name__ == "__main__":
    main()
