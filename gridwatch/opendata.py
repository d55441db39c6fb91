"""Any city's open data through the same pipeline: a YAML profile -> bronze -> silver -> gold/features.

The profile (gridwatch/profiles/*.yaml) names the CSV export, its id, time, location and category
columns, an optional status filter, the study period and the cell size. The run keeps everything in
its own data home: bronze/<name> (raw strings, exactly once per file), silver/reports, silver/incidents
and silver/quarantine (every rejected row with its reason), gold/grid_week and gold/features over a
square grid laid in a metric projected CRS (the profile's own when it is metric, else the UTM zone of
the data's centre). The grid is anchored at the CRS origin, so a cell's id never depends on the data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from gridwatch.city import GridSpec
from gridwatch.settings import Settings, get_settings

log = logging.getLogger(__name__)

PROFILES_DIR = Path(__file__).parent / "profiles"
GRID_OFFSET = 2 ** 21        # cells between the CRS origin and the grid's column/row 0
GRID_SPAN = 2 ** 22          # columns per row: ids stay unique for any extent on Earth
DEFAULT_PAD_DEG = 0.05       # plausible bounds: the 10-90% box of the data, widened by twice its size + this
_SPARK_PATTERN = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%y": "yy",
                  "%I": "hh", "%p": "a", "%b": "MMM", "%B": "MMMM", "%f": "SSSSSS", "%j": "DDD", "%z": "Z"}


@dataclass(frozen=True)
class OpenDataProfile:
    """A public export described by a profile file."""

    name: str
    source: Path
    id: str
    time_column: str
    time_format: str
    timezone: str
    x: str
    y: str
    crs: str
    category_column: str | None
    category_map: dict[str, str]
    category_default: str
    delimiter: str = ","
    filter_column: str | None = None
    filter_exclude: tuple[str, ...] = ()
    cell_m: float = 150.0
    grid_crs: str | None = None
    period: tuple[date | None, date | None] = (None, None)
    bounds: tuple[float, float, float, float] | None = None     # lon_min, lat_min, lon_max, lat_max
    boundary: tuple[tuple[float, float], ...] | None = None      # polygon, WGS-84 lon/lat
    universe_before: date | None = None
    forecast_types: tuple[str, ...] = ()
    calendar_country: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def types(self) -> tuple[str, ...]:
        """Every problem type the category map can produce."""
        return tuple(dict.fromkeys([*self.category_map.values(), self.category_default]))


def _day(v) -> date | None:
    return None if v in (None, "") else date.fromisoformat(str(v))


def load_profile(path: str | Path) -> OpenDataProfile:
    """Read a profile YAML; its source path is relative to the profile file."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    time_, loc, cat = raw["time"], raw["location"], raw.get("category") or {}
    flt, period, universe = raw.get("filter") or {}, raw.get("period") or {}, raw.get("universe") or {}
    source = Path(raw["source"])
    types_map = {str(k): str(v) for k, v in (cat.get("map") or {}).items()}
    default = str(cat.get("default", "other"))
    forecast = tuple(raw.get("forecast_types") or dict.fromkeys([*types_map.values(), default]))
    return OpenDataProfile(
        name=raw["name"], source=(path.parent / source).resolve() if not source.is_absolute() else source,
        id=raw["id"], time_column=time_["column"], time_format=time_.get("format", "%Y-%m-%d %H:%M:%S"),
        timezone=time_.get("timezone", "UTC"), x=loc["x"], y=loc["y"], crs=str(loc.get("crs", "EPSG:4326")),
        category_column=cat.get("column"), category_map=types_map, category_default=default,
        delimiter=raw.get("delimiter", ","), filter_column=flt.get("column"),
        filter_exclude=tuple(str(v) for v in flt.get("exclude", [])),
        cell_m=float((raw.get("grid") or {}).get("cell_m", 150)), grid_crs=(raw.get("grid") or {}).get("crs"),
        period=(_day(period.get("start")), _day(period.get("end"))),
        bounds=tuple(raw["bounds"]) if raw.get("bounds") else None,
        boundary=tuple(tuple(p) for p in raw["boundary"]) if raw.get("boundary") else None,
        universe_before=_day(universe.get("before")), forecast_types=forecast,
        calendar_country=(raw.get("calendar") or {}).get("country"), extra=raw,
    )


