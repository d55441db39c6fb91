"""Weekly sensor series per cell: video AI detections, dust exceedance hours nearby, muck-truck dwell minutes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from scipy.spatial import cKDTree

from spark_jobs.crs import project_np
from spark_jobs.gold.spec import DUST_PM10_LIMIT, DUST_RADIUS_M, TRUCK_MAX_GAP_MIN, TRUCK_SLOW_KMH
from spark_jobs.gold.weeks import week_start_of


def video_weekly(video: DataFrame) -> DataFrame:
    """silver/video -> cell_id, problem_type, week_start, detections (located, typed rows only)."""
    return (video.where(F.col("cell_id").isNotNull() & F.col("problem_type").isNotNull())
            .withColumn("week_start", week_start_of(F.col("event_time")))
            .groupBy("cell_id", "problem_type", "week_start")
            .agg(F.countDistinct("detection_id").alias("detections")))


def dust_site_weekly(dust: DataFrame, limit: float = DUST_PM10_LIMIT) -> DataFrame:
    """silver/dust -> site_id, week_start, exceed_hours (hours whose mean PM10 is above the limit)."""
    hourly = (dust.where(F.col("pm10").isNotNull())
              .groupBy("site_id", F.date_trunc("hour", F.col("event_time")).alias("hour"))
              .agg(F.avg("pm10").alias("pm10")))
    return (hourly.where(F.col("pm10") > limit)
            .groupBy("site_id", week_start_of(F.col("hour")).alias("week_start"))
            .agg(F.count(F.lit(1)).cast("double").alias("exceed_hours")))


def dust_site_cells(cells: pd.DataFrame, sites: pd.DataFrame, grid_crs: str,
                    radius_m: float = DUST_RADIUS_M) -> pd.DataFrame:
    """(site_id, cell_id) for every universe cell whose centre is within radius of a dust monitor."""
    sx, sy = project_np(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float), grid_crs)
    tree = cKDTree(np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)]))
    ids = cells["cell_id"].to_numpy("int64")
    pairs = [(sid, int(ids[j])) for sid, near in zip(sites["site_id"].astype(str),
                                                     tree.query_ball_point(np.column_stack([sx, sy]), r=radius_m),
                                                     strict=True) for j in near]
    return pd.DataFrame(pairs, columns=["site_id", "cell_id"]).astype({"cell_id": "int64"})


def dust_cell_weekly(site_weekly: DataFrame, pairs: DataFrame) -> DataFrame:
    """Exceedance hours summed over the monitors near each cell: cell_id, week_start, exceed_hours."""
    return (site_weekly.join(F.broadcast(pairs), "site_id")
            .groupBy("cell_id", "week_start").agg(F.sum("exceed_hours").alias("exceed_hours")))


def truck_dwell_weekly(truck: DataFrame, slow_kmh: float = TRUCK_SLOW_KMH,
                       max_gap_min: float = TRUCK_MAX_GAP_MIN) -> DataFrame:
    """silver/truck_gps -> cell_id, week_start, dwell_min: time between consecutive slow pings in one cell."""
    pings = truck.where(F.col("cell_id").isNotNull() & F.col("event_time").isNotNull())
    w = Window.partitionBy("plate_token", F.to_date("event_time")).orderBy("event_time")
    nxt = pings.withColumn("next_time", F.lead("event_time").over(w)).withColumn("next_cell", F.lead("cell_id").over(w))
    gap = (F.col("next_time").cast("long") - F.col("event_time").cast("long")) / 60.0
    dwell = F.when((F.col("speed") < slow_kmh) & (F.col("next_cell") == F.col("cell_id")),
                   F.least(gap, F.lit(max_gap_min)))
    return (nxt.withColumn("dwell", dwell).where(F.col("dwell") > 0)
            .groupBy("cell_id", week_start_of(F.col("event_time")).alias("week_start"))
            .agg(F.sum("dwell").alias("dwell_min")))
