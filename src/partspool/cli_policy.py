"""``partspool simulate``: stock-policy replay on CSV files, no database needed.

    partspool simulate --input demand.csv --holdout 12 --policy service-level --target-fill-rate 0.95 --lead-time 1
    partspool simulate --input demand.csv --holdout 12 --policy days-of-cover --days 15 --lead-time 1
    partspool simulate --input daily.csv --holdout 84 --policy service-level --lead-time 5 --review-periods 7

The CSV has the columns ``unique_id,ds,y`` (one row per series and period; months or weeks,
inferred from the dates). The policy is set from each series' history before the last H periods,
those periods are replayed, and one JSON object is printed: ``fill_rate``, ``average_inventory``,
``stockout_rate``, ``series`` and the totals behind them (see ``partspool.core.policy.simulation``),
with the shortfall split in two: ``demanded_without_history`` (units asked for of series with no demand
at all before the holdout, which no rule that reads history stocks) and ``fill_rate_with_history``
(the fill rate on the other series).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

from partspool.cli_csv import CsvReadError, read_text_csv
from partspool.cli_messages import _, add_language_option, error_line, frame_message, speaking

POLICIES = ("service-level", "days-of-cover", "abc-class")


def register(sub: Any) -> None:
    """Add the policy commands to the ``partspool`` parser (set ``needs_database=False``)."""
    p = sub.add_parser(
        "simulate", help="replay a stocking policy on held-out periods of a demand CSV (unique_id,ds,y)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="CSV file with columns unique_id, ds, y")
    p.add_argument("--holdout", type=int, required=True, help="periods at the end of each series to replay")
    p.add_argument("--policy", required=True, help="service-level, days-of-cover or abc-class")
    p.add_argument("--target-fill-rate", help="service-level target: 0.95, 95 or 95%% (default 0.95)")
    p.add_argument("--scope", help="service-level: 'series' (each series reaches the target, the default) "
                   "or 'pooled' (all series together, at the least stock; it leans on the series whose "
                   "demand looks steadiest, so held out it tends to fall 1-2 points short of the target); "
                   "abc-class: 'series' (each series reaches its class's target) or 'pooled' (each class's series "
                   "together, at the least stock)")
    p.add_argument("--days", type=float, help="days-of-cover: days of average demand (default 15)")
    p.add_argument("--lead-time", type=int, required=True, help="periods between an order and its arrival")
    p.add_argument("--review-periods", type=int, default=1,
                   help="periods between two reviews (default 1: every period; 7 with daily data is a weekly "
                        "review): orders go out only at the reviews, and each level covers the lead time plus them")
    p.add_argument("--freq", choices=("month", "week", "day"), help="period length (default: inferred)")
    p.add_argument("--min-history", type=int, default=6, help="periods needed before the holdout (default 6)")
    p.add_argument("--supersessions", help="CSV with columns old,new[,effective]: series replaced by other series "
                   "(unique_ids) from a date; the replaced one is run down, its successor stocked for both")
    p.add_argument("--first-demand", action="store_true",
                   help="service-level: each unique_id is NODE|PART; every node x part pair is replayed (missing "
                        "ones with zeros) and a pair that never sold is given the demand the network predicts for "
                        "it (the node's share of the demand x the part's, calibrated on the history's two halves)")
    p.add_argument("--separator", default="|", help="with --first-demand: between node and part (default |)")
    p.add_argument("--per-series", action="store_true", help="add each series' result and reasons")
    p.add_argument("--no-moderation", action="store_true",
                   help="set each series' dispersion from its own history alone (by default, with 30 or more "
                        "series, each is moderated towards that of the series with similar demand)")
    p.add_argument("--no-shape", action="store_true",
                   help="read each series' growth and season from its own history and the set's like-for-like "
                        "growth, and model every history from its first period (by default, on monthly data, "
                        "growth and season are read against the whole set's, and a series that started selling "
                        "partway through is modelled from its first demand)")
    add_language_option(p)
    p.set_defaults(func=cmd_simulate, needs_database=False)


def _error(message: str, code: int = 1) -> int:
    print(error_line(message), file=sys.stderr)
    return code


def parse_fill_rate(text: str) -> float:
    """A fill rate as a fraction in (0, 1] (0.95) or a percentage: 50-100 bare (95), any with ``%``.

    A bare number above 1 and below 50 (1.5, 20) is refused rather than guessed at.
    """
    raw = text.strip()
    try:
        value = float(raw.removesuffix("%"))
    except ValueError:
        raise ValueError(_("--target-fill-rate must be a number, got %(value)s") % {"value": repr(text)}) from None
    percent = raw.endswith("%") or 50 <= value <= 100
    if percent:
        value /= 100
    if not math.isfinite(value) or not 0 < value <= 1:
        raise ValueError(_("--target-fill-rate must lie in (0, 1] as a fraction, or 50-100 as a percentage "
                           "(any percentage with %%), got %(value)s") % {"value": text})
    return value


def _policy(args: argparse.Namespace) -> Any:
    from partspool.core.policy import ClassPolicy, DaysOfCoverPolicy, ServiceLevelPolicy

    if args.policy not in POLICIES:
        raise ValueError(_("unknown policy %(policy)s (use %(choices)s)") % {
            "policy": repr(args.policy), "choices": ", ".join(POLICIES)})
    if args.policy != "service-level" and args.target_fill_rate is not None:
        raise ValueError(_("%(option)s goes with --policy %(policy)s") % {
            "option": "--target-fill-rate", "policy": "service-level"})
    if args.policy == "days-of-cover" and args.scope is not None:
        raise ValueError(_("%(option)s goes with --policy %(policy)s") % {
            "option": "--scope", "policy": "service-level / abc-class"})
    if args.policy != "days-of-cover" and args.days is not None:
        raise ValueError(_("%(option)s goes with --policy %(policy)s") % {
            "option": "--days", "policy": "days-of-cover"})
    if args.policy != "service-level" and args.first_demand:
        raise ValueError(_("%(option)s goes with --policy %(policy)s") % {
            "option": "--first-demand", "policy": "service-level"})
    scope = args.scope or "series"
    if scope not in ("series", "pooled"):
        raise ValueError(_("unknown --scope %(scope)s (use series or pooled)") % {"scope": repr(scope)})
    if args.policy == "service-level":
        return ServiceLevelPolicy(parse_fill_rate(args.target_fill_rate or "0.95"), scope=scope)
    if args.policy == "days-of-cover":
        days = 15.0 if args.days is None else args.days
        if not math.isfinite(days) or not 0 <= days <= MAX_DAYS:
            raise ValueError(_("--days must be 0 to %(most)s, got %(days)s") % {
                "most": f"{MAX_DAYS:g}", "days": args.days})
        return DaysOfCoverPolicy(days)
    return ClassPolicy(scope=scope)


MAX_LEAD_TIME = 52  # periods: a year of weeks, four years of months
MAX_REVIEW_PERIODS = 366  # a year of days
MAX_DAYS = 3650.0  # days of cover: ten years


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the replay and print one JSON object (messages in ``--lang``; the JSON's keys stay English)."""
    with speaking(getattr(args, "lang", None)):
        return _simulate(args)


