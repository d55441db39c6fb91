"""Silver Delta writes: per-day replacement of source tables, and the silver share of the quarantine."""

from __future__ import annotations

import logging

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_jobs.reasons import REASONS

log = logging.getLogger(__name__)

# Quarantine reasons raised while landing; the silver stage owns every other reason.
LANDING_REASONS = ("bad_encoding", "malformed_record", "schema_drift")
SILVER_REASONS = tuple(r for r in REASONS if r not in LANDING_REASONS)


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def is_delta(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def read_other_days(spark: SparkSession, path: str, days: list[str]) -> DataFrame | None:
    """Rows of a silver table outside the given landing days (None when the table does not exist yet)."""
    if not is_delta(spark, path):
        return None
    df = spark.read.format("delta").load(path)
    return df.where(~F.col("dt").isin(days)) if days else df


def replace_days(spark: SparkSession, df: DataFrame, path: str, days: list[str], day_col: str = "dt") -> None:
    """Write a silver table's rows for some landing days, replacing what those days held (idempotent).

    Unpartitioned, like bronze (spark_jobs.ingest.delta_io.replace_batches says why): the day condition
    prunes files by their statistics.
    """
    from spark_jobs.ingest.delta_io import with_retry

    if not is_delta(spark, path):
        with_retry(lambda: df.write.format("delta").mode("overwrite").save(path), f"create {path}")
        return
    if not days:
        return
    cond = f"{day_col} IN ({_sql_list(days)})"
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", cond)
    with_retry(lambda: writer.save(path), f"replace {path} {days[0]}..{days[-1]}")


def merge_quarantine(spark: SparkSession, rows: DataFrame, path: str, source: str, days: list[str]) -> None:
    """Put a source's silver-stage quarantine rows for some days in place: new ones in, stale ones out.

    Rows are matched on (source, source_file, line); a re-run with the same outcome changes nothing,
    including quarantined_at. Landing-stage reasons (bad encoding, ...) are never touched.
    """
    from spark_jobs.ingest.delta_io import with_retry

    if not is_delta(spark, path):
        with_retry(lambda: rows.write.format("delta").mode("append").partitionBy("source").save(path),
                   f"create {path}")
        return
    mine = f"t.reason_code IN ({_sql_list(list(SILVER_REASONS))})"
    on = ("t.source = s.source AND t.source_file = s.source_file AND t.line = s.line AND " + mine)
    stale = f"t.source = '{source}' AND {mine}" + (f" AND t.dt IN ({_sql_list(days)})" if days else "")

    def merge() -> None:
        (DeltaTable.forPath(spark, path).alias("t").merge(rows.alias("s"), on)
         .whenMatchedUpdate(condition="t.reason_code <> s.reason_code OR t.reason_text <> s.reason_text",
                            set={"reason_code": "s.reason_code", "reason_text": "s.reason_text",
                                 "raw": "s.raw", "batch_id": "s.batch_id"})
         .whenNotMatchedInsertAll()
         .whenNotMatchedBySourceDelete(condition=stale)
         .execute())

    with_retry(merge, f"merge quarantine {source}")


def merge_by_key(spark: SparkSession, df: DataFrame, path: str, keys: list[str], *, delete_missing: bool = False,
                 delete_scope_days: list[str] | None = None) -> None:
    """MERGE rows on stable keys: update matches, insert new; delete target rows the source no longer has.

    delete_missing: the source is the whole table. delete_scope_days: the source is complete for those days.
    """
    from spark_jobs.ingest.delta_io import with_retry

    if not is_delta(spark, path):
        writer = df.write.format("delta").mode("overwrite")
        with_retry(lambda: writer.save(path), f"create {path}")
        return
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in df.columns if c not in keys)

    def merge() -> None:
        m = (DeltaTable.forPath(spark, path).alias("t").merge(df.alias("s"), on)
             .whenMatchedUpdateAll(condition=changed or None).whenNotMatchedInsertAll())
        if delete_missing:
            m = m.whenNotMatchedBySourceDelete()
        elif delete_scope_days:
            m = m.whenNotMatchedBySourceDelete(condition=f"t.dt IN ({_sql_list(delete_scope_days)})")
        m.execute()

    with_retry(merge, f"merge {path}")
