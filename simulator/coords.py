"""Forward transforms WGS-84 -> GCJ-02 -> BD-09, as Chinese map services publish coordinates."""

from __future__ import annotations

import numpy as np

from gridwatch.chinacrs import gcj02_to_bd09, wgs84_to_gcj02

CRS_CHOICES = ("WGS-84", "GCJ-02", "BD-09", "CGCS2000")


def from_wgs84(lon, lat, crs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Express WGS-84 points in each row's own crs (WGS-84 and CGCS2000 are left as they are)."""
    lon, lat = np.asarray(lon, dtype=float).copy(), np.asarray(lat, dtype=float).copy()
    crs = np.asarray(crs)
    gcj = (crs == "GCJ-02") | (crs == "BD-09")
    if gcj.any():
        glon, glat = wgs84_to_gcj02(lon[gcj], lat[gcj])
        lon[gcj], lat[gcj] = glon, glat
    bd = crs == "BD-09"
    if bd.any():
        blon, blat = gcj02_to_bd09(lon[bd], lat[bd])
        lon[bd], lat[bd] = blon, blat
    return lon, lat
