"""Coordinates to WGS-84: GCJ-02 / BD-09 inverses and transverse-Mercator, as Spark column math and numpy."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from gridwatch import chinacrs
from gridwatch.chinacrs import (  # noqa: F401  (the numpy API, re-exported under its Spark-side names)
    INVERSE_ITERATIONS,
    NP,
    bd_from_gcj,
    gcj_delta,
    haversine_m,
)

log = logging.getLogger(__name__)

# The numpy API under the names the Spark jobs use.
wgs84_to_gcj02_np = chinacrs.wgs84_to_gcj02
gcj02_to_bd09_np = chinacrs.gcj02_to_bd09
wgs84_to_bd09_np = chinacrs.wgs84_to_bd09
gcj02_to_wgs84_np = chinacrs.gcj02_to_wgs84
bd09_to_gcj02_np = chinacrs.bd09_to_gcj02
bd09_to_wgs84_np = chinacrs.bd09_to_wgs84

# Canonical kinds a record's `crs` field maps to.
WGS84, GCJ02, BD09, PROJECTED, UNKNOWN = "WGS-84", "GCJ-02", "BD-09", "projected", "unknown"
_ALIASES = {
    "WGS84": WGS84, "WGS-84": WGS84, "WGS_84": WGS84, "EPSG:4326": WGS84, "4326": WGS84,
    "CGCS2000": WGS84, "CGCS-2000": WGS84, "EPSG:4490": WGS84, "4490": WGS84,  # agrees within cm
    "GCJ02": GCJ02, "GCJ-02": GCJ02, "GCJ_02": GCJ02, "AMAP": GCJ02,
    "BD09": BD09, "BD-09": BD09, "BD_09": BD09, "BD09LL": BD09, "BAIDU": BD09,
}
_EPSG = re.compile(r"^EPSG:(\d{4,6})$")


# ---------------------------------------------------------------- math backends (numpy and Spark)

_NP = NP
_SP = SimpleNamespace(sin=F.sin, cos=F.cos, tan=F.tan, sqrt=F.sqrt, abs=F.abs, atan=F.atan,
                      atan2=F.atan2, sinh=F.sinh, cosh=F.cosh, asinh=F.asinh, atanh=F.atanh)


# ---------------------------------------------------------------- CRS names

def crs_kind(crs: str | None) -> str:
    """Canonical kind of a record's crs field: WGS-84, GCJ-02, BD-09, projected or unknown."""
    if crs is None:
        return UNKNOWN
    name = str(crs).strip().upper().replace(" ", "")
    if name in _ALIASES:
        return _ALIASES[name]
    m = _EPSG.match(name)
    if m and _projected_epsg(int(m.group(1))):
        return PROJECTED
    return UNKNOWN


@lru_cache(maxsize=256)
def _projected_epsg(code: int) -> bool:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        return False
    return bool(crs.is_projected)


def crs_kind_column(crs: Column, known_projected: list[str] | tuple[str, ...] = ()) -> Column:
    """Column version of crs_kind; EPSG codes must be listed in known_projected (checked by pyproj first)."""
    name = F.upper(F.regexp_replace(F.coalesce(crs, F.lit("")), r"\s", ""))
    expr = F.lit(UNKNOWN)
    for code in sorted(known_projected):
        expr = F.when(name == F.lit(code.upper()), F.lit(PROJECTED)).otherwise(expr)
    for alias, kind in _ALIASES.items():
        expr = F.when(name == F.lit(alias), F.lit(kind)).otherwise(expr)
    return expr


def projected_codes_in(df: DataFrame, crs_col: str) -> list[str]:
    """Distinct EPSG codes in a (small, already filtered) column that pyproj knows as projected."""
    names = [r[0] for r in df.select(F.upper(F.regexp_replace(F.col(crs_col), r"\s", ""))).distinct().collect()]
    return sorted(n for n in names if n and crs_kind(n) == PROJECTED)


# ---------------------------------------------------------------- Spark column math

