"""The KPI page's figures (SPEC C5) from what the database holds, against the source's targets.

Availability: of the node × part pairs with demand in the last 3 complete months, the share with
stock available now. Stockout rate: the rest. Turnover: last 12 months' demand value ÷ the average
value of stock on hand over those months (at the end of each month and at the start, worked back
from today's stock through the stock ledger's movements). Overstock: stock above one month of the average demand each node serves (plus the
margin) as a share of stock value: a service center serves its own demand, a regional warehouse its
region's, the central warehouse the network's (their own demand records are next to nothing: they
restock the centers). Emergency cost: this quarter's extra cost drawn so far ÷ the part of the
quarterly parts budget for the days gone (a setting; when it is 0, what the last 3 months' demand
was worth at cost): early in a quarter a whole quarter's budget would make any cost look small.
Satisfaction: the ledger's mean over the cases closed in the 92 days to ``today`` (a rolling quarter, so
that it does not start a quarter on a handful of cases). Months and quarters are the site's
(``TIME_ZONE``), whoever looks. Supplier on-time, NPS and first-time fix are not
recorded in PartsPool: shown as not measured."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, F, Sum
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids
from partspool.core.policy import (
    Kpi,
    StockPosition,
    availability,
    emergency_cost_share,
    inventory_turnover,
    overstock_share,
    service_kpis,
    stockout_rate,
)
from partspool.network.models import DemandRecord, Stock
from partspool.network.selectors import months_back
from partspool.planning import rules
from partspool.planning.selectors import last_complete_month, month_add, month_start

if TYPE_CHECKING:
    from partspool.accounts.models import User

NAMES = {"availability", "stockout_rate", "turnover", "overstock", "emergency_cost_share", "supplier_on_time",
         "satisfaction", "nps", "first_time_fix"}


def _scoped(qs: Any, managed: set[int] | None, field: str = "node_id") -> Any:
    return qs if managed is None else qs.filter(**{f"{field}__in": managed})


def uses_network_budget(user: User) -> bool:
    """Whether emergency cost is measured against the parts budget in the settings (the supply
    chain, once one is set) rather than against the value of the last three months' demand."""
    return managed_node_ids(user) is None and bool(rules.current().kpi_budget_quarter)


