"""Silver Delta writes: per-day replacement of source tables, and the silver share of the quarantine."""

from __future__ import annotations

import logging

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_jobs.delta_tables import is_delta
from spark_jobs.reasons import REASONS

log = logging.getLogger(__name__)

# Quarantine reasons raised while landing; the silver stage owns every other reason.
LANDING_REASONS = ("bad_encoding", "malformed_record", "schema_drift")
SILVER_REASONS = tuple(r for r in REASONS if r not in LANDING_REASONS)


# A key set of at most this many rows is sent to every task that scans a large table (a broadcast semi
# join) instead of shuffling the table: a day of truck GPS at scale 16 is ~100,000 keys, a few MB.
MAX_BROADCAST_KEYS = 500_000


def narrow_to_keys(big: DataFrame, keys: DataFrame, on: list[str], *, optional: bool = False) -> DataFrame:
    """Rows of `big` whose key (null-safe) is among `keys`' rows.

    When `keys` is small (a day's batch against a whole silver table) it is broadcast, so `big` is filtered
    as it is read rather than shuffled whole. optional: the narrowing only saves work for a join that
    follows and gives the same answer; with a large key set `big` is then returned whole, since a semi join
    would cost one more shuffle than that join.
    """
    # renamed, so the condition stays unambiguous when both frames come from the same table
    keys = keys.select(*[F.col(f"`{c}`").alias(f"__key{i}") for i, c in enumerate(on)]).distinct()
    small = keys.count() <= MAX_BROADCAST_KEYS
    if optional and not small:
        return big
    cond = F.expr(" AND ".join(f"`{c}` <=> __key{i}" for i, c in enumerate(on)))
    return big.join(F.broadcast(keys) if small else keys, cond, "left_semi")


def ensure_properties(spark: SparkSession, path: str, properties: dict[str, str]) -> None:
    """Set Delta table properties the table does not have yet (a no-op once set, so cheap to call every run).

    Takes effect for what is written next: a table created before a property was wanted gets it on its
    next write, with no rewrite of its files.
    """
    if not properties:
        return
    current = DeltaTable.forPath(spark, path).detail().select("properties").first()["properties"] or {}
    wanted = {k: v for k, v in properties.items() if current.get(k) != v}
    if wanted:
        pairs = ", ".join(f"'{k}' = '{v}'" for k, v in sorted(wanted.items()))
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({pairs})")
        log.info("%s: table properties %s", path, wanted)


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def read_other_days(spark: SparkSession, path: str, days: list[str]) -> DataFrame | None:
    """Rows of a silver table outside the given landing days; None when the table does not exist yet or has
    no such rows (a backfill of every day so far), so callers skip the joins against it.

    The emptiness test reads only the day column and stops at the first row found. Joining a whole batch
    against an empty remainder cost more: a backfill of two years of truck GPS counted its keys to plan that
    join and ran a 4.5 s job scanning the silver table's hashes for no rows.
    """
    if not is_delta(spark, path):
        return None
    df = spark.read.format("delta").load(path)
    other = df.where(~F.col("dt").isin(days)) if days else df
    return None if other.isEmpty() else other


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


