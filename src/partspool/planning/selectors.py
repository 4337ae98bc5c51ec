"""Reads for forecasting and stock policy: demand panels from the history, ABC classes, accuracy."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.db.models import Count, Min, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.errors import InvalidInput, NotFound, NotPermitted
from partspool.network.models import DemandRecord, Node, Part
from partspool.network.selectors import months_back
from partspool.planning.models import (
    MAX_HORIZON,
    ForecastRun,
    ForecastSeries,
    ReviewLine,
    ReviewMonth,
    ReviewNote,
)
from partspool.planning.review_store import store_months

if TYPE_CHECKING:
    from partspool.accounts.models import User

SEP = "|"  # unique_id = NODE|PART


def series_id(node_code: str, part_number: str) -> str:
    return f"{node_code}{SEP}{part_number}"


def split_id(unique_id: str) -> tuple[str, str]:
    node, _sep, part = unique_id.partition(SEP)
    return node, part


def last_complete_month(today: date | None = None) -> date:
    """History ends with the month before the current one (the current month is not over), the
    month counted in the site's time zone, whoever asks."""
    return months_back(today or timezone.localdate(timezone=timezone.get_default_timezone()), 1)


def visible_nodes(user: User, codes: list[str] | None = None) -> list[Node]:
    """Nodes whose history the user may forecast: the ones they manage, narrowed to ``codes``."""
    require_role(user)
    managed = managed_node_ids(user)
    rows = Node.objects.filter(active=True).select_related("region").order_by("code")
    if managed is not None:
        rows = rows.filter(id__in=managed)
    if codes:
        wanted = {c.strip().upper() for c in codes if c.strip()}
        if not wanted:  # only blanks: no node is named
            raise NotFound("unknown_node", node='""')
        found = list(rows.filter(code__in=wanted))
        missing = wanted - {n.code for n in found}
        if missing:
            raise NotFound("unknown_node", node=", ".join(sorted(missing)))
        return found
    return list(rows)


def region_nodes(user: User, region: str) -> list[Node]:
    """The user's nodes in a region (by code), for planning the region's moves; an unknown region, or one
    without such nodes, is refused, and so is a center manager (``rebalance_whole_region``: a plan over
    their one center would move nothing, and one over the region reads the other centers' demand)."""
    from partspool.accounts.models import Role

    require_role(user)
    if user.role == Role.CENTER_MANAGER:
        raise NotPermitted("rebalance_whole_region")
    code = region.strip().upper()
    nodes = [n for n in visible_nodes(user) if n.region.code == code]
    if not nodes:
        raise InvalidInput("unknown_region", region=code)
    return nodes


def demand_panel(nodes: list[Node], months: int = 36, end: date | None = None,
                 parts: list[Part] | None = None) -> pd.DataFrame:
    """Monthly demand as a long frame ``unique_id, ds, y`` with the zero months filled in; only
    node × part pairs with some demand in the window.

    A node's months before its first demand record of all (the network's demand loaded from a later
    month, a center that opened since) are left out, not filled with zeros: nothing was recorded there,
    which is not the same as nothing sold, and a forecast read from them would be far too low."""
    if months < 1:
        raise InvalidInput("invalid_input")
    end = end or last_complete_month()
    start = months_back(end, months - 1)
    rows = DemandRecord.objects.filter(node__in=nodes, month__gte=start, month__lte=end)
    if parts is not None:
        rows = rows.filter(part__in=parts)
    data = list(rows.values_list("node__code", "part__number", "month", "quantity"))
    if not data:
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=float)})
    frame = pd.DataFrame(data, columns=["node", "part", "ds", "y"])
    # a node's first record: its first in the window, unless it has records from before the window (one
    # index look-up per node whose window starts late, not a scan of every record)
    firsts: dict[str, date] = {}
    for code, first in frame.groupby("node")["ds"].min().items():
        if first > start and not DemandRecord.objects.filter(node__code=code, month__lt=start).exists():
            # every part's records count (``parts`` may have asked for a few): the node's own first month
            firsts[str(code)] = DemandRecord.objects.filter(node__code=code, month__gte=start).aggregate(
                first=Min("month"))["first"]
    return _filled(frame["node"] + SEP + frame["part"], frame["ds"], frame["y"], start, end, firsts)


