"""The stock policy's options over a whole database: per node kind and class, capital and expected fill
rate by service level (each part its class's target) and by class target pooled (each node's class
together), whether every pool reaches its target with no more capital, and how long a node's page takes.

Run on demand from the folder that holds the database (the demo's: `partspool demo` there first):

    cd demo && ../.venv/bin/python ../bench/class_pools.py --lead-times 1 2 3
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lead-times", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pages", nargs="*", default=["SC-HZ01", "WH-EAST", "WH-NATIONAL"],
                        help="nodes whose page time is measured (warm caches)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()
    from partspool.network.models import Node
    from partspool.planning import policy

    nodes = list(Node.objects.order_by("code"))
    for lead in args.lead_times:
        started = time.perf_counter()
        results = policy.node_policies(nodes, lead_time=lead)
        seconds = time.perf_counter() - started
        totals: dict[tuple[str, str, str], list[float]] = {}
        short, dearer = [], []
        for r in results:
            for klass, options in r.totals.items():
                by = {o.name: o for o in options}
                for name in ("service_level", "class_pool"):
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
        print(f"\nlead time {lead}: {len(nodes)} nodes in {seconds:.1f} s; pools under target: "
              f"{len(short)} {short[:5]}; pools dearer than per part: {len(dearer)} {dearer[:5]}")
        for (kind, klass, name), (capital, weighted, weight) in sorted(totals.items()):
            if klass in ("A", "B"):
                print(f"  {kind:<12} {klass} {name:<14} capital {capital:>14,.0f}  fill "
                      f"{weighted / weight if weight else 1.0:6.1%}")
        for code in args.pages:
            node = Node.objects.filter(code=code).first()
            if node is None:
                continue
            policy.node_policies([node], lead_time=lead, pooled=False)  # warm the demand models' cache
            started = time.perf_counter()
            policy.node_policies([node], lead_time=lead, pooled=False)
            plain = time.perf_counter() - started
            started = time.perf_counter()
            policy.node_policies([node], lead_time=lead)
            print(f"  page {code}: {time.perf_counter() - started:.2f} s ({plain:.2f} s without the pools)")


if __name__ == "__main__":
    main()
