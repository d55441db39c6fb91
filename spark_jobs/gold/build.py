"""Build gold/grid_week and gold/features of a city with a unit grid from its silver tables (full or some weeks)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.city import load_city, unit_grid
from gridwatch.settings import Settings
from spark_jobs.delta_tables import is_delta
from spark_jobs.gold import sensors
from spark_jobs.gold.cases import case_signals
from spark_jobs.gold.features import FeatureSources, build_features, panel_weeks
from spark_jobs.gold.grid_week import grid_week
from spark_jobs.gold.places import place_features_by_week, read_places
from spark_jobs.gold.spec import FEATURES, GRID_WEEK, SENSOR_WINDOW
from spark_jobs.gold.store import write_by_week
from spark_jobs.gold.universe import UNIVERSE_COLUMNS, cell_universe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoldWrite:
    """What one gold write produced (the Dagster metadata)."""

    table: str
    path: str
    rows: int
    cells: int
    weeks: int
    nonzero_share: float
    delta_version: int

    def as_metadata(self) -> dict:
        return {"rows": self.rows, "cells": self.cells, "weeks": self.weeks,
                "nonzero_share": round(self.nonzero_share, 4), "delta_version": self.delta_version, "path": self.path}


def _read(spark: SparkSession, path: str) -> DataFrame | None:
    return spark.read.format("delta").load(path) if is_delta(spark, path) else None


def _summary(spark: SparkSession, table: str, path: str, weeks: Sequence[date] | None, count_col: str,
             version: int) -> GoldWrite:
    df = spark.read.format("delta").load(path)
    if weeks is not None:
        df = df.where(F.col("week_start").isin(list(weeks)))
    r = df.agg(F.count(F.lit(1)).alias("rows"), F.countDistinct("cell_id").alias("cells"),
               F.countDistinct("week_start").alias("weeks"),
               F.sum(F.when(F.col(count_col) > 0, 1).otherwise(0)).alias("nonzero")).first()
    share = (r["nonzero"] or 0) / r["rows"] if r["rows"] else 0.0
    return GoldWrite(table, path, int(r["rows"]), int(r["cells"]), int(r["weeks"]), share, version)


def write_grid_week(spark: SparkSession, settings: Settings, weeks: Sequence[date] | None = None) -> GoldWrite:
    """gold/grid_week from silver/incidents and silver/reports: all weeks, or only the given ones."""
    incidents = spark.read.format("delta").load(settings.table_path("silver", "incidents"))
    reports = _read(spark, settings.table_path("silver", "reports"))
    path = settings.table_path("gold", GRID_WEEK)
    version = write_by_week(spark, grid_week(incidents, reports, weeks), path, weeks)
    return _summary(spark, GRID_WEEK, path, weeks, "incidents", version)


def unit_grid_cells(spark: SparkSession, settings: Settings, city: str = "ordos") -> DataFrame:
    """The city's unit grid as a universe frame: silver/unit_grid when present, else built from the profile."""
    silver = _read(spark, settings.table_path("silver", "unit_grid"))
    if silver is None:
        silver = spark.createDataFrame(unit_grid(city)[UNIVERSE_COLUMNS])
    return silver


def _time_window(df: DataFrame, first: date, last: date) -> DataFrame:
    df = df.where((F.col("event_time") >= F.lit(first).cast("timestamp"))
                  & (F.col("event_time") < F.lit(last + timedelta(days=7)).cast("timestamp")))
    return df  # not pruned by dt: silver dt is the landing day, and late files land after their week