def spark_pattern(fmt: str) -> str:
    """A strftime format as a Spark datetime pattern (a format without % is taken as Spark's own)."""
    if "%" not in fmt:
        return fmt
    out = []
    for token in re.findall(r"%[A-Za-z]|[^%]+", fmt):
        if token.startswith("%"):
            if token not in _SPARK_PATTERN:
                raise ValueError(f"time format directive {token} is not supported")
            out.append(_SPARK_PATTERN[token])
        else:
            out.append(re.sub(r"([A-Za-z]+)", r"'\1'", token))
    return "".join(out)


def safe_name(column: str) -> str:
    """A CSV header as a Delta-safe column name."""
    return re.sub(r"[ ,;{}()\n\t=]+", "_", column.strip()) or "column"


# ------------------------------------------------------------------------------------------ bronze

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest_bronze(spark: SparkSession, profile: OpenDataProfile, settings: Settings) -> tuple[str, str]:
    """bronze/<name>: the export's raw string fields plus ingest metadata, once per (file, sha256)."""
    sha = _sha256(profile.source)
    batch_id = f"{profile.name}-{sha[:16]}"
    rel = os.path.relpath(profile.source, settings.home)
    bronze, ledger = settings.table_path("bronze", profile.name), settings.table_path("bronze", "ingest_ledger")
    from spark_jobs.delta_tables import is_delta

    if is_delta(spark, ledger):
        seen = spark.read.format("delta").load(ledger).where(
            (F.col("source_file") == rel) & (F.col("sha256") == sha) & (F.col("status") == "committed"))
        if seen.limit(1).count():
            log.info("bronze: %s already ingested as %s", rel, batch_id)
            return bronze, batch_id
    raw = (spark.read.option("header", True).option("sep", profile.delimiter).option("inferSchema", False)
           .option("multiLine", True).option("escape", '"').csv(str(profile.source)))
    raw = raw.toDF(*[safe_name(c) for c in raw.columns])
    fields = raw.columns
    order = Window.orderBy(F.monotonically_increasing_id())  # file order; open-data exports are modest
    df = raw.select(
        *fields,
        F.lit(rel).alias("_source_file"),
        F.row_number().over(order).alias("_line"),
        F.to_json(F.struct(*fields)).alias("_raw"),
        F.current_timestamp().alias("_ingested_at"),
        F.lit(batch_id).alias("_batch_id"),
        F.current_date().alias("_dt"),
    )
    df.write.format("delta").mode("append").partitionBy("_dt").option("mergeSchema", "true").save(bronze)
    records = spark.read.format("delta").load(bronze).where(F.col("_batch_id") == batch_id).count()
    spark.createDataFrame(
        [(profile.name, rel, date.today(), profile.source.stat().st_size, sha, batch_id, records, "committed")],
        "source string, source_file string, dt date, bytes long, sha256 string, batch_id string, records long, "
        "status string",
    ).withColumn("ingested_at", F.current_timestamp()).write.format("delta").mode("append").save(ledger)
    log.info("bronze: %s -> %d records (%s)", rel, records, batch_id)
    return bronze, batch_id


# ------------------------------------------------------------------------------------------ silver

def utm_crs(lon: float, lat: float) -> str:
    """EPSG code of the WGS-84 UTM zone containing a point."""
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _metric_projected(crs: str) -> bool:
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    return c.is_projected and c.axis_info[0].unit_name in ("metre", "meter")


def open_grid(crs: str, cell_m: float) -> GridSpec:
    """The anchored square grid: column = floor(x / cell) + offset, so ids do not depend on the data."""
    return GridSpec(crs=crs, cell_m=cell_m, x0=-GRID_OFFSET * cell_m, y0=-GRID_OFFSET * cell_m,
                    ncols=GRID_SPAN, nrows=GRID_SPAN)


def _blank(c: Column) -> Column:
    return c.isNull() | (F.trim(c) == "")


