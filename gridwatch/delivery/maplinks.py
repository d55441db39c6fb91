"""Map links for cell centres: WGS-84 for OpenStreetMap, GCJ-02 for AMap (高德)."""

from __future__ import annotations

from gridwatch import chinacrs


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """One point WGS-84 -> GCJ-02 (points outside China unchanged)."""
    glon, glat = chinacrs.wgs84_to_gcj02(lon, lat)
    return float(glon), float(glat)