def city_feature_sources(spark: SparkSession, settings: Settings, city: str = "ordos",
                         weeks: Sequence[date] | None = None,
                         with_forecast_week: bool = False) -> tuple[FeatureSources, list[date]]:
    """Everything the feature panel of a unit-grid city reads, and the target weeks it will build.

    with_forecast_week adds the week after the last data week (the row a forecast scores) when the
    given weeks reach the last data week.
    """
    spec = load_city(city).grid_spec()
    gw = spark.read.format("delta").load(settings.table_path("gold", GRID_WEEK))
    cells = cell_universe(spec, unit_grid=unit_grid_cells(spark, settings, city)).cache()
    src = FeatureSources(grid_week=gw, cells=cells, grid=spec, calendar_country="CN")
    all_weeks, last_data = panel_weeks(src)
    wanted = set(weeks) if weeks is not None else set(all_weeks)
    if with_forecast_week and last_data in wanted:
        wanted.add(last_data + timedelta(weeks=1))
    targets = sorted(wanted & set(all_weeks))
    if not targets:
        raise ValueError(f"none of the weeks is in the panel {all_weeks[0]}..{all_weeks[-1]}")
    # Sensor series feed only their last week and their mean over SENSOR_WINDOW weeks, so the raw pings and
    # detections are read for the target weeks and the SENSOR_WINDOW weeks before them, not the whole lookback.
    first, last = max(all_weeks[0], targets[0] - timedelta(weeks=SENSOR_WINDOW)), targets[-1]
    cells_pdf = cells.select("cell_id", "x", "y").toPandas()
    places = read_places(settings.landing / "reference" / "places.csv")
    if places is not None and len(places):
        src.places = place_features_by_week(cells_pdf, places, spec.crs, targets)
    video = _read(spark, settings.table_path("silver", "video"))
    if video is not None:
        src.video = sensors.video_weekly(_time_window(video, first, last))
    truck = _read(spark, settings.table_path("silver", "truck_gps"))
    if truck is not None:
        src.truck = sensors.truck_dwell_weekly(_time_window(truck, first, last))
    dust = _read(spark, settings.table_path("silver", "dust"))
    sites = _dust_sites(settings)
    if dust is not None and sites is not None and len(sites):
        pairs = spark.createDataFrame(sensors.dust_site_cells(cells_pdf, sites, spec.crs))
        src.dust = sensors.dust_cell_weekly(sensors.dust_site_weekly(_time_window(dust, first, last)), pairs)
    history = _read(spark, settings.table_path("silver", "cases_history"))
    if history is not None:
        src.cases = case_signals(spark, history, targets)
    return src, targets


def _dust_sites(settings: Settings):
    import pandas as pd

    path = settings.landing / "reference" / "dust_sites.csv"
    return pd.read_csv(path, dtype={"site_id": str}) if path.exists() else None


def write_features(spark: SparkSession, settings: Settings, weeks: Sequence[date] | None = None,
                   city: str = "ordos", with_forecast_week: bool = False) -> GoldWrite:
    """gold/features of the unit-grid city: every panel week, or only the given target weeks."""
    src, targets = city_feature_sources(spark, settings, city, weeks, with_forecast_week)
    features = build_features(spark, src, targets)
    path = settings.table_path("gold", FEATURES)
    version = write_by_week(spark, features, path, None if weeks is None else targets)
    src.cells.unpersist()
    return _summary(spark, FEATURES, path, None if weeks is None else targets, "y", version)


def affected_weeks(changed: Iterable[date], panel: Sequence[date]) -> list[date]:
    """Target weeks whose rows change when the counts of `changed` weeks change: those weeks and all later ones.

    A week's counts are its own rows' target and, through the long-run mean and EWMA, a feature of every
    later row; the week after the last data week (the forecast row) is always included.
    """
    changed = sorted(changed)
    return [w for w in panel if changed and w >= changed[0]]


def recompute_weeks(spark: SparkSession, settings: Settings, changed: Iterable[date],
                    city: str = "ordos") -> tuple[GoldWrite, GoldWrite]:
    """Incremental gold: rebuild grid_week for the changed weeks, then features for every affected week."""
    changed = sorted(set(changed))
    gw = write_grid_week(spark, settings, changed)
    probe = FeatureSources(grid_week=spark.read.format("delta").load(settings.table_path("gold", GRID_WEEK)),
                           cells=spark.createDataFrame([], "cell_id long"), grid=load_city(city).grid_spec())
    all_weeks, _ = panel_weeks(probe)
    feats = write_features(spark, settings, affected_weeks(changed, all_weeks), city)
    log.info("gold recomputed %d changed weeks -> %d feature weeks", len(changed), feats.weeks)
    return gw, feats
