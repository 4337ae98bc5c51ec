"""Series per second of the policy comparison behind a node's policy page: one by one vs batch.

For each size, builds that many node x part series of monthly demand (36 months: intermittent slow
movers, a few fast ones, a third of them seasonal), classes them ABC by their last 12 months, then
times, end to end:

* one by one, as ``planning.policy.node_policy`` loops today: ``estimate_demand`` then
  ``compare_policies`` per series;
* batch: ``estimate_demand_many`` then ``compare_policies_many`` over all series;

and checks that both give the same comparisons. With ``--region-parts``, also times a region's
replenishment suggestions and rebalancing (``--region-nodes`` nodes x that many parts, levels and
stock drawn at random), the transport problems solved part by part (as before ``transport_many``)
and in chunks. Run on demand:

    .venv/bin/python bench/policy_speed.py
    .venv/bin/python bench/policy_speed.py --sizes 1000,5000,20000 --lead-times 0,1,2,3 --one-by-one-max 5000
    .venv/bin/python bench/policy_speed.py --sizes 0 --region-parts 20000 --region-nodes 30
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from partspool.core.policy import (
    AbcClass,
    AbcItem,
    Comparison,
    Frequency,
    RebalanceRules,
    StockPosition,
    classify_abc,
    compare_policies,
    compare_policies_many,
    estimate_demand,
    estimate_demand_many,
    rebalance,
    suggest_replenishment,
    transport,
    transport_many,
)
from partspool.core.policy.memo import clear_all as clear_memo
from partspool.core.policy.rebalance import _arcs


def node_series(n: int, months: int = 36, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` monthly series like a node's parts: (counts n x months, calendar months 1-12).

    Popularity is Pareto-distributed (most parts sell a unit every few months, a few sell dozens),
    demand is negative binomial (lumpy), 30% of the parts have a summer or winter season, and 8%
    were introduced part-way through the window (zeros before).
    """
    rng = np.random.default_rng(seed)
    calendar = (np.arange(months) + 1) % 12 + 1  # a window starting in February
    base = np.clip(0.3 * (rng.pareto(1.3, n) + 0.2) * np.clip(rng.lognormal(0.0, 0.8, n), 0.1, 4.0), 0.02, 60.0)
    phase = rng.integers(0, 12, n)
    seasonal = rng.random(n) < 0.3
    season = np.where(seasonal[:, None], 1 + 0.6 * np.sin(2 * np.pi * (calendar[None, :] - phase[:, None]) / 12), 1.0)
    mean = base[:, None] * season
    new = np.flatnonzero(rng.random(n) < 0.08)
    starts = rng.integers(6, months - 6, len(new))
    for i, start in zip(new, starts, strict=True):
        mean[i, :start] = 0.0
    shape = 1.5 + 2.0 * mean
    counts = rng.negative_binomial(shape, shape / (shape + np.maximum(mean, 1e-12))).astype(np.float64)
    counts[mean == 0] = 0.0
    return counts, calendar


def classes_of(counts: np.ndarray) -> list[AbcClass]:
    result = classify_abc(AbcItem(key=str(i), quantity=float(q)) for i, q in enumerate(counts[:, -12:].sum(axis=1)))
    by_key = {row.key: row.abc_class for row in result.rows}
    return [by_key[str(i)] for i in range(len(counts))]


def one_by_one(counts: np.ndarray, calendar: np.ndarray, classes: list[AbcClass], costs: np.ndarray,
               lead_time: int) -> list[Comparison]:
    months = [int(m) for m in calendar]
    out = []
    for i, history in enumerate(counts):
        model = estimate_demand(history, months)
        out.append(compare_policies(model, key=f"P{i:06d}", lead_time=lead_time, unit_cost=float(costs[i]),
                                    frequency=Frequency.MONTH, abc_class=classes[i], months=months))
    return out


def batch(counts: np.ndarray, calendar: np.ndarray, classes: list[AbcClass], costs: np.ndarray,
          lead_time: int) -> list[Comparison]:
    models = estimate_demand_many(counts, calendar)
    return compare_policies_many(models, keys=[f"P{i:06d}" for i in range(len(counts))], lead_time=lead_time,
                                 unit_costs=costs, frequency=Frequency.MONTH, abc_classes=classes, months=calendar)


