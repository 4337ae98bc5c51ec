"""Pages of forecasting and stock policy: runs, the monthly forecast review, ABC, policy side by side,
replenishment, rebalancing and the KPIs."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import plotly.graph_objects as go
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from partspool.accounts.models import Role
from partspool.accounts.permissions import CENTRAL_ROLES, managed_node_ids
from partspool.core.transfer_flow import Deal, Status
from partspool.errors import InvalidInput, NotFound, NotPermitted
from partspool.network.exports import download, table_xlsx
from partspool.network.models import Node, Part, Region
from partspool.network.selectors import node_get, parse_month, part_get
from partspool.planning import kpis, policy, rules, selectors, services
from partspool.planning.explain import (
    HOLDING,
    KPI_NAMES,
    OPTIONS,
    REFILL,
    level_reason,
    method_reason,
    plan_factors,
    pool_reason,
    pool_sizes,
)
from partspool.planning.models import ForecastJob
from partspool.views_common import parse_int, role_page


def _month(raw: str, default: date) -> date:
    return parse_month(raw) if (raw or "").strip() else default


def _int(raw: str, default: int, code: str = "invalid_input") -> int:
    if not (raw or "").strip():
        return default
    try:
        return parse_int(raw, code)
    except InvalidInput as error:
        if code == "forecast_horizon":  # its message names the horizon and the longest allowed
            error.data.setdefault("horizon", raw)
            error.data.setdefault("most", services.MAX_HORIZON)
        if code == "lead_days_range":  # its message names the longest lead time allowed
            error.data.setdefault("value", raw)
            error.data.setdefault("most", policy.MAX_LEAD_DAYS)
        raise


def _review(data: Any) -> tuple[str, int, int, Any]:
    """The review a form asks for (``review``: month or week; the planning settings' by default), its lead
    time in months and in days (each read with its own review only: the form sends both; the settings'
    when blank) and the cadence (None: monthly)."""
    saved = rules.current()
    given = {k for k in ("lead_time", "lead_days") if (data.get(k) or "").strip()}
    # a link without a review: the lead time it gives says which (as the API reads it); both is ambiguous
    if not data.get("review") and given == {"lead_time", "lead_days"}:
        raise InvalidInput("lead_days_monthly")
    review = data.get("review") or ("week" if given == {"lead_days"} else "month" if "lead_time" in given
                                    else saved.policy_review)
    months = _int(data.get("lead_time", ""), saved.policy_lead_months, "lead_time_range") if review == "month" \
        else saved.policy_lead_months
    days = _int(data.get("lead_days", ""), saved.policy_lead_days, "lead_days_range") if review == "week" \
        else saved.policy_lead_days
    return review, months, days, policy.cadence_for(review, days)


def _node(request: HttpRequest) -> Node:
    user: Any = request.user
    code = request.GET.get("node", "").strip()
    if code:
        return selectors.visible_nodes(user, [code])[0]
    visible = selectors.visible_nodes(user)
    home = next((n for n in visible if n.pk == user.home_node_id), None)  # a coordinator's home may be elsewhere
    if home is not None:
        return home
    if not visible:
        raise NotFound("unknown_node", node="")
    return visible[0]


@role_page
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        data = request.POST
        end = _month(data.get("history_end", ""), selectors.last_complete_month())
        made = services.forecast_now_or_later(
            user=user, nodes=data.getlist("nodes") or None, horizon=_int(data.get("horizon", ""), 3, "forecast_horizon"),
            method=data.get("method", "auto") or "auto", engine=data.get("engine", "local"), history_end=end)
        if isinstance(made, ForecastJob):  # a large run: worked out in the background, its page following it
            return redirect("forecast_job", job_id=made.pk)
        return redirect("forecast_run", run_id=made.pk)
    from partspool.core.forecasting import valid_methods

    listed = selectors.visible_runs(user)
    total = listed.count()
    pages = max(1, math.ceil(total / RUNS_PER_PAGE))
    page = _int(request.GET.get("page", ""), 1, "page_number")
    if not 1 <= page <= pages:
        raise InvalidInput("page_out_of_range", page=page, pages=pages)
    shown = list(listed[(page - 1) * RUNS_PER_PAGE: page * RUNS_PER_PAGE])
    seen = selectors.series_seen(user, shown)
    jobs = services.unfinished_jobs(user)  # the user's forecasts still being worked out in the background
    return render(request, "planning/runs.html", {
        "runs": [(run, seen[run.pk]) for run in shown], "nodes": selectors.visible_nodes(user), "jobs": list(jobs),
        "methods": valid_methods(), "last_month": selectors.last_complete_month(),
        "dask": user.role in CENTRAL_ROLES, "page": page, "pages": pages, "total": total})


RUNS_PER_PAGE = 30


@role_page
def forecast_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A forecast worked out in the background: how it is going (the page asks again every 2 s), then
    the run it made, or the error it stopped on."""
    job = services.job_status(request.user, job_id)  # type: ignore[arg-type]
    if request.htmx and job["status"] == "done" and job["run"]:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("forecast_run", kwargs={"run_id": job["run"]})
        return response
    template = "planning/job.html#progress" if request.htmx else "planning/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


def _series_chart(history: list[tuple[date, float]], s: Any) -> str:
    months = [selectors.month_add(s.first_month, k) for k in range(len(s.forecast))]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=[m for m, _v in history], y=[v for _m, v in history], name=_("demand"),
                            marker_color="#9fb7d1"))
    figure.add_trace(go.Scatter(x=months + months[::-1], y=list(s.hi) + list(s.lo)[::-1], fill="toself",
                                # xgettext:no-python-format
                                line={"width": 0}, fillcolor="rgba(47,111,174,0.2)", name=_("80% interval")))
    figure.add_trace(go.Scatter(x=months, y=s.forecast, mode="lines+markers", name=_("forecast"),
                                line={"color": "#2f6fae"}))
    figure.update_layout(margin={"l": 40, "r": 10, "t": 30, "b": 40}, height=320, yaxis={"rangemode": "tozero"},
                         title=f"{s.node.code} · {s.part.number}")
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