def _filled(ids: Any, months: Any, quantities: Any, start: date, end: date,
            firsts: dict[str, date] | None = None) -> pd.DataFrame:
    """A long frame ``unique_id, ds, y`` with every month from ``start`` to ``end`` of each id (0 where
    nothing was recorded), sorted by id and month. ``firsts``: per node code, the first month it has
    records of; an id's months before its node's are left out."""
    frame = pd.DataFrame({"unique_id": ids, "ds": pd.to_datetime(months), "y": quantities})
    calendar = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")
    wide = frame.pivot_table(index="unique_id", columns="ds", values="y",
                             aggfunc="sum").reindex(columns=calendar, fill_value=0).fillna(0)
    if firsts and any(first > start for first in firsts.values()):
        node_first = pd.to_datetime(pd.Series(wide.index.str.split(SEP).str[0]).map(firsts)).to_numpy()
        wide = wide.mask(wide.columns.to_numpy()[None, :] < node_first[:, None])
        long = wide.stack(future_stack=True).dropna().rename("y").reset_index()
    else:
        long = wide.stack().rename("y").reset_index()
    long.columns = ["unique_id", "ds", "y"]
    long["y"] = long["y"].astype(float)
    return long.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def served_panel(nodes: list[Node], months: int = 36, end: date | None = None) -> pd.DataFrame:
    """``demand_panel`` of the demand each node serves: a service center its own; a regional
    warehouse its whole region's (every node of the region, summed per part); the central warehouse
    the network's. A warehouse's own recorded demand is next to nothing, and a level set from it
    would be 0 — rebalancing would then empty the warehouse that holds the region's class A stock."""
    if months < 1:
        raise InvalidInput("invalid_input")
    end = end or last_complete_month()
    start = months_back(end, months - 1)
    own = [n for n in nodes if n.kind == Node.Kind.SERVICE_CENTER]
    frames = [demand_panel(own, months, end)] if own else []
    for node in nodes:
        if node.kind == Node.Kind.SERVICE_CENTER:
            continue
        rows = DemandRecord.objects.filter(month__gte=start, month__lte=end)
        if node.kind == Node.Kind.REGIONAL_WAREHOUSE:
            rows = rows.filter(node__region_id=node.region_id)
        data = list(rows.values("part__number", "month").annotate(q=Sum("quantity"))
                    .values_list("part__number", "month", "q"))
        if not data:
            continue
        frame = pd.DataFrame(data, columns=["part", "ds", "y"])
        # from the first month any node it serves has records of, as its centers' series start
        served = (DemandRecord.objects.filter(node__region_id=node.region_id)
                  if node.kind == Node.Kind.REGIONAL_WAREHOUSE else DemandRecord.objects.all())
        first = served.filter(month__gt=start).aggregate(first=Min("month"))["first"] \
            if not served.filter(month__lte=start).exists() else None
        frames.append(_filled(node.code + SEP + frame["part"].astype(str), frame["ds"], frame["y"], start, end,
                              {node.code: first} if first else None))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return demand_panel([], months, end)
    return (pd.concat(frames, ignore_index=True).sort_values(["unique_id", "ds"], kind="stable")
            .reset_index(drop=True))


def visible_runs(user: User) -> QuerySet[ForecastRun]:
    """Runs that reach the user's nodes."""
    require_role(user)
    managed = managed_node_ids(user)
    rows = ForecastRun.objects.select_related("created_by")
    return rows if managed is None else rows.filter(pk__in=ForecastRun.objects.filter(nodes__in=managed).values("pk"))


def series_seen(user: User, runs: list[ForecastRun]) -> dict[int, int]:
    """How many of each run's series the user may see (all of them for the supply chain), in one query."""
    managed = managed_node_ids(user)
    if managed is None:
        return {run.pk: run.series for run in runs}
    counts = (ForecastSeries.objects.filter(run__in=runs, node_id__in=managed).values("run_id")
              .annotate(n=Count("id")).values_list("run_id", "n"))
    return {run.pk: 0 for run in runs} | dict(counts)


