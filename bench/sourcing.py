"""Candidate sourcing for one emergency case at national scale (SPEC C2 bench).

Builds the same scratch network as bench/lookup.py (300 nodes x 20,000 parts = 6 million stock
rows; PostgreSQL via COPY when reachable, else skipped), opens emergency cases for random parts at
random centers (levels 1 and 2: 500 and 200 km radius), then calls GET /api/cases/{id}/sources
through the whole Django stack (token auth, ninja, legs to every node, stock of the part, its
successors and alternatives, in-transit shipments, the exact split with scipy milp, JSON) and
prints p50 / p95 / p99 latency. Run on demand:

    .venv/bin/python bench/sourcing.py                        # PostgreSQL
    .venv/bin/python bench/sourcing.py --backend sqlite --requests 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lookup  # noqa: E402  (bench/lookup.py: the same scratch network)


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    origins, numbers, token = lookup.build_network(args.child, args.nodes, args.parts)
    print(f"{args.child}: loaded {args.nodes} nodes x {args.parts} parts = {args.nodes * args.parts:,} "
          f"stock rows in {time.perf_counter() - started:.0f} s")
    measure(args.child, origins, numbers, token, args.requests)


def measure(backend: str, origins: list[str], numbers: list[str], token: str, n: int) -> None:
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.test import Client
    from django.utils import timezone

    from partspool.accounts.models import User
    from partspool.emergencies.services import case_open
    from partspool.network.models import InTransitShipment, Node, Part

    rnd = random.Random(11)
    planner = User.objects.get(username="bench")
    centers = {n.code: n for n in Node.objects.filter(code__in=origins)}
    parts = {p.number: p for p in Part.objects.filter(number__in=rnd.sample(numbers, min(len(numbers), n + 20)))}
    now = timezone.now()
    cases = []
    for i, number in enumerate(parts):
        center = centers[rnd.choice(origins)]
        case = case_open(user=planner, center=center, customer_name=f"客户{i}", customer_type="regular",
                         ltv=Decimal(50_000), part=parts[number], quantity=rnd.choice([1, 2, 3, 5, 8]),
                         deadline=now + timedelta(hours=20 if i % 2 else 60), vehicle_usable=bool(i % 2),
                         opinion="medium", impact="medium")
        if i % 5 == 0:  # some cases also have a shipment on its way to the center
            InTransitShipment.objects.create(shipment_no=f"BENCH-{i}", part=parts[number], destination=center,
                                             quantity=2, eta=now + timedelta(hours=rnd.choice([6, 30, 90])))
        cases.append(case.pk)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for case_id in cases[:20]:  # warm-up
        client.get(f"/api/cases/{case_id}/sources", **headers)
    latencies, counts, covered, split = [], [], 0, 0
    started = time.perf_counter()
    for case_id in cases[20:20 + n]:
        t0 = time.perf_counter()
        response = client.get(f"/api/cases/{case_id}/sources", **headers)
        latencies.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        counts.append(len(body["candidates"]))
        covered += bool(body["plan"]["covers"])
        split += body["plan"]["sources"] > 1
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    print(f"{backend}: {len(latencies)} cases, {statistics.mean(counts):.0f} candidates per case on average, "
          f"{covered} covered, {split} needing a split; latency p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
          f"p99 {q[98]:.1f} ms; {len(latencies) / wall:.0f} cases/s (one client)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["both", "postgres", "sqlite"], default="postgres")
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    lookup.orchestrate(args, script=__file__)  # same scratch databases; this file runs as the child


if __name__ == "__main__":
    main()
