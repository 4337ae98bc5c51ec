"""Reads shared by pages, API and command line, written to keep the query count flat."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.core.geo import Leg, legs_from
from partspool.core.lookup import LookupFilter, Offer, RankedOffer, rank_offers
from partspool.errors import InvalidInput, NotFound, NotPermitted
from partspool.network.models import (
    Compatibility,
    Contact,
    DemandRecord,
    DistanceOverride,
    FailureReport,
    InTransitShipment,
    Node,
    Part,
    Region,
    Stock,
    StockMovement,
    Supersession,
)
from partspool.network.rules import geo_rules, lookup_rules

if TYPE_CHECKING:
    from partspool.accounts.models import User

RECENT_DEMAND_MONTHS = 3
MAX_SUCCESSOR_DEPTH = 6


# --- parts ------------------------------------------------------------------------------------


def part_get(*, number: str) -> Part:
    part = Part.objects.filter(number=number.strip().upper()).first()
    if part is None:
        raise NotFound("unknown_part", part=number)
    return part


def part_search(*, query: str, limit: int = 20) -> list[Part]:
    """Parts whose number starts with, or whose Chinese or English name contains, the query."""
    text = query.strip()
    if not text:
        return []
    exact = Part.objects.filter(number=text.upper())
    others = Part.objects.filter(
        Q(number__startswith=text.upper()) | Q(name_zh__icontains=text) | Q(name_en__icontains=text)
    ).exclude(number=text.upper())
    return list(exact) + list(others.order_by("number")[: max(0, limit - exact.count())])


@dataclass
class RelatedPart:
    part: Part
    relation: str  # "requested", "successor", "predecessor", "alternative"
    level: str = ""
    conditions: str = ""

    @property
    def relation_label(self) -> str:
        return {
            "requested": _("the part asked for"),
            "successor": _("successor (replaces it)"),
            "predecessor": _("earlier version (it replaced this)"),
            "alternative": _("compatible alternative"),
        }[self.relation]

    @property
    def level_label(self) -> str:
        return str(dict(Compatibility.Level.choices).get(self.level, ""))


def related_parts(part: Part) -> list[RelatedPart]:
    """The part, its successors (transitively), earlier versions and compatible alternatives."""
    related = [RelatedPart(part, "requested")]
    seen = {part.id}
    frontier = [part.id]
    for _depth in range(MAX_SUCCESSOR_DEPTH):
        links = list(Supersession.objects.filter(old_id__in=frontier).select_related("new"))
        frontier = []
        for link in links:
            if link.new_id not in seen:
                seen.add(link.new_id)
                frontier.append(link.new_id)
                related.append(RelatedPart(link.new, "successor", conditions=link.note))
        if not frontier:
            break
    for link in Supersession.objects.filter(new_id=part.id).select_related("old"):
        if link.old_id not in seen:
            seen.add(link.old_id)
            related.append(RelatedPart(link.old, "predecessor", conditions=link.note))
    for alt in Compatibility.objects.filter(part_id=part.id).select_related("alternative"):
        if alt.alternative_id not in seen:
            seen.add(alt.alternative_id)
            related.append(
                RelatedPart(alt.alternative, "alternative", level=alt.level, conditions=alt.conditions)
            )
    return related


# --- lookup -----------------------------------------------------------------------------------


@dataclass
class LookupRow:
    rank: int
    node: Node
    available: int
    on_hand: int
    reserved: int
    in_transit: int
    confirmed_at: datetime | None
    stale: bool
    leg: Leg
    reasons: list[str]
    reliability: float | None = None
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class LookupGroup:
    related: RelatedPart
    rows: list[LookupRow]
    total_sources: int
    own_available: int


@dataclass
class LookupResult:
    origin: Node
    part: Part
    groups: list[LookupGroup]
    wanted: LookupFilter


def _mode_label(mode: str) -> str:
    return {
        "courier": _("same-day courier"),
        "drive": _("someone drives"),
        "express": _("express"),
        "matrix": _("measured lead time"),
        "local": _("on site"),
    }.get(mode, mode)


def _reasons(ranked: RankedOffer) -> list[str]:
    leg = ranked.leg
    if ranked.arrival_band == 0:
        arrival = _("arrives the same day: about %(hours).1f h by %(mode)s") % {
            "hours": leg.hours, "mode": _mode_label(leg.mode)}
    else:
        arrival = _("arrives within %(days)d day(s): about %(hours).1f h by %(mode)s") % {
            "days": ranked.arrival_band, "hours": leg.hours, "mode": _mode_label(leg.mode)}
    reasons = [
        arrival,
        _("%(available)d available") % {"available": ranked.offer.available},
    ]
    if ranked.reliability is not None:
        reasons.append(_("lender reliability %(score).0f/100 (on-time returns, disputes, help given)")
                       % {"score": ranked.reliability})
    reasons += [
        (_("%(km).0f km by road (measured)") if leg.measured else _("%(km).0f km by road (estimated)"))
        % {"km": leg.km},
    ]
    if ranked.stale:
        reasons.append(_("stock not confirmed recently"))
    return reasons


def resolve_origin(*, user: User, from_code: str | None) -> Node:
    if from_code:
        node = Node.objects.filter(code=from_code.strip().upper()).select_related("region").first()
        if node is None:
            raise NotFound("unknown_node", node=from_code)
        return node
    if user.home_node_id:
        return Node.objects.select_related("region").get(pk=user.home_node_id)
    if user.region_id:
        node = Node.objects.filter(region_id=user.region_id, kind=Node.Kind.REGIONAL_WAREHOUSE).first()
        if node:
            return node
    raise InvalidInput("no_home_node")


def network_lookup(
    *,
    user: User,
    number: str,
    from_code: str | None = None,
    min_available: int = 1,
    within_km: float | None = None,
    region_codes: list[str] | None = None,
    limit: int = 50,
    with_contacts: bool = True,
) -> LookupResult:
    """Every node that can supply the part or its successors and alternatives, ranked.

    Errors: unknown part, unknown node, unknown region, a minimum below 1 or a negative radius.
    """
    require_role(user)
    if min_available < 1:
        raise InvalidInput("quantity_not_positive", quantity=min_available)
    if within_km is not None and within_km < 0:
        raise InvalidInput("invalid_input")
    part = part_get(number=number)
    origin = resolve_origin(user=user, from_code=from_code)
    region_ids: frozenset[int] | None = None
    if region_codes:
        wanted_codes = {c.strip().upper() for c in region_codes if c.strip()}
        found = dict(Region.objects.filter(code__in=wanted_codes).values_list("code", "id"))
        missing = wanted_codes - set(found)
        if missing:
            raise NotFound("unknown_region", region=", ".join(sorted(missing)))
        region_ids = frozenset(found.values())
    wanted = LookupFilter(min_available=min_available, within_km=within_km, region_ids=region_ids)

    related = related_parts(part)
    part_ids = [r.part.id for r in related]
    offers_by_part: dict[int, list[Offer]] = defaultdict(list)
    in_transit: dict[tuple[int, int], int] = {}
    for node_id, part_id, on_hand, reserved, transit, confirmed_at in Stock.objects.filter(
        part_id__in=part_ids, on_hand__gt=F("reserved")
    ).values_list("node_id", "part_id", "on_hand", "reserved", "in_transit", "confirmed_at"):
        offers_by_part[part_id].append(Offer(node_id, part_id, on_hand, reserved, confirmed_at))
        in_transit[(node_id, part_id)] = transit
    points = node_points()
    coords = {node_id: (lat, lon) for node_id, (lat, lon, _region, active) in points.items() if active}
    matrix = {
        (f, origin.id): (float(km), float(hours))
        for f, km, hours in DistanceOverride.objects.filter(to_node_id=origin.id).values_list(
            "from_node_id", "km", "hours")
    }
    legs = legs_from(origin.id, coords, geo_rules(), matrix)
    regions = {node_id: point[2] for node_id, point in points.items()}
    rules = lookup_rules()
    now = timezone.now()

    from partspool.transfers.selectors import reliability_scores  # the credit record lives with transfers

    scores = reliability_scores()
    ranked_by_part = {}
    for rel in related:
        offers = offers_by_part.get(rel.part.id, [])
        ranked_by_part[rel.part.id] = rank_offers(offers, legs, regions, wanted, now, rules,
                                                  exclude_node_id=origin.id, reliability=scores)
    # Only the nodes shown are loaded as objects: one query, however many sources there are.
    shown_ids = {r.offer.node_id for ranked in ranked_by_part.values() for r in ranked[:limit]}
    nodes = Node.objects.select_related("region").in_bulk(shown_ids)
    groups: list[LookupGroup] = []
    for rel in related:
        offers = offers_by_part.get(rel.part.id, [])
        own = sum(o.available for o in offers if o.node_id == origin.id)
        ranked = ranked_by_part[rel.part.id]
        rows = [
            LookupRow(
                rank=r.rank, node=nodes[r.offer.node_id], available=r.offer.available,
                on_hand=r.offer.on_hand, reserved=r.offer.reserved,
                in_transit=in_transit.get((r.offer.node_id, rel.part.id), 0),
                confirmed_at=r.offer.confirmed_at, stale=r.stale, leg=r.leg, reasons=_reasons(r),
                reliability=r.reliability,
            )
            for r in ranked[:limit]
        ]
        groups.append(LookupGroup(rel, rows, total_sources=len(ranked), own_available=own))
    if with_contacts:
        shown = {row.node.id for g in groups for row in g.rows}
        contacts = defaultdict(list)
        for contact in Contact.objects.filter(node_id__in=shown):
            contacts[contact.node_id].append(contact)
        for g in groups:
            for row in g.rows:
                row.contacts = contacts.get(row.node.id, [])
    return LookupResult(origin=origin, part=part, groups=groups, wanted=wanted)


def node_index() -> dict[int, Node]:
    """All nodes with their regions, one query (a few hundred rows at national scale)."""
    return {n.id: n for n in Node.objects.select_related("region").all()}


def node_points() -> dict[int, tuple[float, float, int, bool]]:
    """node id -> (latitude, longitude, region id, active): what ranking needs, without model objects."""
    return {
        node_id: (lat, lon, region_id, active)
        for node_id, lat, lon, region_id, active in Node.objects.values_list(
            "id", "latitude", "longitude", "region_id", "active")
    }


# --- nodes and parts ------------------------------------------------------------------------


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(raw: str) -> date:
    """A month written 'YYYY-MM' (a day after it is ignored), as its first day.

    Years from 2000 to 2100 only: months are added to and taken from it, and no network has
    history from before (a year like 0001 would otherwise fail deep inside a calculation).
    """
    try:
        year, month = (int(piece) for piece in raw.strip().split("-")[:2])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(year)
        return date(year, month, 1)
    except (ValueError, AttributeError):
        raise InvalidInput("invalid_month", month=raw) from None


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the months ``parse_month`` accepts


def node_get(*, code: str) -> Node:
    node = Node.objects.filter(code=code.strip().upper()).select_related("region").first()
    if node is None:
        raise NotFound("unknown_node", node=code)
    return node


@dataclass
class StockLine:
    part: Part
    on_hand: int
    reserved: int
    in_transit: int
    available: int
    confirmed_at: datetime | None
    recent_demand: int


def _recent_demand_exists() -> Exists:
    cutoff = months_back(timezone.localdate(), RECENT_DEMAND_MONTHS)
    return Exists(
        DemandRecord.objects.filter(
            node_id=OuterRef("node_id"), part_id=OuterRef("part_id"), month__gte=cutoff, quantity__gt=0
        )
    )


def node_stock(*, node: Node, query: str = "", only_shortages: bool = False,
               limit: int = 200) -> list[StockLine]:
    """Stock lines of a node (held or short), with the last months' demand."""
    cutoff = months_back(timezone.localdate(), RECENT_DEMAND_MONTHS)
    rows = Stock.objects.filter(node=node).select_related("part")
    if query:
        q = query.strip()
        rows = rows.filter(
            Q(part__number__startswith=q.upper()) | Q(part__name_zh__icontains=q)
            | Q(part__name_en__icontains=q)
        )
    if only_shortages:
        rows = rows.filter(on_hand__lte=F("reserved")).filter(_recent_demand_exists())
    else:
        rows = rows.filter(Q(on_hand__gt=0) | Q(in_transit__gt=0) | _recent_demand_exists())
    rows = list(rows.order_by("part__number")[:limit])
    demand = dict(
        DemandRecord.objects.filter(node=node, month__gte=cutoff, part_id__in=[r.part_id for r in rows])
        .values("part_id").annotate(total=Sum("quantity")).values_list("part_id", "total")
    )
    return [
        StockLine(r.part, r.on_hand, r.reserved, r.in_transit, r.available, r.confirmed_at,
                  demand.get(r.part_id, 0))
        for r in rows
    ]


