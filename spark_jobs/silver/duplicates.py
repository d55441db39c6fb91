"""Duplicates by key: an identical resend is merged (counted), the same key with other content is a conflict."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark_jobs.silver.store import narrow_to_keys

DUP_REASON = "_dup_reason"
DUP_OF = "_dup_of"


def record_hash(fields: list[str]) -> Column:
    """SHA-256 of a record's raw contract fields: equal exactly when the content is equal."""
    return F.sha2(F.to_json(F.struct(*[F.col(f) for f in fields])), 256)


def mark_duplicates(df: DataFrame, key: list[str], existing: DataFrame | None = None) -> DataFrame:
    """Add DUP_REASON (duplicate_record / duplicate_key_conflict / null) and DUP_OF (the kept record's file#line).

    The kept record of a key is the one already in silver, else the earliest ingested in this frame
    (then by file and line), so the choice is the same on every re-run. Only keys of this frame can have an
    earlier record in silver, so silver is first narrowed to them: a day's batch scans silver once instead
    of shuffling all of it.
    """
    w = Window.partitionBy(*key).orderBy("_ingested_at", "_source_file", "_line")
    first = df.withColumns({
        "__rank": F.row_number().over(w),
        "__first_hash": F.first("_record_hash").over(w),
        "__first_at": F.first(F.concat_ws("#", "_source_file", F.col("_line").cast("string"))).over(w),
    })
    if existing is not None:
        prior = existing.select(*key, F.col("record_hash").alias("__old_hash"),
                                F.concat_ws("#", "source_file", F.col("line").cast("string")).alias("__old_at"))
        prior = narrow_to_keys(prior, df, key, optional=True).dropDuplicates(key)
        first = first.join(prior, on=key, how="left")
    else:
        first = first.withColumns({"__old_hash": F.lit(None).cast("string"), "__old_at": F.lit(None).cast("string")})
    kept_hash = F.coalesce(F.col("__old_hash"), F.col("__first_hash"))
    is_kept = F.col("__old_hash").isNull() & (F.col("__rank") == 1)
    reason = (F.when(is_kept, F.lit(None).cast("string"))
              .when(F.col("_record_hash") == kept_hash, F.lit("duplicate_record"))
              .otherwise(F.lit("duplicate_key_conflict")))
    return first.withColumns({
        DUP_REASON: reason,
        DUP_OF: F.when(~is_kept, F.coalesce(F.col("__old_at"), F.col("__first_at"))),
    }).drop("__rank", "__first_hash", "__first_at", "__old_hash", "__old_at")