XLSX_MAX_ROWS = 20_000  # rows of one forecast download (about 15 s to write); narrower filters for more


FILTER_MAX = 100  # characters of a part or node filter (a part number is at most 40)


@role_page
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    user: Any = request.user
    run = selectors.run_get(user, run_id)
    rows = selectors.run_series(user, run).order_by("node__code", "part__number")
    q = request.GET
    for name, label in (("part", _("Part")), ("node", _("Node"))):
        if len(q.get(name, "")) > FILTER_MAX:
            raise InvalidInput("text_too_long", field=label, most=FILTER_MAX)
    if q.get("part"):
        rows = rows.filter(part__number__icontains=q["part"].strip())
    if q.get("node"):
        rows = rows.filter(node__code=q["node"].strip().upper())
    shown = list(rows[:300])
    chart = None
    if q.get("series"):
        pick = rows.filter(pk=_int(q["series"], 0, "series_number")).first()
        if pick is not None:
            # a successor's forecast was made on its family's demand (the parts it replaces): that is its history
            family = [r.get("part") for r in (pick.explanation or {}).get("replaces") or [] if isinstance(r, dict)]
            parts = [pick.part, *Part.objects.filter(number__in=family)] if family else [pick.part]
            frame = selectors.demand_panel([pick.node], months=36, end=run.history_end, parts=parts)
            frame = frame.groupby("ds", as_index=False)["y"].sum()
            chart = _series_chart([(d.date(), y) for d, y in zip(frame["ds"], frame["y"], strict=True)], pick)
    if q.get("format") == "xlsx":
        count = rows.count()
        if count > XLSX_MAX_ROWS:
            raise InvalidInput("export_too_large", rows=count, most=XLSX_MAX_ROWS)
        months = [selectors.month_add(run.history_end, k + 1) for k in range(run.horizon)]
        header = [_("Node"), _("Part"), _("Method"), _("Why"), *[f"{m:%Y-%m}" for m in months],
                  # xgettext:no-python-format
                  _("80% interval")]
        return download(table_xlsx(_("Forecast"), header, (
            [s.node.code, s.part.number, s.method, method_reason(s.explanation, run.method), *s.forecast,
             "; ".join(f"{a}-{b}" for a, b in zip(s.lo, s.hi, strict=True))] for s in rows.iterator())),
            f"partspool-forecast-{run.pk}.xlsx")
    overview = selectors.run_overview(user, run)  # the page's header only, not the download
    wanted = q.get("part", "").strip().upper()
    # a part searched for that the run forecast with its successor: say where its demand went
    moved = sorted((old, new) for old, new in (overview.get("replaced") or {}).items()
                   if wanted and wanted in old.upper()) if wanted else []
    return render(request, "planning/run.html", {
        "run": run, "rows": [(s, method_reason(s.explanation, run.method),
                              [selectors.month_add(s.first_month, k) for k in range(len(s.forecast))]) for s in shown],
        "total": rows.count(), "q": q, "chart": chart,
        "overview": overview, "won": sorted(overview.get("methods_won", {}).items(), key=lambda kv: -kv[1]),
        "replaced": sorted((overview.get("replaced") or {}).items()), "moved": moved})