def node_movements(*, user: User, node: Node, part: Part | None = None, limit: int = 50) -> list[StockMovement]:
    """The latest recorded stock changes of a node (its audit trail), for those who manage it."""
    managed = managed_node_ids(user)
    if managed is not None and node.id not in managed:
        raise NotPermitted("node_not_managed", node=node.code)
    rows = StockMovement.objects.filter(stock__node=node).select_related("stock__part", "by", "import_batch")
    if part is not None:
        rows = rows.filter(stock__part=part)
    return list(rows.order_by("-at", "-id")[:limit])


def node_summary(*, node: Node) -> dict[str, object]:
    stats = Stock.objects.filter(node=node).aggregate(
        on_hand=Sum("on_hand"), reserved=Sum("reserved"),
        in_transit=Sum("in_transit"), confirmed=Max("confirmed_at"),
    )
    shortages = (
        Stock.objects.filter(node=node, on_hand__lte=F("reserved")).filter(_recent_demand_exists()).count()
    )
    stale_before = timezone.now() - timedelta(hours=lookup_rules().stale_after_hours)
    confirmed = stats["confirmed"]
    return {
        "lines": Stock.objects.filter(node=node, on_hand__gt=0).count(),
        "on_hand": stats["on_hand"] or 0,
        "reserved": stats["reserved"] or 0,
        "in_transit": stats["in_transit"] or 0,
        "confirmed": confirmed,
        "stale": confirmed is None or confirmed < stale_before,
        "shortages": shortages,
    }


