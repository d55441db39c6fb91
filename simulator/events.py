"""Real events: drawn each week from the true intensity, with overdispersion, a time of day and a place."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulator.drivers import DRIVERS, HOURS
from simulator.intensity import IntensityModel

GAMMA_SHAPE = 2.0  # cell-week overdispersion: variance = mean + mean^2 / shape

EVENT_COLUMNS = ["event_id", "problem_type", "minor_code", "event_time", "lon", "lat", "cell_id", "grid_code",
                 "week_start", "driver", "x", "y", "pos"]


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per column of a (categories x n) probability matrix."""
    cum = np.cumsum(probs, axis=0)
    u = rng.random(probs.shape[1]) * cum[-1]
    return (cum < u).sum(axis=0)


def sample_week(model: IntensityModel, w: int, rng: np.random.Generator,
                comps: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Every real event of reference week w, all problem types, in event-time order."""
    layout = model.layout
    week_start = model.week_starts[w]
    parts = []
    for t, drivers in DRIVERS.items():
        comp = comps[t] if comps is not None else model.components(t, w)
        lam = comp.sum(axis=0)
        n = rng.poisson(lam * rng.gamma(GAMMA_SHAPE, 1.0 / GAMMA_SHAPE, len(lam)))
        pos = np.repeat(np.arange(len(lam)), n)
        if len(pos) == 0:
            continue
        driver = _categorical(rng, comp[:, pos] / lam[pos])
        daily = model.daily_weights(t, w)
        day = np.empty(len(pos), dtype=int)
        hour = np.empty(len(pos), dtype=int)
        minor = np.empty(len(pos), dtype=object)
        for j, (_, _, _, _, profile, minors) in enumerate(drivers):
            m = driver == j
            k = int(m.sum())
            if k == 0:
                continue
            day[m] = rng.choice(7, k, p=daily[j] / daily[j].sum())
            hour[m] = rng.choice(24, k, p=HOURS[profile])
            codes = list(minors)
            minor[m] = np.asarray(codes, dtype=object)[rng.choice(len(codes), k, p=list(minors.values()))]
        seconds = day * 86400 + hour * 3600 + rng.integers(0, 3600, len(pos))
        half = layout.spec.cell_m / 2
        parts.append(pd.DataFrame({
            "problem_type": t, "minor_code": minor, "pos": pos,
            "driver": np.asarray([d[0] for d in drivers], dtype=object)[driver],
            "offset_s": seconds,
            "x": layout.grid["x"].to_numpy()[pos] + rng.uniform(-half, half, len(pos)) * 0.98,
            "y": layout.grid["y"].to_numpy()[pos] + rng.uniform(-half, half, len(pos)) * 0.98,
        }))
    if not parts:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    ev = pd.concat(parts, ignore_index=True).sort_values(["offset_s", "problem_type", "pos"], kind="stable")
    ev = ev.reset_index(drop=True)
    ev["event_time"] = pd.Timestamp(week_start) + pd.to_timedelta(ev["offset_s"], unit="s")
    lon, lat = layout.city.to_wgs84(ev["x"].to_numpy(), ev["y"].to_numpy())
    ev["lon"], ev["lat"] = np.round(lon, 7), np.round(lat, 7)
    ev["cell_id"] = layout.grid["cell_id"].to_numpy()[ev["pos"]]
    ev["grid_code"] = layout.grid["grid_code"].to_numpy()[ev["pos"]]
    ev["week_start"] = week_start
    ev["event_id"] = [f"E{week_start:%Y%m%d}{i:06d}" for i in range(len(ev))]
    return ev[EVENT_COLUMNS]


def week_index(model: IntensityModel, start: dt.date) -> int:
    """Reference-week index of the simulation's first week."""
    return (start - model.ref_start).days // 7
