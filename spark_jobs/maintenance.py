"""Table care for the large Delta tables: compaction, Z-ordering by cell and time, safe VACUUM."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pyspark.sql import SparkSession

from spark_jobs.delta_tables import is_delta

log = logging.getLogger(__name__)

# Delta's own default for delta.deletedFileRetentionDuration; VACUUM never goes below it here,
# so readers that still hold an older snapshot (and time travel within a week) keep working.
MIN_RETENTION_HOURS = 7 * 24
DEFAULT_RETENTION_HOURS = MIN_RETENTION_HOURS

# OPTIMIZE writes files up to this size (Delta's default is 1 GiB). Z-ordering pays only when a table has
# several files whose cell and time ranges differ: at 1 GiB the scale-4 benchmark's silver/truck_gps became
# one 1.19 GB file and a read of a few cells still scanned all of it. 128 MiB is one Parquet row group's
# worth, large enough that listing and opening files stays cheap.
OPTIMIZE_MAX_FILE_BYTES = 128 * 1024 * 1024

# Clustering keys in order of preference: the unit-grid cell first, then the time column.
CELL_COLUMNS = ("cell_id", "grid_code")
TIME_COLUMNS = ("event_time", "week_start", "ts", "detected_at", "reported_at", "valid_from")


@dataclass(frozen=True)
class CaredTable:
    """A Delta table that gets weekly care; Z-order keys are picked from its actual columns."""

    layer: str
    name: str
    zorder: bool = True

    @property
    def label(self) -> str:
        return f"{self.layer}_{self.name}"

    @property
    def asset(self) -> str:
        """The Dagster asset that writes the table (cases_history is written with silver/cases)."""
        return "silver_cases" if self.label == "silver_cases_history" else self.label


# The tables that grow with the city's data: sensor feeds, reports, incidents and the gold panel.
CARED_TABLES: tuple[CaredTable, ...] = (
    CaredTable("bronze", "truck_gps", zorder=False),
    CaredTable("bronze", "video", zorder=False),
    CaredTable("bronze", "hotline", zorder=False),
    CaredTable("bronze", "police110", zorder=False),
    CaredTable("bronze", "cases", zorder=False),
    CaredTable("silver", "truck_gps"),
    CaredTable("silver", "video"),
    CaredTable("silver", "dust"),
    CaredTable("silver", "reports"),
    CaredTable("silver", "incidents"),
    CaredTable("silver", "cases_history"),
    CaredTable("gold", "grid_week"),
    CaredTable("gold", "features"),
)


def table_detail(spark: SparkSession, path: str) -> dict:
    """numFiles, sizeInBytes, partitionColumns and clusteringColumns of a Delta table."""
    row = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0].asDict()
    return {
        "num_files": int(row.get("numFiles") or 0),
        "size_bytes": int(row.get("sizeInBytes") or 0),
        "partition_columns": list(row.get("partitionColumns") or []),
        "clustering_columns": list(row.get("clusteringColumns") or []),
        "properties": dict(row.get("properties") or {}),
    }


def zorder_columns(columns: list[str], partition_columns: list[str]) -> list[str]:
    """The cell column and the time column a table has, never a partition column (Delta forbids it)."""
    chosen = []
    for group in (CELL_COLUMNS, TIME_COLUMNS):
        for c in group:
            if c in columns and c not in partition_columns:
                chosen.append(c)
                break
    return chosen


@contextmanager
def session_conf(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """Set a Spark SQL setting for the duration of a block, then put back what was there."""
    previous = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)


def optimize_table(spark: SparkSession, path: str, zorder_by: list[str] | None = None,
                   where: str | None = None, max_file_bytes: int = OPTIMIZE_MAX_FILE_BYTES) -> dict:
    """Compact small files (bin-packing) or Z-order by the given columns into files of at most
    max_file_bytes; returns Delta's metrics."""
    from delta.tables import DeltaTable

    before = table_detail(spark, path)
    if before["clustering_columns"]:
        zorder_by = None  # liquid-clustered tables cluster themselves on OPTIMIZE
    builder = DeltaTable.forPath(spark, path).optimize()
    if where:
        builder = builder.where(where)
    t0 = time.perf_counter()
    with session_conf(spark, "spark.databricks.delta.optimize.maxFileSize", str(int(max_file_bytes))):
        result = builder.executeZOrderBy(*zorder_by) if zorder_by else builder.executeCompaction()
    seconds = time.perf_counter() - t0
    metrics = result.select("metrics.*").collect()[0].asDict(recursive=True)
    after = table_detail(spark, path)
    log.info("OPTIMIZE %s zorder=%s: %d -> %d files in %.1f s", path, zorder_by,
             before["num_files"], after["num_files"], seconds)
    return {
        "path": path,
        "zorder_by": list(zorder_by or []),
        "max_file_bytes": int(max_file_bytes),
        "files_before": before["num_files"],
        "files_after": after["num_files"],
        "bytes_before": before["size_bytes"],
        "bytes_after": after["size_bytes"],
        "files_added": int(metrics.get("numFilesAdded") or 0),
        "files_removed": int(metrics.get("numFilesRemoved") or 0),
        "seconds": round(seconds, 3),
    }