def demand_series(*, user: User, part: Part, node: Node | None = None,
                  months: int = 36) -> list[tuple[date, int]]:
    """Monthly demand of a part over the nodes the user may see in detail (or one node)."""
    managed = managed_node_ids(user)
    rows = DemandRecord.objects.filter(part=part)
    if node is not None:
        rows = rows.filter(node=node)
    if managed is not None:
        rows = rows.filter(node_id__in=managed)
    start = months_back(timezone.localdate(), months - 1)
    totals = dict(
        rows.filter(month__gte=start).values("month").annotate(total=Sum("quantity"))
        .values_list("month", "total")
    )
    series = []
    for i in range(months):
        month = months_back(timezone.localdate(), months - 1 - i)
        series.append((month, int(totals.get(month, 0))))
    return series


def part_failures(*, user: User, part: Part, limit: int = 20) -> list[FailureReport]:
    managed = managed_node_ids(user)
    rows = FailureReport.objects.filter(part=part).select_related("node")
    if managed is not None:
        rows = rows.filter(node_id__in=managed)
    return list(rows[:limit])


def inbound_shipments(*, node: Node | None = None, part: Part | None = None,
                      limit: int = 50) -> list[InTransitShipment]:
    rows = InTransitShipment.objects.filter(quantity__gt=0, eta__gte=timezone.now() - timedelta(days=7))
    if node is not None:
        rows = rows.filter(destination=node)
    if part is not None:
        rows = rows.filter(part=part)
    return list(rows.select_related("part", "destination")[:limit])