def wgs84_to_gcj02_cols(lon: Column, lat: Column) -> tuple[Column, Column]:
    """WGS-84 -> GCJ-02 as column expressions (points outside China unchanged)."""
    dlon, dlat = gcj_delta(lon, lat, _SP)
    inside = (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)
    return F.when(inside, lon + dlon).otherwise(lon), F.when(inside, lat + dlat).otherwise(lat)


def gcj02_to_bd09_cols(lon: Column, lat: Column) -> tuple[Column, Column]:
    """GCJ-02 -> BD-09 as column expressions."""
    return bd_from_gcj(lon, lat, _SP)


def _fixed_point(forward, lon: Column, lat: Column, start: tuple[Column, Column], iterations: int) -> Column:
    """Invert `forward` at (lon, lat) by fixed-point steps, as one expression: struct<lon, lat>.

    The steps run inside `aggregate` over a fixed-length array, so the plan holds the step once
    (no nested projections that the optimizer would have to inline).
    """
    def step(acc: Column, _: Column) -> Column:
        flon, flat = forward(acc["lon"], acc["lat"])
        return F.struct((acc["lon"] - (flon - lon)).alias("lon"), (acc["lat"] - (flat - lat)).alias("lat"))

    init = F.struct(start[0].cast("double").alias("lon"), start[1].cast("double").alias("lat"))
    return F.aggregate(F.array_repeat(F.lit(0), iterations), init, step)


def gcj02_to_wgs84_col(lon: Column, lat: Column, iterations: int = INVERSE_ITERATIONS) -> Column:
    """GCJ-02 -> WGS-84 as one column expression: struct<lon, lat> (iterative inverse)."""
    lon, lat = lon.cast("double"), lat.cast("double")
    return _fixed_point(wgs84_to_gcj02_cols, lon, lat, (lon, lat), iterations)


def bd09_to_gcj02_col(lon: Column, lat: Column, iterations: int = INVERSE_ITERATIONS) -> Column:
    """BD-09 -> GCJ-02 as one column expression: struct<lon, lat> (iterative inverse)."""
    lon, lat = lon.cast("double"), lat.cast("double")
    return _fixed_point(gcj02_to_bd09_cols, lon, lat, (lon - 0.0065, lat - 0.006), iterations)


def gcj02_to_wgs84(df: DataFrame, lon: str, lat: str, out_lon: str, out_lat: str,
                   iterations: int = INVERSE_ITERATIONS) -> DataFrame:
    """Add WGS-84 columns for GCJ-02 input columns."""
    df = df.withColumn("__w", gcj02_to_wgs84_col(F.col(lon), F.col(lat), iterations))
    return df.withColumns({out_lon: F.col("__w.lon"), out_lat: F.col("__w.lat")}).drop("__w")


def bd09_to_wgs84(df: DataFrame, lon: str, lat: str, out_lon: str, out_lat: str,
                  iterations: int = INVERSE_ITERATIONS) -> DataFrame:
    """Add WGS-84 columns for BD-09 input columns (BD-09 -> GCJ-02 -> WGS-84, both iterative)."""
    df = df.withColumn("__g", bd09_to_gcj02_col(F.col(lon), F.col(lat), iterations))
    return gcj02_to_wgs84(df, "__g.lon", "__g.lat", out_lon, out_lat, iterations).drop("__g")


def to_wgs84(df: DataFrame, lon: str = "lon", lat: str = "lat", kind: str = "crs_kind",
             crs: str = "crs", out_lon: str = "lon_wgs", out_lat: str = "lat_wgs",
             iterations: int = INVERSE_ITERATIONS, projected: bool = True) -> DataFrame:
    """Add WGS-84 lon/lat for rows of any kind: geographic kinds in column math, projected via pyproj.

    BD-09 rows are first brought to GCJ-02; GCJ-02 and BD-09 rows then share one GCJ-02 inverse.
    """
    k, x, y = F.col(kind), F.col(lon).cast("double"), F.col(lat).cast("double")
    gcj = (F.when(k == BD09, bd09_to_gcj02_col(x, y, iterations))
           .when(k == GCJ02, F.struct(x.alias("lon"), y.alias("lat"))))
    df = df.withColumn("__g", gcj)
    df = df.withColumn("__w", gcj02_to_wgs84_col(F.col("__g.lon"), F.col("__g.lat"), iterations))
    df = df.withColumns({
        out_lon: F.when(k == WGS84, x).otherwise(F.col("__w.lon")),
        out_lat: F.when(k == WGS84, y).otherwise(F.col("__w.lat")),
    }).drop("__g", "__w")
    return projected_to_wgs84(df, lon, lat, kind, crs, out_lon, out_lat) if projected else df


