"""The forecast review's months, stored once they are over (``ReviewMonth`` and its ``ReviewLine``).

A month's review compares, per node × part, the forecast of **the run in force** with what was
demanded. The run in force at a node for a month is the latest run covering the node whose history
ended before the month (so the month was truly ahead), whose horizon reaches it, and that was made
before the month was over; a run made later with an old history is a back-test, listed with the
runs but never rewriting a month's review. Demand for a part that run did not forecast is a miss
at forecast 0, method "—" (otherwise new demand would count as neither demand nor error, and raise
the accuracy). Demand for a part that run forecast with its successor (a supersession in force when
it was made) counts as the successor's: the two are one family's demand, forecast once.

Once a month is over, nothing made later can change which run was in force, so each node's month is
worked out once and stored; the review then sums stored lines in the database instead of reading
twelve months of every run's forecasts on each visit (which grew with the network: 647,000 series
took 11–15 s and 730 MB per page). A stored month is removed, and worked out again when next asked
for, when its demand changes (an import, an edit), or when one of its runs is deleted or re-dated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction

from partspool.network.models import DemandRecord, Node
from partspool.planning.models import ForecastRun, ForecastSeries, ReviewLine, ReviewMonth

NOT_FORECAST = "—"  # the method of demand that the run in force did not forecast
LOCK_SPACE = 7243  # first key of the PostgreSQL advisory locks that serialise storing and forgetting a node's months


def months_between(first: date, last: date) -> list[date]:
    from partspool.planning.selectors import month_add

    out, month = [], first
    while month <= last:
        out.append(month)
        month = month_add(month, 1)
    return out


def store_months(first: date, last: date, nodes: set[int] | None = None) -> int:
    """Work out and store every node's month from ``first`` to ``last`` (only months that are over)
    not stored yet; ``nodes`` (None: every node) narrows it. Returns the node-months stored."""
    from partspool.planning.selectors import last_complete_month

    last = min(last, last_complete_month())
    if first > last:
        return 0
    months = months_between(first, last)
    ids = set(Node.objects.values_list("pk", flat=True)) if nodes is None else set(nodes)
    stored = ReviewMonth.objects.filter(month__gte=first, month__lte=last)
    done = set((stored if nodes is None else stored.filter(node_id__in=ids)).values_list("node_id", "month"))
    missing: dict[int, set[date]] = defaultdict(set)
    for node_id in ids:
        for month in months:
            if (node_id, month) not in done:
                missing[node_id].add(month)
    folds: dict[int, dict[int, int]] = {}  # per run, read once for every node it covers
    return sum(_store_node(node_id, missing[node_id], folds) for node_id in sorted(missing))


def _lock(node_ids: Iterable[int]) -> None:
    """Hold the review lock of these nodes until the transaction ends (PostgreSQL advisory locks,
    taken in one order; SQLite's transactions here are IMMEDIATE and already take turns). Storing
    holds it from before it reads until it commits and forgetting takes it too, so demand imported
    while a month is being worked out is never lost: the import waits, then removes the month."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for node_id in sorted(set(node_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, node_id])


def _store_node(node_id: int, wanted: set[date], folds: dict[int, dict[int, int]] | None = None) -> int:
    """Work out and store one node's months (one node at a time bounds the memory: 20,000 parts ×
    12 months is 240,000 lines). Returns the months stored (0 when another process did it first)."""
    from partspool.planning.selectors import _runs_in_force, month_add

    with transaction.atomic():
        _lock([node_id])
        wanted = wanted - set(ReviewMonth.objects.filter(node_id=node_id, month__in=wanted)
                              .values_list("month", flat=True))
        if not wanted:
            return 0
        first, last = min(wanted), max(wanted)
        in_force = {key: run for key, run in _runs_in_force(first, last, {node_id}).items() if key[1] in wanted}
        demanded: dict[tuple[int, date], float] = defaultdict(float)
        if in_force:
            folds = {} if folds is None else folds
            unread = set(in_force.values()) - folds.keys()
            if unread:
                folds.update(_folds(unread))
            for part_id, month, quantity in DemandRecord.objects.filter(
                    node_id=node_id, month__gte=first, month__lte=last).values_list(
                    "part_id", "month", "quantity").iterator(chunk_size=5000):
                run_id = in_force.get((node_id, month))
                if run_id is not None:  # a part the run forecast with its successor counts as the successor
                    demanded[(folds.get(run_id, {}).get(part_id, part_id), month)] += float(quantity)
        lines: list[ReviewLine] = []
        rows = ForecastSeries.objects.filter(run_id__in=set(in_force.values()), node_id=node_id)
        for part_id, run_id, start, values, method in rows.values_list(
                "part_id", "run_id", "first_month", "forecast", "method").iterator(chunk_size=5000):
            for k, value in enumerate(values):
                month = month_add(start, k)
                if in_force.get((node_id, month)) == run_id:
                    actual = demanded.pop((part_id, month), 0.0)
                    lines.append(ReviewLine(node_id=node_id, part_id=part_id, month=month, run_id=run_id,
                                            method=method, forecast=float(value), actual=actual,
                                            abs_error=abs(float(value) - actual)))
        lines += [ReviewLine(node_id=node_id, part_id=p, month=m, run_id=in_force[(node_id, m)], method=NOT_FORECAST,
                             forecast=0.0, actual=q, abs_error=q) for (p, m), q in demanded.items() if q > 0]
        totals: dict[date, list[float]] = {m: [0, 0.0, 0.0, 0.0] for m in wanted}
        for line in lines:
            total = totals[line.month]
            total[0] += 1
            total[1] += line.forecast
            total[2] += line.actual
            total[3] += line.abs_error
        lines.sort(key=lambda line: (line.part_id, line.month))
        _delete({node_id: wanted})  # lines left by a month removed half-way, if any
        ReviewLine.objects.bulk_create(lines, batch_size=5000)
        ReviewMonth.objects.bulk_create([
            ReviewMonth(node_id=node_id, month=m, series=int(t[0]), forecast=t[1], actual=t[2], abs_error=t[3])
            for m, t in sorted(totals.items())])
    return len(wanted)


def _folds(runs: set[int]) -> dict[int, dict[int, int]]:
    """Per run: each part replaced by another in force for it, with its last successor, as part ids: those it
    forecast with their successor (its summary's ``replaced``), and those with no history at its nodes then
    (``successors``; a run made before this was kept has only the first), whose later demand the successor's
    forecast covers too."""
    from partspool.network.models import Part

    by_run = {pk: ((summary or {}).get("successors") or {}) | ((summary or {}).get("replaced") or {})
              for pk, summary in ForecastRun.objects.filter(pk__in=runs).values_list("pk", "summary")}
    numbers = {n for replaced in by_run.values() for pair in replaced.items() for n in pair}
    ids = dict(Part.objects.filter(number__in=numbers).values_list("number", "pk")) if numbers else {}
    return {pk: {ids[old]: ids[new] for old, new in replaced.items() if old in ids and new in ids}
            for pk, replaced in by_run.items()}


def _delete(pairs: dict[int, set[date]]) -> None:
    by_month: dict[date, set[int]] = defaultdict(set)
    for node_id, months in pairs.items():
        for month in months:
            by_month[month].add(node_id)
    for month, nodes in by_month.items():
        ReviewLine.objects.filter(month=month, node_id__in=nodes).delete()
        ReviewMonth.objects.filter(month=month, node_id__in=nodes).delete()


def forget(pairs: Iterable[tuple[int, date]]) -> None:
    """Remove the stored node-months ``(node_id, month)`` (their demand or their runs changed)."""
    wanted: dict[int, set[date]] = defaultdict(set)
    for node_id, month in pairs:
        wanted[node_id].add(month.replace(day=1))
    if not wanted:
        return
    stored = ReviewMonth.objects.filter(node_id__in=wanted, month__gte=min(min(m) for m in wanted.values()),
                                        month__lte=max(max(m) for m in wanted.values()))
    with transaction.atomic():
        _lock(wanted)  # waits for a store of these nodes under way, so what it stores is removed too
        present = {(n, m) for n, m in stored.values_list("node_id", "month") if m in wanted.get(n, ())}
        if present:
            _delete({n: {m for k, m in present if k == n} for n in {k for k, _m in present}})


def forget_months(first: date, last: date) -> None:
    """Remove every node's stored months from ``first`` to ``last`` (``review-store --again``), one node
    at a time: each node's lock is held only while its own lines go, so imports and visits at the
    other nodes go on meanwhile (national scale is millions of lines)."""
    stored: dict[int, list[date]] = defaultdict(list)
    for node_id, month in ReviewMonth.objects.filter(month__gte=first, month__lte=last).values_list(
            "node_id", "month"):
        stored[node_id].append(month)
    for node_id in sorted(stored):
        forget((node_id, m) for m in stored[node_id])


def run_months(run: ForecastRun) -> list[date]:
    """The months ``run`` forecast."""
    from partspool.planning.selectors import month_add

    return [month_add(run.history_end, k) for k in range(1, run.horizon + 1)]


def forget_run(run: ForecastRun) -> None:
    """Remove the stored months ``run`` forecast, at its nodes (it is being deleted or re-dated)."""
    months = run_months(run)
    nodes = list(ForecastRun.nodes.through.objects.filter(forecastrun_id=run.pk).values_list("node_id", flat=True))
    forget((n, m) for n in nodes for m in months)
