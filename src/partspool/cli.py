"""The ``partspool`` command line: set-up, demo, lookup, import and export for batch jobs."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partspool.config.settings")
    import django

    django.setup()


def _user(username: str) -> Any:
    from partspool.accounts.models import User

    user = User.objects.filter(username=username).select_related("home_node").first()
    if user is None:
        raise SystemExit(f"error: unknown user {username!r}")
    return user


def _fail(error: Any) -> int:
    from partspool.cli_messages import error_line

    print(error_line(error.message()), file=sys.stderr)  # in the command's language, as its message
    problems = error.data.get("problems") if hasattr(error, "data") else None
    if problems:
        print(f"{'row':>6}  {'column':<16} {'problem':<22} detail", file=sys.stderr)
        for p in problems:
            print(f"{p['row'] if p['row'] is not None else '-':>6}  {p['column'] or '-':<16} "
                  f"{p['code']:<22} {p['detail']}", file=sys.stderr)
    return 2 if error.status in (403, 404) else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from partspool import demo
    from partspool.network.models import Node

    call_command("migrate", interactive=False, verbosity=0)
    if Node.objects.exists() and not args.reset:
        print("The database already holds a network; demo data not loaded again (use --reset).")
    else:
        try:
            counts = demo.load_demo(reset=args.reset)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print("Demo network loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        from partspool.planning.demo import load_demo_forecasts

        runs = load_demo_forecasts()
        print("Demo forecasts: " + ", ".join(f"{r.number} ({r.series} series, history to {r.history_end:%Y-%m})"
                                             for r in runs))
    print(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, _password, description in demo.DEMO_USERS:
        print(f"  {username:<12} {description}")
    if args.serve:
        return cmd_serve(args)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    if args.tick_every > 0:
        _start_ticker(args.tick_every)
    from partspool.planning.services import interrupt_unfinished_jobs

    interrupt_unfinished_jobs()  # forecasts a stopped server left unfinished will not finish now
    print(f"\nPartsPool is running at http://{args.host}:{args.port}/  (Ctrl+C to stop)\n", flush=True)
    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False, use_threading=True)
    return 0


def _start_ticker(seconds: int) -> None:
    """Run the reminder / escalation job in-process every ``seconds`` (for the demo; cron in production)."""
    import threading

    from django.db import connections

    from partspool.transfers.ladder import run_tick

    def loop() -> None:
        while True:
            try:
                report = run_tick()
                if report.sent:
                    print(f"tick: {len(report.sent)} reminder(s) sent", flush=True)
            except Exception as error:  # keep the server up; the next run retries
                print(f"tick failed: {error}", file=sys.stderr, flush=True)
            finally:
                connections.close_all()
            stop.wait(seconds)

    stop = threading.Event()
    threading.Thread(target=loop, name="partspool-tick", daemon=True).start()


def cmd_lookup(args: argparse.Namespace) -> int:
    from partspool.errors import DomainError
    from partspool.network.selectors import network_lookup

    try:
        result = network_lookup(
            user=_user(args.as_user), number=args.part, from_code=args.from_node,
            min_available=args.min_available, within_km=args.within_km, region_codes=args.region,
            limit=args.limit,
        )
    except DomainError as error:
        return _fail(error)
    if args.json:
        print(json.dumps([
            {"relation": g.related.relation, "part": g.related.part.number, "rows": [
                {"rank": r.rank, "node": r.node.code, "available": r.available, "km": round(r.leg.km, 1),
                 "hours": round(r.leg.hours, 2), "mode": r.leg.mode, "stale": r.stale,
                 "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
                 "reasons": r.reasons}
                for r in g.rows]}
            for g in result.groups], ensure_ascii=False, indent=2))
        return 0
    print(f"{result.part.number} {result.part.name_en} / {result.part.name_zh} — from {result.origin.code}")
    for group in result.groups:
        print(f"\n[{group.related.relation}] {group.related.part.number} {group.related.part.name_zh}"
              f"  ({group.total_sources} sources, your node has {group.own_available})")
        for r in group.rows:
            stale = "  STALE" if r.stale else ""
            print(f"  {r.rank:>3}. {r.node.code:<12} {r.node.name_zh:<16} avail {r.available:>5}"
                  f"  {r.leg.km:>7.0f} km  {r.leg.hours:>5.1f} h {r.leg.mode}{stale}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from django.conf import settings

    from partspool.errors import DomainError
    from partspool.network.services import import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    limit = settings.PARTSPOOL_MAX_UPLOAD_BYTES
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    try:
        report = import_file(user=_user(args.as_user), kind=args.kind, data=data, filename=path.name,
                             max_bytes=limit, dry_run=args.dry_run)
    except DomainError as error:
        return _fail(error)
    verb = "checked (dry run, nothing written)" if report.dry_run else "imported"
    print(f"{path.name}: {report.rows} rows {verb}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    for change in report.changes[:20]:
        print("  " + " ".join(f"{k}={v}" for k, v in change.items()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """A table to XLSX or CSV (by the file's ending); ``--series``: demand as the forecasting
    commands read it (``unique_id,ds,y``, every month of the window, zeros filled in)."""
    from partspool.errors import DomainError
    from partspool.network.exports import export_csv, export_xlsx

    suffix = Path(args.file).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print(f"error: {args.file}: the file must end in .xlsx or .csv", file=sys.stderr)
        return 1
    if args.supersessions and not args.series:
        print("error: --supersessions goes with --series (the links between the series written)", file=sys.stderr)
        return 1
    if args.served and not args.series:
        print("error: --served goes with --series (each warehouse's series is the demand it serves)", file=sys.stderr)
        return 1
    try:
        if args.series:
            if args.kind != "demand" or suffix != ".csv" or (args.supersessions and
                                                             not args.supersessions.lower().endswith(".csv")):
                print("error: --series writes demand as CSV: partspool export demand FILE.csv --series "
                      "[--supersessions LINKS.csv]", file=sys.stderr)
                return 1
            if not 1 <= args.months <= 240:
                print(f"error: --months {args.months}: give 1 to 240 months", file=sys.stderr)
                return 1
            content, links = _demand_series(_user(args.as_user), args.months, args.end, served=args.served)
            if args.supersessions:
                Path(args.supersessions).write_bytes(links)
                count = len(links.splitlines()) - 1
                print(f"wrote {args.supersessions} ({count} links)")
        elif suffix == ".csv":
            content = export_csv(user=_user(args.as_user), kind=args.kind)
        else:
            content = export_xlsx(user=_user(args.as_user), kind=args.kind)
    except DomainError as error:
        return _fail(error)
    Path(args.file).write_bytes(content)
    print(f"wrote {args.file} ({len(content)} bytes)")
    return 0


def _demand_series(user: Any, months: int, end: str | None, served: bool = False) -> tuple[bytes, bytes]:
    """The user's node x part demand over ``months`` months to ``end`` (default: the last month
    that is over), as ``unique_id,ds,y`` CSV (``unique_id`` = NODE|PART), and the supersessions between
    them as ``old,new,effective`` CSV (every link at every one of the user's nodes; ``simulate`` keeps those
    that touch its series). ``served``: a warehouse's series are the demand it serves, its region's or the
    network's, as the stock policy sets its levels from (``served_panel``); else its own recorded demand."""
    from django.db.models import F

    from partspool.accounts.permissions import managed_node_ids, require_role
    from partspool.core.policy.supersession import Link, without_circles
    from partspool.errors import InvalidInput
    from partspool.network.models import Node, Supersession
    from partspool.network.selectors import parse_month
    from partspool.planning.selectors import demand_panel, last_complete_month, served_panel

    require_role(user)
    last = last_complete_month()
    month = parse_month(end) if end else last
    if month > last:
        raise InvalidInput("history_end_future", month=f"{month:%Y-%m}")
    managed = managed_node_ids(user)
    nodes = list(Node.objects.all() if managed is None else Node.objects.filter(id__in=managed))
    frame = (served_panel if served else demand_panel)(nodes, months=months, end=month)
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    links = io.StringIO()
    writer = csv.writer(links, lineterminator="\n")
    writer.writerow(["old", "new", "effective"])
    # in the order the stock levels read them (a part replaced by two keeps its first link there and here)
    # links that go round in a circle are left out, as the stock levels leave them out
    kept, _circles = without_circles([Link(old, new, on) for old, new, on in Supersession.objects.order_by(
        F("effective_on").asc(nulls_first=True), "id").values_list("old__number", "new__number", "effective_on")])
    codes = sorted(n.code for n in nodes)
    for old, new, on in ((link.old, link.new, link.effective) for link in kept):
        for node in codes:  # every node's link: a chain may run through a part with no series there
            writer.writerow([f"{node}|{old}", f"{node}|{new}", "" if on is None else f"{on:%Y-%m-%d}"])
    return (frame.to_csv(index=False, lineterminator="\n").encode("utf-8"), links.getvalue().encode("utf-8"))


