"""The simulated city's geography: where people live, roads, places, cameras, dust sites, truck yards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from gridwatch.city import City, GridSpec, build_unit_grid, load_city
from simulator.names import ROADS, place_name
from simulator.randomness import stream

# Population centres (lon, lat, weight, sigma in metres): old Dongsheng is the densest, Kangbashi and
# 阿镇 are smaller new towns facing each other across the river.
CORES = [
    (109.958, 39.822, 1.00, 1700), (109.965, 39.818, 0.30, 4000),
    (109.784, 39.607, 0.55, 1500), (109.784, 39.607, 0.18, 3000),
    (109.742, 39.564, 0.45, 1200), (109.742, 39.564, 0.14, 2200),
]

# Places per district (Dongsheng, Kangbashi, 阿镇) and how strongly they seek dense areas.
PLACE_PLAN = {
    "market": ((34, 12, 10), 1.0), "night_market": ((9, 5, 3), 1.5), "school": ((100, 34, 26), 0.8),
    "hospital": ((20, 8, 7), 1.0), "mall": ((22, 12, 8), 1.5), "old_neighbourhood": ((60, 0, 12), 2.0),
    "urban_village": ((10, 0, 4), -1.0), "construction_zone": ((22, 10, 6), -1.0),
    "transit_hub": ((3, 1, 1), 1.0), "park": ((12, 9, 5), 0.8),
}
DISTRICT_ORDER = ("150602", "150603", "150627")


@dataclass
class Layout:
    """Everything about the simulated city that does not change week to week (or changes on a date)."""

    city: City
    spec: GridSpec
    grid: pd.DataFrame           # unit grid, row position = cell position used everywhere
    raster: np.ndarray           # (nrows, ncols) -> cell position or -1
    population: np.ndarray       # relative density per cell, max 1
    road: np.ndarray             # cell lies on a main road
    road_name: np.ndarray        # nearest road name per cell (for addresses)
    places: pd.DataFrame         # place_id, kind, name, x, y, lon, lat, pos, strength, district_code, valid_from, valid_to
    cameras: pd.DataFrame        # camera_id, x, y, lon, lat, pos, crs
    dust_sites: pd.DataFrame     # site_id, name, x, y, lon, lat, pos, district_code, zone_place
    yards: pd.DataFrame          # kind (depot|dump), x, y
    camera_cover: np.ndarray     # per cell: index of a camera seeing it, or -1

    @property
    def n_cells(self) -> int:
        return len(self.grid)

    def to_raster(self, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
        out = np.full(self.raster.shape, fill, dtype=float)
        ok = self.raster >= 0
        out[ok] = values[self.raster[ok]]
        return out

    def from_raster(self, raster: np.ndarray) -> np.ndarray:
        return raster[self.grid["row"].to_numpy(), self.grid["col"].to_numpy()]

    def smooth(self, values: np.ndarray, sigma_m: float) -> np.ndarray:
        """Gaussian-smoothed copy of a per-cell field (mass-preserving on the raster)."""
        return self.from_raster(gaussian_filter(self.to_raster(values), sigma_m / self.spec.cell_m, mode="constant"))

    def cells_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell position of projected points, -1 outside the city."""
        col, row = self.spec.cell_index(x, y)
        ok = (col >= 0) & (col < self.spec.ncols) & (row >= 0) & (row < self.spec.nrows)
        out = np.full(len(col), -1)
        out[ok] = self.raster[row[ok], col[ok]]
        return out


def _population(city: City, grid: pd.DataFrame, spec: GridSpec, raster: np.ndarray, seed: int) -> np.ndarray:
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    pop = np.zeros(len(grid))
    lon_c = [c[0] for c in CORES]
    lat_c = [c[1] for c in CORES]
    cx, cy = city.to_projected(lon_c, lat_c)
    for (_, _, w, s), px, py in zip(CORES, cx, cy, strict=False):
        pop += w * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * s * s))
    rng = stream(seed, "population")
    streets = [(s, d["code"]) for d in city.districts for s in d["streets"]]
    sx, sy = city.to_projected([s["centre"][0] for s, _ in streets], [s["centre"][1] for s, _ in streets])
    for (s, dcode), px, py in zip(streets, sx, sy, strict=False):
        w = (0.12 if s["code"] >= "100" else 0.3) * rng.uniform(0.6, 1.4)
        if dcode == "150627":
            w *= 0.6
        pop += w * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * 800.0**2))
    noise = gaussian_filter(rng.standard_normal(raster.shape), 3.0)
    noise = noise / noise.std()
    texture = np.exp(0.45 * noise[grid["row"].to_numpy(), grid["col"].to_numpy()])
    pop = pop * texture
    return pop / pop.max()


