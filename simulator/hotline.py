"""12345 hotline work orders: caller, category (sometimes wrong or blank), Chinese text, GCJ-02 position."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridwatch.taxonomy import crosswalk
from simulator.addresses import Addresses
from simulator.coords import from_wgs84
from simulator.names import person_names, phone_numbers
from simulator.texts import complaint_texts

HOTLINE_COLUMNS = ["order_no", "call_time", "channel", "caller_name", "caller_phone", "category_code",
                   "category_name", "content", "address", "lon", "lat", "crs", "handling_unit", "deadline",
                   "completed_at", "status", "satisfaction"]
MISFILE_SHARE = 0.10  # wrong or blank category; the text still tells the truth
# A wrong code usually lands on a neighbouring category.
CONFUSED = {"stall": ["parking", "other", "sanitation"], "parking": ["stall", "other"],
            "violation": ["other", "sanitation"], "sanitation": ["dust", "other"], "dust": ["sanitation", "other"],
            "other": ["stall", "sanitation", "parking"]}
UNITS = {"stall": "城管执法局", "parking": "交警大队", "violation": "城管执法局", "sanitation": "环卫服务中心",
         "dust": "住房和城乡建设局", "other": "街道办事处"}
TIME_FMT = "%Y-%m-%d %H:%M:%S"


def _codes() -> tuple[dict[str, tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    cw = crosswalk("hotline")
    by_minor = {m: (c, n.removeprefix("12345 ")) for c, m, n in zip(cw["category_code"], cw["minor_code"], cw["note"], strict=False)}
    by_type: dict[str, list[tuple[str, str]]] = {}
    for c, t, n in zip(cw["category_code"], cw["problem_type"], cw["note"], strict=False):
        by_type.setdefault(t, []).append((c, n.removeprefix("12345 ")))
    return by_minor, by_type


def fmt_time(t: pd.Series | np.ndarray) -> np.ndarray:
    return pd.to_datetime(pd.Series(t)).dt.strftime(TIME_FMT).fillna("").to_numpy(dtype=object)


def hotline_rows(rep: pd.DataFrame, addresses: Addresses, callers: CallerPool, end: pd.Timestamp,
                 rng: np.random.Generator, wgs_lonlat: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Work orders for hotline reports (rep holds order_no already)."""
    n = len(rep)
    by_minor, by_type = _codes()
    ptype = rep["problem_type"].to_numpy()
    minor = rep["minor_code"].to_numpy()
    code = np.array([by_minor[m][0] for m in minor], dtype=object)
    name = np.array([by_minor[m][1] for m in minor], dtype=object)
    mis = rng.random(n) < MISFILE_SHARE
    kind = rng.random(n)
    blank = mis & (kind < 0.4)
    other = mis & (kind >= 0.4) & (kind < 0.65) & (ptype != "other")
    wrong = mis & ~blank & ~other
    code[blank], name[blank] = "", ""
    code[other], name[other] = "SZ9999", by_minor["0999"][1]
    for i in np.flatnonzero(wrong):
        alt = CONFUSED[ptype[i]]
        c, nm = by_type[alt[rng.integers(0, len(alt))]][0 if rng.random() < 0.6 else -1]
        code[i], name[i] = c, nm
    pos = rep["event_pos"].to_numpy()
    crs = np.asarray(["GCJ-02", "BD-09", "WGS-84"], dtype=object)[rng.choice(3, n, p=[0.8, 0.12, 0.08])]
    lon, lat = from_wgs84(*wgs_lonlat, crs.astype(str))
    call = pd.to_datetime(rep["report_time"])
    deadline = call + pd.to_timedelta(rng.choice([1, 3, 5], n), unit="D")
    done = call + pd.to_timedelta(rng.lognormal(np.log(20), 0.9, n) * 3600, unit="s").round("s")
    open_ = done > end
    status = np.where(open_, "办理中", np.where(rng.random(n) < 0.03, "已退回", "已办结")).astype(object)
    sat = np.asarray(["满意", "基本满意", "不满意", "未评价"], dtype=object)[rng.choice(4, n, p=[0.6, 0.2, 0.08, 0.12])]
    grid = addresses.layout.grid
    district = np.array([d.split("（")[0] for d in grid["district_zh"].to_numpy()[pos]], dtype=object)
    unit = np.where(ptype == "other", grid["street_zh"].to_numpy()[pos], district + np.array([UNITS[t] for t in ptype]))
    cname, cphone = callers.draw(n, rng)
    return pd.DataFrame({
        "order_no": rep["order_no"].to_numpy(), "call_time": fmt_time(call),
        "channel": np.asarray(["12345热线", "微信公众号", "政务服务APP", "网站留言"], dtype=object)[
            rng.choice(4, n, p=[0.7, 0.12, 0.1, 0.08])],
        "caller_name": cname, "caller_phone": cphone, "category_code": code, "category_name": name,
        "content": complaint_texts(rng, minor, addresses.landmarks(pos, rng)),
        "address": addresses.postal(pos, rng),
        "lon": np.round(lon, 6), "lat": np.round(lat, 6), "crs": crs,
        "handling_unit": unit.astype(object), "deadline": fmt_time(deadline),
        "completed_at": np.where(open_, "", fmt_time(done)).astype(object), "status": status,
        "satisfaction": np.where(status == "已办结", sat, "").astype(object),
    })


class CallerPool:
    """Callers: most call once, a few call again and again (the same name and phone)."""

    def __init__(self, rng: np.random.Generator, size: int):
        self.names = person_names(rng, size)
        self.phones = phone_numbers(rng, size)
        w = 1.0 / np.arange(1, size + 1) ** 1.1
        self.p = w / w.sum()

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        regular = rng.random(n) < 0.25
        idx = rng.choice(len(self.p), n, p=self.p)
        names = np.where(regular, self.names[idx], person_names(rng, n)).astype(object)
        phones = np.where(regular, self.phones[idx], phone_numbers(rng, n)).astype(object)
        return names, phones
