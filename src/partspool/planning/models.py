"""Forecast runs per node × part with their method and explanation (SPEC C4)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_HORIZON = 24  # months a run may forecast


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


class ForecastJob(models.Model):
    """A forecast run asked for from a page and worked out in the background (a network's run takes
    minutes; the page shows how it is going instead of waiting on one request)."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job", "queued")
        RUNNING = "running", pgettext_lazy("job", "running")
        DONE = "done", pgettext_lazy("job", "done")
        FAILED = "failed", pgettext_lazy("job", "failed")

    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("asked by"))
    parameters = models.JSONField(_("parameters"), default=dict)
    series = models.PositiveIntegerField(_("series"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    run = models.ForeignKey(ForecastRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("run"))
    error = models.JSONField(_("error"), default=dict, blank=True)  # the DomainError's code and data

    class Meta:
        verbose_name = _("forecast job")
        verbose_name_plural = _("forecast jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"FJ-{self.pk:05d}"


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


def _share(name: str, default: float, least: float = 0.0) -> models.FloatField:  # type: ignore[type-arg]
    return models.FloatField(name, default=default, validators=[MinValueValidator(least), MaxValueValidator(1.0)])


class PlanningSettings(models.Model):
    """The planning rules a planner may change (one row): ABC cut-offs, each class's promise, the
    forecast-accuracy targets, the KPI targets, the surplus margin and rebalancing distance, and the
    annual plan's factors. Defaults are the source's values (PartsPool's own where it has none)."""

    abc_basis = models.CharField(_("ABC by"), max_length=10, default="quantity",
                                 choices=[("quantity", _("demand in units")), ("value", _("demand value"))])
    abc_a_cut = _share(_("class A up to this share of demand"), 0.70)
    abc_b_cut = _share(_("class B up to this share of demand"), 0.95)
    service_a = _share(_("class A availability target"), 0.95, least=0.01)
    service_b = _share(_("class B availability target"), 0.85, least=0.01)
    service_c = _share(_("class C availability target"), 0.70, least=0.01)
    days_a = models.PositiveSmallIntegerField(_("class A delivery days"), default=3,
                                              validators=[MaxValueValidator(365)])
    days_b = models.PositiveSmallIntegerField(_("class B delivery days"), default=5,
                                              validators=[MaxValueValidator(365)])
    days_c = models.PositiveSmallIntegerField(_("class C delivery days"), default=10,
                                              validators=[MaxValueValidator(365)])
    accuracy_a = _share(_("class A forecast accuracy target"), 0.80)
    accuracy_b = _share(_("class B forecast accuracy target"), 0.70)
    kpi_availability = _share(_("availability target"), 0.95)
    kpi_turnover = models.FloatField(_("turnover target per year"), default=5.0, validators=[MinValueValidator(0.0)])
    kpi_overstock = _share(_("overstock share limit"), 0.08)
    kpi_emergency_cost_share = _share(_("emergency cost share limit"), 0.03)
    kpi_supplier_on_time = _share(_("supplier on-time target"), 0.92)
    kpi_satisfaction = models.FloatField(_("satisfaction target (0–10)"), default=8.5,
                                         validators=[MinValueValidator(0.0), MaxValueValidator(10.0)])
    kpi_nps = models.FloatField(_("NPS target"), default=70.0,
                                validators=[MinValueValidator(-100.0), MaxValueValidator(100.0)])
    kpi_first_time_fix = _share(_("first-time fix target"), 0.85)
    kpi_budget_quarter = models.FloatField(
        _("quarterly parts budget, ¥ (0: the value of the last three months' demand)"), default=0.0,
        validators=[MinValueValidator(0.0)])
    surplus_margin_units = models.PositiveSmallIntegerField(
        _("units kept above the level before stock counts as surplus"), default=1, validators=[MaxValueValidator(10_000)])
    surplus_margin_share = _share(_("share of the level kept above it before stock counts as surplus"), 0.10)
    rebalance_max_km = models.FloatField(_("longest rebalancing move, km"), default=600.0,
                                         validators=[MinValueValidator(0.0), MaxValueValidator(100_000.0)])
    policy_review = models.CharField(_("stock levels reviewed"), max_length=5, default="month",
                                     choices=[("month", _("each month")), ("week", _("each week"))])
    policy_lead_months = models.PositiveSmallIntegerField(_("lead time with a monthly review, months"), default=1,
                                                          validators=[MaxValueValidator(12)])
    policy_lead_days = models.PositiveSmallIntegerField(_("lead time with a weekly review, days"), default=5,
                                                        validators=[MaxValueValidator(120)])
    annual_seasonal_weight = _share(_("annual plan: weight of last year's month against the monthly average"), 0.7)
    annual_growth_lower_factor = _share(_("annual plan: share of the growth kept when it is lower than expected"), 0.5)
    annual_cohort_uplift = models.FloatField(
        _("annual plan: extra use of wear parts by a car out of warranty (0.3 = +30%)"), default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(5.0)])
    annual_heat_uplift = models.FloatField(
        _("annual plan: extra demand of air-conditioning parts in a hot month of heat waves (0.25 = +25%)"),
        default=0.25, validators=[MinValueValidator(0.0), MaxValueValidator(5.0)])
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("planning settings")
        verbose_name_plural = _("planning settings")

    def __str__(self) -> str:
        return str(_("planning settings"))

    def clean(self) -> None:
        if not 0 < self.abc_a_cut <= self.abc_b_cut <= 1:
            raise ValidationError(_("The ABC cut-offs must satisfy 0 < A cut-off ≤ B cut-off ≤ 1."), code="abc_cuts")


class ReviewNote(models.Model):
    """Why a forecast missed in a month and what is done about it (the review's 原因 / 改进措施),
    written by the node's manager or the supply chain."""

    node = models.ForeignKey("network.Node", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    part = models.ForeignKey("network.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    month = models.DateField(_("month"))
    cause = models.CharField(_("cause"), max_length=300, blank=True)
    action = models.CharField(_("improvement"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("forecast review note")
        verbose_name_plural = _("forecast review notes")
        constraints = [models.UniqueConstraint(fields=["node", "part", "month"], name="one_review_note")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.node_id}×{self.part_id}"


class ReviewMonth(models.Model):
    """A node's month of the forecast review, stored once the month is over: the forecasts in force
    for it cannot change after that (a run made later is a back-test), so the review reads these
    instead of every run's forecasts again. Its lines are ``ReviewLine``; the totals are theirs.
    Changed demand of the month, or a run of it deleted or re-dated, removes it (it is stored again
    when next asked for)."""

    node = models.ForeignKey("network.Node", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    month = models.DateField(_("month"))
    series = models.PositiveIntegerField(_("series"), default=0)
    forecast = models.FloatField(_("forecast"), default=0.0)
    actual = models.FloatField(_("demand"), default=0.0)
    abs_error = models.FloatField(_("absolute error"), default=0.0)
    stored_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reviewed month of a node")
        verbose_name_plural = _("reviewed months of nodes")
        constraints = [models.UniqueConstraint(fields=["node", "month"], name="one_review_month")]
        indexes = [models.Index(fields=["month", "node"], name="review_month_month_node")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.node_id}"


class ReviewLine(models.Model):
    """One node × part of a ``ReviewMonth``: the forecast in force for the month and what was demanded."""

    node = models.ForeignKey("network.Node", on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    part = models.ForeignKey("network.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    month = models.DateField(_("month"))
    run = models.ForeignKey(ForecastRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("run"))
    method = models.CharField(_("method"), max_length=300)
    forecast = models.FloatField(_("forecast"))
    actual = models.FloatField(_("demand"))
    abs_error = models.FloatField(_("absolute error"))

    class Meta:
        verbose_name = _("reviewed forecast")
        verbose_name_plural = _("reviewed forecasts")
        constraints = [models.UniqueConstraint(fields=["node", "part", "month"], name="one_review_line")]
        indexes = [models.Index(fields=["month", "abs_error"], name="review_line_month_error"),
                   models.Index(fields=["node", "month", "abs_error"], name="review_line_node_month_error")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.node_id}×{self.part_id}"
