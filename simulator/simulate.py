"""Run the default city: landing files of every source, the reference files and the truth, week by week."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from gridwatch.settings import Settings
from gridwatch.taxonomy import FORECAST_TYPES, PROBLEM_TYPES
from simulator.addresses import Addresses
from simulator.cases import CASE_FIELDS, case_snapshots
from simulator.config import SimConfig
from simulator.events import sample_week
from simulator.faults import inject_faults
from simulator.files import coord_text, csv_bytes, jsonl_bytes, parquet_bytes, write_if_changed
from simulator.hotline import HOTLINE_COLUMNS, CallerPool, hotline_rows
from simulator.intensity import IntensityModel
from simulator.layout import build_layout
from simulator.police110 import POLICE110_FIELDS, police110_rows
from simulator.randomness import stream
from simulator.realism import ranking_figures, week_to_week_correlation
from simulator.reports import assign_reports
from simulator.sensors import DUST_FIELDS, TRUCK_FLEET, dust_day, truck_day, truck_faults, truck_table
from simulator.truth import ExpectedCounts, write_reference, write_truth
from simulator.video import VIDEO_FIELDS, noise_detections, video_event_types, video_rows

log = logging.getLogger(__name__)
SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")
EXPECTED_FLOOR = 1e-4  # truth rows below this expected count (at scale 1) are left out: treat as 0


def _file(landing: Path, source: str, day: dt.date) -> Path:
    ext = {"hotline": "csv", "dust": "csv", "truck_gps": "parquet"}.get(source, "jsonl")
    name = f"{source}_{day:%Y%m%d}_1.{ext}" if source == "hotline" else f"{source}_{day:%Y%m%d}.{ext}"
    return landing / source / f"dt={day:%Y-%m-%d}" / name


class _Ids:
    """Running record numbers per source, so keys are unique over the whole history."""

    def __init__(self) -> None:
        self.n = {s: 0 for s in SOURCES}

    def take(self, source: str, k: int) -> np.ndarray:
        out = np.arange(self.n[source] + 1, self.n[source] + k + 1)
        self.n[source] += k
        return out


def _lonlat(layout, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = layout.city.to_wgs84(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _ymd(t: pd.Series) -> np.ndarray:
    return pd.to_datetime(t).dt.strftime("%Y%m%d").to_numpy(dtype=object)


class _Run:
    """State carried from week to week: ids, caller pool, rows waiting for their day's file."""

    def __init__(self, settings: Settings, config: SimConfig):
        self.s, self.c = settings, config
        self.layout = build_layout(config.city, config.cell_m, config.start_date, config.end_date, config.seed,
                                   n_dust_sites=max(3, int(round(40 * config.scale))))
        self.model = IntensityModel(self.layout, config.end_date, config.weeks, config.seed, config.scale)
        self.offset = (config.start_date - self.model.ref_start).days // 7
        self.addresses = Addresses(self.layout)
        self.callers = CallerPool(stream(config.seed, "callers"), max(200, int(3000 * config.scale)))
        self.ids = _Ids()
        self.pending: dict[str, list[pd.DataFrame]] = {s: [] for s in ("hotline", "police110", "video", "cases")}
        self.end = pd.Timestamp(config.end_date) + pd.Timedelta(days=1)
        self.rows = {s: 0 for s in SOURCES}
        self.truth_reports: list[pd.DataFrame] = []
        self.events: list[pd.DataFrame] = []
        self.expected = ExpectedCounts(settings, PROBLEM_TYPES, self.model.week_starts[self.offset:],
                                       self.layout.grid, EXPECTED_FLOOR * config.scale)
        nc = self.layout.n_cells
        self.counts = {t: np.zeros((config.weeks, nc), dtype=np.int32) for t in FORECAST_TYPES}
        self.fleet = [f"T{v:012x}" for v in stream(config.seed, "fleet").integers(0, 2**48, max(1, int(round(TRUCK_FLEET * config.scale))))]
        self.truck_carry: dict | None = None
        self.files: set[Path] = set()

    # ----- one week
    def week(self, i: int) -> None:
        w = self.offset + i
        ws = pd.Timestamp(self.model.week_starts[w])
        comps = {t: self.model.components(t, w) for t in PROBLEM_TYPES}
        ev = sample_week(self.model, w, stream(self.c.seed, "events", w), comps)
        self.events.append(ev)
        self._truth_week(i, w, ev, comps)
        rep = assign_reports(ev, self.layout, stream(self.c.seed, "reports", w))
        rng = stream(self.c.seed, "records", w)
        rep = self._name_reports(rep, rng)
        self._video_noise(rep, w, ws, rng)
        self._format(rep, rng)
        self._write_week(ws)

    def _truth_week(self, i: int, w: int, ev: pd.DataFrame, comps: dict[str, np.ndarray]) -> None:
        for t in PROBLEM_TYPES:
            self.expected.add(i, t, comps[t].sum(axis=0))
            if t in FORECAST_TYPES:
                pos = ev.loc[ev["problem_type"] == t, "pos"].to_numpy()
                self.counts[t][i] = np.bincount(pos, minlength=self.layout.n_cells)

    def _name_reports(self, rep: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Give each report its source key (order_no, jjdbh, detection_id, case_no) and cell."""
        rep = rep[rep["report_time"] < self.end].reset_index(drop=True)
        key = np.empty(len(rep), dtype=object)
        ymd = _ymd(rep["report_time"])
        src = rep["source"].to_numpy()
        for s, fmt in (("hotline", "RX{d}{n:07d}"), ("police110", "150600{d}{n:06d}"), ("cases", "{y}{dc}{n:07d}")):
            idx = np.flatnonzero(src == s)
            nums = self.ids.take(s, len(idx))
            dc = self.layout.grid["district_code"].to_numpy()[rep["event_pos"].to_numpy()[idx]]
            key[idx] = [fmt.format(d=ymd[j], y=ymd[j][:4], dc=dc[k], n=nums[k]) for k, j in enumerate(idx)]
        vid = np.flatnonzero(src == "video")
        cam = self.layout.cameras["camera_id"].to_numpy()[np.maximum(rep["camera"].to_numpy()[vid], 0)]
        nums = self.ids.take("video", len(vid))
        key[vid] = [f"{c}-{ymd[j]}-{n:07d}" for c, j, n in zip(cam, vid, nums, strict=False)]
        rep["key"] = key
        # A case passed on from the hotline quotes the order number.
        row_to_key = dict(zip(rep["row"].to_numpy(), key, strict=False))
        rep["link_order"] = [row_to_key.get(int(lk.split("#")[1]), "") if lk else "" for lk in rep["link"]]
        self.truth_reports.append(pd.DataFrame({
            "report_id": rep["source"] + ":" + rep["key"], "source": rep["source"], "event_id": rep["event_id"],
            "problem_type": rep["problem_type"], "minor_code": rep["minor_code"], "report_time": rep["report_time"]}))
        return rep

    def _video_noise(self, rep: pd.DataFrame, w: int, ws: pd.Timestamp, rng: np.random.Generator) -> None:
        eps, act = self.model.episode_activity("stall_spots")
        pre = []
        for e in eps:  # vendors try a spot out under a camera in the five weeks before it takes off
            if self.layout.camera_cover[e.pos] >= 0 and 1 <= e.start - w <= 5:
                pre.append((e.pos, 3.0 * e.amp * (6 - (e.start - w)) / 5))
        n_real = int((rep["source"] == "video").sum())
        noise = noise_detections(self.layout, ws, n_real, pre, rng)
        noise = noise[noise["report_time"] < self.end].reset_index(drop=True)
        nums = self.ids.take("video", len(noise))
        cam = self.layout.cameras["camera_id"].to_numpy()[noise["camera"].to_numpy()]
        ymd = _ymd(noise["report_time"])
        # an empty week must still give a string column, or "video:" + key fails
        noise["key"] = pd.Series([f"{c}-{d}-{n:07d}" for c, d, n in zip(cam, ymd, nums, strict=False)],
                                 index=noise.index, dtype=object)
        self.truth_reports.append(pd.DataFrame({
            "report_id": "video:" + noise["key"], "source": "video", "event_id": None, "problem_type": None,
            "minor_code": None, "report_time": noise["report_time"]}))
        self._noise = noise

    def _format(self, rep: pd.DataFrame, rng: np.random.Generator) -> None:
        L = self.layout
        for src in ("hotline", "police110"):
            r = rep[rep["source"] == src].reset_index(drop=True)
            r["order_no" if src == "hotline" else "jjdbh"] = r["key"]
            ll = _lonlat(L, r["x"], r["y"])
            rows = (hotline_rows(r, self.addresses, self.callers, self.end, rng, ll) if src == "hotline"
                    else police110_rows(r, self.addresses, rng, ll))
            rows["_when"] = pd.to_datetime(r["report_time"]).to_numpy()
            self.pending[src].append(rows)
        v = rep[rep["source"] == "video"].reset_index(drop=True)
        types = video_event_types()
        real = pd.DataFrame({"detection_id": v["key"], "camera": v["camera"].to_numpy(),
                             "event_type": [types[m] for m in v["minor_code"]],
                             "confidence": np.clip(rng.beta(8, 2, len(v)), 0.6, 0.99),
                             "report_time": v["report_time"], "x": v["x"], "y": v["y"]})
        noise = self._noise.rename(columns={"key": "detection_id"})
        det = pd.concat([real, noise[real.columns]], ignore_index=True).sort_values(
            ["report_time", "detection_id"], kind="stable").reset_index(drop=True)
        rows = video_rows(det, L, rng, _lonlat(L, det["x"], det["y"]))
        rows["_when"] = pd.to_datetime(det["report_time"]).to_numpy()
        self.pending["video"].append(rows)
        c = rep[rep["source"] == "cases"].reset_index(drop=True)
        c["case_no"] = c["key"]
        snaps = case_snapshots(c, L, self.addresses, rng, _lonlat(L, c["x"], c["y"]))
        snaps = snaps[snaps["snapshot_time"] < self.end].rename(columns={"snapshot_time": "_when"})
        self.pending["cases"].append(snaps)

    # ----- one week's files, a file per source and day
    def _write_week(self, ws: pd.Timestamp) -> None:
        days = [(ws + pd.Timedelta(days=d)).date() for d in range(7)]
        bounds = np.array([pd.Timestamp(d) for d in days] + [ws + pd.Timedelta(days=7)], dtype="datetime64[ns]")
        for src, cols in (("hotline", HOTLINE_COLUMNS), ("police110", POLICE110_FIELDS), ("video", VIDEO_FIELDS),
                          ("cases", CASE_FIELDS)):
            df = pd.concat(self.pending[src], ignore_index=True)
            df = df.sort_values("_when", kind="stable").reset_index(drop=True)
            cut = np.searchsorted(df["_when"].to_numpy(), bounds)
            self.pending[src] = [df.iloc[cut[-1]:]]
            for d, day in enumerate(days):
                day_rng = stream(self.c.seed, src, day.toordinal())
                today = inject_faults(df.iloc[cut[d]:cut[d + 1]][cols], src, self.c.fault_rate, day_rng)
                if src == "hotline":
                    today = today.assign(lon=coord_text(today["lon"]), lat=coord_text(today["lat"]))
                    u = day_rng.random()
                    enc = "gbk" if u < 0.04 else ("utf-8-sig" if u < 0.08 else "utf-8")
                    data = csv_bytes(today, enc)
                else:
                    data = jsonl_bytes(today)
                self._put(src, day, data, len(today))
        for day in days:
            day_rng = stream(self.c.seed, "sensors", day.toordinal())
            cal = self.model.days.iloc[(day - self.model.ref_start).days]
            weather = float(np.exp(stream(self.c.seed, "weather", day.toordinal()).normal(0, 0.35)))
            dust = inject_faults(dust_day(self.layout, day, cal, weather, stream(self.c.seed, "dust", day.toordinal())),
                                 "dust", self.c.fault_rate, day_rng)
            self._put("dust", day, csv_bytes(dust[DUST_FIELDS]), len(dust))
            self._put("truck_gps", day, *self._trucks(day, cal, day_rng))

    def _trucks(self, day: dt.date, cal: pd.Series, day_rng: np.random.Generator) -> tuple[bytes, int]:
        if self.truck_carry is None:  # the night before the first day spills into it
            prev = day - dt.timedelta(days=1)
            self.truck_carry = self._night(prev, self.model.days.iloc[max(0, (prev - self.model.ref_start).days)])[1]
        today, tomorrow = self._night(day, cal)
        fixes = {k: np.concatenate([self.truck_carry[k], today[k]]) for k in today}
        self.truck_carry = tomorrow
        table = truck_table(self.layout, truck_faults(fixes, self.c.fault_rate, day_rng))
        return parquet_bytes(table), table.num_rows

    def _night(self, day: dt.date, cal: pd.Series) -> tuple[dict, dict]:
        f = truck_day(self.layout, day, cal, self.fleet, stream(self.c.seed, "trucks", day.toordinal()))
        midnight = (pd.Timestamp(day) + pd.Timedelta(days=1)).value // 10**9
        before = f["t"] < midnight
        return {k: v[before] for k, v in f.items()}, {k: v[~before] for k, v in f.items()}

    def _put(self, source: str, day: dt.date, data: bytes, n: int) -> None:
        path = _file(self.s.landing, source, day)
        write_if_changed(path, data)
        self.files.add(path)
        self.rows[source] += n


def _clear_stale(landing: Path, keep: set[Path]) -> int:
    """Remove simulator files of earlier runs that this run did not write (a shorter span, another end)."""
    removed = 0
    for src in SOURCES:
        for f in (landing / src).glob("dt=*/*"):
            try:
                day = dt.date.fromisoformat(f.parent.name[3:])
            except ValueError:
                continue
            if f == _file(landing, src, day) and f not in keep:  # only names the simulator itself gives
                f.unlink()
                removed += 1
    return removed


def simulate(settings: Settings, config: SimConfig, progress: bool = True) -> dict:
    """Write the simulated city's landing files, reference files and truth into the data home; return a summary."""
    t0 = time.perf_counter()
    settings.landing.mkdir(parents=True, exist_ok=True)
    run = _Run(settings, config)
    write_reference(settings, run.layout)
    for i in tqdm(range(config.weeks), desc="模拟城市 simulating city", unit="week", disable=None if progress else True):  # None: no bar when not a terminal
        run.week(i)
    removed = _clear_stale(settings.landing, run.files)
    events = pd.concat(run.events, ignore_index=True)
    reports = pd.concat(run.truth_reports, ignore_index=True)
    run.expected.close()
    write_truth(settings, events, reports)
    summary = {
        "seed": config.seed, "weeks": config.weeks, "scale": config.scale,
        "start_date": str(config.start_date), "end_date": str(config.end_date),
        "cells": run.layout.n_cells, "rows": dict(run.rows), "files": len(run.files), "stale_files_removed": removed,
        "incidents": {t: int((events["problem_type"] == t).sum()) for t in PROBLEM_TYPES},
        "incidents_per_week": round(len(events) / config.weeks, 1),
        "reports_per_incident": round(reports["event_id"].notna().sum() / max(len(events), 1), 3),
        "realism": realism(run),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    log.info("simulated %s weeks: %s", config.weeks, summary["rows"])
    return summary


def realism(run: _Run) -> dict:
    """Per forecast type: HR@1%/5% of next week's incidents by long-run mean, last week, 4-week mean and truth."""
    out = {}
    for t in FORECAST_TYPES:
        fig = ranking_figures(run.counts[t], run.expected.values[t])
        out[t] = {r: {k: round(float(v), 3) for k, v in fig.loc[r].items()} for r in fig.index}
        out[t]["week_to_week_r"] = round(week_to_week_correlation(run.counts[t]), 3)
    return out