@role_page
def review(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    month = _month(request.GET.get("month", ""), selectors.last_complete_month())
    data = policy.review_for(user, month)
    if request.GET.get("format") == "xlsx":
        return download(policy.review_xlsx(data), f"partspool-forecast-review-{month:%Y-%m}.xlsx")
    if request.GET.get("format") == "pdf":
        from partspool.planning.review_pdf import review_pdf

        return download(review_pdf(data), f"partspool-forecast-review-{month:%Y-%m}.pdf")
    managed = managed_node_ids(user)
    codes = None if managed is None else set(Node.objects.filter(id__in=managed).values_list("code", flat=True))
    for miss in data["misses"]:
        miss["editable"] = codes is None or miss["node"] in codes
    return render(request, "planning/review.html", {"data": data, "month": month, "chart": _trend_chart(data)})


@role_page
@require_POST
def review_note(request: HttpRequest) -> HttpResponse:
    """Save a miss's cause and improvement, then back to the review."""
    data = request.POST
    month = parse_month(data.get("month", ""))
    services.review_note(user=request.user, month=month, node=node_get(code=data.get("node", "")),  # type: ignore[arg-type]
                         part=part_get(number=data.get("part", "")), cause=data.get("cause", ""),
                         action=data.get("action", ""))
    return redirect(f"{reverse('forecast_review')}?month={month:%Y-%m}#misses")


def _trend_chart(data: dict[str, Any]) -> str | None:
    """Accuracy per month (overall, A, B) with the classes' targets as dashed lines."""
    trend = data["trend"]
    if len(trend) < 2:
        return None
    figure = go.Figure()
    months = [f"{r['month']:%Y-%m}" for r in trend]
    for key, name, colour in (("accuracy", _("All"), "#1d2733"), ("accuracy_A", _("Class A"), "#b91c1c"),
                              ("accuracy_B", _("Class B"), "#b45309")):
        figure.add_trace(go.Scatter(x=months, y=[None if r[key] is None else 100 * r[key] for r in trend],
                                    mode="lines+markers", name=name, line={"color": colour}))
    for klass, colour in (("A", "#b91c1c"), ("B", "#b45309")):
        target = data["targets"].get(klass)
        if target is not None:
            figure.add_hline(y=100 * target, line={"dash": "dash", "color": colour, "width": 1},
                             annotation_text=_("target %(k)s") % {"k": klass})
    figure.update_layout(margin={"l": 40, "r": 10, "t": 30, "b": 40}, height=300, title=_("Accuracy per month (%)"),
                         yaxis={"rangemode": "tozero"}, autosize=True,
                         xaxis={"type": "category"})  # months as written here: plotly would name them in English
    return figure.to_html(full_html=False, include_plotlyjs=False, default_width="100%",
                          config={"displaylogo": False, "responsive": True})


@role_page
def abc(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    code = request.GET.get("node", "").strip()
    nodes = selectors.visible_nodes(user, [code]) if code else selectors.visible_nodes(user)
    saved = rules.current()
    basis = request.GET.get("basis", "").strip() or saved.abc_basis
    result, parts = policy.abc_for(nodes, basis, served=bool(code))
    replaces: dict[str, list[str]] = {}
    for old, (head, _on) in policy.supersession_heads(selectors.last_complete_month()).items():
        replaces.setdefault(head, []).append(old)
    by_value = basis == "value"
    figure = go.Figure()
    figure.add_trace(go.Bar(x=[r.key for r in result.rows], y=[r.measure for r in result.rows],
                            name=_("demand value (¥ at cost)") if by_value else _("demand (units)"),
                            marker_color=["#b91c1c" if r.abc_class == "A" else "#b45309" if r.abc_class == "B"
                                          else "#9fb7d1" for r in result.rows]))
    figure.add_trace(go.Scatter(x=[r.key for r in result.rows], y=[r.cumulative * 100 for r in result.rows],
                                yaxis="y2", name=_("cumulative %"), line={"color": "#1d2733"}))
    for cut, label in ((saved.abc_a_cut, _("A cut-off")), (saved.abc_b_cut, _("B cut-off"))):
        figure.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=cut * 100, y1=cut * 100,
                         line={"color": "#6b7280", "dash": "dot", "width": 1})
        figure.add_annotation(xref="paper", x=1, yref="y2", y=cut * 100, text=f"{label} {round(100 * cut, 4):g}%", showarrow=False,
                              xanchor="right", yanchor="bottom", font={"size": 10, "color": "#6b7280"})
    figure.update_layout(margin={"l": 40, "r": 40, "t": 30, "b": 40}, height=340,
                         title=_("Pareto of demand value") if by_value else _("Pareto of demand"),
                         xaxis={"showticklabels": False}, yaxis2={"overlaying": "y", "side": "right", "range": [0, 105]})
    services = rules.service_policies(saved)
    return render(request, "planning/abc.html", {
        "rows": [(r, ", ".join(sorted(replaces.get(r.key, ())))) for r in result.rows[:400]],
        "counts": result.class_counts(), "shares": result.class_shares(),
        "chart": figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}),
        "nodes": selectors.visible_nodes(user), "q": request.GET, "basis": basis, "parts": parts,
        "services": [(c, services.for_class(c)) for c in ("A", "B", "C")], "settings": saved,
        "holding": HOLDING, "refill": REFILL,
        "warehouse": bool(code) and any(n.kind != n.Kind.SERVICE_CENTER for n in nodes)})


