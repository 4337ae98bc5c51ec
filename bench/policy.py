"""Service-level stock against the days-of-cover rule, on synthetic intermittent demand.

Builds series of monthly demand (Poisson, negative binomial and zero-inflated, a share of them
seasonal), sets each policy from the history before the last ``--holdout`` months and replays
those months (``partspool.core.policy.simulate``). For each lead time it prints:

* the service-level policy at the target fill rate: realised fill rate and average inventory,
  per series (each series aims at the target) and pooled (all series together aim at it);
* the source's rule at 15 and 30 days of cover;
* the smallest D (scanned day by day) at which days of cover reaches the target, its inventory,
  and the inventory it needs to match the service-level policy's realised fill rate.

Run on demand:

    .venv/bin/python bench/policy.py
    .venv/bin/python bench/policy.py --series 1000 --months 48 --holdout 12 --lead-times 1 2 --seed 7
    .venv/bin/python bench/policy.py --series 600 --one-shape 2 --seed 1   # fast movers of one shape
    .venv/bin/python bench/policy.py --no-moderation   # each dispersion from its own history alone
    .venv/bin/python bench/policy.py --demo-like --no-shape   # one like-for-like growth, own seasons only
    .venv/bin/python bench/policy.py --demo-like --series 3000   # drawn like the demo: growth, seasons, new parts
    .venv/bin/python bench/policy.py --demo-like --linked        # ... each successor linked to the part it replaces
    .venv/bin/python bench/policy.py --input demo.csv --supersessions links.csv   # partspool export demand --series
    .venv/bin/python bench/policy.py --input demand.csv          # any unique_id,ds,y file
    .venv/bin/python bench/policy.py --classes                   # + the ABC class policy, per series and pooled
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from partspool.core.policy import (
    ClassPolicy,
    DaysOfCoverPolicy,
    ServiceLevelPolicy,
    StockRules,
    estimate_demand,
    read_demand_frame,
    replay,
    simulate,
)
from partspool.core.policy.frames import DemandPanel
from partspool.core.policy.simulation import _supersessions, complete_pairs, shared_credit, warmup_demand
from partspool.core.policy.supersession import Link


def synthetic(series: int, months: int, seed: int, seasonal_share: float, weekly: bool = False,
              one_shape: float | None = None) -> pd.DataFrame:
    """A long frame of monthly (or weekly) demand: a third each Poisson, negative binomial, zero-inflated.

    ``months`` counts periods; weekly series get a twelfth of the monthly rate x 12 / 52.18. With
    ``one_shape``, every series is instead negative binomial of that shape with a mean drawn from
    0.5-20 a period: one coefficient of variation for all, the days-of-cover rule's best case, and
    fast movers whose lumpy histories make each one's own variance a poor guide.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-03" if weekly else "2022-01-01")
    stamps = pd.date_range(start, periods=months, freq="W-MON" if weekly else "MS")
    frames = []
    if one_shape is not None:
        for i in range(series):
            mean = rng.uniform(0.5, 20.0)
            y = rng.negative_binomial(one_shape, one_shape / (one_shape + mean), size=months)
            frames.append(pd.DataFrame({"unique_id": f"nb-{i:04d}", "ds": stamps, "y": y}))
        return pd.concat(frames, ignore_index=True)
    for i in range(series):
        kind = ("poisson", "negbin", "zero_inflated")[i % 3]
        mean = float(rng.lognormal(mean=0.0, sigma=1.1))  # median 1 unit a month, a long right tail
        if weekly:
            mean *= 12 / 52.18
        season = np.ones(months)
        if rng.random() < seasonal_share:
            phase = rng.integers(0, 12)
            season = 1 + 0.6 * np.sin(2 * np.pi * (stamps.month.to_numpy() - phase) / 12)
        rate = mean * season
        if kind == "poisson":
            y = rng.poisson(rate)
        elif kind == "negbin":
            dispersion = rng.uniform(1.5, 4.0)  # variance / mean
            r = rate / (dispersion - 1)
            y = rng.negative_binomial(r, 1 / dispersion)
        else:
            occurs = rng.uniform(0.1, 0.5)
            size = rate / occurs  # mean size when demand occurs
            y = (rng.random(months) < occurs) * (1 + rng.poisson(np.maximum(size - 1, 0)))
        frames.append(pd.DataFrame({"unique_id": f"{kind}-{i:04d}", "ds": stamps, "y": y}))
    return pd.concat(frames, ignore_index=True)