def _roads(grid: pd.DataFrame, pop: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Main roads: a loose grid of streets every 500-900 m where the city is built up; nearest road names."""
    rng = stream(seed, "roads")
    col, row = grid["col"].to_numpy(), grid["row"].to_numpy()
    road_cols = np.cumsum(rng.integers(5, 10, 80))
    road_rows = np.cumsum(rng.integers(5, 10, 80))
    on_road = (np.isin(col, road_cols) | np.isin(row, road_rows)) & (pop > 0.06)
    names = np.empty(len(grid), dtype=object)
    dcode = grid["district_code"].to_numpy()
    for d, roads in ROADS.items():
        m = dcode == d
        # each 7x7-cell block takes the name of one of its district's roads
        key = (col[m] // 7) * 7919 + (row[m] // 7) * 104729
        names[m] = np.asarray(roads, dtype=object)[key % len(roads)]
    return on_road, names


def _choose_cells(rng: np.random.Generator, weight: np.ndarray, n: int, min_gap: float,
                  x: np.ndarray, y: np.ndarray) -> list[int]:
    """n weighted cells at least min_gap metres apart."""
    picked: list[int] = []
    p = weight / weight.sum()
    cand = rng.choice(len(weight), size=min(len(weight), n * 40), replace=True, p=p)
    for c in cand:
        if len(picked) >= n:
            break
        if all((x[c] - x[q]) ** 2 + (y[c] - y[q]) ** 2 >= min_gap**2 for q in picked):
            picked.append(int(c))
    return picked


def _places(city: City, grid: pd.DataFrame, pop: np.ndarray, road_name: np.ndarray,
            start: dt.date, end: dt.date, seed: int) -> pd.DataFrame:
    rng = stream(seed, "places")
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    dcode = grid["district_code"].to_numpy()
    dong_x, dong_y = city.to_projected([109.958], [39.822])
    d_old = np.hypot(x - dong_x[0], y - dong_y[0])
    rows = []
    for kind, (counts, alpha) in PLACE_PLAN.items():
        for district, n in zip(DISTRICT_ORDER, counts, strict=False):
            if n == 0:
                continue
            in_d = dcode == district
            if alpha > 0:
                w = pop**alpha
            else:  # fringe: built up but not central
                w = np.where(pop > 0.05, pop * (1 - pop) ** 3, 0.0)
            if kind == "old_neighbourhood" and district == "150602":
                w = w * np.exp(-d_old / 2500.0)
            w = np.where(in_d & (pop > 0.03), w, 0.0)
            gap = 500.0 if kind in ("night_market", "construction_zone") else 250.0
            for cpos in _choose_cells(rng, w, n, gap, x, y):
                rows.append({"kind": kind, "pos": cpos, "district_code": district})
    places = pd.DataFrame(rows)
    places["strength"] = rng.lognormal(0.0, 0.45, len(places))
    places["valid_from"] = pd.NaT
    places["valid_to"] = pd.NaT
    n_days = (end - start).days + 1
    day = lambda k: pd.Timestamp(start + dt.timedelta(days=int(k)))  # noqa: E731
    # Construction zones: permits spread over the year before and the whole span, started in spring mostly.
    cz = places.index[places["kind"] == "construction_zone"]
    for i in cz:
        begin = int(rng.integers(-300, n_days - 20))
        b = start + dt.timedelta(days=begin)
        if b.month in (11, 12, 1, 2):  # frost: work starts when the ground thaws
            b = dt.date(b.year + (b.month >= 11), 3, 20) + dt.timedelta(days=int(rng.integers(0, 60)))
        places.loc[i, "valid_from"] = pd.Timestamp(b)
        places.loc[i, "valid_to"] = pd.Timestamp(b + dt.timedelta(days=int(rng.integers(240, 640))))
    # A market relocates, two malls, a hospital, three schools and a night market open during the span.
    def opening(kind: str, k: int, frac: float, month_day: tuple[int, int] | None = None) -> list[int]:
        idx = rng.choice(places.index[places["kind"] == kind], k, replace=False)
        for j, i in enumerate(idx):
            when = day(n_days * (frac + 0.25 * j / max(k, 1))).date()
            if month_day:  # schools open on 1 September, night markets on 1 May
                when = dt.date(when.year, *month_day)
                when = when if when >= start else dt.date(when.year + 1, *month_day)
            places.loc[i, "valid_from"] = pd.Timestamp(when)
        return [int(i) for i in idx]
    opening("mall", 2, 0.35)
    opening("hospital", 1, 0.5)
    opening("school", 3, 0.3, (9, 1))
    opening("night_market", 1, 0.4, (5, 1))
    new_market = opening("market", 1, 0.45)[0]
    dong = places.index[(places["kind"] == "market") & (places["district_code"] == places.loc[new_market, "district_code"])]
    old_market = int(rng.choice([i for i in dong if i != new_market]))
    places.loc[old_market, "valid_to"] = places.loc[new_market, "valid_from"]
    places = places[places["valid_to"].isna() | (places["valid_to"] > pd.Timestamp(start))].reset_index(drop=True)
    places["x"] = x[places["pos"]] + rng.uniform(-40, 40, len(places))
    places["y"] = y[places["pos"]] + rng.uniform(-40, 40, len(places))
    lon, lat = city.to_wgs84(places["x"], places["y"])
    places["lon"], places["lat"] = np.round(lon, 6), np.round(lat, 6)
    counter: dict[str, int] = {}
    names = []
    for k, p in zip(places["kind"], places["pos"], strict=False):
        counter[k] = counter.get(k, 0) + 1
        names.append(place_name(k, str(road_name[p]), counter[k] - 1, rng))
    places["name"] = names
    places["place_id"] = [f"P{i + 1:04d}" for i in range(len(places))]
    return places


def _cameras(city: City, grid: pd.DataFrame, pop: np.ndarray, road: np.ndarray, places: pd.DataFrame,
             seed: int) -> pd.DataFrame:
    rng = stream(seed, "cameras")
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    watch = places[places["kind"].isin(["market", "night_market", "school", "mall", "park", "transit_hub"])]
    at_places = [int(p) for p in watch["pos"] if rng.random() < 0.7]
    on_roads = _choose_cells(rng, np.where(road, pop**2, 0.0), 150, 250.0, x, y)
    scattered = _choose_cells(rng, np.where(pop > 0.08, pop, 0.0), 60, 300.0, x, y)
    pos = np.array(sorted(set(at_places) | set(on_roads) | set(scattered)))
    cams = pd.DataFrame({"pos": pos, "x": x[pos] + rng.uniform(-30, 30, len(pos)),
                         "y": y[pos] + rng.uniform(-30, 30, len(pos))})
    lon, lat = city.to_wgs84(cams["x"], cams["y"])
    cams["lon"], cams["lat"] = np.round(lon, 6), np.round(lat, 6)
    cams["crs"] = np.where(rng.random(len(cams)) < 0.7, "WGS-84", "GCJ-02")  # two vendors
    cams["camera_id"] = [f"CAM{grid['district_code'].iat[p]}{i + 1:04d}" for i, p in enumerate(pos)]
    return cams


def _camera_cover(layout_raster: np.ndarray, grid: pd.DataFrame, cams: pd.DataFrame) -> np.ndarray:
    cover = np.full(len(grid), -1)
    col, row = grid["col"].to_numpy(), grid["row"].to_numpy()
    for i, p in enumerate(cams["pos"].to_numpy()):
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                r, c = row[p] + dr, col[p] + dc
                if 0 <= r < layout_raster.shape[0] and 0 <= c < layout_raster.shape[1]:
                    q = layout_raster[r, c]
                    if q >= 0 and cover[q] < 0:
                        cover[q] = i
    return cover


def _dust_sites(city: City, grid: pd.DataFrame, pop: np.ndarray, places: pd.DataFrame, road_name: np.ndarray,
                n: int, seed: int) -> pd.DataFrame:
    rng = stream(seed, "dust_sites")
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    zones = places[places["kind"] == "construction_zone"].reset_index(drop=True)
    n_zone = min(len(zones), int(round(n * 0.4)))
    zone_pick = rng.choice(len(zones), n_zone, replace=False) if n_zone else np.array([], dtype=int)
    stations = _choose_cells(rng, np.where(pop > 0.05, pop, 0.0), n - n_zone, 800.0 / max(1.0, np.sqrt(n / 40)),
                             x, y)
    rows = []
    for p in stations:
        rows.append({"pos": p, "x": x[p], "y": y[p], "zone_place": "",
                     "name": f"{grid['district_zh'].iat[p][:3]}{road_name[p]}空气监测站"})
    for z in zone_pick:
        zr = zones.iloc[int(z)]
        rows.append({"pos": int(zr["pos"]), "x": zr["x"] + 60.0, "y": zr["y"] - 40.0, "zone_place": zr["place_id"],
                     "name": f"{zr['name']}扬尘监测点"})
    sites = pd.DataFrame(rows)
    lon, lat = city.to_wgs84(sites["x"], sites["y"])
    sites["lon"], sites["lat"] = np.round(lon, 6), np.round(lat, 6)
    sites["district_code"] = grid["district_code"].to_numpy()[sites["pos"]]
    sites["site_id"] = [f"DS{i + 1:03d}" for i in range(len(sites))]
    return sites


def build_layout(city_name: str, cell_m: float, start: dt.date, end: dt.date, seed: int,
                 n_dust_sites: int = 40) -> Layout:
    """Lay out the simulated city for one seed."""
    city = load_city(city_name, cell_m)
    spec = city.grid_spec()
    grid = build_unit_grid(city)
    raster = np.full((spec.nrows, spec.ncols), -1, dtype=np.int64)
    raster[grid["row"].to_numpy(), grid["col"].to_numpy()] = np.arange(len(grid))
    pop = _population(city, grid, spec, raster, seed)
    road, road_name = _roads(grid, pop, seed)
    places = _places(city, grid, pop, road_name, start, end, seed)
    cams = _cameras(city, grid, pop, road, places, seed)
    sites = _dust_sites(city, grid, pop, places, road_name, n_dust_sites, seed)
    yx, yy = city.to_projected([110.02, 109.90, 109.83, 109.71], [39.87, 39.77, 39.635, 39.535])
    yards = pd.DataFrame({"kind": ["dump", "depot", "dump", "depot"], "x": yx, "y": yy})
    cover = _camera_cover(raster, grid, cams)
    return Layout(city, spec, grid, raster, pop, road, road_name, places, cams, sites, yards, cover)