def network_kpis(user: User, today: date | None = None) -> list[Kpi]:
    from partspool.emergencies.models import BudgetDraw, EmergencyCase
    from partspool.emergencies.services import quarter_label

    today = today or timezone.localdate(timezone=timezone.get_default_timezone())  # the site's day, whoever looks
    managed = managed_node_ids(user)
    end = last_complete_month(today)
    recent = _scoped(DemandRecord.objects.filter(month__gte=months_back(end, 2), month__lte=end, quantity__gt=0),
                     managed).values_list("node_id", "part_id").distinct()
    wanted = set(recent)
    free = {(n, p) for n, p in _scoped(Stock.objects.filter(on_hand__gt=F("reserved")), managed)
            .values_list("node_id", "part_id")}
    served = len(wanted & free)
    year = _scoped(DemandRecord.objects.filter(month__gte=months_back(end, 11), month__lte=end), managed)
    demand_value = float(year.aggregate(v=Sum(F("quantity") * F("part__unit_cost")))["v"] or 0)
    monthly = {(n, p): q / 12 for n, p, q in year.values("node_id", "part_id").annotate(q=Sum("quantity"))
               .values_list("node_id", "part_id", "q")}
    stock_rows = list(_scoped(Stock.objects.filter(on_hand__gt=0), managed).values_list(
        "node_id", "part_id", "on_hand", "reserved", "in_transit", "part__unit_cost"))
    stock_value = float(sum(on_hand * cost for _n, _p, on_hand, _r, _t, cost in stock_rows))
    average_value = average_stock_value(stock_value, managed, end)
    served_monthly = _served_monthly(stock_rows, monthly, managed, end)
    positions = [StockPosition(node=str(n), part=str(p), on_hand=on_hand, reserved=min(reserved, on_hand + transit),
                               in_transit=transit, unit_cost=float(cost),
                               order_up_to=math.ceil(served_monthly(n, p)))
                 for n, p, on_hand, reserved, transit, cost in stock_rows]
    quarter = quarter_label(today)
    drawn = float(_scoped(BudgetDraw.objects.filter(quarter=quarter), managed, "center_id")
                  .aggregate(t=Sum("amount"))["t"] or Decimal(0))
    settings = rules.current()
    # "emergency cost < 3% of budget" is the supply chain's parts budget, not the emergency budget
    # itself: the network's one in the settings, else (and always for a center manager, whose
    # draws are their own centers' only) what the last three months' demand was worth at cost
    quarter_budget = (settings.kpi_budget_quarter if uses_network_budget(user) else 0.0) or float(
        year.filter(month__gte=months_back(end, 2)).aggregate(v=Sum(F("quantity") * F("part__unit_cost")))["v"] or 0)
    gone, days = quarter_days(today)
    budget = quarter_budget * gone / days
    site = timezone.get_default_timezone()
    since = datetime.combine(today - timedelta(days=91), time.min, tzinfo=site)
    until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=site)
    score = _scoped(EmergencyCase.objects.filter(status="closed", closed_at__gte=since, closed_at__lt=until,
                                                 satisfaction__isnull=False),
                    managed, "center_id").aggregate(s=Avg("satisfaction"))["s"]
    targets = rules.kpi_targets(settings)
    kpis = [
        availability(served, len(wanted), targets) if wanted else Kpi("availability", None, targets.availability,
                                                                       ">"),
        stockout_rate(len(wanted) - served, len(wanted), targets) if wanted else Kpi("stockout_rate", None, None,
                                                                                     "<"),
        inventory_turnover(demand_value, average_value, targets),
        overstock_share(positions, rules.replenishment_rules(settings), targets=targets),
        emergency_cost_share(drawn, budget, targets) if budget else Kpi("emergency_cost_share", None,
                                                                        targets.emergency_cost_share, "<"),
        Kpi("supplier_on_time", None, targets.supplier_on_time, ">"),
        *service_kpis(satisfaction=float(score) if score is not None else None, targets=targets),
    ]
    return kpis


def quarter_days(today: date) -> tuple[int, int]:
    """Days of ``today``'s quarter gone (today included) and days in the quarter."""
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    after = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return (today - first).days + 1, (after - first).days


def average_stock_value(current: float, managed: set[int] | None, end: date) -> float:
    """Average value of stock on hand at the start of the 12 months to ``end`` and at the end of each
    (13 readings), worked back from ``current`` (today's value) through the stock ledger: the value
    at the start of a month is today's less what the movements since then added. Valued at today's
    unit costs; the movements are summed per month in the database.

    A stock row's opening count (its first movement, as when the network's stock is first loaded by a count
    import) is not worked back through: it says what was on the shelf when the ledger began, not that
    goods came in then, so the months before it are taken at the level counted. Working back through it
    would read every month before the load as empty, and the turnover as not measured (or, with a few weeks
    of ledger, many times too high). Later counts (the daily stock import records changes as counts) are
    worked back through like any movement."""
    from django.db.models.functions import TruncMonth

    from partspool.network.models import StockMovement

    site = timezone.get_default_timezone()
    firsts = [months_back(end, 11 - k) for k in range(12)] + [month_add(end, 1)]  # 13 month starts
    rows = _scoped(_flows(StockMovement.objects.filter(at__gte=datetime.combine(firsts[0], time.min, tzinfo=site))),
                   managed, "stock__node_id")
    per_month = {month.date() if isinstance(month, datetime) else month: float(value or 0) for month, value in
                 rows.annotate(month=TruncMonth("at", tzinfo=site)).values("month")
                 .annotate(value=Sum((F("on_hand_after") - F("on_hand_before")) * F("stock__part__unit_cost")))
                 .values_list("month", "value")}
    readings = []
    for first in firsts:
        added = sum(value for month, value in per_month.items() if month >= first)
        readings.append(max(current - added, 0.0))
    return sum(readings) / len(readings)


