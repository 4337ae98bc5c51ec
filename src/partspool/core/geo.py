"""Distances and delivery times between nodes.

Road distance is estimated as the great-circle distance times a road factor; delivery time is
the fastest transport mode allowed for that distance. An uploaded matrix of measured distances
and lead times overrides the estimate for the pairs it names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TransportMode:
    """A way to move parts: fixed handling time, average speed and the longest distance it serves."""

    code: str
    speed_kmh: float
    handling_hours: float
    max_km: float | None = None

    def hours_for(self, km: float) -> float | None:
        """Hours door to door for ``km`` of road, or None when the mode does not go that far."""
        if self.max_km is not None and km > self.max_km:
            return None
        return self.handling_hours + km / self.speed_kmh


def default_modes() -> tuple[TransportMode, ...]:
    return (
        TransportMode("courier", speed_kmh=60.0, handling_hours=1.0, max_km=300.0),
        # Someone from the center drives: finding a driver and a car takes longer than booking a courier.
        TransportMode("drive", speed_kmh=70.0, handling_hours=2.0, max_km=600.0),
        TransportMode("express", speed_kmh=35.0, handling_hours=12.0, max_km=None),
    )


@dataclass(frozen=True)
class GeoRules:
    """Settings for distance and delivery-time estimates."""

    road_factor: float = 1.3
    modes: tuple[TransportMode, ...] = field(default_factory=default_modes)


@dataclass(frozen=True)
class Leg:
    """Road distance and delivery time from one node to another, and how it was obtained."""

    km: float
    hours: float
    mode: str
    measured: bool  # True when it comes from the uploaded matrix, False when estimated


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres.

    Args:
        lat1, lon1, lat2, lon2: coordinates in decimal degrees.

    Returns:
        The great-circle distance in km.
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def fastest_mode(km: float, rules: GeoRules) -> tuple[str, float]:
    """The fastest mode that serves ``km`` and its hours.

    Returns:
        (mode code, hours). Raises ValueError when no mode serves the distance.
    """
    best: tuple[str, float] | None = None
    for mode in rules.modes:
        hours = mode.hours_for(km)
        if hours is not None and (best is None or hours < best[1]):
            best = (mode.code, hours)
    if best is None:
        raise ValueError(f"no transport mode serves {km:.0f} km")
    return best


def leg(
    origin: tuple[float, float],
    destination: tuple[float, float],
    rules: GeoRules,
    measured: tuple[float, float] | None = None,
) -> Leg:
    """Distance and delivery time between two points.

    Args:
        origin: (latitude, longitude) of the sending node.
        destination: (latitude, longitude) of the receiving node.
        rules: road factor and transport modes.
        measured: (km, hours) from the uploaded matrix for this pair, when there is one.

    Returns:
        The leg, marked as measured or estimated.
    """
    if measured is not None:
        km, hours = measured
        return Leg(km=km, hours=hours, mode="matrix", measured=True)
    km = great_circle_km(*origin, *destination) * rules.road_factor
    if km < 0.5:
        return Leg(km=0.0, hours=0.0, mode="local", measured=False)
    mode, hours = fastest_mode(km, rules)
    return Leg(km=km, hours=hours, mode=mode, measured=False)


def legs_from(
    origin_id: int,
    coords: Mapping[int, tuple[float, float]],
    rules: GeoRules,
    matrix: Mapping[tuple[int, int], tuple[float, float]] | None = None,
) -> dict[int, Leg]:
    """Legs from every node in ``coords`` to ``origin_id`` (the node that needs the part).

    Args:
        origin_id: the receiving node.
        coords: node id -> (latitude, longitude).
        rules: road factor and modes.
        matrix: (from id, to id) -> (km, hours) measured pairs.

    Returns:
        node id -> leg from that node to the origin.
    """
    matrix = matrix or {}
    here = coords[origin_id]
    return {
        node_id: leg(point, here, rules, matrix.get((node_id, origin_id)))
        for node_id, point in coords.items()
    }
