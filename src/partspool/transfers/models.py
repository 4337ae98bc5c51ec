"""Transfers between nodes, their history, the overdue ladder, alliances and points (SPEC C3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from partspool.core.transfer_flow import Deal, Status


class Alliance(models.Model):
    """A mutual-aid alliance (互助联盟) of centers with its agreement."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    return_days = models.PositiveSmallIntegerField(_("return within (days)"), default=7)
    freight_paid_by = models.CharField(
        _("freight paid by"), max_length=10, default="borrower",
        choices=[("borrower", _("the borrower")), ("lender", _("the lender")), ("shared", _("shared"))],
    )
    notice_days = models.PositiveSmallIntegerField(_("notice to leave (days)"), default=30)
    confidentiality = models.TextField(_("confidentiality"), blank=True)
    webhook_url = models.URLField(_("group-chat webhook"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("alliance (互助联盟)")
        verbose_name_plural = _("alliances")

    def __str__(self) -> str:
        return self.name


class AllianceMember(models.Model):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="members",
                                 verbose_name=_("alliance"))
    node = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="memberships",
                             verbose_name=_("node"))
    points = models.IntegerField(_("points"), default=0)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    notice_given_at = models.DateTimeField(_("notice given"), null=True, blank=True)

    class Meta:
        verbose_name = _("alliance member")
        verbose_name_plural = _("alliance members")
        constraints = [models.UniqueConstraint(fields=["alliance", "node"], name="alliance_member_once")]

    def __str__(self) -> str:
        return f"{self.alliance_id}/{self.node_id}"


