"""Nodes, catalog, stock and the history behind them (SPEC C1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = (get_language() or "en").lower()
        return self.name_zh if lang.startswith("zh") else self.name_en


class Region(BilingualName):
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("region (大区)")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Node(BilingualName):
    class Kind(models.TextChoices):
        SERVICE_CENTER = "center", _("Service center")
        REGIONAL_WAREHOUSE = "regional_wh", _("Regional warehouse")
        CENTRAL_WAREHOUSE = "central_wh", _("Central warehouse")

    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="nodes",
                               verbose_name=_("region"))
    city_zh = models.CharField(_("city (Chinese)"), max_length=50)
    city_en = models.CharField(_("city (English)"), max_length=50)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("node (网点)")
        verbose_name_plural = _("nodes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="node_coordinates_valid",
            ),
            # Codes are matched case-insensitively in files and searches: store them upper-case.
            models.CheckConstraint(condition=Q(code=Upper("code")), name="node_code_upper_case"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def city(self) -> str:
        lang = (get_language() or "en").lower()
        return self.city_zh if lang.startswith("zh") else self.city_en


class Contact(models.Model):
    class CallPolicy(models.TextChoices):
        ANYTIME = "anytime", _("Call any time")
        WORKING_HOURS = "working_hours", _("Working hours only")
        EMERGENCY_ONLY = "emergency_only", _("Emergencies only")
        MESSAGE_FIRST = "message_first", _("Message first, then call")

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="contacts",
                             verbose_name=_("node"))
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    best_hours = models.CharField(_("best hours"), max_length=60, blank=True)
    call_policy = models.CharField(_("how freely to call"), max_length=20,
                                   choices=CallPolicy.choices, default=CallPolicy.WORKING_HOURS)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["node", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Part(BilingualName):
    class Category(models.TextChoices):
        BRAKES = "brakes", _("Brakes")
        STEERING = "steering", _("Steering")
        HV_BATTERY = "hv_battery", _("High-voltage battery")
        BATTERY_12V = "battery_12v", _("12 V battery")
        ELECTRIC_DRIVE = "electric_drive", _("Electric drive")
        AIR_CONDITIONING = "air_conditioning", _("Air conditioning")
        SUSPENSION = "suspension", _("Suspension")
        BODY = "body", _("Body and glass")
        LIGHTING = "lighting", _("Lighting")
        ELECTRONICS = "electronics", _("Electronics and sensors")
        WIPERS = "wipers", _("Wipers")
        INTERIOR = "interior", _("Interior and comfort")
        FILTERS = "filters", _("Filters and fluids")
        TYRES = "tyres", _("Wheels and tyres")

    number = models.CharField(_("part number"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    safety_critical = models.BooleanField(_("safety-critical"), default=False)
    vehicle_models = models.JSONField(_("vehicle models"), default=list, blank=True)

    class Meta:
        verbose_name = _("part (配件)")
        verbose_name_plural = _("parts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_unit_cost_non_negative"),
            models.CheckConstraint(condition=Q(number=Upper("number")), name="part_number_upper_case"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Supersession(models.Model):
    """Part ``old`` is replaced by part ``new`` (替代关系)."""

    old = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="superseded_by",
                            verbose_name=_("replaced part"))
    new = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="supersedes",
                            verbose_name=_("successor"))
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("supersession")
        verbose_name_plural = _("supersessions")
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="supersession_unique"),
            models.CheckConstraint(condition=~Q(old=F("new")), name="supersession_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.old_id} -> {self.new_id}"


class Compatibility(models.Model):
    """Part ``alternative`` can stand in for ``part``, at some level and under conditions."""

    class Level(models.TextChoices):
        FULL = "full", _("Fully interchangeable")
        CONDITIONAL = "conditional", _("Interchangeable under conditions")
        THIRD_PARTY = "third_party", _("Verified third-party equivalent")

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="alternatives",
                             verbose_name=_("part"))
    alternative = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="alternative_for",
                                    verbose_name=_("alternative"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    conditions = models.CharField(_("conditions"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("compatible alternative")
        verbose_name_plural = _("compatible alternatives")
        constraints = [
            models.UniqueConstraint(fields=["part", "alternative"], name="compatibility_unique"),
            models.CheckConstraint(condition=~Q(part=F("alternative")), name="compatibility_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.alternative_id} ~ {self.part_id}"


class Stock(models.Model):
    """What one node holds of one part. Changed only by services, each change a movement."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="stock",
                             verbose_name=_("node"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock",
                             verbose_name=_("part"))
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    in_transit = models.IntegerField(_("in transit"), default=0)
    confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock (库存)")
        verbose_name_plural = _("stock")
        constraints = [
            # part first: the lookup reads all nodes of one part through this index
            models.UniqueConstraint(fields=["part", "node"], name="stock_one_row_per_node_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(in_transit__gte=0), name="stock_in_transit_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")),
                                   name="stock_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["node", "part"], name="stock_node_part")]

    def __str__(self) -> str:
        return f"{self.node_id}/{self.part_id}"

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)


class StockMovement(models.Model):
    """One recorded change of a stock row: who, when, why, before and after. Append-only."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Stock count imported")
        ADJUST = "adjust", _("Manual adjustment")
        RESERVE = "reserve", _("Reserved")
        RELEASE = "release", _("Reservation released")
        IN_TRANSIT = "in_transit", _("In-transit quantity changed")
        TRANSFER = "transfer", _("Transfer between nodes")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements",
                              verbose_name=_("stock"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    reason = models.CharField(_("reason"), max_length=300)
    on_hand_before = models.IntegerField(_("on hand before"))
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_before = models.IntegerField(_("reserved before"))
    reserved_after = models.IntegerField(_("reserved after"))
    in_transit_before = models.IntegerField(_("in transit before"))
    in_transit_after = models.IntegerField(_("in transit after"))
    import_batch = models.ForeignKey("ImportBatch", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="movements",
                                     verbose_name=_("import"))

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.stock_id} {self.on_hand_before}->{self.on_hand_after}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("stock movements are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise ValueError("stock movements are append-only")


class DemandRecord(models.Model):
    """Demand of one part at one node in one month (the first day stands for the month)."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="demand",
                             verbose_name=_("node"))
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="demand",
                             verbose_name=_("part"))
    month = models.DateField(_("month"))
    quantity = models.IntegerField(_("quantity"))

    class Meta:
        verbose_name = _("demand record")
        verbose_name_plural = _("demand history")
        constraints = [
            models.UniqueConstraint(fields=["part", "node", "month"], name="demand_one_per_month"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="demand_non_negative"),
        ]
        indexes = [models.Index(fields=["node", "month"], name="demand_node_month")]

    def __str__(self) -> str:
        return f"{self.node_id}/{self.part_id} {self.month:%Y-%m}: {self.quantity}"


