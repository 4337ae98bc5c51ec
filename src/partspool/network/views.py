"""Pages of the network: dashboard, lookup, node, part, import and export."""

from __future__ import annotations

import functools
from pathlib import Path

import plotly
import plotly.graph_objects as go
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from partspool.accounts.permissions import can_manage_node, managed_node_ids
from partspool.errors import ImportRejected, InvalidInput
from partspool.network import exports, selectors, services
from partspool.network.models import Region
from partspool.transfers.selectors import node_reliability
from partspool.views_common import role_page

PROBLEM_LABELS = {
    "missing_column": lambda: _("required column missing"),
    "missing_value": lambda: _("value missing"),
    "unknown_node": lambda: _("unknown node"),
    "unknown_part": lambda: _("unknown part"),
    "negative": lambda: _("negative quantity"),
    "fractional": lambda: _("quantity must be a whole number"),
    "not_a_number": lambda: _("not a number"),
    "too_large": lambda: _("number too large"),
    "bad_date": lambda: _("date not understood (use 2026-11-23 or 2026-11)"),
    "bad_status": lambda: _("status must be in_transit, received or cancelled"),
    "duplicate_key": lambda: _("duplicate of an earlier row"),
    "node_not_permitted": lambda: _("you may not change this node's data"),
    "below_reserved": lambda: _("on hand would fall below the reserved quantity"),
    "file_too_large": lambda: _("file too large"),
    "empty_file": lambda: _("the file is empty"),
    "not_a_spreadsheet": lambda: _("not a CSV or XLSX spreadsheet"),
    "too_many_rows": lambda: _("too many rows"),
    "too_many_problems": lambda: _("too many problems; only the first are listed"),
    "quantity_not_positive": lambda: _("quantity must be at least 1"),
    "same_node": lambda: _("from and to are the same node"),
    "not_a_flag": lambda: _("expected yes or no"),
}

PAGE_ROWS = 10  # sources shown per part before "show all"

IMPORT_KIND_LABELS = {
    "stock": lambda: _("Daily stock"),
    "demand": lambda: _("Demand history"),
    "failures": lambda: _("Failure reports"),
    "in_transit": lambda: _("In-transit shipments"),
    "distances": lambda: _("Distance and lead-time matrix"),
}


@role_page
def dashboard(request: HttpRequest) -> HttpResponse:
    from partspool.emergencies.labels import CLOCKS
    from partspool.emergencies.selectors import overdue_cases

    health = selectors.network_health(user=request.user)  # type: ignore[arg-type]
    overdue = [(case, [CLOCKS.get(str(c.code), c.code) for c in late])
               for case, late in overdue_cases(request.user)]  # type: ignore[arg-type]
    return render(request, "network/dashboard.html", {"health": health, "overdue": overdue})


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("quantity_not_positive", quantity=raw) from None


def _float_param(request: HttpRequest, name: str) -> float | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput("invalid_input") from None


@role_page
def lookup(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("part", "").strip()
    context: dict[str, object] = {
        "regions": Region.objects.all(),
        "q": request.GET,
        "chosen_regions": request.GET.getlist("region"),
    }
    if number:
        matches = selectors.part_search(query=number, limit=20)
        exact = next((p for p in matches if p.number == number.upper()), None)
        if exact is None and len(matches) == 1:
            exact = matches[0]
        if exact is None:
            context["matches"] = matches
        else:
            context["result"] = selectors.network_lookup(
                user=request.user,  # type: ignore[arg-type]
                number=exact.number,
                from_code=request.GET.get("from_node") or None,
                min_available=_int_param(request, "min_available", 1) or 0,
                within_km=_float_param(request, "within_km"),
                region_codes=context["chosen_regions"],  # type: ignore[arg-type]
                limit=500 if request.GET.get("all") == "1" else PAGE_ROWS,
            )
    template = "network/lookup.html#results" if request.htmx else "network/lookup.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@role_page
def node_detail(request: HttpRequest, code: str) -> HttpResponse:
    node = selectors.node_get(code=code)
    query = request.GET.get("q", "")
    only_shortages = request.GET.get("shortages") == "1"
    may_manage = can_manage_node(request.user, node)  # type: ignore[arg-type]
    context = {
        "node": node,
        "summary": selectors.node_summary(node=node),
        "lines": selectors.node_stock(node=node, query=query, only_shortages=only_shortages),
        "contacts": list(node.contacts.all()),
        "inbound": selectors.inbound_shipments(node=node),
        "may_manage": may_manage,
        "reliability": node_reliability(node.id),
        "movements": selectors.node_movements(user=request.user, node=node, limit=30)  # type: ignore[arg-type]
        if may_manage else [],
        "q": query,
        "only_shortages": only_shortages,
    }
    template = "network/node.html#stock" if request.htmx else "network/node.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _demand_chart(series: list[tuple[object, int]], title: str) -> str:
    figure = go.Figure(
        go.Bar(x=[m for m, _q in series], y=[q for _m, q in series], marker_color="#2f6fae", name=title)
    )
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 30, "b": 40}, height=300, title=title,
        xaxis={"title": _("month")}, yaxis={"title": _("units"), "rangemode": "tozero"},
    )
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


