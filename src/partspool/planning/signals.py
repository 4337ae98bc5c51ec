"""Keep the forecast review's stored months true: changed demand of a month, or a run deleted,
removes the node-months they touch (``review_store.forget``); they are worked out again when asked."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from partspool.network.models import DemandRecord, Part
from partspool.network.signals import demand_changed
from partspool.planning.models import ForecastRun, ReviewLine
from partspool.planning.review_store import forget, forget_run


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
