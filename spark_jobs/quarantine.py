"""The one quarantine table: every rejected record with its reason, nothing dropped silently."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType, TimestampType

QUARANTINE_SCHEMA = StructType([
    StructField("source", StringType(), False),
    StructField("batch_id", StringType(), True),
    StructField("source_file", StringType(), True),
    StructField("line", IntegerType(), True),
    StructField("raw", StringType(), True),
    StructField("reason_code", StringType(), False),
    StructField("reason_text", StringType(), False),
    StructField("quarantined_at", TimestampType(), False),
    StructField("dt", DateType(), True),
])
QUARANTINE_COLUMNS = [f.name for f in QUARANTINE_SCHEMA.fields]


def to_quarantine(rejected: DataFrame, source: str, reason_code: Column, reason_text: Column,
                  raw: Column | None = None) -> DataFrame:
    """Shape rejected bronze rows (with _batch_id, _source_file, _line, _dt) as quarantine rows."""
    as_json = F.to_json(F.struct(*[F.col(f"`{c}`") for c in rejected.columns if not c.startswith("_")]))
    # Parquet sources have no raw text per record: fall back to the record's fields as JSON.
    raw_col = raw if raw is not None else (F.coalesce(F.col("_raw"), as_json) if "_raw" in rejected.columns
                                           else as_json)
    return rejected.select(
        F.lit(source).alias("source"),
        F.col("_batch_id").alias("batch_id"),
        F.col("_source_file").alias("source_file"),
        F.col("_line").cast("int").alias("line"),
        raw_col.cast("string").alias("raw"),
        reason_code.alias("reason_code"),
        reason_text.alias("reason_text"),
        F.current_timestamp().alias("quarantined_at"),
        F.col("_dt").cast("date").alias("dt"),
    )


# A quarantined record is identified by where it came from and why: writing the same batch again adds nothing.
QUARANTINE_KEY = ["source", "batch_id", "source_file", "line", "reason_code"]


def quarantine_path(settings) -> str:
    """Location of silver/quarantine."""
    return settings.table_path("silver", "quarantine")


def write_quarantine(spark, settings, rows: DataFrame) -> None:
    """Append quarantine rows idempotently per batch (insert-only MERGE on QUARANTINE_KEY)."""
    from spark_jobs.ingest.delta_io import insert_new

    insert_new(spark, rows.select(*QUARANTINE_COLUMNS).dropDuplicates(QUARANTINE_KEY),
               quarantine_path(settings), QUARANTINE_KEY)
