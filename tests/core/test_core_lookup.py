"""Ranking of stock offers (partspool.core.lookup.rank_offers): who to call first for a part."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.geo import Leg
from partspool.core.lookup import (
    LookupFilter,
    LookupRules,
    Offer,
    RankedOffer,
    arrival_band,
    band_label,
    rank_offers,
)

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
ASKING = 1
EVERYWHERE = LookupFilter()


def road(km: float, hours: float) -> Leg:
    return Leg(km=km, hours=hours, mode="courier", measured=False)


def stock(node_id: int, on_hand: int, reserved: int = 0, confirmed_hours_ago: float | None = 1.0) -> Offer:
    confirmed = None if confirmed_hours_ago is None else NOW - timedelta(hours=confirmed_hours_ago)
    return Offer(node_id=node_id, part_id=7, on_hand=on_hand, reserved=reserved, confirmed_at=confirmed)


def ranked_nodes(ranked: list[RankedOffer]) -> list[int]:
    return [r.offer.node_id for r in ranked]


def rank(offers, legs, wanted=EVERYWHERE, regions=None, rules=None, exclude=ASKING):
    return rank_offers(offers, legs, regions or {}, wanted, NOW, rules, exclude_node_id=exclude)


# --- order ---------------------------------------------------------------------------------------


def test_same_day_source_ranks_before_bigger_next_day_source():
    legs = {2: road(200, 4.5), 3: road(900, 30.0)}
    ranked = rank([stock(3, on_hand=50), stock(2, on_hand=1)], legs)
    assert ranked_nodes(ranked) == [2, 3]
    assert [r.arrival_band for r in ranked] == [0, 2]


def test_next_day_source_ranks_before_bigger_source_two_days_away():
    legs = {2: road(500, 20.0), 3: road(1500, 40.0)}
    ranked = rank([stock(3, on_hand=30), stock(2, on_hand=2)], legs)
    assert ranked_nodes(ranked) == [2, 3]
    assert [r.arrival_band for r in ranked] == [1, 2]


def test_within_a_band_the_source_with_more_available_ranks_first_even_if_farther():
    legs = {2: road(20, 1.3), 3: road(250, 5.2)}
    ranked = rank([stock(2, on_hand=2), stock(3, on_hand=9)], legs)
    assert ranked_nodes(ranked) == [3, 2]


def test_available_means_on_hand_minus_reserved_for_the_ranking():
    legs = {2: road(20, 1.3), 3: road(250, 5.2)}
    ranked = rank([stock(2, on_hand=9, reserved=8), stock(3, on_hand=3)], legs)
    assert ranked_nodes(ranked) == [3, 2]


def test_same_band_and_quantity_the_nearer_source_ranks_first():
    legs = {2: road(250, 5.2), 3: road(20, 1.3)}
    ranked = rank([stock(2, on_hand=4), stock(3, on_hand=4)], legs)
    assert ranked_nodes(ranked) == [3, 2]


def test_full_ordering_band_then_available_then_km():
    legs = {
        2: road(10, 1.0),  # same day, 1 available
        3: road(280, 5.7),  # same day, 6 available
        4: road(290, 5.8),  # same day, 6 available, farther than 3
        5: road(550, 9.9),  # next day, 40 available
        6: road(2000, 69.0),  # day 3, 100 available
    }
    offers = [stock(6, 100), stock(5, 40), stock(4, 6), stock(2, 1), stock(3, 6)]
    ranked = rank(offers, legs)
    assert ranked_nodes(ranked) == [3, 4, 2, 5, 6]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("hours", "band"),
    [(0.0, 0), (8.0, 0), (8.01, 1), (23.9, 1), (24.0, 1), (24.01, 2), (48.0, 2), (49.0, 3)],
)
def test_arrival_band_is_same_day_up_to_8_hours_then_started_days(hours, band):
    assert arrival_band(hours, LookupRules()) == band


def test_same_day_threshold_is_configurable():
    assert arrival_band(10.0, LookupRules(same_day_hours=12.0)) == 0
    assert arrival_band(10.0, LookupRules(same_day_hours=6.0)) == 1


def test_band_labels_are_language_neutral_codes():
    assert band_label(0) == "same_day"
    assert band_label(1) == "day_1"
    assert band_label(3) == "day_3"


# --- filters -------------------------------------------------------------------------------------


def test_asking_node_is_never_its_own_source():
    legs = {1: Leg(0.0, 0.0, "local", False), 2: road(100, 2.7)}
    ranked = rank([stock(1, on_hand=99), stock(2, on_hand=1)], legs, exclude=1)
    assert ranked_nodes(ranked) == [2]


def test_min_available_excludes_sources_with_fewer_available():
    legs = {2: road(10, 1.0), 3: road(20, 1.3), 4: road(30, 1.5)}
    offers = [stock(2, on_hand=5, reserved=4), stock(3, on_hand=2), stock(4, on_hand=8)]
    ranked = rank(offers, legs, LookupFilter(min_available=2))
    assert ranked_nodes(ranked) == [4, 3]


def test_sources_with_nothing_available_are_never_offered_even_when_min_available_is_zero():
    legs = {2: road(10, 1.0), 3: road(20, 1.3), 4: road(30, 1.5)}
    offers = [stock(2, on_hand=0), stock(3, on_hand=3, reserved=3), stock(4, on_hand=1)]
    assert ranked_nodes(rank(offers, legs, LookupFilter(min_available=0))) == [4]


def test_within_km_excludes_farther_sources_and_keeps_the_one_exactly_at_the_limit():
    legs = {2: road(100.0, 2.7), 3: road(150.0, 3.5), 4: road(150.1, 3.5)}
    offers = [stock(2, 1), stock(3, 1), stock(4, 9)]
    ranked = rank(offers, legs, LookupFilter(within_km=150.0))
    assert sorted(ranked_nodes(ranked)) == [2, 3]


def test_region_filter_keeps_only_sources_in_the_chosen_regions():
    legs = {2: road(100, 2.7), 3: road(150, 3.5), 4: road(160, 3.6), 5: road(170, 3.8)}
    regions = {2: 10, 3: 20, 4: 30}  # node 5 has no region
    offers = [stock(2, 1), stock(3, 1), stock(4, 1), stock(5, 1)]
    ranked = rank(offers, legs, LookupFilter(region_ids=frozenset({10, 30})), regions=regions)
    assert sorted(ranked_nodes(ranked)) == [2, 4]


def test_no_region_filter_keeps_sources_in_any_region():
    legs = {2: road(100, 2.7), 3: road(150, 3.5)}
    ranked = rank([stock(2, 1), stock(3, 1)], legs, LookupFilter(region_ids=None), regions={2: 10})
    assert sorted(ranked_nodes(ranked)) == [2, 3]


def test_filters_combine():
    legs = {2: road(100, 2.7), 3: road(150, 3.5), 4: road(900, 30.0), 5: road(120, 3.0)}
    regions = {2: 10, 3: 20, 4: 10, 5: 10}
    offers = [stock(2, 3), stock(3, 3), stock(4, 3), stock(5, 1)]
    wanted = LookupFilter(min_available=2, within_km=500.0, region_ids=frozenset({10}))
    assert ranked_nodes(rank(offers, legs, wanted, regions=regions)) == [2]


def test_nothing_passes_gives_an_empty_list():
    assert rank([stock(2, 0)], {2: road(10, 1.0)}) == []
    assert rank([], {}) == []


# --- freshness and reasons -----------------------------------------------------------------------


def test_stock_confirmed_more_than_48_hours_ago_is_flagged_stale():
    legs = {2: road(10, 1.0), 3: road(20, 1.3), 4: road(30, 1.5)}
    offers = [stock(2, 1, confirmed_hours_ago=47.9), stock(3, 1, confirmed_hours_ago=48.0),
              stock(4, 1, confirmed_hours_ago=48.1)]
    stale = {r.offer.node_id: r.stale for r in rank(offers, legs)}
    assert stale == {2: False, 3: False, 4: True}


def test_stock_never_confirmed_is_stale():
    [ranked] = rank([stock(2, 1, confirmed_hours_ago=None)], {2: road(10, 1.0)})
    assert ranked.stale is True


def test_stale_threshold_is_configurable():
    offers = [stock(2, 1, confirmed_hours_ago=30.0)]
    assert rank(offers, {2: road(10, 1.0)}, rules=LookupRules(stale_after_hours=24.0))[0].stale is True
    assert rank(offers, {2: road(10, 1.0)}, rules=LookupRules(stale_after_hours=72.0))[0].stale is False


def test_stale_stock_is_still_offered_and_ranked_by_the_same_rules():
    legs = {2: road(10, 1.0), 3: road(20, 1.3)}
    ranked = rank([stock(2, 1), stock(3, 5, confirmed_hours_ago=200)], legs)
    assert ranked_nodes(ranked) == [3, 2]
    assert [r.stale for r in ranked] == [True, False]


def test_reasons_say_band_available_and_km():
    legs = {2: road(42.4, 1.7), 3: road(612.6, 19.5)}
    ranked = rank([stock(2, 5, reserved=1), stock(3, 2, confirmed_hours_ago=100)], legs)
    assert ranked[0].reasons == ("band:same_day", "available:4", "km:42")
    assert ranked[1].reasons == ("band:day_1", "available:2", "km:613", "stale")


def test_each_ranked_offer_carries_its_leg():
    legs = {2: road(42.0, 1.7)}
    [ranked] = rank([stock(2, 5)], legs)
    assert ranked.leg is legs[2]


# --- properties ----------------------------------------------------------------------------------

NODE_IDS = list(range(1, 16))


@st.composite
def lookups(draw):
    node_ids = draw(st.lists(st.sampled_from(NODE_IDS), unique=True, max_size=len(NODE_IDS)))
    offers, legs, regions = [], {}, {}
    for node_id in node_ids:
        on_hand = draw(st.integers(0, 20))
        reserved = draw(st.integers(0, 25))
        hours_ago = draw(st.none() | st.floats(0.0, 200.0))
        offers.append(stock(node_id, on_hand, reserved, hours_ago))
    for node_id in NODE_IDS:
        legs[node_id] = road(draw(st.floats(0.0, 3000.0)), draw(st.floats(0.0, 120.0)))
        region = draw(st.none() | st.integers(1, 4))
        if region is not None:
            regions[node_id] = region
    wanted = LookupFilter(
        min_available=draw(st.integers(0, 6)),
        within_km=draw(st.none() | st.floats(0.0, 3000.0)),
        region_ids=draw(st.none() | st.frozensets(st.integers(1, 4))),
    )
    exclude = draw(st.none() | st.sampled_from(NODE_IDS))
    return offers, legs, regions, wanted, exclude


def passes(offer: Offer, legs, regions, wanted: LookupFilter, exclude) -> bool:
    """The filter as the user understands it, written independently of the implementation."""
    available = max(0, offer.on_hand - offer.reserved)
    return (
        offer.node_id != exclude
        and available >= 1
        and available >= wanted.min_available
        and (wanted.within_km is None or legs[offer.node_id].km <= wanted.within_km)
        and (wanted.region_ids is None or regions.get(offer.node_id) in wanted.region_ids)
    )


PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(lookups())
def test_ranks_are_consecutive_from_one(case):
    offers, legs, regions, wanted, exclude = case
    ranked = rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude)
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))


@PROPERTY_SETTINGS
@given(lookups())
def test_every_returned_offer_satisfies_the_filters(case):
    offers, legs, regions, wanted, exclude = case
    for r in rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude):
        assert passes(r.offer, legs, regions, wanted, exclude)


@PROPERTY_SETTINGS
@given(lookups())
def test_no_offer_passing_the_filters_is_dropped(case):
    offers, legs, regions, wanted, exclude = case
    ranked = rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude)
    expected = {o.node_id for o in offers if passes(o, legs, regions, wanted, exclude)}
    assert set(ranked_nodes(ranked)) == expected
    assert len(ranked) == len(expected)


@PROPERTY_SETTINGS
@given(lookups())
def test_results_are_ordered_by_band_then_available_desc_then_km(case):
    offers, legs, regions, wanted, exclude = case
    ranked = rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude)
    keys = [(r.arrival_band, -r.offer.available, r.leg.km) for r in ranked]
    assert keys == sorted(keys)
    for r in ranked:
        assert r.arrival_band == arrival_band(r.leg.hours, LookupRules())


@PROPERTY_SETTINGS
@given(lookups(), st.randoms(use_true_random=False))
def test_order_does_not_depend_on_the_order_offers_were_read(case, rnd: random.Random):
    offers, legs, regions, wanted, exclude = case
    shuffled = list(offers)
    rnd.shuffle(shuffled)
    first = rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude)
    second = rank_offers(shuffled, legs, regions, wanted, NOW, exclude_node_id=exclude)
    assert first == second


@PROPERTY_SETTINGS
@given(lookups())
def test_stale_flag_and_reasons_agree_with_confirmed_at(case):
    offers, legs, regions, wanted, exclude = case
    for r in rank_offers(offers, legs, regions, wanted, NOW, exclude_node_id=exclude):
        confirmed = r.offer.confirmed_at
        assert r.stale == (confirmed is None or NOW - confirmed > timedelta(hours=48))
        assert r.reasons[:3] == (
            f"band:{band_label(r.arrival_band)}",
            f"available:{r.offer.available}",
            f"km:{r.leg.km:.0f}",
        )
        assert ("stale" in r.reasons) == r.stale