class FailureReport(models.Model):
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="failures",
                             verbose_name=_("node"))
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="failures",
                             verbose_name=_("part"))
    batch = models.CharField(_("production batch"), max_length=60)
    reported_on = models.DateField(_("date"))
    vehicle_model = models.CharField(_("vehicle model"), max_length=60)
    quantity = models.IntegerField(_("quantity"), default=1)
    vin = models.CharField(_("VIN"), max_length=40, blank=True)
    import_batch = models.ForeignKey("ImportBatch", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("import"))

    class Meta:
        verbose_name = _("failure report")
        verbose_name_plural = _("failure reports")
        ordering = ["-reported_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="failure_quantity_positive"),
        ]
        indexes = [models.Index(fields=["part", "reported_on"], name="failure_part_date")]

    def __str__(self) -> str:
        return f"{self.part_id} {self.batch} {self.reported_on}"


class InTransitShipment(models.Model):
    """A supply-chain shipment line on its way to a node, with its ETA."""

    shipment_no = models.CharField(_("shipment"), max_length=60)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="shipments",
                             verbose_name=_("part"))
    destination = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="inbound",
                                    verbose_name=_("destination"))
    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    quantity = models.IntegerField(_("quantity"))
    eta = models.DateTimeField(_("ETA"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.IN_TRANSIT)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("in-transit shipment")
        verbose_name_plural = _("in-transit shipments")
        ordering = ["eta", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment_no", "part"], name="shipment_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="shipment_quantity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_no} {self.part_id} x{self.quantity}"


class DistanceOverride(models.Model):
    """A measured road distance and lead time between two nodes, from an uploaded matrix."""

    from_node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("from"))
    to_node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="distances_in",
                                verbose_name=_("to"))
    km = models.DecimalField(_("km"), max_digits=8, decimal_places=1)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("measured distance")
        verbose_name_plural = _("measured distances")
        constraints = [
            models.UniqueConstraint(fields=["to_node", "from_node"], name="distance_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.from_node_id} -> {self.to_node_id}"


class ImportBatch(models.Model):
    """One accepted upload: what it was, who sent it, what it changed."""

    kind = models.CharField(_("kind"), max_length=20)
    filename = models.CharField(_("file"), max_length=255)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    rows = models.IntegerField(_("rows"))
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class RuleSet(models.Model):
    """Settings of one concern (e.g. ``geo``, ``lookup``) as JSON over the SPEC's defaults."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    values = models.JSONField(_("values"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")

    def __str__(self) -> str:
        return self.key
