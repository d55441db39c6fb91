"""Reconciliation per source and batch: landed = bronze + quarantined at landing; bronze = silver + quarantined + merged."""

from __future__ import annotations

import json
import logging

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.settings import Settings
from spark_jobs.delta_tables import is_delta
from spark_jobs.ingest.contracts import SOURCES
from spark_jobs.ingest.ledger import ledger_path
from spark_jobs.quarantine import quarantine_path

log = logging.getLogger(__name__)

# The silver table that keeps one row per accepted bronze record of each source.
SILVER_TABLES = {"hotline": "hotline", "police110": "police110", "video": "video", "dust": "dust",
                 "truck_gps": "truck_gps", "cases": "cases_history"}
DUPLICATE_REASON = "duplicate_record"
DUPLICATE_COLUMN = "duplicate_of"
RECONCILE_COLUMNS = ["source", "batch_id", "source_file", "dt", "landed", "bronze", "quarantined_at_landing",
                     "silver", "quarantined", "merged", "quarantined_by_reason", "unexplained_landing",
                     "unexplained_silver", "unexplained", "status"]
OK, PENDING, UNEXPLAINED = "ok", "pending_silver", "unexplained"


def silver_table(source: str) -> str:
    """Name of the silver table a source's accepted records land in (the silver cleaning's spec wins)."""
    try:
        from spark_jobs.silver.sources import SPECS

        return SPECS[source].table
    except (ImportError, KeyError, AttributeError):
        return SILVER_TABLES[source]


def _read(spark: SparkSession, path: str) -> DataFrame | None:
    return spark.read.format("delta").load(path) if is_delta(spark, path) else None


def _counts(df: DataFrame, batch_col: str, name: str) -> pd.DataFrame:
    out = df.groupBy(F.col(batch_col).alias("batch_id")).agg(F.count(F.lit(1)).alias(name)).toPandas()
    return out if len(out) else pd.DataFrame({"batch_id": pd.Series(dtype=str), name: pd.Series(dtype="int64")})


def _source_figures(spark: SparkSession, settings: Settings, source: str, ledger: DataFrame,
                    quarantine: DataFrame | None) -> pd.DataFrame:
    base = ledger.where(F.col("source") == source).select(
        "batch_id", "source_file", F.col("dt").cast("string").alias("dt"),
        F.col("records").alias("landed")).toPandas()
    if base.empty:
        return pd.DataFrame(columns=RECONCILE_COLUMNS)
    bronze = _read(spark, settings.table_path("bronze", source))
    silver = _read(spark, settings.table_path("silver", silver_table(source)))
    frames = [_counts(bronze, "_batch_id", "bronze")] if bronze is not None else []
    by_reason = pd.DataFrame(columns=["batch_id", "stage", "reason_code", "n"])
    if quarantine is not None:
        q = quarantine.where(F.col("source") == source)
        if bronze is not None:
            lines = bronze.select(F.col("_batch_id").alias("batch_id"), F.col("_source_file").alias("source_file"),
                                  F.col("_line").alias("line")).distinct()
            keys = ["batch_id", "source_file", "line"]
            # A quarantined record that also has a bronze row was rejected by the silver cleaning.
            staged = (q.join(lines.withColumn("_in_bronze", F.lit(True)), keys, "left")
                      .select("batch_id", "reason_code", F.col("_in_bronze").isNotNull().alias("silver_stage")))
        else:
            staged = q.select("batch_id", "reason_code", F.lit(False).alias("silver_stage"))
        by_reason = (staged.groupBy("batch_id", "silver_stage", "reason_code").agg(F.count(F.lit(1)).alias("n"))
                     .toPandas().rename(columns={"silver_stage": "stage"}))
    if silver is not None:
        batch_col = "batch_id" if "batch_id" in silver.columns else "_batch_id"
        if DUPLICATE_COLUMN in silver.columns:
            kept = silver.where(F.col(DUPLICATE_COLUMN).isNull())
            frames.append(_counts(silver.where(F.col(DUPLICATE_COLUMN).isNotNull()), batch_col, "merged_in_silver"))
        else:
            kept = silver
        frames.append(_counts(kept, batch_col, "silver"))
    out = base
    for f in frames:
        out = out.merge(f, on="batch_id", how="left")
    for col in ("bronze", "silver", "merged_in_silver"):
        out[col] = out[col].fillna(0).astype("int64") if col in out else 0
    landing_q = by_reason[~by_reason["stage"].astype(bool)].groupby("batch_id")["n"].sum()
    silver_q = by_reason[by_reason["stage"].astype(bool)]
    dup = silver_q[silver_q["reason_code"] == DUPLICATE_REASON].groupby("batch_id")["n"].sum()
    rest = silver_q[silver_q["reason_code"] != DUPLICATE_REASON]
    # Every quarantine row of the batch by reason: at landing, in silver, and duplicates merged away.
    all_reasons = by_reason.groupby(["batch_id", "reason_code"])["n"].sum().reset_index()
    reasons = {b: {r: int(n) for r, n in zip(g["reason_code"], g["n"], strict=False)} for b, g in all_reasons.groupby("batch_id")}
    out["quarantined_at_landing"] = out["batch_id"].map(landing_q).fillna(0).astype("int64")
    out["quarantined"] = out["batch_id"].map(rest.groupby("batch_id")["n"].sum()).fillna(0).astype("int64")
    out["merged"] = out["merged_in_silver"] + out["batch_id"].map(dup).fillna(0).astype("int64")
    out["quarantined_by_reason"] = out["batch_id"].map(lambda b: json.dumps(reasons.get(b, {}), sort_keys=True))
    out["source"] = source
    return out


def _status(df: pd.DataFrame) -> pd.DataFrame:
    df["unexplained_landing"] = df["landed"] - df["bronze"] - df["quarantined_at_landing"]
    df["unexplained_silver"] = df["bronze"] - df["silver"] - df["quarantined"] - df["merged"]
    processed = (df["silver"] + df["quarantined"] + df["merged"] > 0) | (df["bronze"] == 0)
    df["unexplained"] = df["unexplained_landing"] + df["unexplained_silver"].where(processed, 0)
    bad = (df["unexplained_landing"] != 0) | (processed & (df["unexplained_silver"] != 0))
    df["status"] = OK
    df.loc[~processed, "status"] = PENDING
    df.loc[bad, "status"] = UNEXPLAINED
    return df


def reconcile(spark: SparkSession, settings: Settings, source: str | None = None) -> pd.DataFrame:
    """Per source and batch: landed, bronze, silver, quarantined (by reason), merged, unexplained and a status."""
    ledger = _read(spark, ledger_path(settings))
    if ledger is None:
        return pd.DataFrame(columns=RECONCILE_COLUMNS)
    ledger = ledger.where(F.col("status") == "committed").dropDuplicates(["source_file", "sha256"])
    quarantine = _read(spark, quarantine_path(settings))
    sources = [source] if source else list(SOURCES)
    parts = [_source_figures(spark, settings, s, ledger, quarantine) for s in sources]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=RECONCILE_COLUMNS)
    df = _status(pd.concat(parts, ignore_index=True))
    int_cols = [c for c in RECONCILE_COLUMNS if c not in ("source", "batch_id", "source_file", "dt",
                                                           "quarantined_by_reason", "status")]
    df[int_cols] = df[int_cols].astype("int64")
    bad = df[df["status"] == UNEXPLAINED]
    if len(bad):
        log.error("reconciliation: %d batches with unexplained rows", len(bad))
    return df[RECONCILE_COLUMNS].sort_values(["source", "dt", "source_file"]).reset_index(drop=True)
