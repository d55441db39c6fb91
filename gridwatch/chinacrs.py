"""China's map coordinate systems in numpy: WGS-84 ↔ GCJ-02 (高德/腾讯) ↔ BD-09 (百度), and distances.

The forward offsets are the published closed forms; the inverses are fixed-point iterations of them.
The formulas take a math backend `m` (numpy here, Spark column functions in spark_jobs/crs.py), so the
silver layer, the simulator, the risk-list map links and the app's map all shift points the same way.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

# Krasovsky ellipsoid constants of the published GCJ-02 forward formula.
GCJ_A = 6378245.0
GCJ_EE = 0.00669342162296594323
BD_X_PI = math.pi * 3000.0 / 180.0
INVERSE_ITERATIONS = 3  # each step shrinks the error ~100x: 3 steps reach about 0.2 mm
# The box outside which GCJ-02 leaves points unchanged.
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)

NP = SimpleNamespace(sin=np.sin, cos=np.cos, tan=np.tan, sqrt=np.sqrt, abs=np.abs, atan=np.arctan,
                     atan2=np.arctan2, sinh=np.sinh, cosh=np.cosh, asinh=np.arcsinh, atanh=np.arctanh)


def gcj_delta(lon, lat, m=NP):
    """GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 point (published forward formula)."""
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * m.sin(6.0 * x * pi) + 20.0 * m.sin(2.0 * x * pi)) * 2.0 / 3.0
    t_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(m.abs(x)) + common
             + (20.0 * m.sin(y * pi) + 40.0 * m.sin(y / 3.0 * pi)) * 2.0 / 3.0
             + (160.0 * m.sin(y / 12.0 * pi) + 320.0 * m.sin(y * pi / 30.0)) * 2.0 / 3.0)
    t_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(m.abs(x)) + common
             + (20.0 * m.sin(x * pi) + 40.0 * m.sin(x / 3.0 * pi)) * 2.0 / 3.0
             + (150.0 * m.sin(x / 12.0 * pi) + 300.0 * m.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1.0 - GCJ_EE * m.sin(rad) * m.sin(rad)
    sqrt_magic = m.sqrt(magic)
    dlat = (t_lat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = (t_lon * 180.0) / (GCJ_A / sqrt_magic * m.cos(rad) * pi)
    return dlon, dlat


def bd_from_gcj(lon, lat, m=NP):
    """BD-09 from GCJ-02 (published forward formula)."""
    z = m.sqrt(lon * lon + lat * lat) + 0.00002 * m.sin(lat * BD_X_PI)
    theta = m.atan2(lat, lon) + 0.000003 * m.cos(lon * BD_X_PI)
    return z * m.cos(theta) + 0.0065, z * m.sin(theta) + 0.006


def in_china(lon, lat) -> np.ndarray:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w, s, e, n = CHINA_BOX
    return (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 -> GCJ-02 (forward; points outside China unchanged)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = gcj_delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09 (forward)."""
    return bd_from_gcj(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 -> BD-09 (forward)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def gcj02_to_wgs84(lon, lat, iterations: int = INVERSE_ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS-84 by fixed-point iteration of the forward formula."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (flon - glon), wlat - (flat - glat)
    return wlon, wlat


def bd09_to_gcj02(lon, lat, iterations: int = INVERSE_ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> GCJ-02 by fixed-point iteration of the forward formula."""
    blon, blat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    glon, glat = blon - 0.0065, blat - 0.006
    for _ in range(iterations):
        flon, flat = gcj02_to_bd09(glon, glat)
        glon, glat = glon - (flon - blon), glat - (flat - blat)
    return glon, glat


def bd09_to_wgs84(lon, lat, iterations: int = INVERSE_ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> WGS-84 (BD-09 -> GCJ-02 -> WGS-84, both iterative)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat, iterations), iterations)


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (mean Earth radius)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))
