"""The file ledger (bronze/ingest_ledger): one row per ingested file; a file in it is never ingested again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType, TimestampType

from gridwatch.settings import Settings
from spark_jobs.ingest.delta_io import insert_new
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
    return df[df["status"] == COMMITTED].reset_index(drop=True)


def commit_files(spark: SparkSession, settings: Settings, outcomes: list[FileOutcome],
                 ingested_at: datetime) -> None:
    """Record files as ingested (MERGE on source_file + sha256: committing twice changes nothing)."""
    if not outcomes:
        return
    rows = [(o.file.source, o.file.source_file, o.file.dt, o.file.bytes, o.file.sha256, o.file.batch_id,
             o.records, COMMITTED, ingested_at, o.encoding, o.bronze_rows, o.quarantined,
             ",".join(sorted(o.extra_fields)) or None) for o in outcomes]
    df = spark.createDataFrame(rows, LEDGER_SCHEMA)
    insert_new(spark, df, ledger_path(settings), ["source", "source_file", "sha256"], partition_col="source")
    log.info("ledger: committed %d files", len(outcomes))