def cover_scan(frame: pd.DataFrame | DemandPanel, holdout: int, lead_time: int, rules: StockRules, max_days: int,
               links: list[Link] | None = None) -> list[tuple[int, float, float]]:
    """(D, fill rate, average inventory) for D = 0..max_days, replaying with the rule's levels (with
    ``links``, supersessions as ``simulate`` handles them: from a lead time before a link holds the
    successor's mean is the family's, the replaced series' level 0, and each shelf serves the other's shortfall)."""
    panel, family = _supersessions(frame if isinstance(frame, DemandPanel) else read_demand_frame(frame),
                                   links or [], holdout, lead_time)
    period_days = rules.period_days(panel.frequency)
    means = np.array([estimate_demand(s.y[:-holdout], None, rules).mean for s in panel.series])
    # per review: each series' mean, a successor's its family's from each switch on (as ``simulate``)
    per_review = np.repeat(means[:, None], holdout + 1, axis=1)
    for head, switch, olds in family.groups:
        history = panel.series[head].y[:-holdout] + sum(panel.series[o].y[:-holdout] for o in olds)
        per_review[head, switch:] = estimate_demand(history, None, rules).mean
    for old in np.flatnonzero(family.successor >= 0):
        per_review[old, int(family.switch[old]):] = 0.0
    demand = np.stack([s.y[-holdout:] for s in panel.series])
    warmup = warmup_demand(panel, holdout, lead_time)  # the same start as ``simulate``: orders on the way
    out = []
    for days in range(max_days + 1):
        levels = np.ceil(per_review / period_days * days - 1e-9).astype(np.int64)
        arrays = replay(demand, levels, lead_time, warmup=warmup, successors=family.successor,
                        linked_from=family.switch, credit_cap=shared_credit(family, levels))
        out.append((days, float(arrays.served.sum() / arrays.demand.sum()), float(arrays.on_hand.mean())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=900)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--holdout", type=int, default=12)
    parser.add_argument("--lead-times", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--seasonal-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--max-days", type=int, default=400)
    parser.add_argument("--family", default="auto", choices=("auto", "poisson", "negative_binomial", "empirical"),
                        help="demand distribution of the service-level policy")
    parser.add_argument("--weekly", action="store_true", help="weekly periods (--months then counts weeks)")
    parser.add_argument("--one-shape", type=float, default=None, metavar="K",
                        help="every series negative binomial of shape K, means 0.5-20 (e.g. 2)")
    parser.add_argument("--demo-like", action="store_true",
                        help="series drawn with the demo's rules (growth, seasons, new parts; "
                             "bench/forecast_accuracy.demo_like) instead of the stationary mix")
    parser.add_argument("--linked", action="store_true",
                        help="with --demo-like: each successor paired with a part it supersedes, the links given "
                             "to the policies (bench/forecast_accuracy.demo_like_linked)")
    parser.add_argument("--input", help="a unique_id,ds,y CSV to replay instead of drawn series")
    parser.add_argument("--supersessions", help="with --input: an old,new[,effective] CSV of series replaced by "
                        "others (as partspool simulate --supersessions; partspool export demand --series writes one)")
    parser.add_argument("--no-growth", action="store_true",
                        help="a flat mean of each history (StockRules.project_growth off)")
    parser.add_argument("--no-shape", action="store_true",
                        help="no growth and season read against the set's, no start at the first demand "
                             "(StockRules.pool_shape off, start_p_value 0): one like-for-like growth for all")
    parser.add_argument("--no-moderation", action="store_true",
                        help="each series' dispersion from its own history alone (StockRules.moderate_dispersion off)")
    parser.add_argument("--first-demand", action="store_true",
                        help="with --input of NODE|PART ids: every node x part pair replayed (missing ones with "
                             "zeros, for every policy) and the service-level policies given the network's "
                             "estimate for the pairs that never sold (simulate's first_demand)")
    parser.add_argument("--classes", action="store_true",
                        help="also the ABC class policy (A 95%%, B 85%%, C not stocked), each series its class's "
                             "target against each class's series together (pooled), per class")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if args.demo_like and args.weekly:
        parser.error("--demo-like draws monthly series; leave out --weekly")
    if args.linked and not args.demo_like:
        parser.error("--linked pairs the --demo-like series; give --demo-like too")
    if args.first_demand and not args.input:
        parser.error("--first-demand reads NODE|PART ids: give --input (partspool export demand --series)")
    links = None
    if args.supersessions:
        from partspool.cli_policy import read_links

        links = read_links(Path(args.supersessions))
    if args.input:
        frame = pd.read_csv(args.input)
    elif args.demo_like:
        from forecast_accuracy import demo_like_linked, wide_to_long

        counts, _mean, _kind, pairs = demo_like_linked(args.series, months=args.months, seed=args.seed,
                                                       linked=args.linked)
        stamps = pd.date_range("2022-01-01", periods=args.months, freq="MS")
        frame = wide_to_long(counts, stamps, "demo")
        if args.linked:
            links = [Link(f"demo{old:05d}", f"demo{new:05d}", stamps[start]) for old, new, start in pairs]
            print(f"{len(links)} supersessions between the series (--linked)")
    else:
        frame = synthetic(args.series, args.months, args.seed, args.seasonal_share, args.weekly, args.one_shape)
    unit = "week" if args.weekly else "month"
    rules = StockRules(family=args.family, moderate_dispersion=not args.no_moderation,
                       project_growth=not args.no_growth, pool_shape=not args.no_shape,
                       start_p_value=0.0 if args.no_shape else StockRules().start_p_value)
    zero_share = float((frame["y"] == 0).mean())
    counted = frame.groupby("unique_id", observed=True).size()
    print(f"{len(counted)} series x {int(counted.max())} {unit}s (holdout {args.holdout}), "
          f"{zero_share:.0%} zero {unit}s, mean {frame['y'].mean():.2f} units/{unit}; target {args.target:.0%}")
    first = {"first_demand": True} if args.first_demand else {}
    if args.first_demand:  # every policy replays the same pairs, those that never sold included
        frame = complete_pairs(read_demand_frame(frame))
        print(f"{len(frame.series) - len(counted)} node x part pairs that never sold added with zeros "
              "(--first-demand; average inventory is per pair, over all of them)")
    report = []
    for lead_time in args.lead_times:
        started = time.perf_counter()
        service = simulate(frame, holdout=args.holdout, policy=ServiceLevelPolicy(args.target),
                           lead_time=lead_time, rules=rules, supersessions=links, **first)
        seconds = time.perf_counter() - started
        pooled = simulate(frame, holdout=args.holdout, policy=ServiceLevelPolicy(args.target, scope="pooled"),
                          lead_time=lead_time, rules=rules, supersessions=links, **first)
        fixed = {d: simulate(frame, holdout=args.holdout, policy=DaysOfCoverPolicy(d), lead_time=lead_time,
                             rules=rules, supersessions=links) for d in (rules.cover_days, rules.raised_cover_days)}
        scan = cover_scan(frame, args.holdout, lead_time, rules, args.max_days, links)
        at_target = next((row for row in scan if row[1] >= args.target), None)
        at_match = next((row for row in scan if row[1] >= service.fill_rate), None)
        row = {
            "lead_time": lead_time,
            "service_level": {"fill_rate": service.fill_rate, "average_inventory": service.average_inventory,
                              "fill_rate_with_history": service.fill_rate_with_history,
                              "demanded_without_history": service.demanded_without_history,
                              "stockout_rate": service.stockout_rate, "seconds": round(seconds, 2)},
            "service_level_pooled": {"fill_rate": pooled.fill_rate, "average_inventory": pooled.average_inventory,
                                     "stockout_rate": pooled.stockout_rate},
            **{f"days_{d:g}": {"fill_rate": r.fill_rate, "average_inventory": r.average_inventory}
               for d, r in fixed.items()},
            "days_for_target": None if at_target is None else
            {"days": at_target[0], "fill_rate": at_target[1], "average_inventory": at_target[2]},
            "days_for_same_fill": None if at_match is None else
            {"days": at_match[0], "fill_rate": at_match[1], "average_inventory": at_match[2]},
        }
        if args.classes:
            row["classes"] = {scope: class_figures(simulate(
                frame, holdout=args.holdout, policy=ClassPolicy(scope=scope), lead_time=lead_time, rules=rules,
                supersessions=links)) for scope in ("series", "pooled")}
        report.append(row)
        print(f"\nlead time {lead_time} {unit}(s)")
        print(f"  service level {args.target:.0%}:   fill {service.fill_rate:6.1%}  "
              f"avg inventory {service.average_inventory:6.2f}  ({seconds:.1f} s)")
        if service.demanded_without_history and service.fill_rate_with_history is not None:
            print(f"    on the series with any demand before the holdout: fill {service.fill_rate_with_history:6.1%}; "
                  f"{service.demanded_without_history / service.demanded:.1%} of the demand fell on series with none")
        if args.first_demand:
            print(f"    {service.first_demand_pairs} pairs that never sold given the network's estimate")
        print(f"  pooled {args.target:.0%}:          fill {pooled.fill_rate:6.1%}  "
              f"avg inventory {pooled.average_inventory:6.2f}  (one target for all series together)")
        for d, r in fixed.items():
            print(f"  {d:g} days of cover:    fill {r.fill_rate:6.1%}  avg inventory {r.average_inventory:6.2f}")
        for label, hit in (("target", at_target), ("same fill", at_match)):
            if hit is None:
                print(f"  days of cover for {label}: not reached within {args.max_days} days")
                continue
            saving = 1 - service.average_inventory / hit[2] if hit[2] > 0 else math.nan
            print(f"  days of cover for {label:<9}: D={hit[0]:>3}  fill {hit[1]:6.1%}  "
                  f"avg inventory {hit[2]:6.2f}  (service level per series holds {saving:.1%} less)")
        for scope, figures in row.get("classes", {}).items():
            print(f"  ABC classes, {scope:<6}:  " + "  ".join(
                f"{k} fill {v['fill_rate']:6.1%} inv {v['inventory']:8.1f}" for k, v in figures.items()))
    if args.json:
        print(json.dumps(report, indent=2))


def class_figures(result) -> dict[str, dict[str, float]]:
    """Held-out fill rate and total average units on hand per ABC class (and all) of a class-policy replay."""
    out: dict[str, dict[str, float]] = {}
    for key in ("A", "B", "C", "all"):
        rows = [d for d in result.details if key == "all" or (d.abc_class is not None and d.abc_class.value == key)]
        demanded = sum(d.demanded for d in rows)
        out[key] = {"fill_rate": sum(d.served for d in rows) / demanded if demanded else 1.0,
                    "inventory": float(sum(d.average_inventory for d in rows)), "series": len(rows)}
    return out


if __name__ == "__main__":
    main()
