"""Dust monitors (hourly PM10, PM2.5, TSP, wind) and muck-truck GPS: both follow the construction sites."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.layout import Layout

DUST_FIELDS = ["site_id", "ts", "pm10", "pm25", "tsp", "wind_speed"]
TRUCK_FIELDS = ["plate_token", "ts", "lon", "lat", "speed", "sealed"]
PING_S = 30           # a GPS fix every 30 seconds while the engine runs
TRUCK_FLEET = 9       # trucks at scale 1 (about 3.5 million fixes in two years)
TRUCK_KMH = 32.0


def zone_activity(layout: Layout, day: dt.date, construction: float) -> np.ndarray:
    """How hard each construction zone works on a day: 0 outside its permit, ramping up over four weeks."""
    z = layout.places[layout.places["kind"] == "construction_zone"]
    ts = pd.Timestamp(day)
    since = (ts - z["valid_from"]).dt.days.to_numpy(dtype=float)
    until = (z["valid_to"] - ts).dt.days.to_numpy(dtype=float)
    ramp = np.clip(since / 28.0, 0, 1) * (until > 0)
    return ramp * z["strength"].to_numpy() * construction


def dust_day(layout: Layout, day: dt.date, cal: pd.Series, weather: float, rng: np.random.Generator) -> pd.DataFrame:
    """24 hourly readings per site for one day."""
    sites = layout.dust_sites
    z = layout.places[layout.places["kind"] == "construction_zone"]
    act = zone_activity(layout, day, float(cal["construction"]))
    d = np.hypot(sites["x"].to_numpy()[:, None] - z["x"].to_numpy()[None, :],
                 sites["y"].to_numpy()[:, None] - z["y"].to_numpy()[None, :])
    site_load = (np.exp(-d / 350.0) * act[None, :]).sum(axis=1)  # construction near each site
    hours = np.arange(24)
    work = ((hours >= 7) & (hours <= 19)).astype(float)
    heating = 1.0 - float(cal["warmth"])  # coal heating in winter lifts fine particles
    windy = float(cal["windy"])
    ns, nh = len(sites), 24
    wind = np.clip(2.5 + 4.0 * windy + 1.5 * np.sin((hours - 9) / 24 * 2 * np.pi)[None, :]
                   + rng.normal(0, 1.0, (ns, nh)), 0.2, 18)
    diurnal = 1 + 0.25 * np.cos((hours - 8) / 24 * 2 * np.pi)
    bg = (55 + 40 * heating + 120 * windy * weather) * weather * diurnal[None, :]
    pm10 = bg + 160 * site_load[:, None] * work[None, :] * (1 + 0.08 * wind) + rng.gamma(2.0, 6.0, (ns, nh))
    pm25 = pm10 * (0.35 + 0.2 * heating) + rng.normal(0, 4, (ns, nh))
    tsp = pm10 * rng.uniform(1.5, 1.9, (ns, nh))
    ts = pd.Timestamp(day) + pd.to_timedelta(hours, unit="h")
    return pd.DataFrame({
        "site_id": np.repeat(sites["site_id"].to_numpy(), nh),
        "ts": np.tile(ts.strftime("%Y-%m-%d %H:%M:%S").to_numpy(), ns),
        "pm10": np.round(pm10.ravel()).astype(int).astype(str), "pm25": np.round(np.clip(pm25, 3, None).ravel()).astype(int).astype(str),
        "tsp": np.round(tsp.ravel()).astype(int).astype(str), "wind_speed": np.round(wind.ravel(), 1).astype(str),
    })


def truck_day(layout: Layout, day: dt.date, cal: pd.Series, fleet: list[str], rng: np.random.Generator) -> dict:
    """GPS fixes (as arrays) of the muck trucks working the night that starts on this day (20:00 to ~05:00).

    Each truck shuttles between one active site (loading, standing still 15-35 minutes) and the nearest dump.
    """
    z = layout.places[layout.places["kind"] == "construction_zone"]
    act = zone_activity(layout, day, float(cal["construction"]))
    if float(cal["spring_festival"]):
        act = act * 0.1
    busy = min(1.0, act.sum() / 6.0)
    n = int(rng.binomial(len(fleet), busy)) if busy > 0 else 0
    if n == 0:
        return {k: np.array([], dtype=d) for k, d in (("plate", object), ("t", np.int64), ("x", float), ("y", float),
                                                       ("speed", float), ("sealed", object))}
    yards = layout.yards
    dumps = yards[yards["kind"] == "dump"][["x", "y"]].to_numpy()
    depots = yards[yards["kind"] == "depot"][["x", "y"]].to_numpy()
    trucks = rng.choice(len(fleet), n, replace=False)
    zi = rng.choice(len(act), n, p=act / act.sum())
    site = np.c_[z["x"].to_numpy()[zi], z["y"].to_numpy()[zi]]
    depot = depots[rng.integers(0, len(depots), n)]
    dump = dumps[np.argmin(np.hypot(site[:, None, 0] - dumps[None, :, 0], site[:, None, 1] - dumps[None, :, 1]), axis=1)]
    speed = TRUCK_KMH / 3.6
    leg = np.hypot(*(dump - site).T) / speed              # seconds site -> dump
    first = np.hypot(*(site - depot).T) / speed
    start = 20 * 3600 + rng.integers(0, 7200, n)
    stop = 28 * 3600 + rng.integers(0, 5400, n)
    cycle = 2 * leg + 450 + 1500                          # drive, tip, drive back, load
    trips = np.maximum(1, ((stop - start - first) // cycle).astype(int))
    k_max = int(trips.max())
    # waypoints per truck: depot, site(arrive, leave), [dump(arrive, leave), site(arrive, leave)] * trips, depot
    n_way = 3 + 4 * k_max + 1
    wt = np.zeros((n, n_way))
    wx = np.zeros((n, n_way))
    wy = np.zeros((n, n_way))
    wt[:, 0], wx[:, 0], wy[:, 0] = start, depot[:, 0], depot[:, 1]
    now = start + first
    wt[:, 1], wx[:, 1], wy[:, 1] = now, site[:, 0], site[:, 1]
    now = now + rng.uniform(900, 2100, n)
    wt[:, 2], wx[:, 2], wy[:, 2] = now, site[:, 0], site[:, 1]
    for k in range(k_max):
        live = k < trips
        c = 3 + 4 * k
        for j, (p, dwell) in enumerate(((dump, (300, 600)), (site, (900, 2100)))):
            now = np.where(live, now + leg, now)
            wt[:, c + 2 * j], wx[:, c + 2 * j], wy[:, c + 2 * j] = now, p[:, 0], p[:, 1]
            now = np.where(live, now + rng.uniform(*dwell, n), now)
            wt[:, c + 2 * j + 1], wx[:, c + 2 * j + 1], wy[:, c + 2 * j + 1] = now, p[:, 0], p[:, 1]
        for col in range(c, c + 4):  # finished trucks stay at the site until heading home
            wx[~live, col], wy[~live, col] = site[~live, 0], site[~live, 1]
    wt[:, -1], wx[:, -1], wy[:, -1] = now + first, depot[:, 0], depot[:, 1]
    wt = np.maximum.accumulate(wt + np.arange(n_way) * 1e-3, axis=1)
    # fixes every PING_S seconds: locate each fix's segment, then interpolate
    counts = ((wt[:, -1] - wt[:, 0]) // PING_S).astype(int) + 1
    owner = np.repeat(np.arange(n), counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    tt = wt[owner, 0] + offs * PING_S
    seg = np.clip((wt[owner] <= tt[:, None]).sum(axis=1) - 1, 0, n_way - 2)
    t0, t1 = wt[owner, seg], wt[owner, seg + 1]
    f = np.clip((tt - t0) / np.maximum(t1 - t0, 1e-9), 0, 1)
    x0, x1 = wx[owner, seg], wx[owner, seg + 1]
    y0, y1 = wy[owner, seg], wy[owner, seg + 1]
    moving = np.hypot(x1 - x0, y1 - y0) > 1
    sealed = np.where(rng.random(n) < 0.93, "1", "0").astype(object)
    day0 = pd.Timestamp(day).value // 10**9
    return {
        "plate": np.asarray(fleet, dtype=object)[trucks][owner], "t": (day0 + tt).astype(np.int64),
        "x": x0 + f * (x1 - x0) + rng.normal(0, 4, len(tt)), "y": y0 + f * (y1 - y0) + rng.normal(0, 4, len(tt)),
        "speed": np.where(moving, np.clip(TRUCK_KMH + rng.normal(0, 5, len(tt)), 5, 60), 0.0),
        "sealed": sealed[owner],
    }


def truck_faults(f: dict, rate: float, rng: np.random.Generator) -> dict:
    """Dirt in the GPS feed: a fix without position, a fix sent twice."""
    n = len(f["t"])
    f = {k: v.copy() for k, v in f.items()}
    if n == 0 or rate <= 0:
        return f
    blank = rng.random(n) < rate
    f["x"][blank], f["y"][blank] = np.nan, np.nan
    again = np.flatnonzero(rng.random(n) < rate)
    order = np.sort(np.r_[np.arange(n), again])
    return {k: v[order] for k, v in f.items()}


def truck_table(layout: Layout, f: dict) -> pa.Table:
    """The day's Parquet table, every column a string as the feed delivers it."""
    lon, lat = layout.city.to_wgs84(f["x"], f["y"]) if len(f["t"]) else (np.array([]), np.array([]))
    # whole seconds: Arrow's %S prints the fraction of sub-second units ("00:00:22.000000000")
    when = pa.array(np.asarray(f["t"], dtype="int64"), pa.timestamp("s"))

    def text(v: np.ndarray, nd: int) -> pa.Array:
        a = pa.array(np.round(np.asarray(v, dtype=float), nd), pa.float64(), from_pandas=True)
        return pc.fill_null(pc.cast(a, pa.string()), "")

    return pa.table({
        "plate_token": pa.array(f["plate"], pa.string()),
        "ts": pc.strftime(when, format="%Y-%m-%d %H:%M:%S"),
        "lon": text(lon, 6), "lat": text(lat, 6), "speed": text(f["speed"], 1),
        "sealed": pa.array(f["sealed"], pa.string()),
    })
