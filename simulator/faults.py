"""Realistic dirt in the feeds: a missing or swapped coordinate, a blank reading, the same record sent twice."""

from __future__ import annotations

import numpy as np
import pandas as pd

COORDS = {"hotline": ("lon", "lat"), "police110": ("lon", "lat"), "video": ("lon", "lat"), "truck_gps": ("lon", "lat")}


def inject_faults(df: pd.DataFrame, source: str, rate: float, rng: np.random.Generator) -> pd.DataFrame:
    """Return df with about `rate` of its records damaged and about `rate` of them sent again at the end."""
    n = len(df)
    if n == 0 or rate <= 0:
        return df
    df = df.copy()
    if source in COORDS:
        lon, lat = COORDS[source]
        blank = rng.random(n) < rate
        empty = "" if source == "truck_gps" else None
        df.loc[blank, lon] = empty
        df.loc[blank, lat] = empty
        if source == "hotline":  # an operator typed latitude into longitude
            swap = ~blank & (rng.random(n) < rate / 2)
            df.loc[swap, [lon, lat]] = df.loc[swap, [lat, lon]].to_numpy()
    if source == "dust":
        blank = rng.random(n) < rate
        df.loc[blank, "pm10"] = ""
        stuck = rng.random(n) < rate / 2  # a sensor's error sentinel
        df.loc[stuck, "pm25"] = "-999"
    again = np.flatnonzero(rng.random(n) < rate)
    if len(again):
        df = pd.concat([df, df.iloc[again]], ignore_index=True)
    return df