@role_page
def stock_policy(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    node = _node(request)
    review, lead, days, cadence = _review(request.GET)
    option = policy.check_option(request.GET.get("option") or "service_level")
    result = policy.node_policy(node, lead_time=lead, cadence=cadence)
    suggestions = policy.replenishment(node, result, option)
    elsewhere = policy.free_elsewhere(node)
    sizes = pool_sizes(result.comparisons)
    return render(request, "planning/policy.html", {
        "node": node, "lead_time": lead, "nodes": selectors.visible_nodes(user), "option": option,
        "review": review, "cadence": cadence, "review_on": result.review_on, "lead_days": days,
        "options": list(OPTIONS.items()), "option_label": OPTIONS[option],
        "totals": [(_("All") if group == "all" else group, [(OPTIONS.get(o.name, o.name), o) for o in options])
                   for group, options in result.totals.items()],
        "option_names": [OPTIONS.get(o.name, o.name) for o in result.comparisons[0].options]
        if result.comparisons else [],
        "comparisons": [(c, level_reason(c), pool_reason(c, sizes)) for c in result.comparisons[:300]],
        "orders": [(s, elsewhere.get(s.part, 0)) for s in suggestions if s.order_quantity],
        "surplus": [s for s in suggestions if s.surplus]})


@role_page
def rebalancing(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role == Role.CENTER_MANAGER:  # a region's plan is its coordinator's and the supply chain's
        return render(request, "planning/rebalance.html", {"center_only": True, "regions": [], "plan": None})
    # only the regions where the user has nodes to plan (a coordinator: their own region)
    regions = Region.objects.filter(pk__in={n.region_id for n in selectors.visible_nodes(user)}).order_by("code")
    code = request.GET.get("region", "").strip().upper()
    plan = None
    review, lead_time, days, cadence = _review(request.GET)
    # the day the weekly levels are set at, once: the plan and the moves it posts read the same one
    review_on = policy.review_day(selectors.last_complete_month(), None) if cadence else None
    max_km = rules.current().rebalance_max_km
    if code:
        plan = policy.region_rebalance(selectors.region_nodes(user, code), lead_time=lead_time,
                                       max_km=max_km, cadence=cadence,
                                       review_on=review_on)
    # parts with surplus at one node and a shortfall at another that no move served: the routes between
    # them are beyond the distance limit (or capped), which the page says instead of "nothing to move"
    unserved = [b for b in plan.parts if min(b.surplus, b.shortfall) > b.moved] if plan else []
    short = sorted((b for b in plan.parts if b.still_short > 0), key=lambda b: (-b.still_short, b.part)) if plan else []
    return render(request, "planning/rebalance.html", {
        "max_km": max_km, "unserved": len(unserved), "short": short[:50], "short_parts": len(short),
        "short_units": sum(b.still_short for b in short),
        "regions": regions, "region": code, "plan": plan, "lead_time": lead_time, "review": review,
        "review_on": f"{review_on:%Y-%m-%d}" if review_on else "", "lead_days": days})


@role_page
@require_POST
def rebalance_request(request: HttpRequest) -> HttpResponse:
    """Turn one move into a transfer request from the surplus node to the node below its level."""
    from partspool.transfers.services import Terms, transfer_request

    data = request.POST
    borrower, lender = node_get(code=data.get("to", "")), node_get(code=data.get("from", ""))
    part = part_get(number=data.get("part", ""))
    units = _int(data.get("units", ""), 0, "quantity_not_positive")
    if units < 1:  # refused before the region's levels are worked out
        raise InvalidInput("quantity_not_positive", quantity=units)
    if lender.pk == borrower.pk:
        raise InvalidInput("same_node", node=lender.code)
    _chosen, lead_time, _days, cadence = _review(data)
    review_on = None
    if cadence is not None and data.get("review_on"):  # the day the plan's weekly levels were set at
        try:
            review_on = date.fromisoformat(data["review_on"])
        except ValueError:
            raise InvalidInput("invalid_date", value=data["review_on"]) from None
    # the reason is written here, in the user's language, from the move itself (not from posted text)
    reason = _("Network rebalancing: %(units)s × %(part)s from %(lender)s, which holds more than its level, to "
               "%(borrower)s, which is below its level.") % {"units": units, "part": part.number,
                                                               "lender": lender.code, "borrower": borrower.code}
    from partspool.network.models import Part
    from partspool.transfers.models import TransferRequest

    # the levels as the plan set them (from demand only: worked out before taking any lock)
    nodes, levels = policy.move_levels(request.user, lender, borrower, lead_time, cadence, review_on)
    with transaction.atomic():
        # one rebalancing request of a part at a time (the part's row is held): a second press of the
        # same move shows the request the first made, and a move from another lender or to another
        # borrower is checked against the stock and requests as the first left them
        Part.objects.select_for_update().filter(pk=part.pk).first()
        waiting = TransferRequest.objects.filter(
            lender=lender, borrower=borrower, part=part, quantity=units, requested_by=request.user,
            status=Status.REQUESTED.value).order_by("-pk").first()
        if waiting is None:
            # the plan was shown a while ago: the stock must still bear the move
            policy.check_move(nodes, levels, lender, borrower, part, units)
            waiting = transfer_request(user=request.user, borrower=borrower, lender=lender,  # type: ignore[arg-type]
                                       part=part, quantity=units,
                                       terms=Terms(deal=Deal.COMPENSATION, reason=reason))
    return redirect("transfer", transfer_id=waiting.pk)


@role_page
def kpi_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    found = kpis.network_kpis(user)
    rows = [(KPI_NAMES.get(k.name, k.name), k) for k in found]
    cost = next(k for k in found if k.name == "emergency_cost_share")
    if cost.denominator:
        gone, days = kpis.quarter_days(timezone.localdate(timezone=timezone.get_default_timezone()))
        facts = {"drawn": f"{cost.numerator or 0:,.0f}", "budget": f"{cost.denominator:,.0f}",
                 "quarter": f"{cost.denominator * days / gone:,.0f}", "gone": gone, "days": days}
        note = (_("Emergency cost: ¥%(drawn)s drawn this quarter so far against ¥%(budget)s, the share for the "
                  "%(gone)s of %(days)s days gone of the quarterly parts budget of ¥%(quarter)s set in the planning "
                  "settings.") if kpis.uses_network_budget(user) else
                _("Emergency cost: ¥%(drawn)s drawn this quarter so far against ¥%(budget)s, the share for the "
                  "%(gone)s of %(days)s days gone of ¥%(quarter)s, what the last three months' demand was worth at "
                  "cost (no quarterly parts budget is set in the planning settings).")) % facts
    else:
        note = _("Emergency cost is not measured: no parts budget is set and there was no demand to value.")
    stock = kpis.stock_trends(user)
    targets = rules.kpi_targets(rules.current())
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[f"{t['month']:%Y-%m}" for t in stock],
                                y=[None if t["availability"] is None else 100 * t["availability"] for t in stock],
                                name=_("availability %"), mode="lines+markers", line={"color": "#2f6fae"}))
    figure.add_trace(go.Scatter(x=[f"{t['month']:%Y-%m}" for t in stock], y=[t["turnover"] for t in stock],
                                name=_("turnover at the month's pace"), yaxis="y2", mode="lines+markers",
                                line={"color": "#b45309"}))
    figure.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=100 * targets.availability,
                     y1=100 * targets.availability, line={"color": "#2f6fae", "dash": "dot", "width": 1})
    figure.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y2", y0=targets.turnover, y1=targets.turnover,
                     line={"color": "#b45309", "dash": "dot", "width": 1})
    top_turnover = max([t["turnover"] or 0 for t in stock] + [targets.turnover]) * 1.15 or 1.0
    figure.update_layout(margin={"l": 40, "r": 40, "t": 30, "b": 40}, height=300,
                         title=_("Availability and turnover by month (dotted: the targets)"),
                         xaxis={"type": "category"}, yaxis={"range": [0, 105]},
                         yaxis2={"overlaying": "y", "side": "right", "range": [0, top_turnover]})
    return render(request, "planning/kpis.html", {
        "kpis": rows, "trend": kpis.trends(user), "budget_note": note, "stock_trend": stock,
        "stock_chart": figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})})


