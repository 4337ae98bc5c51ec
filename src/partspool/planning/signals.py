"""Keep the forecast review's stored months true: changed demand of a month, or a run deleted,
removes the node-months they touch (``review_store.forget``); they are worked out again when asked."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from partspool.network.models import DemandRecord
from partspool.network.signals import demand_changed
from partspool.planning.models import ForecastRun
from partspool.planning.review_store import forget, forget_run


@receiver(post_save, sender=DemandRecord)
@receiver(post_delete, sender=DemandRecord)
def _demand_saved(sender: Any, instance: DemandRecord, **kwargs: Any) -> None:
    forget([(instance.node_id, instance.month)])


@receiver(demand_changed)
def _demand_imported(sender: Any, keys: Any, **kwargs: Any) -> None:
    forget(keys)


@receiver(pre_delete, sender=ForecastRun)
def _run_deleted(sender: Any, instance: ForecastRun, **kwargs: Any) -> None:
    forget_run(instance)