# --- dashboard --------------------------------------------------------------------------------


@dataclass
class RegionHealth:
    region: Region
    nodes: int
    shortages: int
    stale_nodes: int


@dataclass
class NetworkHealth:
    regions: list[RegionHealth]
    unavailable_parts: list[tuple[Part, int]]  # parts wanted recently but available nowhere
    unavailable_count: int
    stale_nodes: list[tuple[Node, datetime | None]]


def network_health(*, user: User, limit: int = 15) -> NetworkHealth:
    """Shortages by region, parts with nothing available anywhere, nodes with stale stock data."""
    require_role(user)
    nodes = node_index()
    short_by_node = dict(
        Stock.objects.filter(on_hand__lte=F("reserved")).filter(_recent_demand_exists())
        .values("node_id").annotate(n=Count("id")).values_list("node_id", "n")
    )
    last_confirmed = dict(
        Stock.objects.values("node_id").annotate(last=Max("confirmed_at")).values_list("node_id", "last")
    )
    stale_before = timezone.now() - timedelta(hours=lookup_rules().stale_after_hours)
    stale = [
        (n, last_confirmed.get(n.id)) for n in nodes.values()
        if n.active and (last_confirmed.get(n.id) is None or last_confirmed[n.id] < stale_before)
    ]
    by_region: dict[int, RegionHealth] = {}
    stale_ids = {n.id for n, _last in stale}
    for node in nodes.values():
        health = by_region.setdefault(node.region_id, RegionHealth(node.region, 0, 0, 0))
        health.nodes += 1
        health.shortages += short_by_node.get(node.id, 0)
        health.stale_nodes += node.id in stale_ids
    cutoff = months_back(timezone.localdate(), RECENT_DEMAND_MONTHS)
    wanted = (
        DemandRecord.objects.filter(month__gte=cutoff, quantity__gt=0)
        .values("part_id").annotate(total=Sum("quantity"))
    )
    available_somewhere = Stock.objects.filter(on_hand__gt=F("reserved")).values("part_id")
    unavailable = wanted.exclude(part_id__in=available_somewhere).order_by("-total")
    count = unavailable.count()
    top = list(unavailable[:limit])
    parts = Part.objects.in_bulk([row["part_id"] for row in top])
    return NetworkHealth(
        regions=sorted(by_region.values(), key=lambda h: h.region.code),
        unavailable_parts=[(parts[row["part_id"]], row["total"]) for row in top],
        unavailable_count=count,
        stale_nodes=sorted(stale, key=lambda item: item[0].code),
    )