def cmd_ledger(args: argparse.Namespace) -> int:
    """The emergency ledger (closed cases) to XLSX, or the month's review as JSON."""
    from partspool.emergencies import exports, selectors
    from partspool.errors import DomainError

    user = _user(args.as_user)
    try:
        if args.review:
            if not args.month:
                print("error: --review needs --month YYYY-MM", file=sys.stderr)
                return 1
            review = selectors.monthly_review(user, args.month)
            print(json.dumps(review, ensure_ascii=False, indent=2, default=str))
            return 0
        rows = selectors.ledger(user, month=args.month, level=args.level, center=args.center,
                                root_cause=args.root_cause, part=args.part)
        content = exports.ledger_xlsx(rows)
    except DomainError as error:
        return _fail(error)
    Path(args.file).write_bytes(content)
    print(f"wrote {args.file}: {rows.count()} cases ({len(content)} bytes)")
    return 0


def cmd_budget(args: argparse.Namespace) -> int:
    """The quarter-end emergency budget usage report (table, or XLSX with --xlsx)."""
    from partspool.emergencies import exports, selectors, services
    from partspool.errors import DomainError

    try:
        services.check_quarter(args.quarter)
        rows = selectors.budget_report(_user(args.as_user), args.quarter)
    except DomainError as error:
        return _fail(error)
    if args.xlsx:
        Path(args.xlsx).write_bytes(exports.budget_xlsx(rows))
        print(f"wrote {args.xlsx}")
        return 0
    print(f"{'center':<10} {'granted':>10} {'drawn':>10} {'remaining':>10} {'cases':>6} {'>cap':>5} {'>budget':>8}")
    for r in rows:
        print(f"{r['center']:<10} {r['granted']:>10} {r['drawn']:>10} {r['remaining']:>10} {r['cases']:>6} "
              f"{r['over_cap']:>5} {r['beyond_budget']:>8}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from partspool.accounts.services import token_create
    from partspool.errors import DomainError

    try:
        _token, raw = token_create(user=_user(args.user), name=args.name)
    except DomainError as error:
        return _fail(error)
    print(raw)
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    from partspool.transfers.ladder import run_tick

    report = run_tick()
    for number, step in report.sent:
        print(f"sent     {number} {step}")
    for number, step in report.skipped:
        print(f"skipped  {number} {step} (overtaken by a later step)")
    print(f"tick: {len(report.sent)} sent, {len(report.skipped)} skipped")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["partspool manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    from partspool.core.imports import SCHEMAS

    parser = argparse.ArgumentParser(prog="partspool", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or update the database tables")
    p.add_argument("-v", "--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo network (and optionally start the server)")
    p.add_argument("--reset", action="store_true", help="replace the demo data already loaded")
    p.add_argument("--serve", action="store_true", help="start the web server afterwards")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="8000")
    p.add_argument("--tick-every", type=int, default=300, help="run `tick` in-process every N seconds (0: off)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="start the web server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="8000")
    p.add_argument("--tick-every", type=int, default=0, help="also run `tick` in-process every N seconds")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("lookup", help="where is a part right now, ranked from a node")
    p.add_argument("part", help="part number")
    p.add_argument("--as", dest="as_user", required=True, help="user whose rights and home node apply")
    p.add_argument("--from", dest="from_node", help="node to rank from (default: the user's home node)")
    p.add_argument("--min", dest="min_available", type=int, default=1, help="at least this many available")
    p.add_argument("--within", dest="within_km", type=float, help="only nodes within this many km")
    p.add_argument("--region", action="append", help="only this region code (repeatable)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser("import", help="import a CSV or XLSX file (all rows or nothing)")
    p.add_argument("kind", choices=sorted(SCHEMAS))
    p.add_argument("file")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a table to XLSX or CSV (by the file's ending)")
    p.add_argument("kind", choices=sorted(SCHEMAS))
    p.add_argument("file", help="FILE.xlsx or FILE.csv")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--series", action="store_true",
                   help="demand only: write unique_id,ds,y (NODE|PART, every month, zeros filled in; each node's own "
                        "recorded demand) for partspool forecast / backtest / simulate")
    p.add_argument("--served", action="store_true",
                   help="with --series: a warehouse's series are the demand it serves (its region's, or the "
                        "network's), as its stock levels are set; by default its own recorded demand")
    p.add_argument("--months", type=int, default=36, help="with --series: months of history (default 36)")
    p.add_argument("--end", help="with --series: the last month, YYYY-MM (default: the last month that is over)")
    p.add_argument("--supersessions", metavar="FILE",
                   help="with --series: also write the supersessions between the series (old,new,effective) "
                        "for partspool simulate --supersessions")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("ledger", help="the emergency ledger to XLSX (filters), or --review a month as JSON")
    p.add_argument("file", nargs="?", default="ledger.xlsx")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--month", help="YYYY-MM")
    p.add_argument("--level", type=int, choices=[1, 2, 3])
    p.add_argument("--center")
    p.add_argument("--root-cause")
    p.add_argument("--part")
    p.add_argument("--review", action="store_true", help="print the month's review instead")
    p.set_defaults(func=cmd_ledger)

    p = sub.add_parser("budget", help="quarter-end emergency budget usage per center")
    p.add_argument("quarter", help="e.g. 2026Q4")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--xlsx", help="write the report to this XLSX file")
    p.set_defaults(func=cmd_budget)

    p = sub.add_parser("token", help="create a personal API token for a user (printed once)")
    p.add_argument("user")
    p.add_argument("name")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("tick", help="send due reminders and escalations (idempotent; run from cron)")
    p.set_defaults(func=cmd_tick)

    # Forecasting and stock-policy commands work on plain CSV files and need no database.
    from partspool import cli_forecast, cli_planning, cli_policy

    cli_forecast.register(sub)
    cli_policy.register(sub)
    # Forecast runs, the monthly review and ABC on the database's history.
    cli_planning.register(sub)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_database", True):
        _setup()
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # the output piped into a command that stopped reading (| head): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
