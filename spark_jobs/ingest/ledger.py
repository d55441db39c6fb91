"""The file ledger (bronze/ingest_ledger): one row per ingested file; a file in it is never ingested again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType, TimestampType

from gridwatch.settings import Settings
from spark_jobs.ingest.delta_io import with_retry
from spark_jobs.ingest.landing import LandedFile

log = logging.getLogger(__name__)

LEDGER_TABLE = "ingest_ledger"
LEDGER_SCHEMA = StructType([
    StructField("source", StringType(), False),
    StructField("source_file", StringType(), False),
    StructField("dt", DateType(), False),
    StructField("bytes", LongType(), False),
    StructField("sha256", StringType(), False),
    StructField("batch_id", StringType(), False),
    StructField("records", LongType(), False),  # counted from the file itself
    StructField("status", StringType(), False),
    StructField("ingested_at", TimestampType(), False),
    StructField("encoding", StringType(), True),
    StructField("bronze_rows", LongType(), False),
    StructField("quarantined", LongType(), False),  # records quarantined while landing
    StructField("extra_fields", StringType(), True),  # schema drift: fields beyond the contract
])
LEDGER_COLUMNS = [f.name for f in LEDGER_SCHEMA.fields]
COMMITTED = "committed"


@dataclass
class FileOutcome:
    """What ingesting one file produced, as recorded in the ledger."""

    file: LandedFile
    records: int
    encoding: str | None = None
    extra_fields: list[str] = field(default_factory=list)
    bronze_rows: int = 0
    quarantined: int = 0


def ledger_path(settings: Settings) -> str:
    return settings.table_path("bronze", LEDGER_TABLE)


def read_ledger(settings: Settings, source: str | None = None) -> pd.DataFrame:
    """Committed ledger rows (pandas, read with delta-rs so sensors need no Spark)."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        table = DeltaTable(ledger_path(settings))
    except TableNotFoundError:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    filters = [("source", "=", source)] if source else None
    df = table.to_pandas(filters=filters)
    df = df[df["status"] == COMMITTED].drop_duplicates(["source_file", "sha256"])
    return df.reset_index(drop=True)


def commit_files(spark: SparkSession, settings: Settings, outcomes: list[FileOutcome],
                 ingested_at: datetime) -> None:
    """Record files as ingested (MERGE on source_file + sha256: committing twice changes nothing)."""
    if not outcomes:
        return
    done = read_ledger(settings, outcomes[0].file.source)
    seen = set(zip(done["source_file"], done["sha256"], strict=False))
    rows = [(o.file.source, o.file.source_file, o.file.dt, o.file.bytes, o.file.sha256, o.file.batch_id,
             o.records, COMMITTED, ingested_at, o.encoding, o.bronze_rows, o.quarantined,
             ",".join(sorted(o.extra_fields)) or None) for o in outcomes
            if (o.file.source_file, o.file.sha256) not in seen]
    if not rows:
        return
    # A plain append (no MERGE): files already committed were filtered out above, and readers keep one
    # row per (source_file, sha256) should two concurrent runs ever commit the same file.
    writer = spark.createDataFrame(rows, LEDGER_SCHEMA).write.format("delta").mode("append").partitionBy("source")
    with_retry(lambda: writer.save(ledger_path(settings)), "commit ledger")
    log.info("ledger: committed %d files", len(rows))
