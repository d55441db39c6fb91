"""Case-system signals per cell and target week, as the case system knew them at the week's start."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from spark_jobs.gold.spec import CASE_REWORK_WEEKS

_STEP_TIMES = ("reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at")


def with_validity(history: DataFrame) -> DataFrame:
    """valid_from/valid_to of each case version: the SCD2 columns if present, else from the version's times."""
    if {"valid_from", "valid_to"} <= set(history.columns):
        return history
    seen = F.greatest(*[F.col(c) for c in _STEP_TIMES if c in history.columns])
    w = Window.partitionBy("case_no").orderBy("version")
    return history.withColumn("valid_from", seen).withColumn("valid_to", F.lead(seen).over(w))


class CaseSignals(NamedTuple):
    """per_type: cell_id, problem_type, week_start, case_open_at_start, case_rework_<n>w;
    per_cell: cell_id, week_start, case_open_all_at_start."""

    per_type: DataFrame
    per_cell: DataFrame


def case_signals(spark: SparkSession, history: DataFrame, targets: Sequence[date]) -> CaseSignals:
    """Open cases and rework per cell at the start of each target week, by type and over all types.

    A case counts for week W through the version valid at W's Monday 00:00: open if reported before
    then and not closed by then; its rework count counts if it was reported in the CASE_REWORK_WEEKS
    weeks before W.
    """
    weeks = spark.createDataFrame([(w,) for w in targets], "week_start date").withColumn(
        "ws_ts", F.to_timestamp(F.col("week_start")))
    lo, hi = F.to_timestamp(F.lit(min(targets))), F.to_timestamp(F.lit(max(targets)))
    h = (with_validity(history)
         .where(F.col("cell_id").isNotNull() & F.col("reported_at").isNotNull() & (F.col("valid_from") <= hi)
                & (F.col("valid_to").isNull() | (F.col("valid_to") > lo))))
    known = h.join(F.broadcast(weeks),
                   (F.col("valid_from") <= F.col("ws_ts"))
                   & (F.col("valid_to").isNull() | (F.col("valid_to") > F.col("ws_ts")))
                   & (F.col("reported_at") < F.col("ws_ts")))
    is_open = F.col("closed_at").isNull() | (F.col("closed_at") >= F.col("ws_ts"))
    recent = F.col("reported_at") >= F.col("ws_ts") - F.expr(f"INTERVAL {7 * CASE_REWORK_WEEKS} DAYS")
    per_type = known.groupBy("cell_id", "problem_type", "week_start").agg(
        F.sum(F.when(is_open, 1).otherwise(0)).cast("double").alias("case_open_at_start"),
        F.sum(F.when(recent, F.coalesce("rework_count", F.lit(0))).otherwise(0)).cast("double")
        .alias(f"case_rework_{CASE_REWORK_WEEKS}w"))
    all_open = known.where(is_open).groupBy("cell_id", "week_start").agg(
        F.count(F.lit(1)).cast("double").alias("case_open_all_at_start"))
    return CaseSignals(per_type, all_open)