def _simulate(args: argparse.Namespace) -> int:
    from partspool.core.policy import DemandFrameError, StockRules, simulate
    from partspool.core.policy.supersession import SupersessionCycle

    if args.holdout < 1:
        return _error(_("%(option)s must be at least 1 period, got %(value)s") % {
            "option": "--holdout", "value": args.holdout}, 2)
    if not 0 <= args.lead_time <= MAX_LEAD_TIME:
        return _error(_("--lead-time must be 0 to %(most)s periods, got %(value)s") % {
            "most": MAX_LEAD_TIME, "value": args.lead_time}, 2)
    if args.min_history < 1:
        return _error(_("%(option)s must be at least 1 period, got %(value)s") % {
            "option": "--min-history", "value": args.min_history}, 2)
    if not 1 <= args.review_periods <= MAX_REVIEW_PERIODS:
        return _error(_("--review-periods must be 1 to %(most)s periods, got %(value)s") % {
            "most": MAX_REVIEW_PERIODS, "value": args.review_periods}, 2)
    if args.review_periods >= args.holdout + 1 and args.holdout >= 1:
        return _error(_("--review-periods %(review)s leaves no review inside the %(holdout)s held-out periods") % {
            "review": args.review_periods, "holdout": args.holdout}, 2)
    if not args.separator:
        return _error(_("%(option)s must not be empty") % {"option": "--separator"}, 2)
    try:
        policy = _policy(args)
    except ValueError as error:
        return _error(str(error), 2)
    path = Path(args.input)
    if not path.is_file():
        return _error(_("no such file: %(path)s") % {"path": path}, 2)
    links = None
    if args.supersessions:
        try:
            links = read_links(Path(args.supersessions))
        except (CsvReadError, ValueError) as error:
            return _error(str(error), 2)
    try:
        frame, _lines = read_text_csv(str(path))
        if frame.empty:
            raise CsvReadError(_("%(path)s is empty") % {"path": path})
        result = simulate(frame, holdout=args.holdout, policy=policy, lead_time=args.lead_time,
                          frequency=args.freq, min_history=args.min_history, supersessions=links,
                          first_demand=args.first_demand, separator=args.separator,
                          rules=StockRules(moderate_dispersion=not args.no_moderation,
                                           review_periods=args.review_periods,
                                           pool_shape=not args.no_shape,
                                           start_p_value=0.0 if args.no_shape else StockRules().start_p_value))
    except DemandFrameError as error:
        return _error(_("%(file)s: %(problems)s") % {"file": path.name, "problems": frame_message(error)})
    except SupersessionCycle as cycle:
        return _error(_("%(file)s: the supersessions go round in a circle: %(parts)s") % {
            "file": args.supersessions, "parts": " -> ".join(cycle.parts)})
    except ValueError as error:
        return _error(str(error))
    out = result.to_dict(per_series=args.per_series)
    out["input"] = str(path)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def read_links(path: Path) -> list[Any]:
    """The supersession links of a CSV (``old,new[,effective]``; effective blank: before the holdout)."""
    import pandas as pd

    from partspool.core.policy.supersession import Link

    if not path.is_file():
        raise CsvReadError(_("no such file: %(path)s") % {"path": path})
    frame, lines = read_text_csv(str(path))
    missing = [c for c in ("old", "new") if c not in frame.columns]
    if missing:
        raise CsvReadError(_("%(path)s: missing column(s) %(columns)s (needs old,new and optionally effective)") % {
            "path": path.name, "columns": ", ".join(missing)})
    links = []
    for k, record in enumerate(frame.to_dict("records"), start=1):
        row = lines.line(k) or k + 1
        old, new = (str(record[c]).strip() for c in ("old", "new"))
        raw = str(record.get("effective", "")).strip()
        if not old or not new:
            raise CsvReadError(_("%(path)s line %(row)s: old and new must both be given") % {
                "path": path.name, "row": row})
        effective = None
        if raw:
            try:
                if not re.fullmatch(r"\d{4}[-/]\d{1,2}([-/]\d{1,2})?", raw):
                    raise ValueError(raw)
                effective = pd.Timestamp(raw.replace("/", "-") + ("-01" if raw.count("-") + raw.count("/") == 1 else ""))
            except (ValueError, OverflowError):
                raise CsvReadError(_("%(path)s line %(row)s: effective %(value)s is not a date") % {
                    "path": path.name, "row": row, "value": repr(raw)}) from None
        links.append(Link(old, new, effective))
    return links


__all__ = ["register", "cmd_simulate", "parse_fill_rate", "read_links"]
