"""Forecast runs: demand history → the forecasting core → stored per node × part with the reasons."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils.translation import gettext

from partspool.accounts.permissions import CENTRAL_ROLES, can_manage_node, require_role
from partspool.core.forecasting import ForecastInputError, canonical_method, forecast, valid_methods
from partspool.core.forecasting.settings import DEFAULT_SETTINGS
from partspool.errors import InvalidInput, NotPermitted, control_character
from partspool.network.models import DemandRecord, Node, Part
from partspool.network.selectors import months_back
from partspool.planning.models import (
    MAX_HORIZON,
    ForecastJob,
    ForecastRun,
    ForecastSeries,
    ReviewLine,
    ReviewNote,
)
from partspool.planning.policy import families, supersession_heads
from partspool.planning.review_store import store_months
from partspool.planning.selectors import (
    demand_panel,
    last_complete_month,
    split_id,
    visible_nodes,
)

if TYPE_CHECKING:
    from partspool.accounts.models import User

HISTORY_MONTHS = 36
# A page or API request forecasts at most this many node × part series (about a minute with auto);
# larger runs go through the command line as batch jobs, on Dask when one machine is not enough.
INTERACTIVE_MAX_SERIES = 50_000


def _check(horizon: int, method: str, engine: str) -> str:
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON:
        raise InvalidInput("forecast_horizon", horizon=horizon, most=MAX_HORIZON)
    if engine not in ("local", "dask"):
        raise InvalidInput("invalid_choice", field=gettext("the engine (local or dask)"), value=engine,
                           parameter="engine")
    try:
        return canonical_method(method)
    except ForecastInputError:
        raise InvalidInput("invalid_choice", field=gettext("the method (auto or one of %(methods)s)") % {
            "methods": ", ".join(m for m in valid_methods() if m != "auto")}, value=method,
            parameter="method") from None


def _checked(user: User, nodes: list[str] | None, horizon: int, method: str, engine: str,
             history_end: date | None) -> tuple[str, list[Node], date]:
    """A run's request checked (the method's canonical name, the nodes, the history's last month)."""
    require_role(user)
    method = _check(horizon, method, engine)
    if engine == "dask" and user.role not in CENTRAL_ROLES:  # a cluster is the supply chain's, for big runs
        raise NotPermitted("dask_central_only")
    chosen = visible_nodes(user, nodes)
    end = history_end or last_complete_month()
    if end > last_complete_month():
        raise InvalidInput("history_end_future", month=f"{end:%Y-%m}")
    return method, chosen, end


def series_count(chosen: list[Node], end: date) -> int:
    """How many node × part series a run over ``chosen`` to ``end`` forecasts (at most: a part replaced
    by another is forecast with it)."""
    return (DemandRecord.objects.filter(node__in=chosen, month__gt=months_back(end, HISTORY_MONTHS),
                                        month__lte=end, quantity__gt=0)
            .values("node_id", "part_id").distinct().count())


def forecast_run(*, user: User, nodes: list[str] | None = None, horizon: int = 3, method: str = "auto",
                 engine: str = "local", history_end: date | None = None,
                 max_series: int | None = None) -> ForecastRun:
    """Forecast every part with demand at the chosen nodes (default: all the user manages), from the
    36 months of history up to ``history_end`` (default: last complete month), and keep the results.
    ``max_series`` (pages and API) refuses a run with more node × part series than that, before any work."""
    method, chosen, end = _checked(user, nodes, horizon, method, engine, history_end)
    if max_series is not None:
        count = series_count(chosen, end)
        if count > max_series:
            raise InvalidInput("run_too_large", series=count, most=max_series)
    frame = demand_panel(chosen, months=HISTORY_MONTHS, end=end)
    if frame.empty:
        raise InvalidInput("no_history")
    # a part replaced by another (a supersession in force by the first month forecast) is forecast as its
    # family: its demand, month by month, is counted as its last successor's at the same node, as the
    # stock levels count it; the replaced part gets no series of its own
    heads = supersession_heads(end)
    frame, folded = families(frame, heads)
    started = time.perf_counter()
    try:
        # a series with too little history to back-test (a node whose records start late) is forecast by its
        # average, and its explanation says why, rather than the whole run refused
        result = forecast(frame, horizon, method=method, engine=engine,
                          settings=dataclasses.replace(DEFAULT_SETTINGS, short_series="fallback"))
    except ForecastInputError as error:
        raise InvalidInput("forecast_input", detail=str(error)) from None
    seconds = time.perf_counter() - started
    replaces: dict[tuple[str, str], list[dict[str, str | None]]] = {}
    for (code, old), head in sorted(folded.items()):
        replaces.setdefault((code, head), []).append({"part": old, "since": heads[old][1]})
    return _store(user, chosen, result, horizon, method, engine, end, seconds, replaces,
                  {old: head for old, (head, _on) in heads.items()})