def safe_retention_hours(spark: SparkSession, path: str, requested: float = DEFAULT_RETENTION_HOURS) -> float:
    """The retention VACUUM will use: refuse anything below 7 days or the table's own retention."""
    if requested < MIN_RETENTION_HOURS:
        raise ValueError(
            f"VACUUM 保留期不得少于 {MIN_RETENTION_HOURS} 小时 / retention {requested} h is below the "
            f"safe minimum of {MIN_RETENTION_HOURS} h (readers and time travel need the old files)"
        )
    prop = table_detail(spark, path)["properties"].get("delta.deletedFileRetentionDuration")
    table_hours = _interval_hours(prop) if prop else 0.0
    return max(float(requested), table_hours)


def vacuum_table(spark: SparkSession, path: str, retention_hours: float = DEFAULT_RETENTION_HOURS) -> dict:
    """VACUUM with a safe retention (Delta's retention check stays on); returns the files deleted."""
    hours = safe_retention_hours(spark, path, retention_hours)
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "true")
    before = _data_file_count(spark, path)
    t0 = time.perf_counter()
    # VACUUM lists the table folder in one task per directory up to this bound (default 10,000);
    # the cluster's cores are enough (measured locally: 98 s -> 23 s for a small table).
    with session_conf(spark, "spark.sql.sources.parallelPartitionDiscovery.parallelism",
                      str(max(1, spark.sparkContext.defaultParallelism))):
        spark.sql(f"VACUUM delta.`{path}` RETAIN {hours:g} HOURS")
    seconds = time.perf_counter() - t0
    after = _data_file_count(spark, path)
    log.info("VACUUM %s retain %g h: %d -> %d files on disk in %.1f s", path, hours, before, after, seconds)
    return {"path": path, "retention_hours": hours, "files_on_disk_before": before,
            "files_on_disk_after": after, "files_deleted": before - after, "seconds": round(seconds, 3)}


def care_for_table(spark: SparkSession, path: str, zorder: bool = True,
                   retention_hours: float = DEFAULT_RETENTION_HOURS) -> dict:
    """OPTIMIZE (Z-ordered by cell and time where the table has them), then VACUUM."""
    if not is_delta(spark, path):
        return {"path": path, "skipped": "no Delta table yet"}
    detail = table_detail(spark, path)
    columns = spark.read.format("delta").load(path).columns
    keys = zorder_columns(columns, detail["partition_columns"]) if zorder else []
    return {"optimize": optimize_table(spark, path, keys or None),
            "vacuum": vacuum_table(spark, path, retention_hours)}


def _data_file_count(spark: SparkSession, path: str) -> int:
    """Parquet files under the table folder (current, tombstoned and orphaned alike)."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    it = fs.listFiles(hpath, True)
    n = 0
    while it.hasNext():
        st = it.next()
        name = st.getPath().toString()
        if name.endswith(".parquet") and "/_delta_log/" not in name:
            n += 1
    return n


def _interval_hours(text: str) -> float:
    """'interval 7 days' / '168 hours' -> hours."""
    parts = text.lower().replace("interval", "").split()
    units = {"week": 168.0, "day": 24.0, "hour": 1.0, "minute": 1 / 60, "second": 1 / 3600}
    total, i = 0.0, 0
    while i + 1 < len(parts):
        amount, unit = float(parts[i]), parts[i + 1].rstrip("s")
        total += amount * units.get(unit, 0.0)
        i += 2
    return total


def scan_metrics(spark: SparkSession, df) -> dict:
    """Run a query and return what its file scans read: files, bytes, rows and wall seconds."""
    t0 = time.perf_counter()
    rows = len(df.collect())
    seconds = time.perf_counter() - t0
    plan = df._jdf.queryExecution().executedPlan()
    totals = {"files_read": 0, "bytes_read": 0, "rows_scanned": 0}
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == "AdaptiveSparkPlanExec":
            node = node.finalPhysicalPlan()
        if node.getClass().getSimpleName() == "FileSourceScanExec":
            m = node.metrics()
            for key, name in (("files_read", "numFiles"), ("bytes_read", "filesSize"),
                              ("rows_scanned", "numOutputRows")):
                if m.contains(name):
                    totals[key] += int(m.apply(name).value())
        children = node.children()
        stack.extend(children.apply(i) for i in range(children.size()))
    return {"rows": rows, "seconds": round(seconds, 3), **totals}
