"""City profiles and the unit grid (万米单元网格) laid over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pyproj import Transformer

CITIES_DIR = Path(__file__).parent / "cities"
MAX_CELLS_PER_COMMUNITY = 999
CHINESE_ORDINALS = "一二三四五六七八九十"

# Columns of the unit-grid table, in order.
UNIT_GRID_COLUMNS = [
    "cell_id", "grid_code", "col", "row", "x", "y", "lon", "lat",
    "district_code", "district_zh", "district_en",
    "street_code", "street_zh", "street_en", "community_code", "community_zh",
]


@dataclass(frozen=True)
class GridSpec:
    """A square grid in a projected CRS: cell (col, row) covers [x0 + col*cell, x0 + (col+1)*cell)."""

    crs: str
    cell_m: float
    x0: float
    y0: float
    ncols: int
    nrows: int

    def cell_index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        col = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype("int64")
        row = np.floor((np.asarray(y) - self.y0) / self.cell_m).astype("int64")
        return col, row

    def cell_id(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        return np.asarray(row, dtype="int64") * self.ncols + np.asarray(col, dtype="int64")


@dataclass
class City:
    """A city profile: districts with boxes, streets and communities, and its grid settings."""

    name: str
    name_zh: str
    timezone: str
    cell_m: float
    crs: str
    districts: list[dict] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        boxes = np.array([d["box"] for d in self.districts], dtype=float)
        return boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()

    def to_projected(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        tr = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        return tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))

    def to_wgs84(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        tr = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        return tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def grid_spec(self) -> GridSpec:
        lon0, lat0, lon1, lat1 = self.bbox
        xs, ys = self.to_projected([lon0, lon0, lon1, lon1], [lat0, lat1, lat0, lat1])
        c = self.cell_m
        x0, y0 = np.floor(min(xs) / c) * c, np.floor(min(ys) / c) * c
        ncols = int(np.ceil((max(xs) - x0) / c))
        nrows = int(np.ceil((max(ys) - y0) / c))
        return GridSpec(self.crs, c, float(x0), float(y0), ncols, nrows)


def load_city(name_or_path: str | Path = "ordos", cell_m: float | None = None) -> City:
    """Read a city profile by name (gridwatch/cities/<name>.yaml) or path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CITIES_DIR / f"{name_or_path}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return City(
        name=raw["name"],
        name_zh=raw.get("name_zh", raw["name"]),
        timezone=raw.get("timezone", "Asia/Shanghai"),
        cell_m=float(cell_m or raw["grid"]["cell_m"]),
        crs=raw["grid"]["crs"],
        districts=raw["districts"],
    )


