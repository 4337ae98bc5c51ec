"""Network lookup: rank the nodes that can supply a part.

Nodes are ranked by arrival band (same day, next day, then whole days), then by the quantity
they have available (fewer sources to call), then by the lender's reliability (its record of
loans), then by road distance. Each row says why it sits where it sits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from partspool.core.geo import Leg


@dataclass(frozen=True)
class LookupRules:
    """Settings of the lookup."""

    same_day_hours: float = 8.0  # arrivals within this many hours count as "same day"
    stale_after_hours: float = 48.0  # stock confirmed longer ago than this is flagged as stale
    neutral_reliability: float = 75.0  # score assumed for a node with no loan record yet


@dataclass(frozen=True)
class Offer:
    """Stock of one part at one node, as read from the database."""

    node_id: int
    part_id: int
    on_hand: int
    reserved: int
    confirmed_at: datetime | None

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved)


@dataclass(frozen=True)
class LookupFilter:
    """What the user asked for: at least N available, within K km, in some regions."""

    min_available: int = 1
    within_km: float | None = None
    region_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class RankedOffer:
    """One ranked source with its leg, freshness and the reasons for its place."""

    rank: int
    offer: Offer
    leg: Leg
    arrival_band: int  # 0 same day, then days
    stale: bool
    reliability: float | None
    reasons: tuple[str, ...]


def arrival_band(hours: float, rules: LookupRules) -> int:
    """0 for a same-day arrival, otherwise the number of started days."""
    if hours <= rules.same_day_hours:
        return 0
    return max(1, math.ceil(hours / 24.0))


def band_label(band: int) -> str:
    """A short, language-neutral code for a band, translated by the caller."""
    return "same_day" if band == 0 else f"day_{band}"


def rank_offers(
    offers: Iterable[Offer],
    legs: Mapping[int, Leg],
    node_regions: Mapping[int, int],
    wanted: LookupFilter,
    now: datetime,
    rules: LookupRules | None = None,
    exclude_node_id: int | None = None,
    reliability: Mapping[int, float | None] | None = None,
) -> list[RankedOffer]:
    """Filter and rank offers of a part.

    Args:
        offers: stock rows of one part (any nodes).
        legs: node id -> leg from that node to the asking node.
        node_regions: node id -> region id.
        wanted: minimum available, radius and regions.
        now: the current time (aware), for freshness.
        rules: lookup settings; defaults when None.
        exclude_node_id: the asking node itself, never its own source.
        reliability: node id -> 0-100 score of its loan record (None or missing: no record yet).

    Returns:
        The offers that pass the filter, best first, each with its reasons as codes
        (``band:<label>``, ``available:<n>``, ``reliability:<n>``, ``km:<n>``, ``stale``) for the
        caller to phrase.
    """
    rules = rules or LookupRules()
    stale_before = now - timedelta(hours=rules.stale_after_hours)
    scores = reliability or {}
    kept: list[tuple[tuple[int, int, float, float, int], Offer, Leg, int, bool]] = []
    for offer in offers:
        if offer.node_id == exclude_node_id or offer.available < max(1, wanted.min_available):
            continue
        if wanted.region_ids is not None and node_regions.get(offer.node_id) not in wanted.region_ids:
            continue
        node_leg = legs.get(offer.node_id)
        if node_leg is None:
            continue
        if wanted.within_km is not None and node_leg.km > wanted.within_km:
            continue
        band = arrival_band(node_leg.hours, rules)
        stale = offer.confirmed_at is None or offer.confirmed_at < stale_before
        score = scores.get(offer.node_id)
        key = (band, -offer.available, -(rules.neutral_reliability if score is None else score), node_leg.km,
               offer.node_id)
        kept.append((key, offer, node_leg, band, stale))
    kept.sort(key=lambda item: item[0])
    ranked = []
    for position, (_key, offer, node_leg, band, stale) in enumerate(kept, start=1):
        score = scores.get(offer.node_id)
        reasons = [f"band:{band_label(band)}", f"available:{offer.available}"]
        if score is not None:
            reasons.append(f"reliability:{score:.0f}")
        reasons.append(f"km:{node_leg.km:.0f}")
        if stale:
            reasons.append("stale")
        ranked.append(
            RankedOffer(
                rank=position,
                offer=offer,
                leg=node_leg,
                arrival_band=band,
                stale=stale,
                reliability=score,
                reasons=tuple(reasons),
            )
        )
    return ranked