def _flows(movements: Any) -> Any:
    """``movements`` without the opening count of each stock row (see ``average_stock_value``)."""
    from django.db.models import OuterRef, Subquery

    from partspool.network.models import StockMovement

    opening = StockMovement.objects.filter(stock=OuterRef("stock")).order_by("at", "id").values("id")[:1]
    return movements.exclude(kind=StockMovement.Kind.COUNT, id=Subquery(opening))


def _served_monthly(stock_rows: list[Any], monthly: dict[tuple[int, int], float], managed: set[int] | None,
                    end: date) -> Any:
    """``(node, part) → average monthly demand the node serves`` over the 12 months to ``end``: its own
    for a service center, its region's for a regional warehouse, the network's for the central one.
    ``monthly`` holds the scope's own pairs; the region's and network's sums come from it when the
    scope is the whole network, else from the database (the warehouses' regions, and the network for a
    central warehouse)."""
    from partspool.network.models import Node

    kinds = {pk: (kind, region) for pk, kind, region in Node.objects.values_list("pk", "kind", "region_id")}
    stocked = {(n, p) for n, p, *_rest in stock_rows if kinds.get(n, ("", 0))[0] != Node.Kind.SERVICE_CENTER}
    if not stocked:
        return lambda n, p: monthly.get((n, p), 0.0)
    by_region: dict[tuple[int, int], float] = {}
    by_part: dict[int, float] = {}
    if managed is None:  # every node's demand is in ``monthly`` already
        for (n, p), q in monthly.items():
            region = kinds[n][1]
            by_region[(region, p)] = by_region.get((region, p), 0.0) + q
            by_part[p] = by_part.get(p, 0.0) + q
    else:
        # grouped in the database (no list of the warehouses' parts: 20,000 ids would pass SQLite's limit
        # on query parameters)
        year = DemandRecord.objects.filter(month__gte=months_back(end, 11), month__lte=end)
        regions = {kinds[n][1] for n, _p in stocked if kinds[n][0] == Node.Kind.REGIONAL_WAREHOUSE}
        for region, p, q in (year.filter(node__region_id__in=regions).values("node__region_id", "part_id")
                             .annotate(q=Sum("quantity")).values_list("node__region_id", "part_id", "q")):
            by_region[(region, p)] = q / 12
        if any(kinds[n][0] == Node.Kind.CENTRAL_WAREHOUSE for n, _p in stocked):
            by_part = {p: q / 12 for p, q in year.values("part_id").annotate(q=Sum("quantity"))
                       .values_list("part_id", "q")}

    def served(n: int, p: int) -> float:
        kind, region = kinds.get(n, ("", 0))
        if kind == Node.Kind.REGIONAL_WAREHOUSE:
            return by_region.get((region, p), 0.0)
        if kind == Node.Kind.CENTRAL_WAREHOUSE:
            return by_part.get(p, 0.0)
        return monthly.get((n, p), 0.0)

    return served


def trends(user: User, months: int = 6) -> list[dict[str, Any]]:
    """Per month: emergency cases, extra cost and mean satisfaction from the ledger."""
    from partspool.emergencies.models import EmergencyCase

    managed = managed_node_ids(user)
    end = timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)
    out = []
    for k in range(months - 1, -1, -1):
        first = months_back(end, k)
        nxt = months_back(end, k - 1) if k else date(end.year + (end.month == 12), end.month % 12 + 1, 1)
        rows = _scoped(EmergencyCase.objects.filter(status="closed", closed_at__gte=month_start(first),
                                                    closed_at__lt=month_start(nxt)), managed, "center_id")
        agg = rows.aggregate(cost=Sum("extra_cost"), score=Avg("satisfaction"))
        out.append({"month": first, "cases": rows.count(), "extra_cost": float(agg["cost"] or 0),
                    "satisfaction": None if agg["score"] is None else round(float(agg["score"]), 1)})
    return out


