"""Impossible travel: consecutive logins of one account further apart than a plane flies.

Great-circle (haversine) distance over elapsed time; above 900 km/h is impossible.
Short hops (under 100 km) are ignored because IP geolocation is that coarse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

EARTH_RADIUS_KM = 6371.0088
MAX_SPEED_KMH = 900.0
MIN_DISTANCE_KM = 100.0


@dataclass(frozen=True)
class GeoPoint:
    """Where and when an account was seen."""

    lat: float
    lon: float
    at: datetime


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points in kilometres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_speed_kmh(previous: GeoPoint, current: GeoPoint) -> float | None:
    """Implied speed, or None when the hop is too short to judge."""
    distance = haversine_km(previous, current)
    if distance < MIN_DISTANCE_KM:
        return None
    hours = max(abs((current.at - previous.at).total_seconds()) / 3600, 1 / 3600)
    return distance / hours


def is_impossible(previous: GeoPoint, current: GeoPoint) -> bool:
    speed = travel_speed_kmh(previous, current)
    return speed is not None and speed > MAX_SPEED_KMH
