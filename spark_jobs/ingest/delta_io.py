"""Small Delta helpers for ingestion: existence, retry on concurrent commits, idempotent writes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from spark_jobs.delta_tables import is_delta

log = logging.getLogger(__name__)
T = TypeVar("T")
_CONFLICTS = ("Concurrent", "ProtocolChanged", "MetadataChanged")


def with_retry(action: Callable[[], T], what: str, attempts: int = 5) -> T:
    """Run a Delta commit, retrying when another writer committed first (optimistic concurrency)."""
    for i in range(1, attempts + 1):
        try:
            return action()
        except Exception as exc:  # Delta raises JVM exceptions wrapped by py4j/pyspark
            if i == attempts or not any(c in type(exc).__name__ + str(exc)[:500] for c in _CONFLICTS):
                raise
            log.warning("%s: concurrent commit, retry %d/%d", what, i, attempts)
            time.sleep(0.5 * i)
    raise AssertionError("unreachable")


def sql_list(values: list[str]) -> str:
    """A SQL IN-list of string literals."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def replace_batches(spark: SparkSession, df: DataFrame, path: str, batch_col: str, batch_ids: list[str],
                    day_col: str | None = None, days: list[str] | None = None) -> None:
    """Write rows of some batches, replacing whatever an unfinished earlier attempt left for them (one commit).

    The table is not partitioned: a partition per landing day costs a file per day and source on every
    write (measured: 11,000 rows over 728 days, 31 s partitioned by day against 1 s unpartitioned). The
    day condition lets Delta skip files by their min/max statistics instead.
    """
    if not batch_ids:
        return
    if not is_delta(spark, path):
        with_retry(lambda: df.write.format("delta").mode("append").save(path), f"create {path}")
        return
    cond = f"{batch_col} IN ({sql_list(batch_ids)})"
    if day_col and days:
        cond = f"{day_col} IN ({sql_list(days)}) AND {cond}"
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", cond)
    with_retry(lambda: writer.save(path), f"write {path}")


def insert_new(spark: SparkSession, df: DataFrame, path: str, keys: list[str]) -> None:
    """Insert rows whose key is not yet in the table (MERGE, insert-only): re-running adds nothing."""
    if not is_delta(spark, path):
        writer = df.write.format("delta").mode("append")
        with_retry(lambda: writer.save(path), f"create {path}")
        return
    cond = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)

    def merge() -> None:
        (DeltaTable.forPath(spark, path).alias("t").merge(df.alias("s"), cond)
         .whenNotMatchedInsertAll().execute())

    with_retry(merge, f"merge into {path}")