SCENARIO_FIELDS = {  # query name → (label, lowest, highest, whole numbers only)
    # xgettext:no-python-format
    "growth": (gettext_lazy("Parc growth % (empty: from the history)"), -49.9, 199.9, False),
    # xgettext:no-python-format
    "cohort": (gettext_lazy("Parc leaving warranty, %"), 0, 100, False),
    "summer_shift": (gettext_lazy("Summer earlier by (months)"), 0, 2, True),
    "recall_units": (gettext_lazy("extra units each"), 0, 1_000_000, True),
}


def _recall_units(q: Any, units: float | None) -> int:
    """A recall needs both its parts and its units: one without the other is named, not ignored."""
    parts = (q.get("recall_parts") or "").strip()
    if parts and not units:
        raise InvalidInput("recall_needs_units", parts=parts)
    if units and not parts:
        raise InvalidInput("recall_needs_parts", units=int(units))
    return int(units or 0)


def scenario_from(q: Any) -> Any:
    """The scenario switches from a query string (page and API alike).

    Each number must be finite and within its range (whole where it counts months or units);
    otherwise ``scenario_field`` names the field in the user's language and nothing is planned.
    """
    from partspool.core.annual_plan import Scenario

    def number(name: str) -> float | None:
        raw = (q.get(name) or "").strip()
        if not raw:
            return None
        label, low, high, whole = SCENARIO_FIELDS[name]
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
            raise InvalidInput("scenario_field", field=str(label), value=raw, low=low, high=high,
                               whole=_("a whole number") if whole else _("a number"))
        return value

    growth = number("growth")
    return Scenario(**rules.annual_factors(rules.current()), parc_growth=None if growth is None else growth / 100, growth_lower=q.get("growth_lower") == "1",
                    cohort_share=(number("cohort") or 0.0) / 100, heat_waves=q.get("heat") == "1",
                    summer_shift=int(number("summer_shift") or 0),
                    recall_parts=frozenset(p.strip().upper() for p in (q.get("recall_parts") or "").split(",")
                                           if p.strip()),
                    recall_units=_recall_units(q, number("recall_units")))