def _merge_in_scope(spark: SparkSession, df: DataFrame, path: str, keys: list[str], *, scope: str | DataFrame | None,
                    target_filter: tuple[str, ...] = (), update_when: str | None = None,
                    update_cols: list[str] | None = None, label: str) -> None:
    """Upsert `df` on `keys` and delete target rows in `scope` whose key `df` no longer has, in one MERGE
    that rewrites only the files holding a row that really changes.

    Delta scans and rewrites every file of the target when a MERGE has a WHEN NOT MATCHED BY SOURCE clause
    (delta-io/delta#7362), and rewrites a file whenever one of its rows matches, changed or not. So the rows
    are diffed first: `df` rows that are new or differ (update_when, default any non-key column), plus the
    keys in scope that `df` no longer has, flagged `__gone`. Only those go into the MERGE; when there are
    none there is no commit at all. scope is a SQL predicate on the target, or a frame of keys (the target rows
    with one of those keys are in scope). target_filter (SQL predicates on target columns, written
    `t.<column>`) limits the rows `df` may match, e.g. one source's partition of the quarantine.
    """
    from spark_jobs.ingest.delta_io import with_retry

    cols = df.columns
    update_cols = update_cols or [c for c in cols if c not in keys]
    changed = update_when or " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in update_cols) or "false"
    target = spark.read.format("delta").load(path)
    on = " AND ".join([f"t.`{k}` <=> s.`{k}`" for k in keys] + list(target_filter))
    # Only target rows with a key of `df` can match: narrowed first, so the diff does not shuffle the table.
    diffed = (df.alias("s").join(narrow_to_keys(target, df, keys, optional=True).alias("t"), F.expr(on), "left")
              .where(F.col(f"t.`{keys[0]}`").isNull() | F.expr(changed))
              .select(*[F.col(f"s.`{c}`").alias(c) for c in cols]))
    source = diffed.withColumn("__gone", F.lit(False))
    if scope is not None:
        in_scope = target.where(scope) if isinstance(scope, str) else narrow_to_keys(target, scope, keys)
        existing = in_scope.select(*keys).alias("e")
        gone = existing.join(df.select(*keys).alias("n"),
                             F.expr(" AND ".join(f"e.`{k}` <=> n.`{k}`" for k in keys)), "left_anti")
        types = dict(df.dtypes)
        source = source.unionByName(gone.select(
            *[F.col(f"`{c}`") if c in keys else F.lit(None).cast(types[c]).alias(c) for c in cols],
            F.lit(True).alias("__gone")))
    source = source.persist()  # computed in full here, from the snapshot the diff was made against
    try:
        if not source.count():
            return

        def merge() -> None:
            (DeltaTable.forPath(spark, path).alias("t").merge(source.alias("s"), on)
             .whenMatchedDelete(condition="s.__gone")
             .whenMatchedUpdate(condition="NOT s.__gone", set={c: f"s.`{c}`" for c in update_cols})
             .whenNotMatchedInsert(condition="NOT s.__gone", values={c: f"s.`{c}`" for c in cols})
             .execute())

        with_retry(merge, label)
    finally:
        source.unpersist()


def merge_quarantine(spark: SparkSession, rows: DataFrame, path: str, source: str, days: list[str]) -> None:
    """Put a source's silver-stage quarantine rows for some days in place: new ones in, stale ones out.

    Rows are matched on (source, source_file, line); a re-run with the same outcome changes nothing,
    including quarantined_at, and writes no commit. Landing-stage reasons (bad encoding, ...) are never
    touched. The source is a literal in the ON condition, so only its partition is read.
    """
    from spark_jobs.ingest.delta_io import with_retry

    if not is_delta(spark, path):
        with_retry(lambda: rows.write.format("delta").mode("append").partitionBy("source").save(path),
                   f"create {path}")
        return
    mine = f"reason_code IN ({_sql_list(list(SILVER_REASONS))})"
    scope = f"source = '{source}' AND {mine}" + (f" AND dt IN ({_sql_list(days)})" if days else "")
    _merge_in_scope(spark, rows, path, ["source", "source_file", "line"], scope=scope,
                    target_filter=(f"t.source = '{source}'", f"t.{mine}"),
                    update_when="t.reason_code <> s.reason_code OR t.reason_text <> s.reason_text",
                    update_cols=["reason_code", "reason_text", "raw", "batch_id"], label=f"merge quarantine {source}")


def merge_by_key(spark: SparkSession, df: DataFrame, path: str, keys: list[str], *, delete_missing: bool = False,
                 delete_scope_days: list[str] | None = None, delete_scope_keys: DataFrame | None = None,
                 properties: dict[str, str] | None = None) -> None:
    """MERGE rows on stable keys: update matches, insert new; delete target rows the source no longer has.

    delete_missing: the source is the whole table. delete_scope_days: the source is complete for those days.
    delete_scope_keys: the source is complete for those keys (a frame of key columns).
    properties: Delta table properties the table must have before rows are merged (see ensure_properties).
    """
    from spark_jobs.ingest.delta_io import with_retry

    if not is_delta(spark, path):  # delta.* writer options become the new table's properties
        writer = df.write.format("delta").mode("overwrite").options(**(properties or {}))
        with_retry(lambda: writer.save(path), f"create {path}")
        return
    ensure_properties(spark, path, properties or {})
    scope = "true" if delete_missing else (f"dt IN ({_sql_list(delete_scope_days)})" if delete_scope_days
                                           else delete_scope_keys)
    _merge_in_scope(spark, df, path, keys, scope=scope, label=f"merge {path}")