def _typed(df: DataFrame, p: OpenDataProfile, session_tz: str) -> DataFrame:
    """Key, local wall-clock time, event instant, raw x/y as numbers, problem type."""
    col = lambda name: F.col(safe_name(name))  # noqa: E731
    category = F.trim(col(p.category_column)) if p.category_column else F.lit(None).cast("string")
    ptype = F.lit(p.category_default)
    for raw_value, t in p.category_map.items():
        ptype = F.when(category == raw_value, F.lit(t)).otherwise(ptype)
    return df.withColumns({
        "_key": F.trim(col(p.id)),
        "_local": F.try_to_timestamp(F.trim(col(p.time_column)), F.lit(spark_pattern(p.time_format))),
        "_x": F.trim(col(p.x)).try_cast("double"),
        "_y": F.trim(col(p.y)).try_cast("double"),
        "_status": F.trim(col(p.filter_column)) if p.filter_column else F.lit(None).cast("string"),
        "_category": category,
        "problem_type": ptype,
        "_content": F.sha2(F.to_json(F.struct(*[c for c in df.columns if not c.startswith("_")])), 256),
    }).withColumn("event_time", F.from_utc_timestamp(F.to_utc_timestamp("_local", p.timezone), session_tz))


def _reason(p: OpenDataProfile, bounds: tuple[float, float, float, float]) -> Column:
    """The first failed check of a typed row, or null when the row is good."""
    excluded = F.col("_status").isin(list(p.filter_exclude)) if p.filter_exclude else F.lit(False)
    by_key = Window.partitionBy("_key")
    first_line = F.min(F.when(~excluded, F.col("_line"))).over(by_key)
    first_content = F.first(F.when(~excluded, F.col("_content")), ignorenulls=True).over(
        by_key.orderBy("_line").rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing))
    same_as_first = first_content == F.col("_content")
    start, end = p.period
    in_period = F.lit(True)
    if start:
        in_period &= F.to_date("_local") >= F.lit(start)
    if end:
        in_period &= F.to_date("_local") <= F.lit(end)
    lon0, lat0, lon1, lat1 = bounds
    inside = F.col("lon").between(lon0, lon1) & F.col("lat").between(lat0, lat1)
    time_col, x_col, y_col = (F.col(safe_name(c)) for c in (p.time_column, p.x, p.y))
    return (F.when(_blank(F.col("_key")), "missing_key")
            .when(excluded, "excluded_by_profile")
            .when(F.col("_line") != first_line, F.when(same_as_first, "duplicate_record")
                  .otherwise("duplicate_key_conflict"))
            .when(_blank(time_col), "missing_time")
            .when(F.col("_local").isNull(), "unparseable_time")
            .when(~in_period, "time_out_of_range")
            .when(_blank(x_col) | _blank(y_col), "missing_coordinates")
            .when(F.col("_x").isNull() | F.col("_y").isNull(), "unparseable_coordinates")
            .when(F.col("lon").isNull() | ~inside, "outside_bounds"))


def _with_lonlat(df: DataFrame, p: OpenDataProfile) -> DataFrame:
    """WGS-84 lon/lat from the profile's x/y (pyproj in batches when the source CRS is projected)."""
    from pyproj import CRS

    if CRS.from_user_input(p.crs).is_geographic:
        return df.withColumn("lon", F.col("_x")).withColumn("lat", F.col("_y"))
    from pyspark.sql.types import DoubleType, StructField, StructType

    schema = StructType([*df.schema.fields, StructField("lon", DoubleType()), StructField("lat", DoubleType())])
    source_crs = p.crs

    def convert(batches):
        import numpy as np
        from pyproj import Transformer

        tr = Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
        for pdf in batches:
            lon, lat = tr.transform(pdf["_x"].to_numpy(float), pdf["_y"].to_numpy(float))
            pdf["lon"], pdf["lat"] = np.where(np.isfinite(lon), lon, np.nan), np.where(np.isfinite(lat), lat, np.nan)
            yield pdf

    return df.mapInPandas(convert, schema).withColumn("lon", F.nanvl("lon", F.lit(None))).withColumn(
        "lat", F.nanvl("lat", F.lit(None)))