def stock_trends(user: User, months: int = 6, today: date | None = None) -> list[dict[str, Any]]:
    """Per complete month (the last ``months``, oldest first): availability and stockout rate (of the node ×
    part pairs with demand in the month, the share that had stock on hand when the month began), the value
    of stock on hand at its start, and turnover at the month's pace (its demand value × 12 ÷ the average of
    the stock value at its start and at its end).

    The stock at the start of a month is worked back from today's through the ledger's movements, as for the
    turnover KPI (a stock row's opening count is not worked back through: see ``average_stock_value``);
    valued at today's unit costs. Each node's own demand, as the availability KPI counts it. The values are
    summed in the database; only the pairs in demand, and those moved in the window, are read one by one."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import TruncMonth

    from partspool.network.models import StockMovement

    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    managed = managed_node_ids(user)
    end = last_complete_month(today)
    firsts = [months_back(end, months - 1 - k) for k in range(months)] + [month_add(end, 1)]
    site = timezone.get_default_timezone()
    flows = _scoped(_flows(StockMovement.objects.filter(at__gte=datetime.combine(firsts[0], time.min, tzinfo=site))),
                    managed, "stock__node_id").annotate(month=TruncMonth("at", tzinfo=site))
    current = float(_scoped(Stock.objects.all(), managed).aggregate(
        v=Sum(F("on_hand") * F("part__unit_cost")))["v"] or 0)
    value_added: dict[date, float] = {}
    for month, value in (flows.values("month").annotate(
            value=Sum((F("on_hand_after") - F("on_hand_before")) * F("stock__part__unit_cost")))
            .values_list("month", "value")):
        first = month.date() if isinstance(month, datetime) else month
        value_added[first] = value_added.get(first, 0.0) + float(value or 0)
    values = [max(current - sum(v for m, v in value_added.items() if m >= first), 0.0) for first in firsts]
    # per pair and month: what the movements of that month added (only the pairs moved in the window)
    added: dict[tuple[int, int], dict[date, float]] = {}
    for node, part, month, units in (flows.values("stock__node_id", "stock__part_id", "month")
                                     .annotate(units=Sum(F("on_hand_after") - F("on_hand_before")))
                                     .values_list("stock__node_id", "stock__part_id", "month", "units")):
        first = month.date() if isinstance(month, datetime) else month
        added.setdefault((node, part), {})[first] = float(units or 0)
    held = Stock.objects.filter(node=OuterRef("node"), part=OuterRef("part")).values("on_hand")[:1]
    demand = (_scoped(DemandRecord.objects.filter(month__gte=firsts[0], month__lte=end, quantity__gt=0), managed)
              .annotate(held=Subquery(held)))
    wanted: dict[date, list[bool]] = {}
    worth: dict[date, float] = {}
    for node, part, month, quantity, unit_cost, on_hand in demand.values_list(
            "node_id", "part_id", "month", "quantity", "part__unit_cost", "held").iterator(chunk_size=20_000):
        later = sum(units for moved, units in added.get((node, part), {}).items() if moved >= month)
        wanted.setdefault(month, []).append((on_hand or 0) - later > 0)
        worth[month] = worth.get(month, 0.0) + quantity * float(unit_cost)
    out = []
    for k, first in enumerate(firsts[:-1]):
        stocked = wanted.get(first, [])
        share = sum(stocked) / len(stocked) if stocked else None
        average = (values[k] + values[k + 1]) / 2
        out.append({"month": first, "pairs": len(stocked), "availability": share,
                    "stockout_rate": None if share is None else 1 - share, "stock_value": round(values[k], 2),
                    "turnover": None if average <= 0 else round(worth.get(first, 0.0) * 12 / average, 3)})
    return out
