"""110 call records handed to city management: three-level type code, caller's words, position."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridwatch.taxonomy import crosswalk
from simulator.addresses import Addresses
from simulator.coords import from_wgs84
from simulator.hotline import fmt_time
from simulator.names import phone_numbers
from simulator.texts import complaint_texts

POLICE110_FIELDS = ["jjdbh", "bjsj", "bjlbdm", "bjlxdm", "bjxldm", "bjnr", "afdd", "lon", "lat", "crs", "bjdh",
                    "transferred_to_city_mgmt"]
MISFILE_SHARE = 0.08


def police110_rows(rep: pd.DataFrame, addresses: Addresses, rng: np.random.Generator,
                   wgs_lonlat: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Call records for police110 reports (rep holds jjdbh already)."""
    n = len(rep)
    cw = crosswalk("police110")
    by_minor = dict(zip(cw["minor_code"], cw["bjxldm"], strict=False))
    codes = cw["bjxldm"].to_numpy()
    minor = rep["minor_code"].to_numpy()
    xl = np.array([by_minor.get(m, "110999") for m in minor], dtype=object)
    mis = rng.random(n) < MISFILE_SHARE
    xl[mis] = np.where(rng.random(mis.sum()) < 0.5, "110999", codes[rng.integers(0, len(codes), mis.sum())])
    crs = np.where(rng.random(n) < 0.55, "WGS-84", "GCJ-02").astype(object)
    lon, lat = from_wgs84(*wgs_lonlat, crs.astype(str))
    pos = rep["event_pos"].to_numpy()
    return pd.DataFrame({
        "jjdbh": rep["jjdbh"].to_numpy(), "bjsj": fmt_time(rep["report_time"]),
        "bjlbdm": np.array([c[:2] for c in xl], dtype=object), "bjlxdm": np.array([c[:4] for c in xl], dtype=object),
        "bjxldm": xl, "bjnr": complaint_texts(rng, minor, addresses.landmarks(pos, rng), police=True, newline_share=0.0),
        "afdd": addresses.postal(pos, rng), "lon": np.round(lon, 6), "lat": np.round(lat, 6), "crs": crs,
        "bjdh": phone_numbers(rng, n), "transferred_to_city_mgmt": rng.random(n) < 0.85,
    })