def coordinate_quantiles(df: DataFrame) -> dict[str, list[float]]:
    """10%, 50% and 90% quantiles of the valid WGS-84 lon and lat (one pass)."""
    ok = df.where(F.col("lon").between(-180, 180) & F.col("lat").between(-90, 90))
    lon, lat = ok.approxQuantile(["lon", "lat"], [0.1, 0.5, 0.9], 0.001)
    if not lon:
        raise ValueError("no row of the export has usable coordinates")
    return {"lon": lon, "lat": lat}


def plausible_bounds(q: dict[str, list[float]], p: OpenDataProfile) -> tuple[float, float, float, float]:
    """The profile's bounds, else the 10-90% box of the valid points widened by twice its size and a margin."""
    if p.bounds:
        return p.bounds
    (lo_x, _, hi_x), (lo_y, _, hi_y) = q["lon"], q["lat"]
    wx, wy = 2 * (hi_x - lo_x) + DEFAULT_PAD_DEG, 2 * (hi_y - lo_y) + DEFAULT_PAD_DEG
    return max(lo_x - wx, -180.0), max(lo_y - wy, -90.0), min(hi_x + wx, 180.0), min(hi_y + wy, 90.0)


def grid_crs_for(q: dict[str, list[float]], p: OpenDataProfile) -> str:
    """The grid's CRS: the profile's grid crs, its source crs when metric and projected, else UTM of the centre."""
    if p.grid_crs:
        return p.grid_crs
    if _metric_projected(p.crs):
        return p.crs
    return utm_crs(q["lon"][1], q["lat"][1])


def silver_open_data(spark: SparkSession, bronze: DataFrame, p: OpenDataProfile,
                     ) -> tuple[DataFrame, DataFrame, GridSpec]:
    """Typed, located, gridded reports and the quarantined rows (with reason codes) of one export."""
    from spark_jobs.crs import project
    from spark_jobs.gold.weeks import iso_week_label, week_start_of
    from spark_jobs.quarantine import to_quarantine
    from spark_jobs.reasons import REASONS

    session_tz = spark.conf.get("spark.sql.session.timeZone")
    # Checkpointed, not cached: the blocks go with the frames, so nothing outlives the export's run.
    typed = _with_lonlat(_typed(bronze, p, session_tz), p).localCheckpoint()
    q = coordinate_quantiles(typed)
    checked = typed.withColumn("_reason", _reason(p, plausible_bounds(q, p)))
    good = checked.where(F.col("_reason").isNull())
    crs = grid_crs_for(q, p)
    grid = open_grid(crs, p.cell_m)
    if crs == p.crs:
        located = good.withColumn("_gx", F.col("_x")).withColumn("_gy", F.col("_y"))
    else:
        located = project(good, "lon", "lat", crs, "_gx", "_gy")
    cell = (F.floor(F.col("_gy") / grid.cell_m) + GRID_OFFSET) * GRID_SPAN + F.floor(F.col("_gx") / grid.cell_m) + GRID_OFFSET
    reports = located.select(
        F.concat(F.lit(f"{p.name}:"), F.col("_key")).alias("report_id"), F.lit(p.name).alias("source"),
        F.col("_key").alias("source_key"), "event_time", F.to_date("_local").alias("dt"), "lon", "lat",
        cell.cast("long").alias("cell_id"), cell.cast("long").cast("string").alias("grid_code"),
        F.lit(p.name).alias("district_code"), "problem_type", F.lit(None).cast("string").alias("minor_code"),
        F.lit("code").alias("type_origin"), F.col("_category").alias("text"),
        F.lit(None).cast("string").alias("caller_token"), F.col("_batch_id").alias("batch_id"),
        F.concat(F.lit(f"{p.name}:"), F.col("_key")).alias("incident_id"),
        week_start_of(F.col("_local")).alias("week_start"),
    )
    reports = reports.withColumn("iso_week", iso_week_label(F.col("week_start")))
    reason_text = F.create_map(*[x for code, text in REASONS.items() for x in (F.lit(code), F.lit(text))])
    quarantine = to_quarantine(checked.where(F.col("_reason").isNotNull()), p.name, F.col("_reason"),
                               reason_text[F.col("_reason")])
    return reports, quarantine, grid