@role_page
def annual(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    code = request.GET.get("node", "").strip()
    nodes = selectors.visible_nodes(user, [code]) if code else selectors.visible_nodes(user)
    try:
        lines = policy.plan_for(nodes, scenario_from(request.GET))
    except (InvalidInput, NotFound) as problem:  # a scenario field named on the page with its form, to correct
        return render(request, "planning/annual.html", {
            "error": problem.message(), "lines": [], "count": 0, "q": request.GET,
            "nodes": selectors.visible_nodes(user), "total": 0, "last_year": 0, "chart": ""}, status=400)
    months = [sum(line.months[m] for line in lines) for m in range(12)]
    figure = go.Figure(go.Bar(x=list(range(1, 13)), y=months, marker_color="#2f6fae"))
    figure.update_layout(margin={"l": 40, "r": 10, "t": 30, "b": 40}, height=280, title=_("Next year by month"),
                         yaxis={"rangemode": "tozero"})
    return render(request, "planning/annual.html", {
        "lines": [(line, f"{100 * line.cohort:.1f}", plan_factors(line)) for line in lines[:200]], "count": len(lines), "q": request.GET, "nodes": selectors.visible_nodes(user),
        "total": sum(months), "last_year": sum(line.last_year for line in lines),
        "chart": figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})})


