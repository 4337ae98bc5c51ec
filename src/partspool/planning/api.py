"""Forecasting and stock-policy API: runs, the monthly review, ABC, policy, rebalancing, KPIs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Router, Schema

from partspool.errors import InvalidInput
from partspool.network.exports import download
from partspool.network.selectors import node_get, parse_month, part_get
from partspool.planning import kpis, policy, rules, selectors, services
from partspool.planning.explain import (
    abc_reason,
    kpi_reason,
    level_reason,
    method_reason,
    move_reason,
    plan_reason,
    pool_reason,
    pool_sizes,
    suggestion_reason,
)

router = Router(tags=["planning"])


def _month(raw: str | None) -> date | None:
    return parse_month(raw) if raw else None


class RunIn(Schema):
    nodes: list[str] | None = None
    horizon: int = 3
    method: str = "auto"
    engine: str = "local"
    history_end: str | None = None


def _series(s: Any, asked: str) -> dict[str, Any]:
    return {"node": s.node.code, "part": s.part.number, "method": s.method, "first_month": s.first_month,
            "forecast": s.forecast, "lo": s.lo, "hi": s.hi, "explanation": s.explanation,
            "why": method_reason(s.explanation, asked)}


def _run(run: Any, user: Any, limit: int = 1000) -> dict[str, Any]:
    overview = selectors.run_overview(user, run)
    summary = {k: v for k, v in overview.items() if k != "series"}
    return {"id": run.pk, "number": run.number, "created_at": run.created_at, "horizon": run.horizon,
            "method": run.method, "engine": run.engine, "history_end": run.history_end, "series": overview["series"],
            "seconds": run.seconds, "summary": summary,
            "rows": [_series(s, run.method) for s in selectors.run_series(user, run).order_by("node__code", "part__number")[:limit]]}


@router.post("/forecast-runs", response={201: dict}, summary="Forecast the nodes' demand; the method per series and why")
def run_create(request: HttpRequest, data: RunIn) -> tuple[int, dict[str, Any]]:
    run = services.forecast_run(user=request.user, nodes=data.nodes, horizon=data.horizon,  # type: ignore[arg-type]
                                method=data.method, engine=data.engine, history_end=_month(data.history_end),
                                max_series=services.INTERACTIVE_MAX_SERIES)
    return 201, _run(run, request.user)


@router.post("/forecast-jobs", response={202: dict},
             summary="Forecast the nodes' demand in the background (a large run); follow it at /forecast-jobs/{id}")
def job_create(request: HttpRequest, data: RunIn) -> tuple[int, dict[str, Any]]:
    job = services.start_forecast_job(user=request.user, nodes=data.nodes, horizon=data.horizon,  # type: ignore[arg-type]
                                      method=data.method, engine=data.engine, history_end=_month(data.history_end))
    return 202, services.job_status(request.user, job.pk)  # type: ignore[arg-type]


@router.get("/forecast-jobs/{job_id}", response=dict,
            summary="A background forecast: queued, running, done (with its run) or failed (with why)")
def job_detail(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return services.job_status(request.user, job_id)  # type: ignore[arg-type]


@router.get("/forecast-runs", response=dict, summary="Forecast runs that reach your nodes, newest first")
def run_list(request: HttpRequest, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    user: Any = request.user
    if offset < 0:
        raise InvalidInput("offset_negative", offset=offset)
    listed = selectors.visible_runs(user)
    shown = list(listed[offset: offset + max(1, min(limit, 500))])
    seen = selectors.series_seen(user, shown)
    return {"total": listed.count(), "offset": offset, "runs": [
        {"id": r.pk, "number": r.number, "created_at": r.created_at, "created_by": r.created_by.username,
         "horizon": r.horizon, "method": r.method, "engine": r.engine, "history_end": r.history_end,
         "series": seen[r.pk], "seconds": r.seconds} for r in shown]}


@router.get("/forecast-runs/{run_id}", response=dict, summary="A forecast run with its series")
def run_detail(request: HttpRequest, run_id: int, limit: int = 1000) -> dict[str, Any]:
    return _run(selectors.run_get(request.user, run_id), request.user, max(1, min(limit, 20000)))  # type: ignore[arg-type]


@router.get("/forecast-review", response=dict, summary="The monthly forecast review (month YYYY-MM)")
def review(request: HttpRequest, month: str | None = None) -> dict[str, Any]:
    user: Any = request.user
    return policy.review_for(user, _month(month) or selectors.last_complete_month())


class ReviewNoteIn(Schema):
    month: str
    node: str
    part: str
    cause: str = ""
    action: str = ""


@router.put("/forecast-review/notes", response=dict,
            summary="Why a node × part's forecast missed in a month and the improvement (both empty: delete)")
def review_note_put(request: HttpRequest, data: ReviewNoteIn) -> dict[str, Any]:
    note = services.review_note(user=request.user, month=parse_month(data.month),  # type: ignore[arg-type]
                                node=node_get(code=data.node), part=part_get(number=data.part), cause=data.cause,
                                action=data.action)
    return {"month": data.month, "node": data.node.strip().upper(), "part": data.part.strip().upper(),
            "cause": note.cause if note else "", "action": note.action if note else "", "deleted": note is None}


@router.get("/forecast-review.pdf", summary="The monthly forecast review as a PDF (month YYYY-MM)")
def review_pdf(request: HttpRequest, month: str | None = None) -> HttpResponse:
    from partspool.planning.review_pdf import review_pdf as render_pdf

    chosen = _month(month) or selectors.last_complete_month()
    return download(render_pdf(policy.review_for(request.user, chosen)), f"partspool-forecast-review-{chosen:%Y-%m}.pdf")


@router.get("/forecast-review.xlsx", summary="The monthly forecast review's misses as XLSX (month YYYY-MM)")
def review_xlsx(request: HttpRequest, month: str | None = None) -> HttpResponse:
    chosen = _month(month) or selectors.last_complete_month()
    return download(policy.review_xlsx(policy.review_for(request.user, chosen)),
                    f"partspool-forecast-review-{chosen:%Y-%m}.xlsx")


@router.get("/abc", response=dict, summary="ABC classes of the parts by 12 months of demand (units or value)")
def abc(request: HttpRequest, node: str | None = None, basis: str | None = None) -> dict[str, Any]:
    nodes = selectors.visible_nodes(request.user, [node] if node else None)  # type: ignore[arg-type]
    result, _parts = policy.abc_for(nodes, basis, served=bool(node))
    return {"basis": result.rules.basis, "a_cut": result.rules.a_cut, "b_cut": result.rules.b_cut,
            "demand_of": [n.code for n in (policy.served_nodes(nodes) if node else nodes)], "total": result.total, "counts": {str(k): v for k, v in result.class_counts().items()},
            "rows": [{"part": r.key, "abc_class": str(r.abc_class), "measure": r.measure, "share": r.share,
                      "cumulative": r.cumulative, "rank": r.rank, "why": abc_reason(r, result.rules)} for r in result.rows]}


def _share(value: float) -> float:
    """A share to a millionth, never rounded up to 1 (0.9999996 is not a fill rate of 100%)."""
    return 1.0 if value >= 1 else min(round(value, 6), 0.999999)


@router.get("/stock-policy", response=dict,
            summary="Levels by service level, by class target pooled and by 15/30 days of cover side by side; "
                    "orders and surplus under the option chosen. Reviewed monthly (review=month, lead_time in "
                    "months) or weekly (review=week, lead_days in days)")
def stock_policy(request: HttpRequest, node: str, lead_time: int | None = None, option: str = "service_level",
                 review: str | None = None, lead_days: int | None = None) -> dict[str, Any]:
    chosen = selectors.visible_nodes(request.user, [node])[0]  # type: ignore[arg-type]
    option = policy.check_option(option)
    lead_time, cadence = policy.review_asked(review, lead_time, lead_days)
    result = policy.node_policy(chosen, lead_time=lead_time, cadence=cadence)
    suggestions = policy.replenishment(chosen, result, option)
    sizes = pool_sizes(result.comparisons)
    return {
        "node": chosen.code, "review": "week" if cadence else "month", "suggestions_by": option,
        "lead_time": lead_time if cadence is None else None,
        "lead_days": cadence.lead_days if cadence else None, "review_days": cadence.review_days if cadence else None,
        "review_on": result.review_on,
        "demand_served": {"center": "own", "regional_wh": "region", "central_wh": "network"}.get(chosen.kind, "own"),
        # money to the fen, shares to a millionth: no float noise (3.4e-13 yuan for a class held without stock)
        "totals": {k: [{"policy": o.name, "parts": o.items, "capital": round(o.capital, 2),
                        "fill_rate": _share(o.fill_rate), "turnover": None if o.turnover is None else round(o.turnover, 4)}
                       for o in v] for k, v in result.totals.items()},
        "parts": [{"part": c.key, "abc_class": c.abc_class and str(c.abc_class), "replaced_by": c.replaced_by,
                   "inherits": list(c.inherits), "options": [
            {"policy": o.name, "order_up_to": o.level.order_up_to, "safety_stock": o.level.order_up_to - o.level.protection_mean,
             "fill_rate": _share(o.fill_rate), "capital": round(o.capital, 2)} for o in c.options],
                   "why": level_reason(c),
                   "why_pooled": pool_reason(c, sizes)}
            for c in result.comparisons],
        "suggestions": [{"part": s.part, "order_up_to": s.order_up_to, "position": s.position,
                         "order": s.order_quantity, "surplus": s.surplus, "requested_in": s.requested_in,
                         "promised_out": s.promised_out, "why": suggestion_reason(s)}
                        for s in suggestions if s.order_quantity or s.surplus],
    }


@router.get("/rebalance", response=dict, summary="Moves of surplus to nodes below their level in a region (HiGHS); "
            "levels reviewed monthly (review=month, lead_time in months) or weekly (review=week, lead_days in days), "
            "the planning settings' review by default")
def rebalance(request: HttpRequest, region: str, lead_time: int | None = None, max_km: float | None = None,
              review: str | None = None, lead_days: int | None = None) -> dict[str, Any]:
    nodes = selectors.region_nodes(request.user, region)  # type: ignore[arg-type]
    lead_time, cadence = policy.review_asked(review, lead_time, lead_days)
    plan = policy.region_rebalance(nodes, lead_time=lead_time, cadence=cadence,
                                   max_km=rules.current().rebalance_max_km if max_km is None else max_km)
    return {"review": "week" if cadence else "month", "lead_time": None if cadence else lead_time,
            "lead_days": cadence.lead_days if cadence else None,
            "moves": [{"part": m.part, "from": m.source, "to": m.destination, "units": m.units, "km": m.km,
                       "cost": m.cost, "capped_at": m.capped_at, "why": move_reason(m)} for m in plan.moves],
            "parts": [{"part": b.part, "surplus": b.surplus, "shortfall": b.shortfall, "moved": b.moved,
                       "still_short": b.still_short} for b in plan.parts]}


@router.get("/kpis", response=list[dict], summary="KPIs against their targets (SPEC C5)")
def kpi_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"name": k.name, "value": k.value, "target": k.target, "comparison": k.comparison, "met": k.met,
             "why": kpi_reason(k)} for k in kpis.network_kpis(request.user)]  # type: ignore[arg-type]


@router.get("/kpi-trends", response=dict, summary="The KPIs by month: stock (availability, stockout rate, turnover, "
            "stock value) and emergencies (cases, extra cost, satisfaction)")
def kpi_trends(request: HttpRequest, months: int = 6) -> dict[str, Any]:
    if not 1 <= months <= 24:
        raise InvalidInput("months_range", value=months, most=24)
    return {"stock": kpis.stock_trends(request.user, months),  # type: ignore[arg-type]
            "emergencies": kpis.trends(request.user, months)}  # type: ignore[arg-type]


@router.get("/annual-plan", response=dict,
            summary="Next year's demand per part with scenario switches (growth %, growth_lower, cohort %, heat, "
                    "summer_shift, recall_parts, recall_units)")
def annual_plan(request: HttpRequest, node: str | None = None, limit: int = 500) -> dict[str, Any]:
    from partspool.planning.views import scenario_from

    nodes = selectors.visible_nodes(request.user, [node] if node else None)  # type: ignore[arg-type]
    lines = policy.plan_for(nodes, scenario_from(request.GET))
    return {"parts": len(lines), "total": sum(line.total for line in lines),
            "last_year": sum(line.last_year for line in lines),
            "lines": [{"part": line.part, "category": line.category, "last_year": line.last_year,
                       "months": list(line.months), "total": line.total, "change": line.change,
                       "summer_shift": line.summer_shift, "why": plan_reason(line)} for line in lines[:max(1, min(limit, 5000))]]}


@router.get("/planning-settings", response=dict,
            summary="ABC cut-offs, class service targets, forecast-accuracy and KPI targets, surplus and rebalancing "
                    "rules, the stock levels' review (policy_review, policy_lead_months, policy_lead_days) and "
                    "the annual plan's factors in force")
def settings_get(request: HttpRequest) -> dict[str, Any]:
    from partspool.accounts.permissions import require_role

    require_role(request.user)  # type: ignore[arg-type]
    return rules.as_dict(rules.current())


@router.patch("/planning-settings", response=dict,
              summary="Change planning settings (supply chain only); the whole change is checked first")
def settings_patch(request: HttpRequest, data: Body[dict[str, Any]]) -> dict[str, Any]:
    return rules.as_dict(rules.update(user=request.user, changes=data))  # type: ignore[arg-type]
