"""Delta writes of gold tables by week: a full overwrite, or replaceWhere on just the rebuilt weeks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyspark.sql import DataFrame, SparkSession

from spark_jobs.delta_tables import delta_version, is_delta


def write_by_week(spark: SparkSession, df: DataFrame, path: str, weeks: Sequence[date] | None = None) -> int:
    """Write a week-partitioned table: everything (weeks None) or only the given weeks; returns the Delta version."""
    writer = df.write.format("delta").partitionBy("week_start")
    if weeks is None or not is_delta(spark, path):
        writer.mode("overwrite").option("overwriteSchema", "true").save(path)
    else:
        listed = ", ".join(f"DATE'{w.isoformat()}'" for w in sorted(set(weeks)))
        (writer.mode("overwrite").option("replaceWhere", f"week_start IN ({listed})")
         .option("mergeSchema", "true").save(path))
    return delta_version(spark, path)
