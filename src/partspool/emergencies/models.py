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
    impact = models.CharField(_("business impact"), max_length=10, choices=[
        ("severe", _("severe")), ("medium", _("medium")), ("minor", _("minor"))])
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
    # The ledger (紧急调货台账): filled when the case is closed.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    source_summary = models.CharField(_("source"), max_length=200, blank=True)
    hours_to_delivery = models.DecimalField(_("hours to delivery"), max_digits=8, decimal_places=1,
                                            null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction (0-10)"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=30, blank=True, choices=[
        ("forecast_miss", _("forecast miss")),
        ("supplier_delay", _("supplier delay")),
        ("safety_stock_low", _("safety stock too low")),
        ("quality_issue", _("quality issue (unexpected failures)")),
        ("new_model", _("new model, no history")),
        ("data_error", _("stock data wrong")),
        ("logistics", _("logistics problem")),
        ("other", _("other")),
    ])
    root_cause_note = models.TextField(_("root cause in words"), blank=True)
    improvement = models.TextField(_("improvement taken"), blank=True)

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
            models.CheckConstraint(condition=Q(extra_cost__gte=0), name="case_extra_cost_non_negative"),
            models.CheckConstraint(condition=Q(satisfaction__isnull=True) | Q(satisfaction__lte=10),
                                   name="case_satisfaction_0_to_10"),
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


class UnusualOffer(models.Model):
    """A source outside the network's stock, usable at level 1 only: a demo or test-drive car at the
    center, a verified third-party equivalent, a broker (展车拆件 · 通用件 · 配件商)."""

    class Kind(models.TextChoices):
        DEMO_CAR = "demo_car", _("demo / test-drive car")
        THIRD_PARTY = "third_party", _("third-party equivalent")
        BROKER = "broker", _("broker")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    center = models.ForeignKey("network.Node", on_delete=models.CASCADE, related_name="unusual_offers",
                               verbose_name=_("center"))
    part = models.ForeignKey("network.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    available = models.PositiveIntegerField(_("available"))
    hours = models.DecimalField(_("hours to get it"), max_digits=6, decimal_places=1)
    extra_cost = models.DecimalField(_("extra cost per use"), max_digits=10, decimal_places=2)
    unit_value = models.DecimalField(_("value of one unit"), max_digits=12, decimal_places=2, null=True, blank=True,
                                     help_text=_("empty: the part's own unit cost"))
    spec_match = models.BooleanField(_("full specification match"), default=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unusual source")
        verbose_name_plural = _("unusual sources")
        constraints = [
            models.CheckConstraint(condition=Q(extra_cost__gte=0) & Q(hours__gte=0), name="offer_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.part_id} @ {self.center_id}"


class CaseApproval(models.Model):
    """An approval a case needs: a sales manager releasing a demo car, the customer's consent to a
    third-party part, a broker checked, or the supply chain's approval of extra cost (budget)."""

    class Code(models.TextChoices):
        SALES_MANAGER = "sales_manager", _("sales manager releases the demo car")
        CUSTOMER_CONSENT = "customer_consent", _("customer consents to a third-party part")
        VERIFIED = "verified", _("broker and part verified")
        BUDGET = "budget", _("supply chain approves the extra cost")

    case = models.ForeignKey(EmergencyCase, on_delete=models.CASCADE, related_name="approvals",
                             verbose_name=_("case"))
    code = models.CharField(_("approval"), max_length=30, choices=Code.choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    granted_at = models.DateTimeField(_("at"), auto_now_add=True)
    approver = models.CharField(_("approved by (name)"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount approved"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case approval")
        verbose_name_plural = _("case approvals")
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_approval_per_code")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class EmergencyBudget(models.Model):
    """A center's emergency budget for one quarter, granted by the supply chain (应急预算)."""

    center = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="emergency_budgets",
                               verbose_name=_("center"))
    quarter = models.CharField(_("quarter"), max_length=7, help_text="2026Q4")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted"), auto_now=True)

    class Meta:
        verbose_name = _("emergency budget")
        verbose_name_plural = _("emergency budgets")
        ordering = ["-quarter", "center__code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "quarter"], name="one_budget_per_center_quarter"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.quarter}"


class BudgetDraw(models.Model):
    """What a case took from its center's quarterly budget (one row per case, updated at close)."""

    case = models.OneToOneField(EmergencyCase, on_delete=models.CASCADE, related_name="draw",
                                verbose_name=_("case"))
    center = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("center"))
    quarter = models.CharField(_("quarter"), max_length=7, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    over_cap = models.BooleanField(_("above the level's cap"), default=False)
    beyond_budget = models.BooleanField(_("beyond the remaining budget"), default=False)
    at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        verbose_name = _("budget draw")
        verbose_name_plural = _("budget draws")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="draw_non_negative")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount}"