def _nearest(px: np.ndarray, py: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    d2 = (px[:, None] - cx[None, :]) ** 2 + (py[:, None] - cy[None, :]) ** 2
    return d2.argmin(axis=1)


def _balanced_blocks(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Split points into k compact blocks of near-equal size: north-south strips, then east-west chunks."""
    n_strips = int(np.ceil(np.sqrt(k)))
    per_strip = np.array_split(np.arange(k), n_strips)
    label = np.empty(len(x), dtype=int)
    by_y = np.argsort(-y, kind="stable")
    sizes = [len(p) for p in per_strip]
    bounds = np.cumsum([0] + [round(len(x) * s / k) for s in sizes])
    bounds[-1] = len(x)
    for strip, labels in enumerate(per_strip):
        members = by_y[bounds[strip]:bounds[strip + 1]]
        members = members[np.argsort(x[members], kind="stable")]
        for chunk, lab in zip(np.array_split(members, len(labels)), labels, strict=True):
            label[chunk] = lab
    return label


def _communities(city: City, street: dict, n_cells: int) -> list[tuple[str, str]]:
    """(code, name) of a street's communities: listed ones, else enough generated to keep <= 999 cells each."""
    named = list(street.get("communities", []))
    out = [(f"{i + 1:03d}", f"{n}社区") for i, n in enumerate(named)]
    out += [(f"{200 + i + 1:03d}", f"{street['name_zh']}第{i + 1}村") for i in range(int(street.get("villages", 0)))]
    need = int(np.ceil(n_cells / (MAX_CELLS_PER_COMMUNITY * 0.7)))
    base = street["name_zh"].removesuffix("街道").removesuffix("镇")
    while len(out) < need:
        i = len(out)
        label = CHINESE_ORDINALS[i] if i < len(CHINESE_ORDINALS) else str(i + 1)
        out.append((f"{i + 1:03d}", f"{base}第{label}社区"))
    return out


def build_unit_grid(city: City) -> pd.DataFrame:
    """Every cell of the city: 15-digit code, centre, district, street and community (deterministic)."""
    spec = city.grid_spec()
    cols, rows = np.meshgrid(np.arange(spec.ncols), np.arange(spec.nrows))
    cols, rows = cols.ravel(), rows.ravel()
    x = spec.x0 + (cols + 0.5) * spec.cell_m
    y = spec.y0 + (rows + 0.5) * spec.cell_m
    lon, lat = city.to_wgs84(x, y)
    owner = np.full(len(x), -1)
    best = np.full(len(x), np.inf)
    for i, d in enumerate(city.districts):
        b = d["box"]
        inside = (lon >= b[0]) & (lon < b[2]) & (lat >= b[1]) & (lat < b[3])
        take = inside & (d.get("priority", 1) < best)
        owner[take], best[take] = i, d.get("priority", 1)
    parts = []
    for i, d in enumerate(city.districts):
        m = owner == i
        dx, dy, dlon, dlat = x[m], y[m], lon[m], lat[m]
        streets = d["streets"]
        sx, sy = city.to_projected([s["centre"][0] for s in streets], [s["centre"][1] for s in streets])
        s_idx = _nearest(dx, dy, np.asarray(sx), np.asarray(sy))
        for j, s in enumerate(streets):
            sm = s_idx == j
            if not sm.any():
                continue
            comms = _communities(city, s, int(sm.sum()))
            cx_all, cy_all = dx[sm], dy[sm]
            c_idx = _balanced_blocks(cx_all, cy_all, len(comms))
            for k, (ccode, cname) in enumerate(comms):
                cm = c_idx == k
                n = int(cm.sum())
                if n == 0:
                    continue
                if n > MAX_CELLS_PER_COMMUNITY:
                    raise ValueError(f"community {cname} has {n} cells; a 3-digit grid number holds 999")
                sub_rows, sub_cols = rows[m][sm][cm], cols[m][sm][cm]
                o = np.lexsort((sub_cols, -sub_rows))  # numbered north-west to south-east
                part = pd.DataFrame({
                    "col": sub_cols[o], "row": sub_rows[o],
                    "x": cx_all[cm][o], "y": cy_all[cm][o],
                    "lon": dlon[sm][cm][o], "lat": dlat[sm][cm][o],
                })
                part["district_code"], part["district_zh"] = d["code"], d["name_zh"]
                part["district_en"] = d.get("name_en", d["name_zh"])
                part["street_code"], part["street_zh"] = s["code"], s["name_zh"]
                part["street_en"] = s.get("name_en", s["name_zh"])
                part["community_code"], part["community_zh"] = ccode, cname
                part["grid_code"] = [f"{d['code']}{s['code']}{ccode}{g + 1:03d}" for g in range(n)]
                parts.append(part)
    grid = pd.concat(parts, ignore_index=True)
    grid["cell_id"] = spec.cell_id(grid["col"].to_numpy(), grid["row"].to_numpy())
    grid = grid.sort_values("cell_id").reset_index(drop=True)
    return grid[UNIT_GRID_COLUMNS]


@lru_cache(maxsize=8)
def unit_grid(city_name: str = "ordos", cell_m: float | None = None) -> pd.DataFrame:
    """Cached unit grid of a named city profile."""
    return build_unit_grid(load_city(city_name, cell_m))