def _store(user: User, chosen: list[Node], result: Any, horizon: int, method: str, engine: str, end: date,
           seconds: float, replaces: dict[tuple[str, str], list[dict[str, str | None]]] | None = None,
           successors: dict[str, str] | None = None) -> ForecastRun:
    """Keep the run and its series. ``replaces``: per (node, successor), the parts whose demand its series
    includes (``families``); the run's summary keeps each replaced part's successor (``replaced``), and
    every supersession in force for the run (``successors``: also those of parts with no history at its
    nodes), by which the review counts a replaced part's later demand against its successor's forecast."""
    replaces = replaces or {}
    choices = result.choices.set_index("unique_id")
    fc = result.forecasts.sort_values(["unique_id", "ds"], kind="stable")
    node_ids = {n.code: n.pk for n in chosen}
    part_ids = dict(Part.objects.values_list("number", "id"))
    # What the back-tests chose: the single best method per series (the forecast may combine the top ones).
    won = (choices["winner"] if "winner" in choices else choices["method"]).value_counts().to_dict()
    combined = int(choices["method"].astype(str).str.contains(r"\[", regex=True).sum())
    rows = []
    for uid, group in fc.groupby("unique_id", sort=False):
        node_code, part_number = split_id(str(uid))
        c = choices.loc[uid]
        rows.append(ForecastSeries(
            node_id=node_ids[node_code], part_id=part_ids[part_number], method=str(c["method"])[:300],
            first_month=pd.Timestamp(group["ds"].iloc[0]).date(),
            forecast=[round(float(v), 3) for v in group["forecast"]], lo=[round(float(v), 3) for v in group["lo"]],
            hi=[round(float(v), 3) for v in group["hi"]],
            explanation={k: _plain(c[k]) for k in ("winner", "winner_rmsse", "runner_up", "runner_up_rmsse",
                                                   "margin", "rmsse", "bias", "accuracy", "origins", "weights", "alive", "adjusted")
                         if k in c.index} | ({"replaces": replaces[(node_code, part_number)]}
                                             if (node_code, part_number) in replaces else {}),
        ))
    with transaction.atomic():
        run = ForecastRun.objects.create(
            created_by=user, horizon=horizon, method=method, engine=engine, history_end=end, series=len(rows),
            seconds=round(seconds, 3), summary={"methods_won": {str(k): int(v) for k, v in won.items()}, "combined": combined,
                                                "frequency": str(getattr(result.frequency, "code", "")),
                                                "obsolescence": _obsolescence(result),
                                                "origin_decay": _decay(result),
                                                "panel_growth": _growth(result),
                                                "replaced": {row["part"]: head for (_code, head), rows in
                                                             sorted(replaces.items()) for row in rows},
                                                "successors": dict(sorted((successors or {}).items()))})
        run.nodes.set(chosen)
        for row in rows:
            row.run = run
        ForecastSeries.objects.bulk_create(rows, batch_size=2000)
        # a run written across the end of a month (a long one, or a clock behind) is in force for the
        # month its created_at falls in: a review stored meanwhile without it is worked out again once
        # it commits (``run.nodes.set`` above queued that: planning.signals._run_nodes_changed)
    return run


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if number != number else round(number, 4)  # NaN → None


NOTE_MAX = 300


def review_note(*, user: User, month: date, node: Node, part: Part, cause: str, action: str) -> ReviewNote | None:
    """Record why a node × part's forecast missed in ``month`` and what is done about it; both empty
    deletes the note. Only the node's manager (or the supply chain) may write it."""
    require_role(user)
    if not can_manage_node(user, node):
        raise NotPermitted("node_not_managed", node=node.code)
    if month > last_complete_month():
        raise InvalidInput("review_month_open", month=f"{month:%Y-%m}")
    cause, action = (cause or "").strip(), (action or "").strip()
    for name, text in (("cause", cause), ("action", action)):
        if control_character(text):
            raise InvalidInput("control_character", field=str(ReviewNote._meta.get_field(name).verbose_name))
        if len(text) > NOTE_MAX:
            raise InvalidInput("text_too_long", field=str(ReviewNote._meta.get_field(name).verbose_name),
                               most=NOTE_MAX)
    if not cause and not action:
        ReviewNote.objects.filter(node=node, part=part, month=month).delete()
        return None
    store_months(month, month, {node.pk})
    if not ReviewLine.objects.filter(node=node, part=part, month=month).exists():
        from partspool.planning.policy import supersession_heads

        head = supersession_heads(month).get(part.number)
        if head is not None and ReviewLine.objects.filter(node=node, part__number=head[0], month=month).exists():
            raise InvalidInput("review_note_replaced", part=part.number, successor=head[0], node=node.code)
        raise InvalidInput("review_note_no_forecast", node=node.code, part=part.number, month=f"{month:%Y-%m}")
    note, _created = ReviewNote.objects.update_or_create(
        node=node, part=part, month=month, defaults={"cause": cause, "action": action, "updated_by": user})
    return note