def region(nodes: int, parts: int, seed: int, per_part: bool) -> None:
    """Suggestions and rebalancing at ``nodes`` nodes within ~1,000 km x ``parts`` parts."""
    rng = np.random.default_rng(seed)
    coords = {f"N{i:02d}": (rng.uniform(22.0, 32.0), rng.uniform(105.0, 122.0)) for i in range(nodes)}
    positions = []
    for p in range(parts):
        level = rng.poisson(rng.pareto(1.3) + 0.2, nodes)
        on_hand = rng.poisson(level * rng.uniform(0.3, 1.8))
        for n, node in enumerate(coords):
            if level[n] or on_hand[n]:
                positions.append(StockPosition(node, f"P{p:06d}", int(on_hand[n]), int(level[n]), unit_cost=10.0))

    def km(a: str, b: str) -> float | None:
        if a == b:
            return None
        (x1, y1), (x2, y2) = coords[a], coords[b]
        return round(111.0 * ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5, 1)

    rules = RebalanceRules(max_km=600)
    start = time.perf_counter()
    suggestions = suggest_replenishment(positions)
    suggest_s = time.perf_counter() - start
    start = time.perf_counter()
    plan = rebalance(positions, km, rules)
    rebalance_s = time.perf_counter() - start
    print(f"region {nodes} nodes x {parts} parts: {len(positions)} positions; suggest_replenishment "
          f"{suggest_s:.2f} s; rebalance {rebalance_s:.2f} s ({len(plan.moves)} moves)")
    by_part: dict[str, list] = {}
    for s in suggestions:
        by_part.setdefault(s.part, []).append(s)
    problems = []
    for rows in by_part.values():
        sources = [s for s in rows if s.surplus > 0]
        sinks = [s for s in rows if s.shortfall > 0]
        arcs = _arcs(sources, sinks, km, rules)
        if arcs:
            problems.append((np.array([s.surplus for s in sources], dtype=float),
                             np.array([s.shortfall for s in sinks], dtype=float), arcs))
    start = time.perf_counter()
    transport_many(problems)
    print(f"  {len(problems)} transport problems in chunks: {time.perf_counter() - start:.2f} s")
    if per_part:
        start = time.perf_counter()
        for supply, demand, arcs in problems:
            transport(supply, demand, arcs)
        print(f"  the same part by part (before): {time.perf_counter() - start:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated numbers of series")
    parser.add_argument("--lead-times", default="1", help="comma-separated lead times in months")
    parser.add_argument("--one-by-one-max", type=int, default=20000,
                        help="skip the one-by-one timing above this many series (it takes ~5 ms each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--region-parts", type=int, default=0, help="also time a region's rebalancing")
    parser.add_argument("--region-nodes", type=int, default=30)
    parser.add_argument("--region-per-part", action="store_true", help="and the part-by-part solves (slow)")
    args = parser.parse_args(argv)
    print(f"pid {os.getpid()}, 36 monthly periods per series, one process, one thread")
    print(f"{'series':>7} {'lead':>4} {'one-by-one s':>12} {'series/s':>9} {'batch s':>8} {'series/s':>9} "
          f"{'speed-up':>8}  same")
    for lead_time in (int(v) for v in args.lead_times.split(",")):
        for n in (int(v) for v in args.sizes.split(",") if int(v) > 0):
            counts, calendar = node_series(n, seed=args.seed)
            classes = classes_of(counts)
            costs = np.round(np.random.default_rng(args.seed + 1).lognormal(4.0, 1.2, n), 2)
            clear_memo()  # every run solves its chains (the same seed repeats series across sizes)
            start = time.perf_counter()
            fast = batch(counts, calendar, classes, costs, lead_time)
            batch_s = time.perf_counter() - start
            if n <= args.one_by_one_max:
                clear_memo()
                start = time.perf_counter()
                slow = one_by_one(counts, calendar, classes, costs, lead_time)
                slow_s = time.perf_counter() - start
                same = "yes" if slow == fast else f"NO ({sum(a != b for a, b in zip(slow, fast, strict=True))} differ)"
                print(f"{n:>7} {lead_time:>4} {slow_s:>12.2f} {n / slow_s:>9.0f} {batch_s:>8.2f} {n / batch_s:>9.0f} "
                      f"{slow_s / batch_s:>7.1f}x  {same}")
            else:
                print(f"{n:>7} {lead_time:>4} {'-':>12} {'-':>9} {batch_s:>8.2f} {n / batch_s:>9.0f} {'-':>8}  -")
    if args.region_parts:
        region(args.region_nodes, args.region_parts, args.seed, args.region_per_part)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
