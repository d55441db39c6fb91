"""Map geometry for display: cell squares, GCJ-02 shift for AMap/Tencent tiles, base-map styles.

GRIDWATCH_BASEMAP chooses the base map: `none` (default, offline), `tianditu` (CGCS2000, no
shift; needs GRIDWATCH_TIANDITU_KEY), `amap` or `tencent` (GCJ-02: cells are shifted for
display only; the stored coordinates stay WGS-84).
"""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pandas as pd

from gridwatch.chinacrs import wgs84_to_gcj02  # noqa: F401  (the display shift for GCJ-02 tiles)

# A blank MapLibre style: no tile server, no glyphs, just a light background.
BLANK_STYLE = {
    "version": 8,
    "sources": {},
    "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#f5f5f2"}}],
}

TILE_URLS = {
    "tianditu": [
        f"https://t{i}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
        for i in range(8)
    ],
    "amap": [f"https://webrd0{i}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
             for i in range(1, 5)],
    "tencent": [f"https://rt{i}.map.gtimg.com/realtimerender?z={{z}}&x={{x}}&y={{y}}&type=vector&style=0"
                for i in range(4)],
}
GCJ02_BASEMAPS = {"amap", "tencent"}


def basemap() -> str:
    """The configured base map: none, tianditu, amap or tencent."""
    name = os.environ.get("GRIDWATCH_BASEMAP", "none").strip().lower()
    return name if name in TILE_URLS else "none"


def style_json(name: str | None = None) -> dict:
    """The MapLibre style of a base map: blank offline, or one raster tile source."""
    name = name or basemap()
    if name not in TILE_URLS:
        return BLANK_STYLE
    key = os.environ.get("GRIDWATCH_TIANDITU_KEY", "")
    tiles = [u.replace("{key}", key) for u in TILE_URLS[name]]
    source = {"type": "raster", "tiles": tiles, "tileSize": 256}
    return {
        "version": 8,
        "sources": {"base": source},
        "layers": [BLANK_STYLE["layers"][0], {"id": "base", "type": "raster", "source": "base"}],
    }


def map_style(name: str | None = None) -> str:
    """The style as a data: URL, so the browser fetches nothing for it (the app's chart wants a URL string)."""
    raw = json.dumps(style_json(name), separators=(",", ":")).encode("utf-8")
    return "data:application/json;base64," + base64.b64encode(raw).decode("ascii")


def grid_jacobian(grid: pd.DataFrame) -> tuple[float, np.ndarray]:
    """Cell size in metres and the lon/lat change per metre east and north, fitted on the grid."""
    sample = grid.iloc[:: max(1, len(grid) // 5000)]
    cols = sample["col"].to_numpy(float)
    span = cols.max() - cols.min()
    cell_m = float((sample["x"].max() - sample["x"].min()) / span) if span else 100.0
    design = np.column_stack([np.ones(len(sample)), sample["x"].to_numpy(float), sample["y"].to_numpy(float)])
    coef, *_ = np.linalg.lstsq(design, sample[["lon", "lat"]].to_numpy(float), rcond=None)
    return cell_m, coef[1:].T  # [[dlon/dx, dlon/dy], [dlat/dx, dlat/dy]]


def cell_polygons(lon: np.ndarray, lat: np.ndarray, cell_m: float, jac: np.ndarray,
                  shift_gcj02: bool = False) -> list[list[list[float]]]:
    """The four corners of each cell around its centre, optionally shifted to GCJ-02."""
    h = cell_m / 2.0
    corners = np.array([[-h, -h], [h, -h], [h, h], [-h, h]])  # metres east, north
    offsets = corners @ jac.T  # (4, 2) in degrees
    clon = np.asarray(lon, float)[:, None] + offsets[None, :, 0]
    clat = np.asarray(lat, float)[:, None] + offsets[None, :, 1]
    if shift_gcj02:
        clon, clat = wgs84_to_gcj02(clon, clat)
    poly = np.round(np.stack([clon, clat], axis=-1), 5)  # 1e-5 degrees is about a metre
    return poly.tolist()


def box_polygon(lon0: float, lat0: float, lon1: float, lat1: float, shift_gcj02: bool = False) -> list:
    """A lon/lat box as a closed ring."""
    lon = np.array([lon0, lon1, lon1, lon0])
    lat = np.array([lat0, lat0, lat1, lat1])
    if shift_gcj02:
        lon, lat = wgs84_to_gcj02(lon, lat)
    return np.round(np.stack([lon, lat], axis=-1), 6).tolist()
