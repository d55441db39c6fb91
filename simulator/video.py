"""Video AI detections: real events seen by a camera, false alarms, and vendors testing a new spot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridwatch.taxonomy import crosswalk
from simulator.coords import from_wgs84
from simulator.hotline import fmt_time
from simulator.layout import Layout

VIDEO_FIELDS = ["detection_id", "camera_id", "detected_at", "event_type", "confidence", "lon", "lat", "crs"]
# Detections below this confidence are not incidents (false alarms and brief stops); documented for silver.
INCIDENT_CONFIDENCE = 0.6
FALSE_ALARM_SHARE = 0.15


def video_event_types() -> dict[str, str]:
    cw = crosswalk("video")
    return dict(zip(cw["minor_code"], cw["event_type"], strict=False))


def noise_detections(layout: Layout, week_start: pd.Timestamp, n_real: int, precursor: list[tuple[int, float]],
                     rng: np.random.Generator) -> pd.DataFrame:
    """False alarms (about 15% of real volume) and sub-threshold vendor sightings at spots about to emerge.

    precursor: (cell position, expected sightings this week) for emerging stall spots a camera sees.
    """
    cams = layout.cameras
    n_false = rng.poisson(FALSE_ALARM_SHARE * n_real)
    cam = rng.integers(0, len(cams), n_false)
    types = np.asarray(list(video_event_types().values()), dtype=object)
    parts = [pd.DataFrame({
        "camera": cam, "event_type": types[rng.integers(0, len(types), n_false)],
        "x": cams["x"].to_numpy()[cam] + rng.normal(0, 40, n_false),
        "y": cams["y"].to_numpy()[cam] + rng.normal(0, 40, n_false),
        "confidence": np.clip(rng.beta(4, 4, n_false) * 0.9 + 0.05, 0.3, 0.95),
    })]
    for pos, rate in precursor:
        k = rng.poisson(rate)
        if k == 0:
            continue
        parts.append(pd.DataFrame({
            "camera": np.full(k, layout.camera_cover[pos]), "event_type": "street_vendor",
            "x": layout.grid["x"].to_numpy()[pos] + rng.normal(0, 30, k),
            "y": layout.grid["y"].to_numpy()[pos] + rng.normal(0, 30, k),
            "confidence": rng.uniform(0.35, 0.6, k),
        }))
    out = pd.concat(parts, ignore_index=True)
    day = rng.integers(0, 7, len(out))
    hour = rng.choice(24, len(out), p=_DAY_HOURS)
    out["report_time"] = (week_start + pd.to_timedelta(day * 86400 + hour * 3600 + rng.integers(0, 3600, len(out)),
                                                       unit="s"))
    return out


_DAY_HOURS = np.r_[np.full(6, 0.2), np.full(16, 1.0), np.full(2, 0.5)]
_DAY_HOURS = _DAY_HOURS / _DAY_HOURS.sum()


def video_rows(det: pd.DataFrame, layout: Layout, rng: np.random.Generator,
               wgs_lonlat: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Detections (det holds detection_id, camera, event_type, confidence, report_time)."""
    cams = layout.cameras
    crs = cams["crs"].to_numpy()[det["camera"].to_numpy()]
    lon, lat = from_wgs84(*wgs_lonlat, crs.astype(str))
    return pd.DataFrame({
        "detection_id": det["detection_id"].to_numpy(), "camera_id": cams["camera_id"].to_numpy()[det["camera"].to_numpy()],
        "detected_at": fmt_time(det["report_time"]), "event_type": det["event_type"].to_numpy(),
        "confidence": np.round(det["confidence"].to_numpy(dtype=float), 3),
        "lon": np.round(lon, 6), "lat": np.round(lat, 6), "crs": crs,
    })
