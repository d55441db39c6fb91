"""Small (or deliberately large) Delta tables of exactly the contract shapes, for the dashboard.

`build_lakehouse(home, ...)` writes silver/gold/bronze tables with deltalake into a data home so
the app can be tested and benchmarked without running the pipeline. `scale` replicates the city
at the table level (10 = ten copies of the grid side by side, with their own district codes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from deltalake import write_deltalake

from gridwatch.city import UNIT_GRID_COLUMNS, unit_grid
from gridwatch.taxonomy import FORECAST_TYPES, PROBLEM_TYPES, minor_codes
from models.case_kpis import COUNTS, KpiConfig
from models.case_kpis import _rates as _kpi_rates
from models.list_scoring import SCORE_COLUMNS
from models.risk_list import RISK_LIST_COLUMNS

SOURCES = ("hotline", "police110", "video", "cases")
LEDGER_SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")
LAST_WEEK_START = dt.date(2026, 11, 23)  # the Monday of the newest complete week (2026-W48)
TYPE_RATE = {"stall": 0.30, "parking": 0.30, "violation": 0.08, "sanitation": 0.20, "dust": 0.07, "other": 0.05}
REASONS = [("近4周摊点投诉 {n} 起", "{n} stall complaints in the last 4 weeks"),
           ("距农贸市场 {m} 米", "{m} m from a farmers' market"),
           ("周末夜间高发", "frequent on weekend nights")]


def iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def small_grid(per_district: int = 120) -> pd.DataFrame:
    """A few cells of each Ordos district: quick to build, same columns as the real grid."""
    g = unit_grid()
    step = (g.groupby("district_code")["cell_id"].transform("size") // per_district).clip(lower=1)
    return g[g.groupby("district_code").cumcount() % step == 0].reset_index(drop=True)


def scaled_grid(scale: int) -> pd.DataFrame:
    """The Ordos grid repeated `scale` times eastwards, each copy with its own district codes."""
    g = unit_grid()
    if scale <= 1:
        return g.copy()
    ncols = int(g["col"].max()) + 1
    width_x = float(g["x"].max() - g["x"].min()) + 1000.0
    width_lon = float(g["lon"].max() - g["lon"].min()) + 0.012
    n_ids = int(g["cell_id"].max()) + 1
    parts = []
    for k in range(scale):
        p = g.copy()
        if k:
            p["cell_id"] = p["cell_id"] + k * n_ids
            p["col"] = p["col"] + k * ncols
            p["x"] = p["x"] + k * width_x
            p["lon"] = p["lon"] + k * width_lon
            p["district_code"] = (p["district_code"].astype(int) + 10000 * k).astype(str)
            p["district_zh"] = p["district_zh"] + f"{k + 1}"
            p["district_en"] = p["district_en"] + f" {k + 1}"
            p["grid_code"] = p["district_code"] + p["grid_code"].str[6:]
        parts.append(p)
    return pd.concat(parts, ignore_index=True)[UNIT_GRID_COLUMNS]


def _write(home: Path, layer: str, name: str, df: pd.DataFrame | pa.Table, mode: str = "overwrite") -> None:
    path = home / "lakehouse" / layer / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_deltalake(str(path), df, mode=mode)


def _incidents(grid: pd.DataFrame, weeks: list[dt.date], per_week: float, rng: np.random.Generator) -> pd.DataFrame:
    """Incidents concentrated in hot cells, with summer peaks for stalls, parking and building."""
    n_cells = len(grid)
    minors = minor_codes()
    frames = []
    for _t_i, ptype in enumerate(PROBLEM_TYPES):
        weight = rng.pareto(1.3, n_cells) + 0.05
        weight /= weight.sum()
        codes = minors.loc[minors["problem_type"] == ptype, "minor_code"].to_numpy()
        for _w_i, week in enumerate(weeks):
            season = 1.0 + (0.6 if ptype in FORECAST_TYPES else 0.2) * np.cos((week.timetuple().tm_yday - 200) / 365 * 2 * np.pi)
            n = rng.poisson(per_week * TYPE_RATE[ptype] * season)
            if n == 0:
                continue
            cells = rng.choice(n_cells, size=n, p=weight)
            secs = rng.integers(0, 7 * 86400, size=n)
            frames.append(pd.DataFrame({"ci": cells, "problem_type": ptype, "minor_code": rng.choice(codes, n),
                                        "week_start": week, "secs": secs}))
    inc = pd.concat(frames, ignore_index=True)
    cells = grid.iloc[inc["ci"].to_numpy()].reset_index(drop=True)
    n = len(inc)
    start = pd.to_datetime(inc["week_start"])
    event_time = start + pd.to_timedelta(inc["secs"], unit="s")
    first = rng.choice(np.array(SOURCES), size=n, p=[0.5, 0.15, 0.1, 0.25])
    second = rng.choice(np.array(SOURCES), size=n)
    n_reports = rng.choice([1, 1, 1, 2], size=n)
    ids = np.char.add("inc-", np.arange(n).astype(str))
    sources = [[a] if k == 1 or a == b else [a, b] for a, b, k in zip(first, second, n_reports, strict=False)]
    report_ids = [[f"{s}:{i}-{j}" for j, s in enumerate(src)] for i, src in zip(ids, sources, strict=False)]
    return pd.DataFrame({
        "incident_id": ids, "problem_type": inc["problem_type"], "minor_code": inc["minor_code"],
        "event_time": event_time, "last_time": event_time + pd.Timedelta(hours=1),
        "lon": cells["lon"], "lat": cells["lat"], "cell_id": cells["cell_id"], "grid_code": cells["grid_code"],
        "district_code": cells["district_code"], "street_code": cells["street_code"],
        "community_code": cells["community_code"], "week_start": inc["week_start"],
        "iso_week": [iso_week(d) for d in inc["week_start"]], "sources": sources, "report_ids": report_ids,
        "n_reports": np.array([len(s) for s in sources], dtype="int64"), "first_source": first,
    })


def _grid_week(inc: pd.DataFrame) -> pd.DataFrame:
    gw = (inc.groupby(["cell_id", "grid_code", "district_code", "week_start", "iso_week", "problem_type"])
          .agg(incidents=("incident_id", "size"), reports=("n_reports", "sum")).reset_index())
    gw["incidents"] = gw["incidents"].astype("int64")
    gw["reports"] = gw["reports"].astype("int64")
    return gw


def _forecasts(grid: pd.DataFrame, gw: pd.DataFrame, targets: list[dt.date]) -> pd.DataFrame:
    """Expected counts per cell from a 8-week mean: one frame per target week, every forecast type."""
    frames = []
    weeks = np.array(sorted(gw["week_start"].unique()))
    for target in targets:
        past = weeks[(weeks < target)][-8:]
        hist = gw[gw["week_start"].isin(past)]
        for ptype in FORECAST_TYPES:
            mean = hist[hist["problem_type"] == ptype].groupby("cell_id")["incidents"].sum() / max(len(past), 1)
            expected = grid["cell_id"].map(mean).fillna(0.0).to_numpy() * 0.9 + 0.002
            frames.append(pd.DataFrame({
                "target_week_start": target, "target_iso_week": iso_week(target), "cell_id": grid["cell_id"],
                "grid_code": grid["grid_code"], "district_code": grid["district_code"], "problem_type": ptype,
                "expected": expected, "p_any": 1 - np.exp(-expected), "model_name": "gridwatch_lgbm",
                "model_version": "3", "data_version": "silver@42",
            }))
    return pd.concat(frames, ignore_index=True)


def _risk_lists(grid: pd.DataFrame, fc: pd.DataFrame, gw: pd.DataFrame, week: dt.date, length: int) -> pd.DataFrame:
    """Lists in the shape of models.risk_list.RISK_LIST_COLUMNS: top cells by expected, last slot random."""
    sub = fc[fc["target_week_start"] == week].merge(
        grid[["cell_id", "district_zh", "street_zh", "community_zh", "lon", "lat"]], on="cell_id")
    rows = []
    for (district, ptype), part in sub.groupby(["district_code", "problem_type"]):
        top = part.nlargest(length, "expected").reset_index(drop=True)
        for r, row in top.iterrows():
            m = int(50 + r * 10)
            out = {
                "iso_week": iso_week(week), "week_start": week, "district_code": district,
                "district_zh": row["district_zh"], "problem_type": ptype, "rank": r + 1,
                "slot": "exploration" if r == length - 1 else "model", "grid_code": row["grid_code"],
                "cell_id": row["cell_id"], "street_zh": row["street_zh"], "community_zh": row["community_zh"],
                "lon": row["lon"], "lat": row["lat"], "map_url": f"https://www.openstreetmap.org/?mlat={row['lat']}",
                "amap_url": "https://uri.amap.com/marker", "expected": row["expected"], "p_any": row["p_any"],
                "tier": "高" if row["p_any"] >= 0.5 else ("中" if row["p_any"] >= 0.2 else "低"),
                "n_w_minus_4": r % 3, "n_w_minus_3": 1, "n_w_minus_2": 0, "n_w_minus_1": 2,
                "trend": "↑" if r % 2 else "→", "reason_features": "lag_1,poi_market,weekend_night",
                "seed": 20261123, "exploration_weight": 4.0 if r == length - 1 else np.nan,
                "model_name": row["model_name"], "model_version": row["model_version"],
                "data_version": row["data_version"], "published_at": "2026-11-30T06:00:00+08:00",
            }
            for i, (zh, en) in enumerate(REASONS, start=1):
                out[f"reason_{i}_zh"] = zh.format(n=12 - r % 5, m=m)
                out[f"reason_{i}_en"] = en.format(n=12 - r % 5, m=m)
            rows.append(out)
    return pd.DataFrame(rows)[RISK_LIST_COLUMNS]


def _list_scores(rl: pd.DataFrame, gw: pd.DataFrame) -> pd.DataFrame:
    """Scores in the shape of models.list_scoring.SCORE_COLUMNS (one row per list and slot)."""
    hits = rl.merge(gw[["cell_id", "week_start", "problem_type", "incidents"]], how="left",
                    on=["cell_id", "week_start", "problem_type"]).fillna({"incidents": 0})
    rows = []
    for (week, ws, district, ptype), part in hits.groupby(["iso_week", "week_start", "district_code", "problem_type"]):
        for slot, sp in [("all", part), *part.groupby("slot")]:
            n, hit, cap = len(sp), int((sp["incidents"] > 0).sum()), float(sp["incidents"].sum())
            rows.append({"iso_week": week, "week_start": ws, "district_code": district, "problem_type": ptype,
                         "slot": slot, "n_listed": n, "n_hit": hit, "hit_rate": hit / n, "captured": cap,
                         "captured_per_cell": cap / n, "district_cells": 100, "district_incidents": 50.0,
                         "district_per_cell": 0.5, "district_hit_rate": 0.2, "lift": cap / n / 0.5,
                         "share_captured": cap / 50.0, "scored_at": "2026-12-07T06:00:00+08:00"})
    return pd.DataFrame(rows)[SCORE_COLUMNS]


def _case_kpis(districts: list[str], weeks: list[dt.date], rng: np.random.Generator) -> pd.DataFrame:
    """Rows in the shape models.case_kpis.case_kpis writes: district totals and department rows, counts and rates."""
    rows = []
    for d in districts:
        for w in weeks:
            y, wk, _ = w.isocalendar()
            depts = []
            for dept in ("市容科", "执法一中队", "执法二中队"):
                reported = int(rng.integers(5, 60))
                due = int(rng.integers(3, reported + 1))
                handled = int(rng.integers(1, due + 1))
                closed = int(rng.integers(0, due + 1))
                depts.append({"department": dept, "reported": reported, "filed": int(rng.integers(reported // 2, reported + 1)),
                              "due": due, "handled_on_time": int(rng.integers(0, handled + 1)), "closed": closed,
                              "closed_on_time": int(rng.integers(0, closed + 1)), "extended": int(rng.integers(0, 3)),
                              "handled": handled, "reworked": int(rng.integers(0, min(3, handled) + 1))})
            total = {k: sum(x[k] for x in depts) for k in COUNTS}
            for level, part in [("district", {**total, "department": "全部 all"})] + [("department", x) for x in depts]:
                rows.append({"week_start": w, "iso_week": f"{y}-W{wk:02d}", "district_code": d, "level": level,
                             **part})
    out = pd.DataFrame(rows)
    out = _kpi_rates(out, KpiConfig.load())
    out["as_of"] = pd.Timestamp("2026-12-01 06:00")
    out["computed_at"] = pd.Timestamp("2026-12-01 06:00")
    out["kpi_config_version"] = KpiConfig.load().version
    return out


def _ledger_and_quarantine(weeks: list[dt.date], inc: pd.DataFrame, rng: np.random.Generator):
    days = [w + dt.timedelta(days=i) for w in weeks for i in range(7)]
    ledger, quarantine, accepted = [], [], []
    per_day = inc.explode("sources").groupby(["sources", inc["event_time"].dt.date.rename("dt")]).size()
    reasons = [("outside_city", "坐标位于城市网格之外 / coordinates outside the city's unit grid"),
               ("unparseable_time", "时间无法解析 / unparseable time"),
               ("unknown_category", "类别代码无法映射且文本无法判断 / unknown category code and undecidable text")]
    for src in LEDGER_SOURCES:
        stale = 9 if src == "truck_gps" else 0  # one source stops delivering, so freshness shows a problem
        for d in days[: len(days) - stale]:
            good = int(per_day.get((src, d), 0)) if src in SOURCES else int(rng.integers(90, 110))
            bad = int(rng.integers(0, 3))
            batch = f"{src}-{d:%Y%m%d}"
            ledger.append({"source": src, "source_file": f"landing/{src}/dt={d}/{src}_{d:%Y%m%d}.csv", "dt": d,
                           "bytes": 200 * (good + bad), "sha256": f"{abs(hash(batch)):064x}"[:64], "batch_id": batch,
                           "records": good + bad, "status": "committed",
                           "ingested_at": dt.datetime.combine(d, dt.time(2, 0)) + dt.timedelta(days=1)})
            accepted.append({"source": src, "batch_id": batch, "accepted": good})
            for i in range(bad):
                code, text = reasons[i % len(reasons)]
                quarantine.append({"source": src, "batch_id": batch, "source_file": ledger[-1]["source_file"],
                                   "line": i + 1, "raw": "...", "reason_code": code, "reason_text": text,
                                   "quarantined_at": ledger[-1]["ingested_at"], "dt": d})
    return pd.DataFrame(ledger), pd.DataFrame(quarantine), pd.DataFrame(accepted)


def _reports(inc: pd.DataFrame, accepted: pd.DataFrame) -> pd.DataFrame:
    ex = inc[["incident_id", "problem_type", "minor_code", "event_time", "lon", "lat", "cell_id", "grid_code",
              "district_code", "report_ids", "sources"]].explode(["report_ids", "sources"])
    ex = ex.rename(columns={"report_ids": "report_id", "sources": "source"})
    ex["source_key"] = ex["report_id"].str.split(":").str[1]
    ex["dt"] = ex["event_time"].dt.date
    ex["type_origin"] = "code"
    ex["text"] = ""
    ex["caller_token"] = None
    ex["batch_id"] = ex["source"] + "-" + ex["event_time"].dt.strftime("%Y%m%d")
    return ex[["report_id", "source", "source_key", "event_time", "dt", "lon", "lat", "cell_id", "grid_code",
               "district_code", "problem_type", "minor_code", "type_origin", "text", "caller_token", "batch_id",
               "incident_id"]].astype({"caller_token": "string"})


def _outbox(home: Path, rl: pd.DataFrame) -> None:
    for (week, district), part in rl.groupby(["iso_week", "district_code"]):
        folder = home / "outbox" / "risk_lists" / week / district
        folder.mkdir(parents=True, exist_ok=True)
        for ptype, typed in part.groupby("problem_type"):
            typed.to_csv(folder / f"risk_list_{week}_{district}_{ptype}.csv", index=False, encoding="utf-8-sig")
        (folder / f"risk_list_{week}_{district}.html").write_text(
            f"<html><body><h1>{district} {week}</h1>{part.to_html()}</body></html>", encoding="utf-8")
        part.to_excel(folder / f"risk_list_{week}_{district}.xlsx", index=False)


def build_lakehouse(home: str | Path, *, grid: pd.DataFrame | None = None, weeks: int = 104,
                    incidents_per_week: float = 300.0, forecast_weeks: int = 12, list_length: int = 10,
                    seed: int = 7, outbox: bool = True) -> dict:
    """Write every table the dashboard reads into home/lakehouse; returns a few facts about them."""
    home = Path(home)
    rng = np.random.default_rng(seed)
    grid = small_grid() if grid is None else grid
    week_list = [LAST_WEEK_START - dt.timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    inc = _incidents(grid, week_list, incidents_per_week, rng)
    gw = _grid_week(inc)
    next_week = LAST_WEEK_START + dt.timedelta(weeks=1)
    targets = week_list[-forecast_weeks:] + [next_week] if forecast_weeks else []
    fc = None
    for i, target in enumerate(targets):  # one target week at a time keeps a large city in memory
        frame = _forecasts(grid, gw, [target])
        _write(home, "gold", "forecasts", frame, mode="append" if i else "overwrite")
        if target in (LAST_WEEK_START, next_week):
            fc = frame if fc is None else pd.concat([fc, frame], ignore_index=True)
    ledger, quarantine, accepted = _ledger_and_quarantine(week_list[-8:], inc, rng)
    _write(home, "silver", "unit_grid", grid[UNIT_GRID_COLUMNS])
    _write(home, "silver", "incidents", inc)
    _write(home, "silver", "reports", _reports(inc[inc["week_start"] >= week_list[-8]], accepted))
    _write(home, "silver", "quarantine", quarantine)
    _write(home, "bronze", "ingest_ledger", ledger)
    _write(home, "gold", "grid_week", gw)
    districts = sorted(grid["district_code"].unique())
    if fc is not None:
        bt = []
        for origin in week_list[-30:]:
            for method, lift in (("lightgbm", 1.15), ("last_week", 0.9), ("mean_4w", 1.0), ("long_run_mean", 0.95)):
                for ptype in FORECAST_TYPES:
                    for metric, base in (("hr@1", 0.08), ("hr@5", 0.25), ("pai@5", 5.0)):
                        bt.append({"method": method, "problem_type": ptype, "origin_week_start": origin,
                                   "metric": metric, "value": base * lift * rng.uniform(0.85, 1.15)})
        _write(home, "gold", "backtest", pd.DataFrame(bt))
        rl = pd.concat([_risk_lists(grid, fc, gw, w, list_length) for w in (LAST_WEEK_START, next_week)])
        _write(home, "gold", "risk_lists", rl)
        _write(home, "gold", "list_scores", _list_scores(rl[rl["iso_week"] == iso_week(LAST_WEEK_START)], gw))
        if outbox:
            _outbox(home, rl[rl["iso_week"] == iso_week(next_week)])
    _write(home, "gold", "case_kpis", _case_kpis(districts, week_list[-12:], rng))
    return {"districts": districts, "weeks": week_list, "incidents": len(inc), "cells": len(grid),
            "next_week": next_week}