class TransferRequest(models.Model):
    """Parts asked of one node by another, and everything that happened to them."""

    deal = models.CharField(_("deal"), max_length=20, choices=[
        (Deal.BORROW.value, _("Borrow and return (先借后还)")),
        (Deal.SWAP.value, _("Swap (配件互换)")),
        (Deal.COMPENSATION.value, _("Cost compensation (成本补偿)")),
        (Deal.JOINT.value, _("Joint escalation to the supply chain (联合申请)")),
    ])
    status = models.CharField(_("status"), max_length=20, default=Status.REQUESTED.value, choices=[
        (Status.REQUESTED.value, _("requested")), (Status.ACCEPTED.value, _("accepted")),
        (Status.DECLINED.value, _("declined")), (Status.CANCELLED.value, _("cancelled")),
        (Status.SHIPPED.value, _("shipped")), (Status.RECEIVED.value, _("received")),
        (Status.RETURN_SHIPPED.value, _("return shipped")), (Status.CLOSED.value, _("closed")),
        (Status.LOST.value, _("lost or damaged in transit")),
    ])
    part = models.ForeignKey("network.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    lender = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="lent",
                               verbose_name=_("lender"))
    borrower = models.ForeignKey("network.Node", on_delete=models.PROTECT, related_name="borrowed",
                                 verbose_name=_("borrower"))
    co_requesters = models.ManyToManyField("network.Node", blank=True, related_name="joint_requests",
                                           verbose_name=_("joined by"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    reason = models.TextField(_("why it is urgent"), blank=True)
    needed_by = models.DateTimeField(_("needed by"), null=True, blank=True)
    due_date = models.DateField(_("return due"), null=True, blank=True)
    swap_part = models.ForeignKey("network.Part", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("part given in exchange"))
    swap_quantity = models.PositiveIntegerField(_("quantity given in exchange"), null=True, blank=True)
    freight = models.DecimalField(_("freight"), max_digits=10, decimal_places=2, default=0)
    insurance = models.DecimalField(_("insurance"), max_digits=10, decimal_places=2, default=0)
    handling = models.DecimalField(_("handling"), max_digits=10, decimal_places=2, default=0)
    thank_you = models.DecimalField(_("thank-you"), max_digits=10, decimal_places=2, default=0)
    settled_amount = models.DecimalField(_("amount settled"), max_digits=12, decimal_places=2, null=True,
                                         blank=True)
    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="transfers", verbose_name=_("alliance"))
    p0 = models.BooleanField(_("P0: public-opinion crisis"), default=False)
    case = models.ForeignKey("emergencies.EmergencyCase", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="transfers", verbose_name=_("emergency case"))
    vouched_by = models.ForeignKey("network.Node", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("introduced by"))
    group = models.CharField(_("split group"), max_length=40, blank=True, db_index=True)
    accepted_quantity = models.PositiveIntegerField(_("accepted"), null=True, blank=True)
    shipped_quantity = models.PositiveIntegerField(_("shipped"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=60, blank=True)
    insured_value = models.DecimalField(_("insured value"), max_digits=12, decimal_places=2, null=True,
                                        blank=True)
    inspection_ok = models.BooleanField(_("inspection passed"), null=True, blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=60, blank=True)
    return_tracking_no = models.CharField(_("return tracking number"), max_length=60, blank=True)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    return_due_at = models.DateTimeField(_("return due (recall)"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    disputed = models.BooleanField(_("disputed"), default=False)
    commitment_zh = models.TextField(_("written commitment (Chinese)"), blank=True)
    commitment_en = models.TextField(_("written commitment (English)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("transfer (调拨)")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_quantity_positive"),
            models.CheckConstraint(condition=~Q(lender=F("borrower")), name="transfer_not_to_itself"),
            models.CheckConstraint(condition=Q(shipped_quantity__isnull=True)
                                   | Q(shipped_quantity__lte=F("accepted_quantity")),
                                   name="transfer_ship_within_accepted"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="transfer_status_due")]

    def __str__(self) -> str:
        return f"TR-{self.pk}"

    @property
    def number(self) -> str:
        return f"TR-{self.pk:06d}"

    @property
    def moving_quantity(self) -> int:
        return self.shipped_quantity or self.accepted_quantity or self.quantity


class TransferEvent(models.Model):
    """One step of a transfer: who did what, when, and the details they gave. Append-only."""

    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("transfer"))
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("transfer event")
        verbose_name_plural = _("transfer events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.action}"


class TransferPhoto(models.Model):
    event = models.ForeignKey(TransferEvent, on_delete=models.CASCADE, related_name="photos",
                              verbose_name=_("event"))
    image = models.FileField(_("photo"), upload_to="transfer-photos/%Y/%m/")
    content_type = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name


class LadderStep(models.Model):
    """A step of the overdue ladder, done once (sent or skipped): the unique key makes ``tick`` idempotent."""

    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="ladder",
                                 verbose_name=_("transfer"))
    step = models.CharField(_("step"), max_length=20)
    scheduled_on = models.DateField(_("scheduled on"))
    sent = models.BooleanField(_("sent"), default=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("overdue reminder")
        verbose_name_plural = _("overdue reminders")
        constraints = [models.UniqueConstraint(fields=["transfer", "step"], name="ladder_step_once")]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.step}"


class Claim(models.Model):
    """Money owed because of a transfer: an insurance claim (lost or damaged) or the full value (not returned)."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", _("Insurance claim (lost or damaged in transit)")
        FULL_VALUE = "full_value", _("Full value owed (not returned)")

    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="claims",
                                 verbose_name=_("transfer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [models.UniqueConstraint(fields=["transfer", "kind"], name="claim_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.kind} {self.amount}"


class PointsEntry(models.Model):
    """A change of a member's alliance points, with the loan that caused it."""

    member = models.ForeignKey(AllianceMember, on_delete=models.CASCADE, related_name="entries",
                               verbose_name=_("member"))
    delta = models.IntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=10, choices=[("lend", _("lent")), ("borrow", _("borrowed")),
                                                               ("adjust", _("adjusted"))])
    transfer = models.ForeignKey(TransferRequest, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("transfer"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "transfer", "kind"],
                                               condition=Q(transfer__isnull=False), name="points_once_per_loan")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.delta:+d}"


class Notification(models.Model):
    """A message in the app (also sent by e-mail and to the alliance's webhook)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("user"))
    transfer = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notifications", verbose_name=_("transfer"))
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class IdempotencyKey(models.Model):
    """The answer to a POST sent with an Idempotency-Key, replayed when the same key comes again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return self.key
