"""数字城管 cases: every status change is a new snapshot (version 1, 2, 3, ...) of the whole case."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridwatch.taxonomy import crosswalk
from simulator.coords import from_wgs84
from simulator.hotline import fmt_time
from simulator.layout import Layout
from simulator.texts import complaint_texts

CASE_FIELDS = ["case_no", "version", "source", "event_major_code", "event_minor_code", "grid_code", "lon", "lat",
               "crs", "reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at",
               "deadline", "status", "rework_count", "department", "description"]
DEADLINE_H = {"stall": 2, "parking": 2, "violation": 120, "sanitation": 4, "dust": 24, "other": 24}
ORIGIN_ZH = {"patrol": "监督员上报", "hotline": "12345热线", "video": "视频智能发现"}
DEPARTMENT = {"stall": "城市管理综合执法局", "parking": "公安局交通管理大队", "violation": "城市管理综合执法局违建治理办",
              "sanitation": "环境卫生服务中心", "dust": "住房和城乡建设局", "other": "街道办事处"}
NOT_FILED, REWORK, LATE = 0.06, 0.08, 0.12
_TS = ["reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at"]


def _minutes(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return pd.to_timedelta(rng.uniform(lo, hi, n).round() * 60, unit="s").to_numpy()


def case_snapshots(rep: pd.DataFrame, layout: Layout, addresses, rng: np.random.Generator,
                   wgs_lonlat: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """All snapshots of the cases opened by these reports (rep holds case_no, case_origin, link_order)."""
    n = len(rep)
    if n == 0:
        return pd.DataFrame(columns=[*CASE_FIELDS, "snapshot_time"])
    cw = crosswalk("cases")
    by_minor = dict(zip(cw["minor_code"], cw["event_minor_code"], strict=False))
    minor_codes = cw["event_minor_code"].to_numpy()
    minor = np.array([by_minor[m] for m in rep["minor_code"]], dtype=object)
    mis = rng.random(n) < 0.03
    minor[mis] = minor_codes[rng.integers(0, len(minor_codes), mis.sum())]
    ptype = rep["problem_type"].to_numpy()
    t = {"reported_at": pd.to_datetime(rep["report_time"]).to_numpy()}
    t["filed_at"] = t["reported_at"] + _minutes(rng, 5, 60, n)
    t["dispatched_at"] = t["filed_at"] + _minutes(rng, 5, 90, n)
    limit = np.array([DEADLINE_H[p] for p in ptype]) * 3600.0
    deadline = t["dispatched_at"] + pd.to_timedelta(limit, unit="s").to_numpy()
    late = rng.random(n) < LATE
    frac = np.where(late, rng.uniform(1.05, 3.0, n), rng.uniform(0.15, 0.95, n))
    t["handled_at"] = t["dispatched_at"] + pd.to_timedelta((limit * frac).round(), unit="s").to_numpy()
    verify1 = t["handled_at"] + _minutes(rng, 20, 180, n)
    rework = rng.random(n) < REWORK
    rehandled = verify1 + pd.to_timedelta((limit * rng.uniform(0.2, 1.0, n)).round(), unit="s").to_numpy()
    t["verified_at"] = np.where(rework, rehandled + _minutes(rng, 20, 120, n), verify1)
    t["closed_at"] = t["verified_at"] + _minutes(rng, 5, 60, n)
    not_filed = rng.random(n) < NOT_FILED
    pos = rep["event_pos"].to_numpy()
    lon, lat = from_wgs84(*wgs_lonlat, np.full(n, "CGCS2000"))
    cell = layout.cells_of(rep["x"].to_numpy(), rep["y"].to_numpy())
    grid_code = layout.grid["grid_code"].to_numpy()[np.where(cell >= 0, cell, pos)]
    district = np.array([d.split("（")[0] for d in layout.grid["district_zh"].to_numpy()[pos]], dtype=object)
    origin = rep["case_origin"].to_numpy()
    text = complaint_texts(rng, rep["minor_code"].to_numpy(), addresses.landmarks(pos, rng), newline_share=0.0)
    link = rep["link_order"].to_numpy()
    desc = np.where(origin == "hotline", "12345工单" + link.astype(str) + "转办：" + text, text)
    base = pd.DataFrame({
        "case_no": rep["case_no"].to_numpy(), "source": [ORIGIN_ZH[o] for o in origin],
        "event_major_code": [m[:2] for m in minor], "event_minor_code": minor, "grid_code": grid_code,
        "lon": np.round(lon, 6), "lat": np.round(lat, 6), "crs": "CGCS2000",
        "department": np.where(ptype == "other", layout.grid["street_zh"].to_numpy()[pos],
                               district + np.array([DEPARTMENT[p] for p in ptype])),
        "description": desc,
    })
    stages = [  # (status, timestamps known, snapshot time, rework count, which cases)
        ("已上报", 1, t["reported_at"], 0, np.ones(n, bool)),
        ("不予立案", 1, t["filed_at"], 0, not_filed),
        ("已立案", 2, t["filed_at"], 0, ~not_filed),
        ("已派遣", 3, t["dispatched_at"], 0, ~not_filed),
        ("已处置", 4, t["handled_at"], 0, ~not_filed),
        ("返工", 3, verify1, 1, ~not_filed & rework),
        ("已处置", 4, rehandled, 1, ~not_filed & rework),
        ("已核查", 5, t["verified_at"], None, ~not_filed),
        ("已结案", 6, t["closed_at"], None, ~not_filed),
    ]
    parts = []
    version = np.zeros(n, dtype=int)
    for order, (status, known, when, rw, who) in enumerate(stages):
        idx = np.flatnonzero(who)
        version[idx] += 1
        snap = base.iloc[idx].copy()
        snap["version"] = version[idx]
        snap["status"] = status
        snap["rework_count"] = rework[idx].astype(int) if rw is None else rw
        for k, col in enumerate(_TS):
            vals = t[col][idx]
            if col == "handled_at" and status == "返工":
                snap[col] = None
                continue
            if col == "handled_at" and (rw == 1 or rw is None):
                vals = np.where(rework, rehandled, t["handled_at"])[idx]
            snap[col] = fmt_time(vals) if k < known else None
        if status == "不予立案":
            snap["closed_at"] = fmt_time(when[idx])
        snap["deadline"] = fmt_time(deadline[idx]) if known >= 3 else None
        snap["snapshot_time"] = when[idx]
        snap["stage"] = order
        parts.append(snap)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["snapshot_time", "case_no", "version"], kind="stable").reset_index(drop=True)
    return out[[*CASE_FIELDS, "snapshot_time"]]
