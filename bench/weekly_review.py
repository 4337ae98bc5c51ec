"""A weekly review set from monthly demand, replayed day by day on held-out demand.

The policy reads only monthly totals; the held-out demand is replayed day by day with a review every
7 days, orders arriving ``lead_days`` later, unmet demand lost (``core.policy.replay`` with ``review=7``).
For each option (service level at 95%, 15 and 30 days of cover) it prints the fill rate reached and
the one expected (exact under lost sales where the order arrives before the next review, lead time
under 7 days, ``review_cycle``; otherwise the backorder formulas' lower bound, "at least"; ``--bound`` gives
the bound for every lead time), and the stock on hand at the end of each day reached and expected.
``class_pool`` is the 95% target reached by all the series together at the least stock (``pooling``).

Two sets:

* **synthetic**: independent daily demand (Poisson and negative binomial, slow to medium movers, no
  trend or season), 24 months of 30 days of history and a held-out year: where the model's
  assumptions hold, the figures should agree;
* **CDNOW** (real, public: the CD purchases in the PyPI wheel Lifetimes 0.11.3, see
  ``bench/data/README.md``): each customer buying in at least 5 weeks, 1997 as history by calendar
  month, the first half of 1998 replayed day by day. Most customers buy less and less, and the
  demand held out comes from those who kept buying, so the fill rates fall short of the expected: a
  monthly review replayed month by month on the same series is printed beside, to tell that gap
  (the data's) from what the split into days adds.

Run on demand:

    .venv/bin/python bench/weekly_review.py --cdnow DIR/Lifetimes-0.11.3-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from partspool.core.policy import Frequency, StockRules, compare_policies_many, estimate_demand_many, replay
from partspool.core.policy.cadence import Cadence, day_months, split_models
from partspool.core.policy.pooling import add_class_pools

OPTIONS = ("service_level", "class_pool", "days_15", "days_30")


def synthetic(series: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[int], StockRules]:
    """Daily demand: 24 months of 30 days, then 364 days held out."""
    rng = np.random.default_rng(seed)
    rates = rng.choice([0.02, 0.05, 0.1, 0.3, 1.0, 3.0], series)
    dispersions = rng.choice([1.0, 1.0, 2.0, 4.0], series)
    days = 24 * 30 + 364
    demand = np.empty((series, days), dtype=np.int64)
    for i, (rate, d) in enumerate(zip(rates, dispersions, strict=True)):
        if d <= 1:
            demand[i] = rng.poisson(rate, days)
        else:
            r = rate / (d - 1)
            demand[i] = rng.negative_binomial(r, r / (r + rate), days)
    monthly = demand[:, :720].reshape(series, 24, 30).sum(axis=2)
    months = [(k % 12) + 1 for k in range(24)]
    return monthly, demand[:, 720:], months, StockRules(days_per_month=30)


def cdnow(path: str) -> tuple[np.ndarray, np.ndarray, list[int], StockRules, np.ndarray]:
    """CDs per customer: 1997 by calendar month, then each day of 1998-01-01 .. 1998-06-30."""
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            text = wheel.read("lifetimes/datasets/CDNOW_master.txt")
    else:
        text = Path(path).read_bytes()
    raw = pd.read_csv(io.BytesIO(text), sep=r"\s+", header=0, names=["customer", "date", "cds", "dollars"],
                      dtype={"customer": str, "date": str})
    raw["day"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    weeks = raw.assign(week=(raw["day"] - pd.Timestamp("1997-01-01")).dt.days // 7).groupby("customer")["week"].nunique()
    raw = raw[raw["customer"].isin(weeks[weeks >= 5].index)]
    customers = sorted(raw["customer"].unique())
    history = raw[raw["day"] < "1998-01-01"]
    monthly = (history.assign(month=history["day"].dt.month).groupby(["customer", "month"])["cds"].sum()
               .unstack(fill_value=0).reindex(index=customers, columns=range(1, 13), fill_value=0))
    held = raw[raw["day"] >= "1998-01-01"]
    days = pd.date_range("1998-01-01", "1998-06-30")
    daily = (held.groupby(["customer", "day"])["cds"].sum().unstack(fill_value=0)
             .reindex(index=customers, columns=days, fill_value=0))
    # the warm-up's days: the last of 1997
    tail = pd.date_range("1997-12-01", "1997-12-31")
    warm = (history.groupby(["customer", "day"])["cds"].sum().unstack(fill_value=0)
            .reindex(index=customers, columns=tail, fill_value=0))
    return (monthly.to_numpy(dtype=np.int64), daily.to_numpy(dtype=np.int64), list(range(1, 13)),
            StockRules(), warm.to_numpy(dtype=np.int64))


def run(name: str, monthly: np.ndarray, held: np.ndarray, months: list[int], base: StockRules,
        leads: list[int], warm_days: np.ndarray | None = None, first_day: pd.Timestamp | None = None) -> None:
    series, days = held.shape
    print(f"\n{name}: {series} series, {monthly.shape[1]} months of history, {days} days held out; "
          f"demand per day {monthly.sum() / (monthly.shape[1] * base.days_per_month) / series:.3f} in the history, "
          f"{held.sum() / days / series:.3f} held out")
    models = estimate_demand_many(monthly.astype(float), months, base)
    for lead in leads:
        started = time.perf_counter()
        cadence = Cadence(review_days=7, lead_days=lead)
        rules = cadence.rules(base)
        daily = split_models(models, Frequency.MONTH, rules)
        first = (first_day or pd.Timestamp("2026-01-01")).date()
        found = compare_policies_many(daily, keys=[str(i) for i in range(series)], lead_time=lead, unit_costs=1.0,
                                      frequency=Frequency.DAY, target=0.95, rules=rules,
                                      months=day_months(first, cadence.periods))
        found = add_class_pools(found, groups=["all"] * series, lead_time=lead, target=0.95,
                                months=day_months(first, cadence.periods), rules=rules)
        seconds = time.perf_counter() - started
        warm = warm_days[:, -(lead + 7):] if warm_days is not None else None
        print(f"  weekly review, lead time {lead} days (levels of {series} series in {seconds:.1f} s):")
        for option in OPTIONS:
            levels = np.array([c.option(option).level.order_up_to for c in found])
            out = replay(held, np.repeat(levels[:, None], days + 1, axis=1), lead, warmup=warm, review=7)
            fill = out.served.sum() / max(out.demand.sum(), 1)
            weight = np.array([c.option(option).level.review_mean for c in found])
            expected = float(np.dot([c.option(option).fill_rate for c in found], weight) / weight.sum())
            on_hand = [c.option(option).level.expected_on_hand for c in found]  # at each day's end, as replayed
            exact = sum(c.option(option).level.basis == "lost_sales" for c in found) > len(found) / 2
            print(f"    {option:<14} fill rate {fill:6.1%} (expected{'' if exact else ' at least'} {expected:6.1%}); "
                  f"stock on hand {out.on_hand.mean():7.3f} a series (expected {np.mean(on_hand):7.3f})")


def monthly_reference(monthly: np.ndarray, held: np.ndarray, days: pd.DatetimeIndex, months: list[int]) -> None:
    """The same series reviewed each month with no lead time, replayed month by month: how far the held-out
    months themselves stray from the history (the part of the gap that is not the split into days)."""
    by_month = np.stack([held[:, np.asarray(days.month == m)].sum(axis=1) for m in sorted(set(days.month))], axis=1)
    models = estimate_demand_many(monthly.astype(float), months)
    found = compare_policies_many(models, keys=[str(i) for i in range(len(models))], lead_time=0, unit_costs=1.0,
                                  frequency=Frequency.MONTH, target=0.95, months=months[: 1],
                                  rules=StockRules(lost_sales_exact=False))
    found = add_class_pools(found, groups=["all"] * len(found), lead_time=0, target=0.95, months=months[:1],
                            rules=StockRules(lost_sales_exact=False))
    print("  for reference, a monthly review with no lead time, replayed month by month:")
    for option in OPTIONS:
        levels = np.array([c.option(option).level.order_up_to for c in found])
        out = replay(by_month, np.repeat(levels[:, None], by_month.shape[1] + 1, axis=1), 0, warmup=monthly[:, -1:])
        weight = np.array([c.option(option).level.review_mean for c in found])
        expected = float(np.dot([c.option(option).fill_rate for c in found], weight) / weight.sum())
        print(f"    {option:<14} fill rate {out.served.sum() / max(out.demand.sum(), 1):6.1%} "
              f"(expected at least {expected:6.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--lead-days", type=int, nargs="+", default=[3, 5, 7])
    parser.add_argument("--cdnow", help="the Lifetimes 0.11.3 wheel (or CDNOW_master.txt); left out if not given")
    parser.add_argument("--bound", action="store_true",
                        help="the backorder formulas' bound for every lead time (as before the exact weekly chain)")
    args = parser.parse_args()
    monthly, held, months, rules = synthetic(args.series, args.seed)
    if args.bound:
        rules = replace(rules, lost_sales_exact=False)
    rng = np.random.default_rng(args.seed + 1)
    # the warm-up: days drawn like the held-out ones (the history is only kept by the month)
    warm = held[:, rng.integers(0, held.shape[1], 14)]
    run("synthetic daily demand", monthly, held, months, rules, args.lead_days, warm)
    if args.cdnow:
        monthly, held, months, rules, warm = cdnow(args.cdnow)
        if args.bound:
            rules = replace(rules, lost_sales_exact=False)
        run("CDNOW daily CD purchases (real)", monthly, held, months, rules, args.lead_days, warm,
            pd.Timestamp("1998-01-01"))
        monthly_reference(monthly, held, pd.date_range("1998-01-01", periods=held.shape[1]), months)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
