"""gold/grid_week: sparse incident and report counts per cell x ISO week x problem type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_jobs.gold.weeks import iso_week_label, week_start_of

GRID_WEEK_COLUMNS = ["cell_id", "grid_code", "district_code", "week_start", "iso_week", "problem_type",
                     "incidents", "reports"]
_GROUP = ["cell_id", "week_start", "problem_type"]


def _in_weeks(df: DataFrame, weeks: Sequence[date] | None) -> DataFrame:
    return df if weeks is None else df.where(F.col("week_start").isin(list(weeks)))


def grid_week(incidents: DataFrame, reports: DataFrame | None = None,
              weeks: Sequence[date] | None = None) -> DataFrame:
    """Counts of silver incidents (and the reports behind them) per cell, week and type; only located rows."""
    inc = _in_weeks(incidents.where(F.col("cell_id").isNotNull()), weeks)
    counts = inc.groupBy(_GROUP).agg(
        F.count(F.lit(1)).alias("incidents"),
        F.first("grid_code", ignorenulls=True).alias("grid_code"),
        F.first("district_code", ignorenulls=True).alias("district_code"),
    )
    if reports is not None:
        rep = reports.where(F.col("cell_id").isNotNull())
        if weeks is not None:  # silver dt is the landing day, so the event time decides
            rep = rep.where(F.col("event_time") >= F.lit(min(weeks)).cast("timestamp"))
        ws = F.col("week_start") if "week_start" in rep.columns else week_start_of(F.col("event_time"))
        rep = _in_weeks(rep.withColumn("week_start", ws), weeks)
        rcounts = rep.groupBy(_GROUP).agg(
            F.count(F.lit(1)).alias("reports"),
            F.first("grid_code", ignorenulls=True).alias("r_grid_code"),
            F.first("district_code", ignorenulls=True).alias("r_district_code"),
        )
        counts = counts.join(rcounts, _GROUP, "full_outer").select(
            *_GROUP,
            F.coalesce("incidents", F.lit(0)).alias("incidents"),
            F.coalesce("reports", F.lit(0)).alias("reports"),
            F.coalesce("grid_code", "r_grid_code").alias("grid_code"),
            F.coalesce("district_code", "r_district_code").alias("district_code"),
        )
    else:
        counts = counts.withColumn("reports", F.col("incidents"))
    return counts.select(
        F.col("cell_id").cast("long"), "grid_code", "district_code", F.col("week_start").cast("date"),
        iso_week_label(F.col("week_start")).alias("iso_week"), "problem_type",
        F.col("incidents").cast("int"), F.col("reports").cast("int"),
    )