def run_overview(user: User, run: ForecastRun) -> dict[str, Any]:
    """A run's summary as far as the user may see it: series, methods won, combinations and the parts
    forecast with their successor among their own nodes' series only (the whole run's for the supply chain)."""
    if managed_node_ids(user) is None:
        return {**run.summary, "series": run.series}
    won: dict[str, int] = {}
    replaced: dict[str, str] = {}
    combined = count = stopped = 0
    for number, method, explanation in run_series(user, run).values_list("part__number", "method", "explanation"):
        count += 1
        for row in (explanation or {}).get("replaces") or []:  # only the supersessions of their own series
            replaced[str(row.get("part"))] = number
        winner = str((explanation or {}).get("winner") or method)
        won[winner] = won.get(winner, 0) + 1
        combined += "[" in method
        alive = (explanation or {}).get("alive")
        stopped += alive is not None and float(alive) < 0.5
    out = {**run.summary, "series": count, "methods_won": won, "combined": combined,
           "replaced": dict(sorted(replaced.items()))}
    if run.summary.get("obsolescence"):  # the network's rate, their own series' count
        out["obsolescence"] = {**run.summary["obsolescence"], "likely_stopped": stopped}
    if count < run.series:  # the models' counts (measured on, judged on, fitted on) are the whole run's: not shown
        out["partial"] = True
        for key, counted in (("panel_growth", "measured_on"), ("origin_decay", "judged_on"),
                             ("obsolescence", "fitted_on")):
            if isinstance(out.get(key), dict):
                out[key] = {k: v for k, v in out[key].items() if k != counted}
    return out