def projected_to_wgs84(df: DataFrame, x: str, y: str, kind: str, crs: str,
                       out_lon: str, out_lat: str) -> DataFrame:
    """Fill WGS-84 lon/lat of rows whose kind is 'projected' (EPSG x/y) with pyproj in mapInPandas."""
    schema = df.schema

    def convert(batches):
        from pyproj import Transformer

        for pdf in batches:
            mask = (pdf[kind] == PROJECTED).to_numpy()
            if mask.any():
                names = pdf.loc[mask, crs].astype(str).str.upper().str.replace(r"\s", "", regex=True)
                for code in names.unique():
                    idx = names.index[names == code]
                    tr = Transformer.from_crs(code, "EPSG:4326", always_xy=True)
                    lo, la = tr.transform(pdf.loc[idx, x].to_numpy(float), pdf.loc[idx, y].to_numpy(float))
                    pdf.loc[idx, out_lon], pdf.loc[idx, out_lat] = lo, la
            yield pdf

    projected = df.where(F.col(kind) == PROJECTED)
    others = df.where((F.col(kind) != PROJECTED) | F.col(kind).isNull())
    return others.unionByName(projected.mapInPandas(convert, schema))


# ---------------------------------------------------------------- transverse Mercator (grid CRS)

@dataclass(frozen=True)
class TMParams:
    """Transverse-Mercator parameters of a projected CRS (e.g. UTM 49N, CGCS2000 Gauss-Krüger)."""

    a: float
    f: float
    lon0: float
    lat0: float
    k0: float
    x0: float
    y0: float