@role_page
def part_detail(request: HttpRequest, number: str) -> HttpResponse:
    part = selectors.part_get(number=number)
    series = selectors.demand_series(user=request.user, part=part)  # type: ignore[arg-type]
    managed = managed_node_ids(request.user)  # type: ignore[arg-type]
    scope = _("whole network") if managed is None else _("the nodes you manage")
    try:
        where = selectors.network_lookup(user=request.user, number=part.number, limit=10,  # type: ignore[arg-type]
                                         with_contacts=False)
    except InvalidInput:
        where = None
    context = {
        "part": part,
        "related": selectors.related_parts(part)[1:],
        "where": where,
        "chart": _demand_chart(series, _("Monthly demand (%(scope)s)") % {"scope": scope}),
        "demand_total": sum(q for _m, q in series),
        "failures": selectors.part_failures(user=request.user, part=part),  # type: ignore[arg-type]
        "inbound": selectors.inbound_shipments(part=part, node=None) if managed is None else [],
    }
    return render(request, "network/part.html", context)


@role_page
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "kinds": [(k, IMPORT_KIND_LABELS[k]()) for k in request_kinds(request)],
        "max_mb": settings.PARTSPOOL_MAX_UPLOAD_BYTES // (1024 * 1024),
        "export_kinds": [(k, IMPORT_KIND_LABELS[k]()) for k in exports.EXPORT_KINDS
                         if k != "distances" or managed_node_ids(request.user) is None],  # type: ignore[arg-type]
    }
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        context["kind"] = kind
        if upload is None:
            context["problems"] = [{"row": None, "column": None, "label": _("choose a file"), "detail": ""}]
        else:
            limit = settings.PARTSPOOL_MAX_UPLOAD_BYTES
            data = upload.read(limit + 1)
            try:
                context["report"] = services.import_file(
                    user=request.user, kind=kind, data=data, filename=upload.name or "upload",  # type: ignore[arg-type]
                    max_bytes=limit, dry_run=request.POST.get("dry_run") == "1",
                )
            except ImportRejected as rejected:
                context["problems"] = [
                    {**p, "label": PROBLEM_LABELS.get(p["code"], lambda c=p["code"]: c)()}
                    for p in rejected.data["problems"]
                ]
        status = 422 if context.get("problems") else 200
        template = "network/import.html#outcome" if request.htmx else "network/import.html"  # type: ignore[attr-defined]
        return render(request, template, context, status=status)
    return render(request, "network/import.html", context)


def request_kinds(request: HttpRequest) -> list[str]:
    from partspool.accounts.permissions import IMPORT_KINDS

    return [k for k, roles in IMPORT_KINDS.items() if request.user.role in roles]  # type: ignore[union-attr]


@role_page
def export(request: HttpRequest, kind: str, fmt: str = "xlsx") -> HttpResponse:
    return exports.xlsx_response(user=request.user, kind=kind, fmt=fmt)  # type: ignore[arg-type]


@functools.cache
def _plotly_js_path() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@cache_control(public=True, max_age=86400)
def plotly_js(request: HttpRequest) -> FileResponse:
    """The plotly.js that the plotly package ships (no CDN: machines may be offline)."""
    return FileResponse(_plotly_js_path().open("rb"), content_type="application/javascript")
