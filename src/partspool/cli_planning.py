"""Planning commands on the database's demand history: forecast runs, the monthly forecast review,
the ABC classes and a node's stock policy with its orders (for batch jobs and cron)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from partspool.cli import _fail, _user


def cmd_forecast_run(args: argparse.Namespace) -> int:
    """Forecast the database's demand history and keep the run (see `forecast` for plain CSV files)."""
    from django.utils import translation
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from partspool.errors import DomainError
    from partspool.network.selectors import parse_month
    from partspool.planning.services import forecast_run

    with translation.override(args.lang):
        try:
            end = parse_month(args.history_end) if args.history_end else None
            run = forecast_run(user=_user(args.as_user), nodes=args.node or None, horizon=args.horizon,
                               method=args.method, engine=args.engine, history_end=end)
        except DomainError as error:
            return _fail(error)
        won = ", ".join(f"{k} {v}" for k, v in sorted(run.summary["methods_won"].items(), key=lambda kv: -kv[1])[:5])
        print(_("%(run)s: %(series)s series, %(horizon)s months ahead from %(end)s, %(seconds)s s; back-test "
                "winners: %(won)s") % {"run": run.number, "series": run.series, "horizon": run.horizon,
                                       "end": f"{run.history_end:%Y-%m}", "seconds": f"{run.seconds:.1f}",
                                       "won": won or "-"})
        replaced = run.summary.get("replaced") or {}
        if replaced:
            print(ngettext("%(count)s part replaced by a successor was forecast with it: %(links)s",
                           "%(count)s parts replaced by a successor were forecast with them: %(links)s",
                           len(replaced)) % {"count": len(replaced),
                                             "links": ", ".join(f"{a} -> {b}" for a, b in sorted(replaced.items()))})
    return 0


def cmd_forecast_review(args: argparse.Namespace) -> int:
    """The monthly forecast review as JSON, or to a PDF / XLSX file."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from partspool.errors import DomainError
    from partspool.network.selectors import parse_month
    from partspool.planning import policy
    from partspool.planning.selectors import last_complete_month

    with translation.override(args.lang):
        try:
            month = parse_month(args.month) if args.month else last_complete_month()
            data = policy.review_for(_user(args.as_user), month)
        except DomainError as error:
            return _fail(error)
        if args.pdf or args.xlsx:
            from partspool.planning.review_pdf import review_pdf

            for path, content in ((args.pdf, review_pdf), (args.xlsx, policy.review_xlsx)):
                if path:
                    blob = content(data)
                    Path(path).write_bytes(blob)
                    print(_("wrote %(path)s (%(bytes)s bytes)") % {"path": path, "bytes": len(blob)})
            return 0
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_review_store(args: argparse.Namespace) -> int:
    """Work out and store the review's months that are over (run monthly from cron after the demand
    import, so that the first visit to a review at national scale does not do it)."""
    import time

    from django.utils import translation
    from django.utils.translation import gettext as _

    from partspool.errors import DomainError, InvalidInput
    from partspool.network.selectors import parse_month
    from partspool.planning.review_store import forget_months, store_months
    from partspool.planning.selectors import TREND_MONTHS, last_complete_month, month_add

    with translation.override(args.lang):
        try:
            last = parse_month(args.to) if args.to else last_complete_month()
            first = parse_month(args.since) if args.since else month_add(last, -(TREND_MONTHS - 1))
            if last > last_complete_month():
                raise InvalidInput("review_month_open", month=f"{last:%Y-%m}")
            if first > last:
                raise InvalidInput("month_range", first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
        except DomainError as error:
            return _fail(error)
        started = time.perf_counter()
        if args.again:
            forget_months(first, last)
        stored = store_months(first, last)
        facts = {"stored": stored, "first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}",
                 "seconds": f"{time.perf_counter() - started:.1f}"}
        print(_("%(stored)s node-month(s) from %(first)s to %(last)s stored (%(seconds)s s; worked out again)") % facts
              if args.again else
              _("%(stored)s node-month(s) from %(first)s to %(last)s stored (%(seconds)s s; those stored before "
                "were kept)") % facts)
    return 0


def cmd_abc(args: argparse.Namespace) -> int:
    """ABC classes of the parts by 12 months of demand, with the planning settings' cut-offs (run it
    monthly from cron to keep a dated record; --xlsx writes every part with its reason, in --lang)."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from partspool.errors import DomainError, InvalidInput
    from partspool.network.exports import table_xlsx
    from partspool.network.selectors import parse_month
    from partspool.planning import policy
    from partspool.planning.explain import abc_reason
    from partspool.planning.selectors import last_complete_month, visible_nodes

    with translation.override(args.lang):
        try:
            user = _user(args.as_user)
            end = parse_month(args.month) if args.month else None
            if end is not None and end > last_complete_month():  # a month not over mixes in part of its demand
                raise InvalidInput("history_end_future", month=f"{end:%Y-%m}")
            result, _parts = policy.abc_for(visible_nodes(user, args.node or None), args.basis, end,
                                            served=bool(args.node))
        except DomainError as error:
            return _fail(error)
        rules = result.rules
        basis = _("demand value") if rules.basis == "value" else _("demand units")
        print(_("ABC by %(basis)s: A up to %(a)s, B up to %(b)s of %(total)s") % {
            "basis": basis, "a": f"{rules.a_cut:.0%}", "b": f"{rules.b_cut:.0%}", "total": f"{result.total:,.0f}"})
        shares = result.class_shares()
        for klass, count in result.class_counts().items():
            print("  " + _("%(klass)s: %(count)s parts, %(share)s of demand") % {
                "klass": klass, "count": count, "share": f"{shares.get(klass, 0):.1%}"})
        if args.xlsx:
            header = [_("Rank"), _("Part"), _("Class"), basis, _("Share"), _("Cumulative"), _("Why")]
            content = table_xlsx(_("ABC classes"), header, (
                [r.rank, r.key, str(r.abc_class), r.measure, r.share, r.cumulative, abc_reason(r, rules)]
                for r in result.rows))
            Path(args.xlsx).write_bytes(content)
            print(_("wrote %(path)s (%(count)s parts)") % {"path": args.xlsx, "count": len(result.rows)})
    return 0


