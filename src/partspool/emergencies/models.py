"""Emergency cases, their timeline, the ledger and the quarterly emergency budget (SPEC C2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmergencyCase(models.Model):
    """A customer needs a part the center lacks (紧急缺货)."""

    class CustomerType(models.TextChoices):
        VIP = "vip", _("VIP")
        ENTERPRISE = "enterprise", _("Enterprise customer")
        INFLUENCER = "influencer", _("Influencer or media")
        REGULAR = "regular", _("Regular customer")
        NEW = "new", _("New customer")

    class Risk(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SOURCING = "sourcing", _("sourcing")
        SOURCE_FOUND = "source_found", _("source found")
        ARRIVED = "arrived", _("part arrived")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    center = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("center"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    customer_name = models.CharField(_("customer"), max_length=100)
    customer_type = models.CharField(_("customer type"), max_length=20, choices=CustomerType.choices)
    ltv = models.DecimalField(_("lifetime value"), max_digits=12, decimal_places=2)
    followers = models.PositiveIntegerField(_("followers"), default=0)
    complaints = models.PositiveSmallIntegerField(_("earlier complaints"), default=0)
    part = models.ForeignKey("network.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    deadline = models.DateTimeField(_("customer's deadline"))
    vehicle_usable = models.BooleanField(_("vehicle usable"), default=True)
    safety = models.CharField(_("safety risk"), max_length=10, choices=Risk.choices)
    opinion = models.CharField(_("public-opinion risk"), max_length=10, choices=Risk.choices)
    impact = models.CharField(_("business impact"), max_length=10, choices=Risk.choices)
    computed_level = models.PositiveSmallIntegerField(_("computed level"))
    level = models.PositiveSmallIntegerField(_("response level"))
    triage = models.JSONField(_("why this level"), default=dict)
    override_reason = models.TextField(_("override reason"), blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    sourcing_started_at = models.DateTimeField(_("sourcing started"), null=True, blank=True)
    source_found_at = models.DateTimeField(_("source found"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("part arrived"), null=True, blank=True)
    last_customer_update_at = models.DateTimeField(_("customer last updated"), null=True, blank=True)
    plan = models.JSONField(_("chosen sourcing plan"), default=dict, blank=True)
    extra_cost = models.DecimalField(_("extra cost"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("emergency case (紧急调货)")
        verbose_name_plural = _("emergency cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="case_quantity_positive"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="case_level_1_to_3"),
            models.CheckConstraint(condition=Q(ltv__gte=0), name="case_ltv_non_negative"),
            models.CheckConstraint(condition=Q(level=models.F("computed_level")) | ~Q(override_reason=""),
                                   name="case_override_has_reason"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"EC-{self.pk:06d}"


class CaseEvent(models.Model):
    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=30)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
