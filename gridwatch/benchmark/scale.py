"""One scale factor, measured in its own process: landing → bronze → silver → gold → features, the DuckDB
reference, the incremental day and the read-time effect of table care."""

from __future__ import annotations

import logging
import os
import time
from datetime import date, timedelta
from pathlib import Path

from gridwatch.benchmark.dagster_steps import StepTiming, run_layer, run_layer_for_day
from gridwatch.benchmark.landing import ensure_city, hold_back_day, reset_lakehouse, restore_held_day
from gridwatch.benchmark.memory import MemorySampler
from gridwatch.settings import Settings, get_settings

log = logging.getLogger(__name__)

STAGES = ("landing", "bronze", "silver", "gold", "features")
SPARK_STAGES = STAGES[1:]
LAYERS = ("bronze", "silver", "gold")
SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")
SENSOR_SOURCES = ("video", "dust", "truck_gps")
SILVER_TABLES = ("hotline", "police110", "video", "dust", "truck_gps", "reports", "incidents", "cases",
                 "cases_history", "quarantine")
CARE_READS = (("silver", "incidents"), ("silver", "truck_gps"))
BENCH_DRIVER_MEMORY = "8g"  # scale 16 shuffles 60 M+ rows through one local driver; 24 GiB machines have room


def stage_of(asset: str) -> str:
    """Which benchmark stage an asset step belongs to."""
    if asset.startswith("gold_features"):
        return "features"
    return asset.split("_", 1)[0]


def delta_rows(path: str) -> int:
    """Rows of a Delta table from its log (file statistics), without scanning data; 0 if absent."""
    from deltalake import DeltaTable

    try:
        return int(DeltaTable(path).count())
    except Exception:  # noqa: BLE001 - no table (yet) counts as empty
        return 0


def table_rows(settings: Settings, layer: str, names: tuple[str, ...]) -> int:
    return sum(delta_rows(settings.table_path(layer, n)) for n in names)


def stage_inputs(settings: Settings) -> dict[str, int]:
    """Rows each stage reads: the tables the stage before it wrote."""
    bronze = table_rows(settings, "bronze", SOURCES)
    return {
        "bronze": bronze,  # = landed records (exactly once per file)
        "silver": bronze,
        "gold": table_rows(settings, "silver", ("incidents", "reports")),
        "features": table_rows(settings, "gold", ("grid_week",))
        + table_rows(settings, "silver", ("video", "dust", "truck_gps", "cases_history")),
    }


def summarize(timings: list[StepTiming], sampler: MemorySampler) -> dict[str, dict]:
    """Per stage: seconds (sum of its asset steps), peak driver-JVM and Python memory, the assets."""
    out: dict[str, dict] = {}
    for t in timings:
        s = out.setdefault(stage_of(t.asset), {"seconds": 0.0, "check_seconds": 0.0, "jvm_peak_mb": 0.0,
                                               "python_peak_mb": 0.0, "assets": {}, "checks": {}})
        if t.is_check:  # data-quality checks are reported beside the stage, not in its throughput
            s["check_seconds"] += t.seconds
            s["checks"][t.asset] = round(t.seconds, 2)
            continue
        s["seconds"] += t.seconds
        s["assets"][t.asset] = round(t.seconds, 2)
        peak = sampler.peak(t.start, t.end)
        s["jvm_peak_mb"] = max(s["jvm_peak_mb"], peak["jvm_peak_mb"])
        s["python_peak_mb"] = max(s["python_peak_mb"], peak["python_peak_mb"])
    for s in out.values():
        s["seconds"] = round(s["seconds"], 2)
        s["check_seconds"] = round(s["check_seconds"], 2)
    return out