def _obsolescence(result: Any) -> dict[str, Any] | None:
    """What the obsolescence model said of the run (``None``: not applied — a named method, or too few
    series with demand to fit it, so a run's forecasts can be told apart)."""
    model = getattr(result, "obsolescence", None)
    if model is None:
        return None
    alive = result.choices["alive"].astype(float).round(4)  # as stored per series, so every view counts alike
    rate = result.chances.stop_rate if result.chances is not None else model.stop_rate  # per period
    return {"stop_rate": round(float(rate), 6), "fitted_on": int(model.series),
            "likely_stopped": int((alive < 0.5).sum())}


def _growth(result: Any) -> dict[str, Any] | None:
    """The network's growth toward which ``auto`` shrank each series' own, and the seasonal profiles
    it found (``None``: not pooled — a named method, or too few series whose growth could be measured)."""
    prior = getattr(result, "growth", None)
    if prior is None:
        return None
    return {"percent": round(prior.percent, 1), "spread": round(prior.sd, 3), "measured_on": prior.series,
            "yearly": prior.yearly, "season_profiles": prior.profiles}


def _decay(result: Any) -> dict[str, Any] | None:
    """The weighting of the back-test's origins the run chose from its own history (``None``: the
    setting's, as with a named method or too few series to judge)."""
    choice = getattr(result, "decay", None)
    if choice is None:
        return None
    return {"decay": choice.decay, "setting": choice.setting, "best": choice.best, "z": round(choice.z, 2),
            "switched": choice.switched, "judged_on": choice.series,
            "scores": {f"{d:g}": round(v, 4) for d, v in choice.scores}}


# A page runs a forecast of up to this many series while the user waits (a few seconds); a larger one
# becomes a ``ForecastJob`` worked out in the background, its page showing how it is going.
WAIT_MAX_SERIES = 2_000
JOB_STALE_HOURS = 2  # a job still unfinished after this long was cut short (a 50,000-series run takes minutes)
JOB_SLOTS = 2  # forecasts worked out at once in one server process; more wait their turn, queued
_SLOTS = threading.BoundedSemaphore(JOB_SLOTS)


def unfinished_jobs(user: User | None = None) -> Any:
    """Jobs queued or running, not yet stale (``user``: only theirs)."""
    from datetime import timedelta

    from django.utils import timezone

    rows = ForecastJob.objects.filter(status__in=[ForecastJob.Status.QUEUED, ForecastJob.Status.RUNNING],
                                      created_at__gte=timezone.now() - timedelta(hours=JOB_STALE_HOURS))
    return rows if user is None else rows.filter(created_by=user)


def interrupt_unfinished_jobs() -> int:
    """Mark the jobs a stopped server left unfinished as cut short (call when the server starts)."""
    from django.utils import timezone

    return ForecastJob.objects.filter(status__in=[ForecastJob.Status.QUEUED, ForecastJob.Status.RUNNING]).update(
        status=ForecastJob.Status.FAILED, finished_at=timezone.now(), error={"code": "job_interrupted", "data": {}})


def start_forecast_job(*, user: User, nodes: list[str] | None = None, horizon: int = 3, method: str = "auto",
                       engine: str = "local", history_end: date | None = None,
                       max_series: int | None = INTERACTIVE_MAX_SERIES) -> ForecastJob:
    """Check a run's request as ``forecast_run`` does (bad input is refused now, not later), keep it as a
    job and work it out in a thread of this process once the job is saved. Returns the job."""
    method, chosen, end = _checked(user, nodes, horizon, method, engine, history_end)
    return _job(user, chosen, horizon, method, engine, end, series_count(chosen, end), max_series)


def forecast_now_or_later(*, user: User, nodes: list[str] | None = None, horizon: int = 3, method: str = "auto",
                          engine: str = "local", history_end: date | None = None) -> ForecastRun | ForecastJob:
    """A page's forecast (at most ``INTERACTIVE_MAX_SERIES`` series): made while the user waits up to
    ``WAIT_MAX_SERIES`` series, else a job (``start_forecast_job``); the request is checked and its
    series counted once."""
    method, chosen, end = _checked(user, nodes, horizon, method, engine, history_end)
    count = series_count(chosen, end)
    if count > INTERACTIVE_MAX_SERIES:
        raise InvalidInput("run_too_large", series=count, most=INTERACTIVE_MAX_SERIES)
    if count > WAIT_MAX_SERIES:
        return _job(user, chosen, horizon, method, engine, end, count, None)
    return forecast_run(user=user, nodes=[n.code for n in chosen], horizon=horizon, method=method,
                        engine=engine, history_end=end)


