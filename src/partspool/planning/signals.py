"""Keep the forecast review's stored months true: changed demand of a month, a run deleted, re-dated
or given other nodes, or a forecast edited on its own, removes the node-months they touch
(``review_store.forget``); they are worked out again when asked.

Not caught: ``QuerySet.update`` of demand, runs or forecasts (Django sends no signal), and forecasts
deleted apart from their run (a receiver would make deleting a run load and signal its hundreds of
thousands of forecasts one by one). The application does neither; a change made so by
hand is followed by ``partspool review-store --again --from … --to …`` over the months it touched."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver

from partspool.network.models import DemandRecord, Part
from partspool.network.signals import demand_changed
from partspool.planning.models import ForecastRun, ForecastSeries, ReviewLine
from partspool.planning.review_store import forget, forget_run, run_months


@receiver(post_save, sender=DemandRecord)
def _demand_saved(sender: Any, instance: DemandRecord, **kwargs: Any) -> None:
    forget([(instance.node_id, instance.month)])


# No receiver for deleted demand: nothing deletes demand records one by one (imports upsert, the
# admin does not list them), and a post_delete receiver would make every bulk delete (the demo's
# reset, a node's cascade) load and signal its rows one by one. A node's stored months go with it.


@receiver(pre_delete, sender=Part)
def _part_deleted(sender: Any, instance: Part, **kwargs: Any) -> None:
    # its lines go with it; the node-months' totals that counted them are worked out again
    forget(ReviewLine.objects.filter(part=instance).values_list("node_id", "month").distinct())


@receiver(demand_changed)
def _demand_imported(sender: Any, keys: Any, **kwargs: Any) -> None:
    forget(keys)


@receiver(pre_delete, sender=ForecastRun)
def _run_deleted(sender: Any, instance: ForecastRun, **kwargs: Any) -> None:
    forget_run(instance)


# What decides which run is in force for a month (review_store's docstring): a change to any of these
# on a saved run changes the months it was, or now is, in force for. The pairs are worked out before
# the write (the old values are gone after it) and forgotten after it, once it commits (at once when
# there is no transaction): forgetting takes the review lock of the nodes, which must not be held
# through a long transaction, and a month stored meanwhile from the old state is removed then.
_IN_FORCE_FIELDS = ("created_at", "history_end", "horizon")
_PENDING = "_review_forget"  # the pairs a pre_ signal found, on the instance, for the post_ signal


def _forget_on_commit(pairs: list[tuple[int, Any]]) -> None:
    if pairs:
        transaction.on_commit(lambda: forget(pairs))


def _after_write(instance: Any) -> None:
    _forget_on_commit(getattr(instance, _PENDING, None) or [])
    setattr(instance, _PENDING, None)


@receiver(pre_save, sender=ForecastRun)
def _run_changing(sender: Any, instance: ForecastRun, raw: bool = False, **kwargs: Any) -> None:
    setattr(instance, _PENDING, None)
    if raw or instance.pk is None:
        return
    before = ForecastRun.objects.filter(pk=instance.pk).first()
    if before is not None and any(getattr(before, f) != getattr(instance, f) for f in _IN_FORCE_FIELDS):
        nodes = list(sender.nodes.through.objects.filter(forecastrun_id=instance.pk).values_list("node_id", flat=True))
        # the months it was in force for, and those it is in force for now
        setattr(instance, _PENDING, [(n, m) for n in nodes for m in run_months(before) + run_months(instance)])


@receiver(post_save, sender=ForecastRun)
def _run_changed(sender: Any, instance: ForecastRun, raw: bool = False, **kwargs: Any) -> None:
    _after_write(instance)


@receiver(m2m_changed, sender=ForecastRun.nodes.through)
def _run_nodes_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                       **kwargs: Any) -> None:
    if reverse:  # nodes have no manager of their runs
        return
    if action == "pre_clear":  # which nodes go is known only before
        nodes = set(sender.objects.filter(forecastrun_id=instance.pk).values_list("node_id", flat=True))
        setattr(instance, _PENDING, [(n, m) for n in nodes for m in run_months(instance)])
    elif action == "post_clear":
        _after_write(instance)
    elif action in ("post_add", "post_remove"):
        _forget_on_commit([(n, m) for n in pk_set or () for m in run_months(instance)])


def _series_months(node_id: int, first: Any, values: Any) -> list[tuple[int, Any]]:
    from partspool.planning.selectors import month_add

    return [(node_id, month_add(first, k)) for k in range(len(values or []))]


@receiver(pre_save, sender=ForecastSeries)
def _forecast_saving(sender: Any, instance: ForecastSeries, raw: bool = False, **kwargs: Any) -> None:
    # a run's own series are written in bulk (no signal) and its months forgotten once it commits;
    # this is a forecast written or edited on its own afterwards: the months it covered before (its
    # first month or its length may change) and those it covers now
    setattr(instance, _PENDING, None)
    if raw:
        return
    before = (ForecastSeries.objects.filter(pk=instance.pk).values_list("node_id", "first_month", "forecast").first()
              if instance.pk is not None else None)
    pairs = _series_months(instance.node_id, instance.first_month, instance.forecast)
    if before is not None:
        pairs += _series_months(*before)
    setattr(instance, _PENDING, pairs)


@receiver(post_save, sender=ForecastSeries)
def _forecast_saved(sender: Any, instance: ForecastSeries, raw: bool = False, **kwargs: Any) -> None:
    _after_write(instance)