def selective_read(spark, settings: Settings, layer: str, name: str, ncols: int) -> dict | None:
    """A dashboard-style read: the 3×3 cells around the busiest cell over the last four weeks of data."""
    from pyspark.sql import functions as F

    from spark_jobs.delta_tables import is_delta

    path = settings.table_path(layer, name)
    if not is_delta(spark, path):
        return None
    df = spark.read.format("delta").load(path)
    if "cell_id" not in df.columns or "event_time" not in df.columns:
        return None
    top = df.where(F.col("cell_id").isNotNull()).groupBy("cell_id").count().orderBy(F.desc("count")).first()
    last = df.agg(F.max("event_time")).first()[0]
    if top is None or last is None:
        return None
    c = int(top["cell_id"])
    cells = [c + dr * ncols + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    since = last - timedelta(weeks=4)
    return {"cells": cells, "since": since.isoformat(sep=" "),
            "query": lambda: spark.read.format("delta").load(path)
            .where(F.col("cell_id").isin(cells) & (F.col("event_time") >= F.lit(since)))}


def timed_read(spark, query, runs: int = 3) -> dict:
    """Best of `runs` of a query: seconds, rows, files and bytes its scan read."""
    from spark_jobs.maintenance import scan_metrics

    results = [scan_metrics(spark, query()) for _ in range(runs)]
    best = min(results, key=lambda r: r["seconds"])
    return best


def table_care_effect(spark, settings: Settings) -> dict:
    """Selective reads before and after OPTIMIZE (Z-ORDER by cell, time) + VACUUM of the large silver tables."""
    from gridwatch.city import load_city
    from spark_jobs.maintenance import care_for_table

    ncols = load_city().grid_spec().ncols
    out = {}
    for layer, name in CARE_READS:
        read = selective_read(spark, settings, layer, name, ncols)
        if read is None:
            continue
        before = timed_read(spark, read["query"])
        t0 = time.perf_counter()
        care = care_for_table(spark, settings.table_path(layer, name))
        care_s = time.perf_counter() - t0
        after = timed_read(spark, read["query"])
        out[f"{layer}/{name}"] = {"before": before, "after": after, "care_seconds": round(care_s, 2),
                                  "optimize": care["optimize"], "vacuum": care["vacuum"],
                                  "speedup": round(before["seconds"] / after["seconds"], 2) if after["seconds"] else None}
    return out


def _progress(scale: float, text: str) -> None:
    print(f"  [scale {scale:g}] {text}", flush=True)


def run_scale(root: Path, scale: float, weeks: int, seed: int, end: date, master: str,
              shuffle_partitions: int | None, skip: tuple[str, ...] = ()) -> dict:
    """The whole measurement at one scale factor; a dict for the results JSON."""
    os.environ["GRIDWATCH_HOME"] = str(root)
    os.environ["GRIDWATCH_SPARK_MASTER"] = master
    # The machine is shared: a driver heap bounded well below its memory (the local default is 6g).
    os.environ.setdefault("GRIDWATCH_DRIVER_MEMORY", BENCH_DRIVER_MEMORY)
    settings = get_settings(root)
    result: dict = {"scale": scale, "weeks": weeks, "seed": seed, "end_date": end.isoformat(), "home": str(root),
                    "master": master, "shuffle_partitions": shuffle_partitions,
                    "driver_memory": os.environ["GRIDWATCH_DRIVER_MEMORY"]}
    sim = ensure_city(settings, scale, weeks, seed, end)
    _progress(scale, f"landing: {sum(sim['rows'].values()):,} rows ({'reused' if sim['reused'] else 'simulated'})")
    new_day = end  # a Sunday: landing it completes the last ISO week
    hold_back_day(settings, new_day)
    reset_lakehouse(settings)
    result["simulation"] = sim

    from spark_jobs.session import build_spark

    sampler = MemorySampler().start()
    spark = build_spark(master, app_name="gridwatch", shuffle_partitions=shuffle_partitions)
    try:
        timings: list[StepTiming] = []
        walls = {}
        for layer in LAYERS:
            t, walls[layer] = run_layer(settings, layer)
            timings += t
            _progress(scale, f"{layer}: {sum(x.seconds for x in t if not x.is_check):.1f} s")
        stages = summarize(timings, sampler)
        inputs = stage_inputs(settings)
        landed = sum(sim["rows"].values())
        stages["landing"] = {"seconds": sim["seconds"], "rows_in": landed, "jvm_peak_mb": 0.0,
                             "python_peak_mb": None, "note": "simulator (Python), reused" if sim["reused"]
                             else "simulator (Python)"}
        for s in SPARK_STAGES:
            stages.setdefault(s, {"seconds": 0.0, "jvm_peak_mb": 0.0, "python_peak_mb": 0.0, "assets": {}})
            stages[s]["rows_in"] = inputs[s]
        for s in stages.values():
            s["rows_per_s"] = round(s["rows_in"] / s["seconds"]) if s["seconds"] else None
        result["stages"] = {s: stages[s] for s in STAGES}
        result["layer_wall_seconds"] = {k: round(v, 2) for k, v in walls.items()}
        result["sensor_rows"] = table_rows(settings, "bronze", SENSOR_SOURCES)
        result["full_seconds"] = round(sum(stages[s]["seconds"] for s in SPARK_STAGES), 2)

        if "reference" not in skip:
            from gridwatch.benchmark.reference import compare

            result["reference"] = compare(spark, settings)
            _progress(scale, f"reference: Spark/DuckDB {result['reference']['ratio']}x")

        if "incremental" not in skip:
            restore_held_day(settings)
            inc: list[StepTiming] = []
            inc_walls = {}
            for layer in LAYERS:
                t, inc_walls[layer] = run_layer_for_day(settings, layer, new_day)
                inc += t
            _progress(scale, f"incremental day: {sum(x.seconds for x in inc if not x.is_check):.1f} s")
            inc_stages = summarize(inc, sampler)
            inc_seconds = round(sum(s["seconds"] for s in inc_stages.values()), 2)
            result["incremental"] = {
                "day": new_day.isoformat(), "seconds": inc_seconds, "full_seconds": result["full_seconds"],
                "ratio": round(inc_seconds / result["full_seconds"], 3) if result["full_seconds"] else None,
                "stages": inc_stages, "layer_wall_seconds": {k: round(v, 2) for k, v in inc_walls.items()},
                "rows_landed": sum(delta_rows(settings.table_path("bronze", s)) for s in SOURCES) - inputs["bronze"],
            }
        if "care" not in skip:
            result["table_care"] = table_care_effect(spark, settings)
    finally:
        sampler.stop()
        spark.stop()
    result["driver_peak_mb"] = sampler.peak()
    return result
