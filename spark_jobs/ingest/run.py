"""Landing -> bronze, exactly once per landed file: read, write bronze and quarantine, then commit the ledger."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.settings import Settings
from spark_jobs.ingest.contracts import META_COLUMNS, contract
from spark_jobs.ingest.delta_io import replace_batches
from spark_jobs.ingest.landing import LandedFile, describe, landed_paths, relative_name
from spark_jobs.ingest.ledger import FileOutcome, commit_files, read_ledger
from spark_jobs.ingest.readers import read_files
from spark_jobs.pii import scrub_text
from spark_jobs.quarantine import QUARANTINE_COLUMNS, write_quarantine
from spark_jobs.reasons import REASONS

log = logging.getLogger(__name__)
# One bronze commit + ledger commit per chunk of files. Each chunk costs a few Spark jobs and three
# Delta commits whatever its size (police110 over two years, 728 files: 48 s in chunks of 200 against
# 31 s in one chunk), so chunks are as large as the driver's memory comfortably allows.
CHUNK_BYTES = 512 << 20
CHUNK_FILES = 2000


@dataclass
class IngestResult:
    """What one ingestion of a source did: files, landed records, bronze rows, quarantined records, batches."""

    source: str
    files: int = 0
    records: int = 0
    rows: int = 0
    quarantined: int = 0
    batch_ids: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    extra_fields: dict[str, list[str]] = field(default_factory=dict)  # source_file -> fields beyond the contract
    skipped_files: int = 0  # already in the ledger

    def metadata(self) -> dict:
        """Plain figures for Dagster metadata and logs (the landing days as a count and a range: a run over
        two years of days would otherwise log 730 dates on one console line)."""
        days = sorted(set(self.dates))
        return {"files": self.files, "records": self.records, "rows": self.rows, "quarantined": self.quarantined,
                "batches": len(self.batch_ids), "skipped_files": self.skipped_files,
                "quarantined_by_reason": dict(self.quarantined_by_reason),
                "days": len(days), "first_day": days[0].isoformat() if days else None,
                "last_day": days[-1].isoformat() if days else None,
                "schema_drift_files": dict(self.extra_fields)}


def bronze_path(settings: Settings, source: str) -> str:
    return settings.table_path("bronze", source)


def pending_files(settings: Settings, source: str, dates: list[date] | None = None, *,
                  rehash: bool = False) -> list[LandedFile]:
    """Landed files not yet in the ledger. Files whose path and size are committed are not re-hashed unless rehash."""
    ledger = read_ledger(settings, source)
    committed = set(zip(ledger["source_file"], ledger["sha256"], strict=False))
    sizes = {(p, int(b)) for p, b in zip(ledger["source_file"], ledger["bytes"], strict=False)}
    out = []
    for path, day in landed_paths(settings, source, dates):
        if not rehash and (relative_name(settings, path), path.stat().st_size) in sizes:
            continue
        f = describe(settings, source, path, day)
        if (f.source_file, f.sha256) not in committed:
            out.append(f)
    return out


def _chunks(files: list[LandedFile]) -> list[list[LandedFile]]:
    chunks: list[list[LandedFile]] = [[]]
    size = 0
    for f in files:
        if chunks[-1] and (size + f.bytes > CHUNK_BYTES or len(chunks[-1]) >= CHUNK_FILES):
            chunks.append([])
            size = 0
        chunks[-1].append(f)
        size += f.bytes
    return [c for c in chunks if c]


def _quarantine_rows(rejected: DataFrame, source: str, ingested_at: datetime) -> DataFrame:
    text = F.create_map(*[F.lit(x) for kv in REASONS.items() for x in kv])[F.col("_reason")]
    text = F.when(F.col("_detail").isNotNull(), F.concat_ws(": ", text, F.col("_detail"))).otherwise(text)
    return rejected.select(
        F.lit(source).alias("source"), F.col("_batch_id").alias("batch_id"),
        F.col("_source_file").alias("source_file"), F.col("_line").alias("line"), scrub_text(F.col("_raw")).alias("raw"),
        F.col("_reason").alias("reason_code"), text.alias("reason_text"),
        F.lit(ingested_at).cast("timestamp").alias("quarantined_at"), F.col("_dt").alias("dt"),
    ).select(*QUARANTINE_COLUMNS)


def _ingest_chunk(spark: SparkSession, settings: Settings, source: str, files: list[LandedFile],
                  result: IngestResult) -> None:
    spec = contract(source)
    ingested_at = datetime.now(UTC)
    parsed, info = read_files(spark, spec, files)
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        figures = (parsed.groupBy("_batch_id", "_reason")
                   .agg(F.count(F.lit(1)).alias("n"),
                        F.array_sort(F.array_distinct(F.flatten(F.collect_list(F.coalesce(
                            "_extra", F.array().cast("array<string>")))))).alias("fields"))
                   .collect())
        counts = {(r["_batch_id"], r["_reason"]): r["n"] for r in figures}
        extras = {r["_batch_id"]: r["fields"] for r in figures if r["_reason"] is None and r["fields"]}
        batch_ids = [f.batch_id for f in files]
        days = sorted({f.dt.isoformat() for f in files})
        good = parsed.where(F.col("_reason").isNull()).withColumn("_ingested_at", F.lit(ingested_at).cast("timestamp"))
        replace_batches(spark, good.select(*spec.fields, *META_COLUMNS), bronze_path(settings, source),
                        "_batch_id", batch_ids, "_dt", days)
        if any(reason is not None for _, reason in counts):
            write_quarantine(spark, settings, _quarantine_rows(parsed.where(F.col("_reason").isNotNull()), source,
                                                               ingested_at))
    finally:
        parsed.unpersist()
    outcomes = []
    for f in files:
        fi = info[f.batch_id]
        extra = sorted(set(fi.extra_fields) | set(extras.get(f.batch_id) or []))
        bronze = counts.get((f.batch_id, None), 0)
        rejected = sum(n for (b, r), n in counts.items() if b == f.batch_id and r is not None)
        if bronze + rejected != fi.records:
            log.error("%s: %d records landed but %d bronze + %d quarantined", f.source_file, fi.records,
                      bronze, rejected)
        outcomes.append(FileOutcome(f, fi.records, fi.encoding, extra, bronze, rejected))
        result.records += fi.records
        result.rows += bronze
        result.quarantined += rejected
        result.batch_ids.append(f.batch_id)
        result.dates.append(f.dt)
        if extra:
            result.extra_fields[f.source_file] = extra
    for (_, reason), n in counts.items():
        if reason is not None:
            result.quarantined_by_reason[reason] = result.quarantined_by_reason.get(reason, 0) + n
    commit_files(spark, settings, outcomes, ingested_at)
    result.files += len(files)


def ingest_source(spark: SparkSession, settings: Settings, source: str,
                  dates: list[date] | None = None) -> IngestResult:
    """Ingest every landed file of a source (optionally only some days) that the ledger has not seen."""
    contract(source)
    candidates = len(landed_paths(settings, source, dates))
    files = pending_files(settings, source, dates)
    result = IngestResult(source, skipped_files=candidates - len(files))
    for chunk in _chunks(files):
        _ingest_chunk(spark, settings, source, chunk, result)
    log.info("bronze/%s: %d files, %d records -> %d rows, %d quarantined, %d already ingested", source,
             result.files, result.records, result.rows, result.quarantined, result.skipped_files)
    return result
