"""Distances on the Earth's surface, and the box of latitudes and longitudes around a point.

A nearest-first search asks the database only for the schools inside a box (an indexed
range on latitude), then ranks them by great-circle distance; the box is exact, never too
small: every point within ``radius_km`` lies inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM


def distance_km(latitude_1: float, longitude_1: float, latitude_2: float, longitude_2: float) -> float:
    """Great-circle distance between two points (haversine formula), in kilometres."""
    phi_1, phi_2 = math.radians(latitude_1), math.radians(latitude_2)
    d_phi = phi_2 - phi_1
    d_lambda = math.radians(longitude_2 - longitude_1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_1) * math.cos(phi_2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """Latitude bounds, and longitude bounds unless every longitude is in (near a pole, across
    the antimeridian, or a radius that wraps the globe)."""

    min_latitude: float
    max_latitude: float
    min_longitude: float | None = None
    max_longitude: float | None = None

    @property
    def whole_earth(self) -> bool:
        """Every point of the globe is inside (the radius covers half the circumference)."""
        return self.min_latitude <= -90 and self.max_latitude >= 90 and self.min_longitude is None


def bounding_box(latitude: float, longitude: float, radius_km: float) -> Box:
    """The smallest latitude/longitude box holding every point within ``radius_km``.

    Longitudes widen with the latitude: the span is ``asin(sin(r) / cos(latitude))``
    (J. P. Matuschek, *Finding Points Within a Distance of a Latitude/Longitude*).
    """
    if radius_km >= HALF_CIRCUMFERENCE_KM:
        return Box(-90.0, 90.0)
    angular = radius_km / EARTH_RADIUS_KM
    d_latitude = math.degrees(angular)
    min_latitude, max_latitude = latitude - d_latitude, latitude + d_latitude
    if min_latitude <= -90 or max_latitude >= 90:
        return Box(max(min_latitude, -90.0), min(max_latitude, 90.0))
    ratio = math.sin(angular) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return Box(min_latitude, max_latitude)
    d_longitude = math.degrees(math.asin(ratio))
    min_longitude, max_longitude = longitude - d_longitude, longitude + d_longitude
    if min_longitude < -180 or max_longitude > 180:
        # Across the antimeridian (Wallis-et-Futuna, say): all longitudes, rather than two ranges.
        return Box(min_latitude, max_latitude)
    return Box(min_latitude, max_latitude, min_longitude, max_longitude)