def run_get(user: User, run_id: int) -> ForecastRun:
    run = visible_runs(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found")
    return run


def run_series(user: User, run: ForecastRun) -> QuerySet[ForecastSeries]:
    managed = managed_node_ids(user)
    rows = run.rows.select_related("node", "part")
    return rows if managed is None else rows.filter(node_id__in=managed)


def month_add(month: date, k: int) -> date:
    index = month.year * 12 + month.month - 1 + k
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """Midnight on the first day of ``month`` in the site's time zone (``TIME_ZONE``), not the viewer's:
    whether a run was made in time must not depend on who looks at the review."""
    return datetime(month.year, month.month, 1, tzinfo=timezone.get_default_timezone())


def _runs_in_force(first: date, last: date, nodes: set[int] | None = None) -> dict[tuple[int, date], int]:
    """For each node × month from ``first`` to ``last``, the run in force (see ``review_store``);
    ``nodes`` (None: all) narrows it to those nodes."""
    reaching = [(pk, ended, horizon, made) for pk, ended, horizon, made in ForecastRun.objects.filter(
        history_end__lt=last, history_end__gte=month_add(first, -MAX_HORIZON - 1)).values_list(
        "id", "history_end", "horizon", "created_at") if month_add(ended, horizon) >= first]
    nodes_of: dict[int, list[int]] = {}
    for run_id, node_id in ForecastRun.nodes.through.objects.filter(
            forecastrun_id__in=[r[0] for r in reaching]).values_list("forecastrun_id", "node_id"):
        nodes_of.setdefault(run_id, []).append(node_id)
    latest: dict[tuple[int, date], tuple[date, int]] = {}
    for run_id, ended, horizon, made in reaching:
        for k in range(1, horizon + 1):
            month = month_add(ended, k)
            if not first <= month <= last or made >= month_start(month_add(month, 1)):
                continue  # outside the window, or made after the month was over: a back-test
            for node_id in nodes_of.get(run_id, ()):
                if nodes is not None and node_id not in nodes:
                    continue
                held = latest.get((node_id, month))
                if held is None or (ended, run_id) > held:
                    latest[(node_id, month)] = (ended, run_id)
    return {key: run_id for key, (_ended, run_id) in latest.items()}


def _accuracy(actual: float, abs_error: float) -> float | None:
    """SPEC accuracy = 1 − Σ|forecast − actual| / Σ actual (None when nothing was demanded)."""
    return 1.0 - abs_error / actual if actual > 0 else None


def demand_totals(nodes: list[Node], months: int = 12, end: date | None = None) -> dict[tuple[int, int], int]:
    """Demand per node × part over the last ``months`` complete months (for ABC)."""
    end = end or last_complete_month()
    start = months_back(end, months - 1)
    rows = (DemandRecord.objects.filter(node__in=nodes, month__gte=start, month__lte=end)
            .values("node_id", "part_id").annotate(total=Sum("quantity")).values_list("node_id", "part_id", "total"))
    return {(n, p): int(t) for n, p, t in rows}


def next_month_forecasts(user: User, month: date, top: int = 50) -> list[dict[str, Any]]:
    """The ``top`` biggest forecasts of ``month`` per node × part, each from the run in force at the
    node for that month (as in ``review_store``: the latest covering the node, history before
    the month, horizon reaching it, made before the month was over), so a newer run with a shorter
    horizon does not hide it and a back-test made later does not change an old review. Only those
    runs are read; the explanations of the rows shown are fetched last."""
    in_force = _runs_in_force(month, month, managed_node_ids(user))
    rows = ForecastSeries.objects.filter(run_id__in=set(in_force.values()), node_id__in={n for n, _m in in_force},
                                         first_month__lte=month, first_month__gt=month_add(month, -MAX_HORIZON))
    chosen: list[tuple[int, float, float, float]] = []
    for pk, node_id, run_id, start, values, low, high in rows.values_list(
            "id", "node_id", "run_id", "first_month", "forecast", "lo", "hi").iterator(chunk_size=5000):
        k = (month.year - start.year) * 12 + month.month - start.month
        if in_force.get((node_id, month)) == run_id and 0 <= k < len(values):
            chosen.append((pk, float(values[k]), float(low[k]), float(high[k])))
    shown = sorted(chosen, key=lambda v: (-v[1], v[0]))[:top]
    series = ForecastSeries.objects.select_related("node", "part").in_bulk([v[0] for v in shown])
    return [{"node": series[pk].node.code, "part": series[pk].part.number, "forecast": value, "lo": low,
             "hi": high, "method": series[pk].method, "explanation": series[pk].explanation,
             "wide": high > 3 * max(value, 0.5)} for pk, value, low, high in shown]


TREND_MONTHS = 12
MISSES_SHOWN = 20  # the biggest misses listed (noted ones are listed as well)


def _class_of(classes: dict[str, str], part: str) -> str:
    return classes.get(part, "C")


def accuracy_trend(user: User, first: date, last: date, classes: dict[str, str]) -> list[dict[str, Any]]:
    """Accuracy per month from ``first`` to ``last``, overall and per ABC class, over the stored
    review lines at the user's nodes (months without a forecast made before them are left out).
    The database sums the lines per month and part; the classes are applied to those sums."""
    scope = managed_node_ids(user)
    store_months(first, last, scope)
    lines = ReviewLine.objects.filter(month__gte=first, month__lte=last)
    if scope is not None:
        lines = lines.filter(node_id__in=scope)
    grouped = list(lines.values("month", "part_id").annotate(series=Count("id"), demand=Sum("actual"),
                                                             missed=Sum("abs_error"))
                   .values_list("month", "part_id", "series", "demand", "missed").iterator(chunk_size=5000))
    numbers = dict(Part.objects.filter(pk__in={row[1] for row in grouped}).values_list("pk", "number"))
    sums: dict[date, dict[str, list[float]]] = {}
    for month, part_id, series, actual, abs_error in grouped:
        per = sums.setdefault(month, {})
        for key in ("all", _class_of(classes, numbers[part_id])):
            total = per.setdefault(key, [0, 0.0, 0.0])
            total[0] += series
            total[1] += float(actual)
            total[2] += float(abs_error)
    out = []
    for month in sorted(sums):
        per = sums[month]
        series, actual, missed = per["all"]
        row: dict[str, Any] = {"month": month, "series": int(series), "demand": actual,
                               "accuracy": _accuracy(actual, missed)}
        for klass in ("A", "B", "C"):
            held = per.get(klass)
            row[f"series_{klass}"] = int(held[0]) if held else 0
            row[f"accuracy_{klass}"] = _accuracy(held[1], held[2]) if held else None
        out.append(row)
    return out


def review_notes(user: User, month: date) -> QuerySet[ReviewNote]:
    """The causes and improvements written for ``month`` at the nodes the user sees in detail."""
    managed = managed_node_ids(user)
    rows = ReviewNote.objects.filter(month=month).select_related("node", "part", "updated_by")
    return rows if managed is None else rows.filter(node_id__in=managed)


def forecast_review(user: User, month: date, classes: dict[str, str] | None = None) -> dict[str, Any]:
    """The monthly forecast review (月度预测复盘) of ``month``: accuracy overall, by ABC class and by
    node against the month before and as a trend over 12 months, the classes' targets, the biggest
    misses, the parts flagged by emergencies and next month's forecast."""
    from partspool.emergencies.selectors import forecast_review_parts
    from partspool.planning import rules
    from partspool.planning.explain import forecast_basis, forecast_risks, region_observation

    previous = month_add(month, -1)
    targets = rules.accuracy_targets(rules.current())
    out: dict[str, Any] = {"month": month, "previous": previous, "targets": targets}
    classes = classes or {}
    trend = accuracy_trend(user, month_add(month, -(TREND_MONTHS - 1)), month, classes)
    of_month = {row["month"]: row for row in trend}
    this, last = of_month.get(month, {}), of_month.get(previous, {})
    out["accuracy"], out["accuracy_last"] = this.get("accuracy"), last.get("accuracy")
    by_class = []
    for klass in ("A", "B", "C"):
        value, target = this.get(f"accuracy_{klass}"), targets.get(klass)
        by_class.append({"abc_class": klass, "series": this.get(f"series_{klass}", 0), "accuracy": value,
                         "accuracy_last": last.get(f"accuracy_{klass}"), "target": target,
                         "met": None if value is None or target is None else value >= target})
    out["by_class"] = by_class
    out["trend"] = [{k: v for k, v in row.items() if not k.startswith("series_")} for row in trend]
    scope = managed_node_ids(user)
    months = ReviewMonth.objects.filter(month=month, series__gt=0).select_related("node")
    if scope is not None:
        months = months.filter(node_id__in=scope)
    by_node = [{"node": m.node.code, "series": m.series, "accuracy": _accuracy(m.actual, m.abs_error)} for m in months]
    out["by_node"] = sorted(by_node, key=lambda r: (r["accuracy"] is None, r["accuracy"] or 0, r["node"]))
    noted_rows = list(review_notes(user, month))
    notes = {(n.node.code, n.part.number): n for n in noted_rows}
    lines = ReviewLine.objects.filter(month=month).select_related("node", "part")
    if scope is not None:
        lines = lines.filter(node_id__in=scope)
    worst = list(lines.filter(abs_error__gt=0).order_by("-abs_error", "node__code", "part__number")[:MISSES_SHOWN])
    shown = {(line.node.code, line.part.number) for line in worst}
    noted = {(n.node_id, n.part_id) for n in noted_rows if (n.node.code, n.part.number) not in shown}
    if noted:  # noted rows always show (matched here: one OR term per note is too deep for SQLite)
        worst += [line for line in lines.filter(node_id__in={k[0] for k in noted}, part_id__in={k[1] for k in noted})
                  .order_by("node__code", "part__number") if (line.node_id, line.part_id) in noted]
    misses = []
    for line in worst:
        note = notes.get((line.node.code, line.part.number))
        misses.append({"node": line.node.code, "part": line.part.number, "forecast": round(line.forecast, 1),
                       "actual": line.actual, "error": round(line.forecast - line.actual, 1), "method": line.method,
                       "abc_class": _class_of(classes, line.part.number), "cause": note.cause if note else "",
                       "action": note.action if note else "", "noted_by": note.updated_by.username if note else None})
    out["misses"] = misses
    # cases closed in the reviewed month and the two before it, never later ones (an old review stays as it was)
    flagged = forecast_review_parts(since=month_start(month_add(month, -2)), until=month_start(month_add(month, 1)))
    out["flagged"] = [{"part": c.part.number, "node": c.center.code, "case": c.number, "note": c.root_cause_note,
                       "closed": f"{timezone.localtime(c.closed_at, timezone.get_default_timezone()):%Y-%m-%d}"
                       if c.closed_at else ""}
                      for c in flagged if scope is None or c.center_id in scope]
    from partspool.planning.policy import supersession_heads

    heads = supersession_heads(month)  # a flagged part since replaced: its successor carries its demand
    for row in out["flagged"]:
        if row["part"] in heads:
            row["family"] = heads[row["part"]][0]
    out["regions"] = regional_observations(month, scope, out["flagged"])
    for row in out["regions"]:
        row["observation"] = region_observation(row)
    out["next_month"] = next_month_forecasts(user, month_add(month, 1))
    # each forecast's basis and risk notes, in the user's language; this month's result of the same node ×
    # part is read for each (a big miss by share need not be among the biggest by units)
    pairs = {(r["node"], r["part"]) for r in out["next_month"]}
    results = {(n, p): {"forecast": round(f, 1), "actual": a} for n, p, f, a in lines.filter(
        node__code__in={n for n, _p in pairs}, part__number__in={p for _n, p in pairs}).values_list(
        "node__code", "part__number", "forecast", "actual") if (n, p) in pairs}
    for row in out["next_month"]:
        row["basis"] = forecast_basis(row["explanation"], row["method"])
        row["risk"] = forecast_risks(row, results.get((row["node"], row["part"])), out["flagged"])
    return out


def regional_observations(month: date, scope: set[int] | None, flagged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per region (of the nodes in ``scope``; all when ``None``), what the month's review shows there:
    accuracy against the month before over the same nodes, its weakest node, its share of the
    month's absolute error (only over the whole network: within one's own centers a share would
    say nothing), the emergencies blamed on forecast misses closed in the month, and its biggest
    miss. Regions with nothing reviewed this month are left out.

    Four queries however many regions: the month's and the month before's node totals, each node's
    biggest line (a probe of the (node, month, abs_error) index per node), and those lines."""
    rows = ReviewMonth.objects.filter(month__in=(month, month_add(month, -1)), series__gt=0).select_related(
        "node__region")
    if scope is not None:
        rows = rows.filter(node_id__in=scope)
    now = [r for r in rows if r.month == month]
    before = {r.node_id: r for r in rows if r.month != month}
    top_line = (ReviewLine.objects.filter(node_id=OuterRef("node_id"), month=month, abs_error__gt=0)
                .order_by("-abs_error", "part_id").values("pk")[:1])
    tops = dict(ReviewMonth.objects.filter(pk__in=[r.pk for r in now]).annotate(top=Subquery(top_line))
                .values_list("node_id", "top"))
    lines = ReviewLine.objects.select_related("node", "part").in_bulk([pk for pk in tops.values() if pk])
    region_of = dict(Node.objects.filter(code__in={f["node"] for f in flagged}).values_list("code", "region_id"))
    closed = [region_of.get(f["node"]) for f in flagged if f.get("closed", "")[:7] == f"{month:%Y-%m}"]
    total_error = sum(r.abs_error for r in now) if scope is None else 0.0
    regions: dict[int, list[Any]] = {}
    for row in now:
        regions.setdefault(row.node.region_id, []).append(row)
    out = []
    for members in regions.values():
        region = members[0].node.region
        series = sum(r.series for r in members)
        actual, error = sum(r.actual for r in members), sum(r.abs_error for r in members)
        earlier = [before[r.node_id] for r in members if r.node_id in before]  # the same nodes only
        rated = sorted((_accuracy(r.actual, r.abs_error), r.node.code) for r in members if r.actual > 0)
        worst = max((lines[tops[r.node_id]] for r in members if tops.get(r.node_id) in lines),
                    key=lambda line: (line.abs_error, line.node.code), default=None)
        out.append({
            "region": region.code, "name": region.name, "series": series,
            "accuracy": _accuracy(actual, error),
            "accuracy_last": (_accuracy(sum(r.actual for r in earlier), sum(r.abs_error for r in earlier))
                              if earlier else None),
            "weakest_node": rated[0][1] if len(rated) > 1 else None,
            "weakest_accuracy": rated[0][0] if len(rated) > 1 else None,
            "error_share": error / total_error if total_error > 0 else None,
            "flagged": closed.count(region.pk),
            "biggest_miss": None if worst is None else {
                "node": worst.node.code, "part": worst.part.number, "forecast": round(worst.forecast, 1),
                "actual": worst.actual},
        })
    return sorted(out, key=lambda r: (-(r["error_share"] or 0), r["accuracy"] is None, r["accuracy"] or 0, r["region"]))