def cmd_stock_policy(args: argparse.Namespace) -> int:
    """A node's stock policy: the options side by side per class, then the orders under the option
    chosen (from cron, e.g. every Monday for a weekly review); --xlsx writes every part's levels with
    the reasons, and the orders."""
    from django.utils import translation
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from partspool.errors import DomainError
    from partspool.network.exports import workbook_xlsx
    from partspool.planning import policy
    from partspool.planning.explain import OPTIONS, level_reason, pool_reason, pool_sizes, suggestion_reason
    from partspool.planning.selectors import visible_nodes

    with translation.override(args.lang):
        try:
            user = _user(args.as_user)
            node = visible_nodes(user, [args.node])[0]
            option = policy.check_option(args.option)
            lead_time, cadence = policy.review_asked(args.review, args.lead_time, args.lead_days)
            result = policy.node_policy(node, lead_time=lead_time, cadence=cadence)
            suggestions = policy.replenishment(node, result, option)
        except DomainError as error:
            return _fail(error)
        if cadence is None:
            print(ngettext("%(node)s, reviewed each month, lead time %(lead)s month",
                           "%(node)s, reviewed each month, lead time %(lead)s months", lead_time) % {
                "node": node.code, "lead": lead_time})
        else:
            print(ngettext("%(node)s, reviewed every %(review)s days from %(day)s, lead time %(lead)s day",
                           "%(node)s, reviewed every %(review)s days from %(day)s, lead time %(lead)s days",
                           cadence.lead_days) % {
                "node": node.code, "review": cadence.review_days, "lead": cadence.lead_days,
                "day": f"{result.review_on:%Y-%m-%d}"})
        for group, options in result.totals.items():
            for o in options:
                print("  " + _("%(group)s %(option)s: fill rate %(fill)s, capital ¥%(capital)s, turnover %(turns)s") % {
                    "group": _("All") if group == "all" else group, "option": OPTIONS.get(o.name, o.name),
                    "fill": f"{o.fill_rate:.1%}", "capital": f"{o.capital:,.0f}",
                    "turns": "-" if o.turnover is None else f"{o.turnover:.1f}"})
        orders = [s for s in suggestions if s.order_quantity]
        print(_("Orders (%(option)s): %(count)s parts, %(units)s units") % {
            "option": OPTIONS[option], "count": len(orders), "units": sum(s.order_quantity for s in orders)})
        for s in orders:
            print(f"  {s.part}\t{s.order_quantity}\t{suggestion_reason(s)}")
        spare = [s for s in suggestions if s.surplus]
        print(_("Surplus that could be lent: %(count)s parts, %(units)s units") % {
            "count": len(spare), "units": sum(s.surplus for s in spare)})
        for s in spare:
            print(f"  {s.part}\t{s.surplus}\t{suggestion_reason(s)}")
        if args.xlsx:
            names = [o.name for o in result.comparisons[0].options] if result.comparisons else []
            sizes = pool_sizes(result.comparisons)
            Path(args.xlsx).write_bytes(workbook_xlsx([
                (_("Orders"), [_("Part"), _("Order-up-to level"), _("Position"), _("Order"), _("Surplus"), _("Why")],
                 ([s.part, s.order_up_to, s.position, s.order_quantity, s.surplus, suggestion_reason(s)]
                  for s in suggestions if s.order_quantity or s.surplus)),
                (_("Levels"), [_("Part"), _("Class"), *(str(OPTIONS.get(n, n)) for n in names),
                               _("How the service level was set"), _("Class target, pooled")],
                 ([c.key, str(c.abc_class or ""), *(o.level.order_up_to for o in c.options), level_reason(c),
                   pool_reason(c, sizes)] for c in result.comparisons)),
            ]))
            print(_("wrote %(path)s (%(count)s parts)") % {"path": args.xlsx, "count": len(result.comparisons)})
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("forecast-run", help="forecast the stored demand history of nodes and keep the run")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--node", action="append", help="node code (repeatable; default: all the user manages)")
    p.add_argument("--horizon", type=int, default=3)
    p.add_argument("--method", default="auto")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--history-end", help="last month of history to use, YYYY-MM (default: last complete month)")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the output")
    p.set_defaults(func=cmd_forecast_run)

    p = sub.add_parser("forecast-review", help="the monthly forecast review: JSON, or --pdf / --xlsx files")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--month", help="YYYY-MM (default: the last complete month)")
    p.add_argument("--pdf", help="write the review to this PDF file")
    p.add_argument("--xlsx", help="write the misses to this XLSX file")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the output, the PDF and the workbook")
    p.set_defaults(func=cmd_forecast_review)

    p = sub.add_parser("review-store", help="store the forecast review's months that are over (monthly, from cron)")
    p.add_argument("--from", dest="since", help="first month, YYYY-MM (default: 11 months before --to)")
    p.add_argument("--to", help="last month, YYYY-MM (default: the last complete month)")
    p.add_argument("--again", action="store_true",
                   help="work the months out again, even those stored (after demand or forecasts were changed "
                        "outside PartsPool, e.g. by SQL)")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the output")
    p.set_defaults(func=cmd_review_store)

    p = sub.add_parser("abc", help="ABC classes of the parts (planning settings' cut-offs); --xlsx for every part")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--node", action="append", help="node code (repeatable; default: all the user sees)")
    p.add_argument("--basis", choices=["quantity", "value"], help="default: the planning settings' basis")
    p.add_argument("--month", help="last month of the 12, YYYY-MM (default: the last complete month)")
    p.add_argument("--xlsx", help="write every part with its class and reason to this file")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the output")
    p.set_defaults(func=cmd_abc)

    p = sub.add_parser("stock-policy", help="a node's stock levels side by side and its orders; --xlsx for every part")
    p.add_argument("--as", dest="as_user", required=True)
    p.add_argument("--node", required=True, help="node code")
    p.add_argument("--review", choices=["month", "week"],
                   help="month (lead time in months) or week (lead time in days); default: --lead-days implies week, "
                        "--lead-time month, else the planning settings' review")
    p.add_argument("--lead-time", type=int, help="months, with a monthly review (0-12; default: the planning settings')")
    p.add_argument("--lead-days", type=int, help="days, with a weekly review (0-120; default: the planning settings')")
    p.add_argument("--option", default="service_level",
                   help="the levels orders follow: service_level, class_pool, days_15 or days_30")
    p.add_argument("--xlsx", help="write the orders and every part's levels with their reasons to this file")
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help="language of the output")
    p.set_defaults(func=cmd_stock_policy)
