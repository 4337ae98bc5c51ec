"""Lookup latency at national scale: 300 nodes x 20,000 parts = 6 million stock rows.

Builds the network in a scratch database (PostgreSQL via COPY when reachable, and SQLite),
then calls GET /api/lookup through the whole Django stack (URL routing, token auth, ninja,
selectors, JSON) for random parts from random centers, and prints p50 / p95 / p99 latency and
throughput. Run on demand:

    .venv/bin/python bench/lookup.py                 # both databases
    .venv/bin/python bench/lookup.py --backend sqlite --nodes 300 --parts 20000 --requests 500
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "partspool_bench"


def pg_url() -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB


def orchestrate(args: argparse.Namespace, script: str = __file__) -> None:
    """Run ``script --child BACKEND`` against fresh scratch databases (this file by default)."""
    backends = [args.backend] if args.backend != "both" else ["postgres", "sqlite"]
    for backend in backends:
        env = dict(os.environ)
        if backend == "postgres":
            import psycopg

            try:
                with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"),
                                     autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
                    conn.execute(f"CREATE DATABASE {PG_DB}")
            except psycopg.Error as error:
                print(f"postgres: not reachable ({error}); skipped")
                continue
            env["DATABASE_URL"] = pg_url()
        else:
            OUT.mkdir(exist_ok=True)
            path = OUT / "bench.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            env["DATABASE_URL"] = f"sqlite:///{path}"
        env["PARTSPOOL_CONN_MAX_AGE"] = "600"
        subprocess.run(
            [sys.executable, script, "--child", backend, "--nodes", str(args.nodes), "--parts",
             str(args.parts), "--requests", str(args.requests)],
            env=env, check=True,
        )


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    origins, numbers, token = build_network(args.child, args.nodes, args.parts)
    print(f"{args.child}: loaded {args.nodes} nodes x {args.parts} parts = {args.nodes * args.parts:,} "
          f"stock rows in {time.perf_counter() - started:.0f} s")
    measure(args.child, origins, numbers, token, args.requests)


def build_network(backend: str, n_nodes: int, n_parts: int) -> tuple[list[str], list[str], str]:
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from partspool.accounts.models import Role, User
    from partspool.accounts.services import token_create
    from partspool.network.models import Compatibility, Contact, Node, Part, Region, Supersession

    rng = np.random.default_rng(2026)
    with transaction.atomic():
        regions = [Region.objects.create(code=f"R{i}", name_zh=f"大区{i}", name_en=f"Region {i}")
                   for i in range(8)]
        lat = rng.uniform(21.0, 45.0, n_nodes)
        lon = rng.uniform(100.0, 125.0, n_nodes)
        Node.objects.bulk_create([
            Node(code=f"N{i:04d}", name_zh=f"服务中心{i}", name_en=f"Center {i}",
                 kind="center" if i % 40 else "regional_wh", region=regions[i % 8], city_zh="城市",
                 city_en="City", latitude=float(lat[i]), longitude=float(lon[i]))
            for i in range(n_nodes)
        ])
        Part.objects.bulk_create([
            Part(number=f"P{i:06d}", name_zh=f"配件{i}", name_en=f"Part {i}", category="brakes",
                 unit_cost=100)
            for i in range(n_parts)
        ], batch_size=5000)
        node_ids = list(Node.objects.order_by("id").values_list("id", flat=True))
        part_ids = list(Part.objects.order_by("id").values_list("id", flat=True))
        Contact.objects.bulk_create([
            Contact(node_id=nid, name=f"联系人{k}", role="服务经理", phone="13800000000")
            for nid in node_ids for k in range(2)
        ])
        Supersession.objects.bulk_create([
            Supersession(old_id=part_ids[i], new_id=part_ids[i + 1]) for i in range(0, n_parts - 1, 50)
        ])
        Compatibility.objects.bulk_create([
            Compatibility(part_id=part_ids[i], alternative_id=part_ids[i + 2], level="full")
            for i in range(0, n_parts - 2, 40)
        ])
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        if backend == "postgres":
            copy_stock_postgres(cursor, node_ids, part_ids, rng, now)
            cursor.execute("ANALYZE")
        else:
            insert_stock_sqlite(cursor, node_ids, part_ids, rng, now)
            cursor.execute("ANALYZE")
    user = User.objects.create_user("bench", password="bench-only", role=Role.PLANNER)
    _token, raw = token_create(user=user, name="bench")
    codes = list(Node.objects.filter(kind="center").values_list("code", flat=True))
    numbers = list(Part.objects.values_list("number", flat=True))
    return codes, numbers, raw


def _stock_chunks(node_ids, part_ids, rng):  # type: ignore[no-untyped-def]
    import numpy as np

    parts = np.asarray(part_ids)
    for node_id in node_ids:
        held = rng.random(len(parts)) < 0.4
        on_hand = np.where(held, rng.integers(1, 20, len(parts)), 0)
        reserved = np.where(held & (rng.random(len(parts)) < 0.1), 1, 0)
        yield node_id, parts, on_hand, reserved


def copy_stock_postgres(cursor, node_ids, part_ids, rng, now) -> None:  # type: ignore[no-untyped-def]
    raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
    with raw.copy("COPY network_stock (node_id, part_id, on_hand, reserved, in_transit, confirmed_at) "
                  "FROM STDIN") as copy:
        for node_id, parts, on_hand, reserved in _stock_chunks(node_ids, part_ids, rng):
            lines = "".join(f"{node_id}\t{p}\t{o}\t{r}\t0\t{now}\n"
                            for p, o, r in zip(parts.tolist(), on_hand.tolist(), reserved.tolist(), strict=True))
            copy.write(lines)


def insert_stock_sqlite(cursor, node_ids, part_ids, rng, now) -> None:  # type: ignore[no-untyped-def]
    cursor.execute("PRAGMA synchronous=OFF")
    for node_id, parts, on_hand, reserved in _stock_chunks(node_ids, part_ids, rng):
        cursor.executemany(
            "INSERT INTO network_stock (node_id, part_id, on_hand, reserved, in_transit, confirmed_at) "
            "VALUES (%s, %s, %s, %s, 0, %s)",
            [(node_id, p, o, r, now) for p, o, r in zip(parts.tolist(), on_hand.tolist(), reserved.tolist(),
                                                         strict=True)],
        )


def measure(backend: str, origins: list[str], numbers: list[str], token: str, n: int) -> None:
    import random

    from django.test import Client

    client = Client()
    rnd = random.Random(7)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for _ in range(20):  # warm-up: connections, caches, code paths
        client.get("/api/lookup", {"part": rnd.choice(numbers), "from_node": rnd.choice(origins)}, **headers)
    latencies, sources = [], []
    started = time.perf_counter()
    for _ in range(n):
        params = {"part": rnd.choice(numbers), "from_node": rnd.choice(origins), "limit": 50}
        t0 = time.perf_counter()
        response = client.get("/api/lookup", params, **headers)
        latencies.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:300]
        sources.append(response.json()["groups"][0]["total_sources"])
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    print(f"{backend}: {n} lookups, {statistics.mean(sources):.0f} sources per part on average; "
          f"latency p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms; "
          f"throughput {n / wall:.0f} lookups/s (one client)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["both", "postgres", "sqlite"], default="both")
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
