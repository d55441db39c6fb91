"""Case history (数字城管案卷): every version as SCD2, the latest state per case, and the state at any time."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

LIFECYCLE = ("reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at")
SCD2_COLUMNS = ("valid_from", "valid_to", "is_current")


def _changed_at() -> Column:
    """When a version's status changed: its latest lifecycle timestamp."""
    return F.greatest(*[F.col(c) for c in LIFECYCLE])


def case_history(versions: DataFrame) -> DataFrame:
    """SCD2 over every accepted version of every case, ordered by version number (not by arrival).

    valid_from is the version's change time, never earlier than a previous version's; valid_to is the next
    version's valid_from (null for the current version).
    """
    by_version = Window.partitionBy("case_no").orderBy("version")
    running = by_version.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    df = versions.drop(*[c for c in SCD2_COLUMNS if c in versions.columns])
    df = df.withColumn("valid_from", F.max(F.coalesce(_changed_at(), F.col("event_time"))).over(running))
    return df.withColumns({
        "valid_to": F.lead("valid_from").over(by_version),
        "is_current": F.lead("version").over(by_version).isNull(),
    })


def latest_cases(history: DataFrame) -> DataFrame:
    """Latest state per case, with lifecycle times carried from earlier versions and rework counted."""
    all_versions = Window.partitionBy("case_no").orderBy("version").rowsBetween(
        Window.unboundedPreceding, Window.unboundedFollowing)
    carried = {c: F.last(F.col(c), ignorenulls=True).over(all_versions) for c in LIFECYCLE}
    carried.update({
        "first_handled_at": F.min("handled_at").over(all_versions),
        "versions": F.count("*").over(all_versions).cast("int"),
        "rework_count": F.greatest(F.max("rework_count").over(all_versions), F.lit(0)).cast("int"),
    })
    out = history.withColumns(carried).where(F.col("is_current"))
    return out.withColumn("reworked", F.col("rework_count") > 0).drop("valid_to", "is_current") \
              .withColumnRenamed("valid_from", "updated_at")


def cases_as_of(history_df: DataFrame, when: datetime | str | Column) -> DataFrame:
    """Each case's version in force at a past moment (cases not yet reported then are absent)."""
    t = when if isinstance(when, Column) else F.lit(when).cast("timestamp")
    live = (F.col("valid_from") <= t) & (F.col("valid_to").isNull() | (F.col("valid_to") > t))
    return history_df.where(live)