def _job(user: User, chosen: list[Node], horizon: int, method: str, engine: str, end: date, count: int,
         max_series: int | None) -> ForecastJob:
    if max_series is not None and count > max_series:
        raise InvalidInput("run_too_large", series=count, most=max_series)
    if count == 0:
        raise InvalidInput("no_history")
    waiting = unfinished_jobs(user).first()
    if waiting is not None:  # one at a time per user (a second press of the button makes no second job)
        raise InvalidInput("job_running", job=str(waiting))
    job = ForecastJob.objects.create(created_by=user, series=count, parameters={
        "nodes": [n.code for n in chosen], "horizon": horizon, "method": method, "engine": engine,
        "history_end": f"{end:%Y-%m-%d}"})
    transaction.on_commit(lambda: threading.Thread(target=run_job, args=(job.pk,), name=f"forecast-{job.pk}",
                                                   daemon=True).start())
    return job


def run_job(job_id: int) -> None:
    """Work out a queued job (in its own thread: closes its database connection when done)."""
    from django.db import connection
    from django.utils import timezone

    from partspool.errors import DomainError

    slots = _SLOTS
    slots.acquire()  # at most JOB_SLOTS forecasts at once: the others wait here, queued
    try:
        claimed = _retried(lambda: ForecastJob.objects.filter(pk=job_id, status=ForecastJob.Status.QUEUED).update(
            status=ForecastJob.Status.RUNNING, started_at=timezone.now()))
        if not claimed:
            return
        job = ForecastJob.objects.select_related("created_by").get(pk=job_id)
        p = job.parameters
        try:
            run = forecast_run(user=job.created_by, nodes=p["nodes"], horizon=p["horizon"], method=p["method"],
                               engine=p["engine"], history_end=date.fromisoformat(p["history_end"]))
        except DomainError as error:
            ended = {"status": ForecastJob.Status.FAILED, "error": {"code": error.code, "data": _plain_data(error.data)}}
        except Exception:  # the job must end: logged in full, the user told it failed (not the internals)
            logging.getLogger(__name__).exception("forecast job %s failed", job_id)
            ended = {"status": ForecastJob.Status.FAILED, "error": {"code": "job_failed", "data": {}}}
        else:
            ended = {"status": ForecastJob.Status.DONE, "run": run}
        _retried(lambda: ForecastJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **ended))
    finally:
        slots.release()
        connection.close()


def _retried(write: Any, attempts: int = 50, pause: float = 0.1) -> Any:
    """``write()``, tried again while SQLite says the table is locked. A shared-cache SQLite (the tests'
    in-memory database) refuses at once instead of waiting, and a job left unclaimed would stay queued for
    good; a server's file database waits by itself, and PostgreSQL never says so."""
    import time

    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            return write()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(pause)
    return None


def _plain_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in data.items()}


def job_status(user: User, job_id: int) -> dict[str, Any]:
    """A job the user asked for (the supply chain: any), as plain data: its status, the run it made, the
    error it ended on (in the user's language), seconds so far. A job left running longer than
    ``JOB_STALE_HOURS`` is reported failed (the server stopped while it ran)."""
    from datetime import timedelta

    from django.utils import timezone

    from partspool.errors import DomainError, NotFound

    require_role(user)
    rows = ForecastJob.objects.all() if user.role in CENTRAL_ROLES else ForecastJob.objects.filter(created_by=user)
    job = rows.filter(pk=job_id).first()
    if job is None:
        raise NotFound("not_found")
    status, error = job.status, job.error
    now = timezone.now()
    if status in (ForecastJob.Status.QUEUED, ForecastJob.Status.RUNNING) and \
            now - job.created_at > timedelta(hours=JOB_STALE_HOURS):
        status, error = ForecastJob.Status.FAILED, {"code": "job_interrupted", "data": {}}
    if status == ForecastJob.Status.DONE and job.run_id is None:  # the run it made was deleted since
        error = {"code": "job_run_deleted", "data": {}}
    message = DomainError(error["code"], **error.get("data", {})).message() if error else None
    since = job.started_at or job.created_at
    return {"id": job.pk, "number": str(job), "status": str(status), "series": job.series,
            "parameters": job.parameters, "run": job.run_id, "error": error.get("code") if error else None,
            "message": message, "seconds": round(((job.finished_at or now) - since).total_seconds(), 1)}
