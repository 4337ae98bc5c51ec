"""Forecast runs per node × part with their method and explanation (SPEC C4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ForecastRun(models.Model):
    """One forecasting run over a set of nodes: what was asked, how long it took, what won."""

    created_at = models.DateTimeField(_("run at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("run by"))
    horizon = models.PositiveSmallIntegerField(_("horizon (months)"))
    method = models.CharField(_("method asked"), max_length=100, default="auto")
    engine = models.CharField(_("engine"), max_length=10, default="local")
    history_end = models.DateField(_("last month of history"))
    series = models.PositiveIntegerField(_("series"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    nodes = models.ManyToManyField("network.Node", related_name="+", verbose_name=_("nodes"))

    class Meta:
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"FR-{self.pk:05d}"

    @property
    def number(self) -> str:
        return str(self)


class ForecastSeries(models.Model):
    """The forecast of one node × part: the months ahead with their 80% interval, and why this method."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="rows", verbose_name=_("run"))
    node = models.ForeignKey("network.Node", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    part = models.ForeignKey("network.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    method = models.CharField(_("method"), max_length=300)
    first_month = models.DateField(_("first month forecast"))
    forecast = models.JSONField(_("forecast per month"), default=list)
    # xgettext:no-python-format
    lo = models.JSONField(_("80% interval, low"), default=list)
    # xgettext:no-python-format
    hi = models.JSONField(_("80% interval, high"), default=list)
    explanation = models.JSONField(_("why this method"), default=dict, blank=True)

    class Meta:
        verbose_name = _("forecast of a node and part")
        verbose_name_plural = _("forecasts of nodes and parts")
        constraints = [models.UniqueConstraint(fields=["run", "node", "part"], name="one_series_per_run")]
        indexes = [models.Index(fields=["node", "part", "first_month"], name="forecast_node_part_month")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.node_id}×{self.part_id}"