@lru_cache(maxsize=32)
def tm_params(crs: str) -> TMParams | None:
    """Transverse-Mercator parameters of a CRS known to pyproj, or None if it is not transverse Mercator."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    op = c.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    vals = {p.name.lower(): p.value for p in op.params}
    ell = c.ellipsoid
    return TMParams(a=ell.semi_major_metre, f=1.0 / ell.inverse_flattening,
                    lon0=vals.get("longitude of natural origin", 0.0),
                    lat0=vals.get("latitude of natural origin", 0.0),
                    k0=vals.get("scale factor at natural origin", 1.0),
                    x0=vals.get("false easting", 0.0), y0=vals.get("false northing", 0.0))


def _kruger_alphas(n: float) -> list[float]:
    """Krüger series coefficients alpha_1..alpha_6 (Karney 2011), accurate to nanometres within a zone."""
    return [
        n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180 - 127 * n**5 / 288 + 7891 * n**6 / 37800,
        13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440 + 281 * n**5 / 630 - 1983433 * n**6 / 1935360,
        61 * n**3 / 240 - 103 * n**4 / 140 + 15061 * n**5 / 26880 + 167603 * n**6 / 181440,
        49561 * n**4 / 161280 - 179 * n**5 / 168 + 6601661 * n**6 / 7257600,
        34729 * n**5 / 80640 - 3418889 * n**6 / 1995840,
        212378941 * n**6 / 319334400,
    ]


def _tm_consts(p: TMParams) -> tuple[float, float, list[float]]:
    n = p.f / (2 - p.f)
    big_a = p.a / (1 + n) * (1 + n**2 / 4 + n**4 / 64 + n**6 / 256)
    e = math.sqrt(p.f * (2 - p.f))
    return big_a, e, _kruger_alphas(n)


def _meridian_origin(p: TMParams) -> float:
    """Northing of the latitude of origin (0 for UTM and Gauss-Krüger)."""
    if p.lat0 == 0.0:
        return 0.0
    x, y = tm_forward_np(np.array([p.lon0]), np.array([p.lat0]), TMParams(**{**p.__dict__, "lat0": 0.0}))
    return float(y[0] - p.y0)


def tm_forward_np(lon, lat, p: TMParams) -> tuple[np.ndarray, np.ndarray]:
    """Geographic -> transverse-Mercator x/y (numpy)."""
    big_a, e, alphas = _tm_consts(p)
    phi = np.radians(np.asarray(lat, dtype=float))
    lam = np.radians(np.asarray(lon, dtype=float) - p.lon0)
    t = np.sinh(np.arctanh(np.sin(phi)) - e * np.arctanh(e * np.sin(phi)))
    xi_p = np.arctan2(t, np.cos(lam))
    eta_p = np.arcsinh(np.sin(lam) / np.sqrt(t * t + np.cos(lam) ** 2))
    xi, eta = xi_p.copy(), eta_p.copy()
    for j, a in enumerate(alphas, start=1):
        xi = xi + a * np.sin(2 * j * xi_p) * np.cosh(2 * j * eta_p)
        eta = eta + a * np.cos(2 * j * xi_p) * np.sinh(2 * j * eta_p)
    m0 = _meridian_origin(p)
    return p.x0 + p.k0 * big_a * eta, p.y0 + p.k0 * big_a * xi - m0


def tm_forward_cols(lon: Column, lat: Column, p: TMParams) -> tuple[Column, Column]:
    """Geographic -> transverse-Mercator x/y as column expressions (Krüger series, Karney 2011)."""
    big_a, e, alphas = _tm_consts(p)
    d2r = math.pi / 180.0
    phi, lam = lat.cast("double") * d2r, (lon.cast("double") - p.lon0) * d2r
    t = F.sinh(F.atanh(F.sin(phi)) - e * F.atanh(e * F.sin(phi)))
    xi_p = F.atan2(t, F.cos(lam))
    eta_p = F.asinh(F.sin(lam) / F.sqrt(t * t + F.cos(lam) * F.cos(lam)))
    xi, eta = xi_p, eta_p
    for j, a in enumerate(alphas, start=1):
        xi = xi + a * F.sin(2 * j * xi_p) * F.cosh(2 * j * eta_p)
        eta = eta + a * F.cos(2 * j * xi_p) * F.sinh(2 * j * eta_p)
    m0 = _meridian_origin(p)
    return p.x0 + p.k0 * big_a * eta, p.y0 + p.k0 * big_a * xi - m0


def tm_forward(df: DataFrame, lon: str, lat: str, p: TMParams, out_x: str = "x", out_y: str = "y") -> DataFrame:
    """Add transverse-Mercator x/y columns for WGS-84 lon/lat columns (column math)."""
    x, y = tm_forward_cols(F.col(lon), F.col(lat), p)
    return df.withColumns({out_x: x, out_y: y})


def project_np(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Geographic WGS-84 -> a projected CRS (series when transverse Mercator, else pyproj)."""
    p = tm_params(crs)
    if p is not None:
        return tm_forward_np(lon, lat, p)
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def project(df: DataFrame, lon: str, lat: str, crs: str, out_x: str = "x", out_y: str = "y") -> DataFrame:
    """Add projected x/y columns: column math for transverse Mercator, pyproj in mapInPandas otherwise."""
    p = tm_params(crs)
    if p is not None:
        return tm_forward(df, lon, lat, p, out_x, out_y)
    log.info("grid CRS %s is not transverse Mercator: projecting with pyproj in mapInPandas", crs)
    df = df.withColumns({out_x: F.lit(None).cast("double"), out_y: F.lit(None).cast("double")})
    schema = df.schema

    def convert(batches):
        for pdf in batches:
            xs, ys = project_np(pdf[lon].to_numpy(float), pdf[lat].to_numpy(float), crs)
            pdf[out_x], pdf[out_y] = xs, ys
            yield pd.DataFrame(pdf)

    return df.mapInPandas(convert, schema)
