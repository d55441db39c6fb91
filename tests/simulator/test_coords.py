"""The forward map-service transforms match the published reference values."""

import numpy as np
import pytest
from pyproj import Geod

from simulator.coords import from_wgs84, gcj02_to_bd09, wgs84_to_gcj02


def test_gcj02_matches_published_beijing_example():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.410244499, abs=1e-8)
    assert lat == pytest.approx(39.916404281, abs=1e-8)


def test_bd09_matches_published_beijing_example():
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.410369493, abs=1e-8)
    assert lat == pytest.approx(39.921336993, abs=1e-8)


def test_ordos_offset_is_about_490_m_east():
    lon, lat = wgs84_to_gcj02(109.958, 39.822)
    _, _, d = Geod(ellps="WGS84").inv(109.958, 39.822, float(lon), float(lat))
    assert 450 < d < 550 and lon > 109.958


def test_each_row_in_its_own_crs():
    crs = np.array(["WGS-84", "GCJ-02", "BD-09", "CGCS2000"])
    lon, lat = from_wgs84(np.full(4, 109.958), np.full(4, 39.822), crs)
    assert lon[0] == lon[3] == 109.958
    assert lon[1] == pytest.approx(float(wgs84_to_gcj02(109.958, 39.822)[0]))
    assert lon[2] == pytest.approx(float(gcj02_to_bd09(*wgs84_to_gcj02(109.958, 39.822))[0]))
