"""Coordinates: published reference pairs, round trips under 2 m, and the grid projection against pyproj."""

from __future__ import annotations

import numpy as np
import pytest

from gridwatch.city import load_city
from spark_jobs import crs

# Published reference pairs of the standard forward formulas (Tiananmen, widely quoted test vector).
WGS_TO_GCJ = ((116.404, 39.915), (116.41024449916938, 39.91640428150164))
GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
ORDOS_POINTS = [(109.958, 39.822), (109.784, 39.607), (109.742, 39.564), (110.05, 39.87), (109.71, 39.535)]


def test_forward_formulas_match_published_pairs():
    (lon, lat), expected = WGS_TO_GCJ
    assert np.allclose(crs.wgs84_to_gcj02_np(lon, lat), expected, rtol=0, atol=1e-12)
    (lon, lat), expected = GCJ_TO_BD
    assert np.allclose(crs.gcj02_to_bd09_np(lon, lat), expected, rtol=0, atol=1e-12)


def test_inverse_recovers_published_wgs84_point():
    lon, lat = crs.gcj02_to_wgs84_np(*WGS_TO_GCJ[1])
    assert crs.haversine_m(lon, lat, *WGS_TO_GCJ[0]) < 0.01
    lon, lat = crs.bd09_to_gcj02_np(*GCJ_TO_BD[1])
    assert crs.haversine_m(lon, lat, *GCJ_TO_BD[0]) < 0.01


@pytest.mark.parametrize("forward,inverse", [
    (crs.wgs84_to_gcj02_np, crs.gcj02_to_wgs84_np),
    (crs.wgs84_to_bd09_np, crs.bd09_to_wgs84_np),
])
def test_round_trip_error_under_two_metres_across_china(forward, inverse):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(73.5, 135.0, 20000), rng.uniform(18.0, 53.5, 20000)
    back = inverse(*forward(lon, lat))
    err = crs.haversine_m(lon, lat, *back)
    assert err.max() < 2.0
    assert err.max() < 0.01  # four unrolled steps reach millimetres


def test_gcj_offset_near_ordos_is_hundreds_of_metres():
    glon, glat = crs.wgs84_to_gcj02_np(109.958, 39.822)
    assert 300 < crs.haversine_m(109.958, 39.822, glon, glat) < 800


@pytest.mark.parametrize("name,kind", [
    ("WGS-84", crs.WGS84), ("wgs84", crs.WGS84), ("CGCS2000", crs.WGS84), ("EPSG:4326", crs.WGS84),
    ("GCJ-02", crs.GCJ02), ("gcj02", crs.GCJ02), ("BD-09", crs.BD09), ("EPSG:32649", crs.PROJECTED),
    ("EPSG:4547", crs.PROJECTED), ("EPSG:99999", crs.UNKNOWN), ("Mars", crs.UNKNOWN), ("", crs.UNKNOWN), (None, crs.UNKNOWN),
])
def test_crs_kind(name, kind):
    assert crs.crs_kind(name) == kind


@pytest.mark.parametrize("code", ["EPSG:32649", "EPSG:4547", "EPSG:4526"])
def test_transverse_mercator_series_matches_pyproj(code):
    from pyproj import Transformer

    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(109.6, 110.1, 5000), rng.uniform(39.5, 39.9, 5000)
    x, y = crs.tm_forward_np(lon, lat, crs.tm_params(code))
    px, py = Transformer.from_crs("EPSG:4326", code, always_xy=True).transform(lon, lat)
    assert np.abs(x - px).max() < 1e-6 and np.abs(y - py).max() < 1e-6


def test_spark_inverses_match_numpy_and_forward(spark):
    city = load_city()
    lon = np.array([p[0] for p in ORDOS_POINTS])
    lat = np.array([p[1] for p in ORDOS_POINTS])
    glon, glat = crs.wgs84_to_gcj02_np(lon, lat)
    blon, blat = crs.wgs84_to_bd09_np(lon, lat)
    rows = [(i, float(glon[i]), float(glat[i]), float(blon[i]), float(blat[i])) for i in range(len(lon))]
    df = spark.createDataFrame(rows, "i int, glon double, glat double, blon double, blat double")
    df = crs.gcj02_to_wgs84(df, "glon", "glat", "w1_lon", "w1_lat")
    df = crs.bd09_to_wgs84(df, "blon", "blat", "w2_lon", "w2_lat")
    df = crs.tm_forward(df, "w1_lon", "w1_lat", crs.tm_params(city.crs))
    out = df.orderBy("i").toPandas()
    assert crs.haversine_m(lon, lat, out.w1_lon, out.w1_lat).max() < 0.01
    assert crs.haversine_m(lon, lat, out.w2_lon, out.w2_lat).max() < 0.01
    px, py = city.to_projected(lon, lat)
    assert np.abs(out.x - px).max() < 0.001 and np.abs(out.y - py).max() < 0.001


def test_to_wgs84_dispatches_each_kind_including_projected(spark):
    from pyproj import Transformer
    from pyspark.sql import functions as F

    lon, lat = 109.958, 39.822
    gx, gy = crs.wgs84_to_gcj02_np(lon, lat)
    bx, by = crs.wgs84_to_bd09_np(lon, lat)
    ux, uy = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True).transform(lon, lat)
    kx, ky = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(lon, lat)
    rows = [("w", lon, lat, "WGS-84"), ("g", float(gx), float(gy), "GCJ-02"), ("b", float(bx), float(by), "bd09"),
            ("u", ux, uy, "EPSG:32649"), ("k", kx, ky, "EPSG:4547"), ("x", lon, lat, "EPSG:99999")]
    df = spark.createDataFrame(rows, "id string, lon double, lat double, crs string")
    codes = crs.projected_codes_in(df, "crs")
    assert codes == ["EPSG:32649", "EPSG:4547"]
    df = df.withColumn("crs_kind", crs.crs_kind_column(F.col("crs"), codes))
    out = crs.to_wgs84(df).toPandas().set_index("id")
    assert out.loc["x", "crs_kind"] == crs.UNKNOWN and np.isnan(out.loc["x", "lon_wgs"])
    good = out.drop(index="x")
    assert crs.haversine_m(lon, lat, good.lon_wgs, good.lat_wgs).max() < 0.01