SETTING_GROUPS = (
    (gettext_lazy("ABC classification"), ("abc_basis", "abc_a_cut", "abc_b_cut")),
    (gettext_lazy("Service promised per class"), ("service_a", "days_a", "service_b", "days_b", "service_c", "days_c")),
    (gettext_lazy("Forecast accuracy targets"), ("accuracy_a", "accuracy_b")),
    (gettext_lazy("KPI targets"), (*rules.KPI_FIELDS.values(), "kpi_budget_quarter")),
    (gettext_lazy("Surplus and rebalancing"), ("surplus_margin_units", "surplus_margin_share", "rebalance_max_km")),
    (gettext_lazy("Stock policy review"), ("policy_review", "policy_lead_months", "policy_lead_days")),
    (gettext_lazy("Annual plan"), ("annual_seasonal_weight", "annual_growth_lower_factor", "annual_cohort_uplift",
                                   "annual_heat_uplift")),
)


@role_page
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """The planning settings: everyone sees them, the supply chain changes them."""
    from partspool.accounts.permissions import CENTRAL_ROLES

    user: Any = request.user
    saved = error = None
    kept: dict[str, tuple[str, str]] = {}  # after an error: the fields changed, as typed and as first shown
    if request.method == "POST":
        if user.role not in CENTRAL_ROLES:  # refused even when the form changes nothing
            raise NotPermitted("planning_settings_role")
        # only the fields changed on this page (each is posted with the value it was shown with): saving an
        # old page does not put back what another planner has changed since in the other fields
        typed = {name: request.POST[name].strip() for name in rules.EDITABLE if name in request.POST}
        shown = {name: request.POST.get(f"shown_{name}") for name in typed}
        changes = {name: value for name, value in typed.items() if shown[name] is None or value != shown[name]}
        try:
            if changes:  # a save that changes nothing writes nothing (nor "last changed by")
                rules.update(user=user, changes=changes, shown={k: v for k, v in shown.items()
                                                                if k in changes and v is not None})
            saved = _("Settings saved.") if changes else _("Nothing was changed.")
        except InvalidInput as problem:
            # shown again: the fields changed as typed (with the values they were first shown with, so the
            # stale-value check still holds), every other field as it is now; nothing saved
            error = problem.message()
            kept = {name: (value, shown[name] if shown[name] is not None else value) for name, value in changes.items()}
    current = rules.current()
    groups = [(title, [(current._meta.get_field(name), *kept.get(name, (_shown(current, name),) * 2))
                       for name in names]) for title, names in SETTING_GROUPS]
    return render(request, "planning/settings.html", {
        "groups": groups, "current": current, "can_edit": user.role in CENTRAL_ROLES, "saved": saved,
        "error": error}, status=400 if error else 200)


def _shown(current: Any, name: str) -> str:
    """A setting's value as the form shows it (and posts it back, to tell a changed field from one left)."""
    return str(getattr(current, name))
