"""Distances and delivery times (partspool.core.geo): what the lookup's "arrives when" rests on."""

from __future__ import annotations

import math

import pytest

from partspool.core.geo import (
    EARTH_RADIUS_KM,
    GeoRules,
    Leg,
    TransportMode,
    fastest_mode,
    great_circle_km,
    leg,
    legs_from,
)

SHANGHAI = (31.23, 121.47)
HANGZHOU = (30.27, 120.15)
BEIJING = (39.90, 116.41)
GUANGZHOU = (23.13, 113.26)


# --- great-circle distance --------------------------------------------------------------------


def test_shanghai_to_hangzhou_is_about_165_km_as_the_crow_flies():
    assert great_circle_km(*SHANGHAI, *HANGZHOU) == pytest.approx(165, abs=2)


def test_beijing_to_guangzhou_is_about_1890_km_as_the_crow_flies():
    assert great_circle_km(*BEIJING, *GUANGZHOU) == pytest.approx(1890, rel=0.01)


def test_distance_is_the_same_in_both_directions():
    assert great_circle_km(*BEIJING, *GUANGZHOU) == pytest.approx(great_circle_km(*GUANGZHOU, *BEIJING))


def test_distance_from_a_point_to_itself_is_zero():
    assert great_circle_km(*HANGZHOU, *HANGZHOU) == 0.0


def test_one_degree_of_latitude_is_about_111_km():
    assert great_circle_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(111.2, abs=0.5)


def test_antipodal_points_are_half_the_earth_around_without_a_math_error():
    assert great_circle_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert great_circle_km(90.0, 0.0, -90.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


# --- road distance and mode --------------------------------------------------------------------


def test_estimated_road_distance_is_great_circle_times_road_factor():
    rules = GeoRules(road_factor=1.3)
    result = leg(SHANGHAI, HANGZHOU, rules)
    assert result.km == pytest.approx(great_circle_km(*SHANGHAI, *HANGZHOU) * 1.3)
    assert result.measured is False


def test_road_factor_is_configurable():
    straight = leg(SHANGHAI, HANGZHOU, GeoRules(road_factor=1.0))
    winding = leg(SHANGHAI, HANGZHOU, GeoRules(road_factor=1.5))
    assert straight.km == pytest.approx(great_circle_km(*SHANGHAI, *HANGZHOU))
    assert winding.km == pytest.approx(straight.km * 1.5)


def test_shanghai_to_hangzhou_goes_by_courier_within_the_working_day():
    result = leg(SHANGHAI, HANGZHOU, GeoRules())
    assert result.mode == "courier"
    assert result.hours == pytest.approx(1.0 + result.km / 60.0)
    assert result.hours < 8.0


def test_beijing_to_guangzhou_is_too_far_for_courier_or_driving_and_goes_by_express():
    result = leg(BEIJING, GUANGZHOU, GeoRules())
    assert result.km > 600
    assert result.mode == "express"
    assert result.hours == pytest.approx(12.0 + result.km / 35.0)


def test_fastest_of_the_serving_modes_is_chosen():
    rules = GeoRules(modes=(TransportMode("slow", speed_kmh=10.0, handling_hours=0.0),
                            TransportMode("fast", speed_kmh=100.0, handling_hours=0.0)))
    assert fastest_mode(50.0, rules) == ("fast", pytest.approx(0.5))


def test_handling_time_counts_towards_the_fastest_mode():
    rules = GeoRules(modes=(TransportMode("quick_to_book", speed_kmh=50.0, handling_hours=0.0),
                            TransportMode("fast_but_slow_to_book", speed_kmh=100.0, handling_hours=5.0)))
    assert fastest_mode(100.0, rules)[0] == "quick_to_book"  # 2 h against 6 h
    assert fastest_mode(2000.0, rules)[0] == "fast_but_slow_to_book"  # 40 h against 25 h


def test_mode_is_skipped_beyond_its_max_km_and_serves_exactly_max_km():
    rules = GeoRules(modes=(TransportMode("van", speed_kmh=100.0, handling_hours=0.0, max_km=100.0),
                            TransportMode("truck", speed_kmh=10.0, handling_hours=0.0)))
    assert fastest_mode(100.0, rules)[0] == "van"
    assert fastest_mode(100.1, rules) == ("truck", pytest.approx(10.01))


def test_default_modes_courier_up_to_300_km_driving_up_to_600_km_then_express():
    rules = GeoRules()
    assert fastest_mode(300.0, rules)[0] == "courier"
    assert fastest_mode(301.0, rules)[0] == "drive"
    assert fastest_mode(600.0, rules)[0] == "drive"
    assert fastest_mode(601.0, rules)[0] == "express"


def test_no_mode_serving_the_distance_is_an_error():
    rules = GeoRules(modes=(TransportMode("courier", speed_kmh=60.0, handling_hours=1.0, max_km=300.0),))
    with pytest.raises(ValueError, match="no transport mode"):
        fastest_mode(301.0, rules)
    with pytest.raises(ValueError, match="no transport mode"):
        leg(BEIJING, GUANGZHOU, rules)


def test_no_modes_at_all_is_an_error():
    with pytest.raises(ValueError):
        fastest_mode(10.0, GeoRules(modes=()))


# --- measured matrix and local legs ------------------------------------------------------------


def test_measured_pair_overrides_the_estimate():
    result = leg(SHANGHAI, HANGZHOU, GeoRules(), measured=(180.0, 3.5))
    assert result == Leg(km=180.0, hours=3.5, mode="matrix", measured=True)


def test_measured_pair_is_used_even_where_no_mode_would_serve():
    rules = GeoRules(modes=(TransportMode("courier", speed_kmh=60.0, handling_hours=1.0, max_km=300.0),))
    result = leg(BEIJING, GUANGZHOU, rules, measured=(2100.0, 30.0))
    assert (result.km, result.hours, result.measured) == (2100.0, 30.0, True)


def test_same_place_is_a_local_leg_with_no_travel_time():
    result = leg(HANGZHOU, HANGZHOU, GeoRules())
    assert result == Leg(km=0.0, hours=0.0, mode="local", measured=False)


def test_two_nodes_a_few_hundred_metres_apart_are_local():
    result = leg((30.2700, 120.1500), (30.2720, 120.1500), GeoRules(road_factor=1.3))  # ~0.29 km road
    assert result.mode == "local"
    assert result.hours == 0.0


def test_legs_from_gives_every_node_a_leg_towards_the_asking_node():
    coords = {1: HANGZHOU, 2: SHANGHAI, 3: GUANGZHOU}
    legs = legs_from(1, coords, GeoRules())
    assert set(legs) == {1, 2, 3}
    assert legs[1].mode == "local"
    assert legs[2] == leg(SHANGHAI, HANGZHOU, GeoRules())
    assert legs[3] == leg(GUANGZHOU, HANGZHOU, GeoRules())


def test_legs_from_uses_the_matrix_pair_from_the_supplying_node_to_the_asking_node():
    coords = {1: HANGZHOU, 2: SHANGHAI, 3: GUANGZHOU}
    matrix = {(2, 1): (190.0, 3.0)}
    legs = legs_from(1, coords, GeoRules(), matrix)
    assert legs[2] == Leg(km=190.0, hours=3.0, mode="matrix", measured=True)
    assert legs[3].measured is False