def incidents_of(reports: DataFrame) -> DataFrame:
    """One incident per open-data record (exports carry no cross-source duplicates to merge)."""
    return reports.select(
        "incident_id", "problem_type", "minor_code", "event_time", F.col("event_time").alias("last_time"), "lon", "lat",
        "cell_id", "grid_code", "district_code", F.lit(None).cast("string").alias("street_code"),
        F.lit(None).cast("string").alias("community_code"), "week_start", "iso_week",
        F.array("source").alias("sources"), F.array("report_id").alias("report_ids"),
        F.lit(1).alias("n_reports"), F.col("source").alias("first_source"),
    )


# ------------------------------------------------------------------------------------------ gold

def first_target_week(p: OpenDataProfile, weeks: list[date]) -> date:
    """The first week that may be scored: the profile's universe date, else 52 weeks before the end (or half)."""
    if p.universe_before:
        return p.universe_before - timedelta(days=p.universe_before.weekday())
    span = len(weeks)
    return weeks[-52] if span >= 78 else weeks[span // 2]


def run_open_data(spark: SparkSession, profile_path: str | Path, home: str | Path) -> dict:
    """Run a profile's export through bronze, silver and gold in its own data home; a summary of what it made."""
    from spark_jobs.gold.features import FeatureSources, build_features, panel_weeks
    from spark_jobs.gold.grid_week import grid_week
    from spark_jobs.gold.store import write_by_week
    from spark_jobs.gold.universe import cell_universe, cells_in_polygon

    p = load_profile(profile_path)
    settings = get_settings(home)
    settings.home.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    bronze_path, _ = ingest_bronze(spark, p, settings)
    timings["bronze_s"] = time.perf_counter() - t

    t = time.perf_counter()
    reports, quarantine, grid = silver_open_data(spark, spark.read.format("delta").load(bronze_path), p)
    paths = {"bronze": bronze_path, **{n: settings.table_path("silver", n) for n in ("reports", "incidents", "quarantine")}}
    reports.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(paths["reports"])
    reports = spark.read.format("delta").load(paths["reports"])
    incidents_of(reports).write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(paths["incidents"])
    quarantine.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(paths["quarantine"])
    quarantined = {r[0]: r[1] for r in spark.read.format("delta").load(paths["quarantine"])
                   .groupBy("reason_code").count().collect()}
    timings["silver_s"] = time.perf_counter() - t

    t = time.perf_counter()
    incidents = spark.read.format("delta").load(paths["incidents"])
    paths["grid_week"] = settings.table_path("gold", "grid_week")
    write_by_week(spark, grid_week(incidents, reports), paths["grid_week"])
    gw = spark.read.format("delta").load(paths["grid_week"])
    probe = FeatureSources(grid_week=gw, cells=gw.select("cell_id").limit(0), grid=grid)
    weeks, _ = panel_weeks(probe)
    first_target = first_target_week(p, weeks)
    if p.boundary:
        from spark_jobs.crs import project_np

        bx, by = project_np([q[0] for q in p.boundary], [q[1] for q in p.boundary], grid.crs)
        universe = cells_in_polygon(spark, grid, list(zip(bx, by, strict=True)), p.name)
    else:
        universe = cell_universe(grid, grid_week=gw, first_target_week=first_target)
    universe = universe.cache()
    src = FeatureSources(grid_week=gw, cells=universe, grid=grid, types=p.forecast_types, count_types=p.types,
                         calendar_country=p.calendar_country)
    paths["features"] = settings.table_path("gold", "features")
    version = write_by_week(spark, build_features(spark, src), paths["features"])
    timings["gold_s"] = time.perf_counter() - t
    events = {r[0]: int(r[1]) for r in incidents.groupBy("problem_type").count().collect()}
    result = {
        "profile": p.name, "home": str(settings.home), "paths": paths, "grid": {"crs": grid.crs, "cell_m": grid.cell_m},
        "cells": universe.count(), "weeks": len(weeks), "first_week": weeks[0].isoformat(),
        "last_week": weeks[-1].isoformat(), "first_target_week": first_target.isoformat(),
        "types": list(p.forecast_types), "events": events, "quarantined": quarantined,
        "features_version": version, "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    universe.unpersist()
    log.info("open data %s: %s", p.name, result)
    return result
