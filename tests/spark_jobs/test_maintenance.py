"""Table care: OPTIMIZE compacts and Z-orders without changing content; VACUUM is safe."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from spark_jobs.maintenance import (
    MIN_RETENTION_HOURS,
    care_for_table,
    optimize_table,
    safe_retention_hours,
    scan_metrics,
    table_detail,
    vacuum_table,
    zorder_columns,
)


def _incidents_like(spark, path: str, files_per_day: int = 12, rows: int = 6000) -> None:
    """One commit of many small files of cell × time rows over two day partitions, like a daily-loaded table."""
    (spark.range(rows)
     .withColumn("cell_id", (F.rand(7) * 4000).cast("long"))
     .withColumn("event_time", F.expr("timestamp'2025-06-02 00:00:00' + make_interval(0,0,0,cast(id % 2 as int),0,0,id)"))
     .withColumn("dt", F.to_date("event_time"))
     .withColumn("problem_type", F.element_at(F.array(F.lit("stall"), F.lit("parking")), (F.col("id") % 2 + 1).cast("int")))
     .repartition(files_per_day)
     .write.format("delta").mode("append").partitionBy("dt")
     .option("optimizeWrite", "false").save(path))


def _content(spark, path: str) -> list[tuple]:
    return sorted(tuple(r) for r in spark.read.format("delta").load(path)
                  .select("id", "cell_id", "event_time", "problem_type").collect())


@pytest.mark.parametrize("columns, partitions, expected", [
    (["incident_id", "cell_id", "event_time", "dt"], ["dt"], ["cell_id", "event_time"]),
    (["cell_id", "week_start", "problem_type"], [], ["cell_id", "week_start"]),
    (["plate_token", "ts", "lon", "lat", "_dt"], ["_dt"], ["ts"]),
    (["grid_code", "week_start"], ["week_start"], ["grid_code"]),
    (["a", "b"], [], []),
])
def test_zorder_columns_pick_cell_then_time_never_a_partition(columns, partitions, expected):
    assert zorder_columns(columns, partitions) == expected


def test_optimize_zorders_fewer_files_same_content(spark, tmp_path):
    path = str(tmp_path / "incidents")
    _incidents_like(spark, path)
    before = _content(spark, path)
    files_before = table_detail(spark, path)["num_files"]

    result = optimize_table(spark, path, ["cell_id", "event_time"])

    assert files_before == 24
    assert result["files_before"] == files_before
    assert result["files_after"] == table_detail(spark, path)["num_files"]
    assert result["files_after"] <= 2  # one file per day partition
    assert result["files_removed"] == files_before
    assert _content(spark, path) == before
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("operation", "operationParameters").first()
    assert history["operation"] == "OPTIMIZE"
    assert "cell_id" in history["operationParameters"]["zOrderBy"]


def test_zorder_lets_a_selective_read_skip_files(spark, tmp_path):
    path = str(tmp_path / "reports")
    (spark.range(40000).withColumn("cell_id", (F.rand(3) * 10000).cast("long"))  # every file spans all cells
     .withColumn("event_time", F.expr("timestamp'2025-06-02' + make_interval(0,0,0,0,0,0,id)"))
     .repartition(16).write.format("delta").option("optimizeWrite", "false").save(path))
    query = lambda: spark.read.format("delta").load(path).where("cell_id between 100 and 140")  # noqa: E731
    unordered = scan_metrics(spark, query())
    result = optimize_table(spark, path, ["cell_id"], max_file_bytes=64 * 1024)
    ordered = scan_metrics(spark, query())
    assert result["max_file_bytes"] == 64 * 1024
    assert spark.conf.get("spark.databricks.delta.optimize.maxFileSize", None) is None  # the session is as it was
    assert unordered["rows"] == ordered["rows"] > 0
    assert unordered["files_read"] == 16
    assert table_detail(spark, path)["num_files"] >= 3
    assert ordered["files_read"] < unordered["files_read"]
    assert ordered["rows_scanned"] < unordered["rows_scanned"]


def test_vacuum_refuses_retention_below_seven_days(spark, tmp_path):
    path = str(tmp_path / "t")
    spark.range(10).write.format("delta").save(path)
    with pytest.raises(ValueError, match="168"):
        vacuum_table(spark, path, retention_hours=24)
    assert safe_retention_hours(spark, path) == MIN_RETENTION_HOURS


def test_vacuum_respects_a_longer_table_retention(spark, tmp_path):
    path = str(tmp_path / "t")
    spark.range(10).write.format("delta").save(path)
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval 30 days')")
    assert safe_retention_hours(spark, path, 168) == 30 * 24


def test_vacuum_deletes_old_orphans_keeps_recent_tombstones_and_time_travel(spark, tmp_path):
    path = str(tmp_path / "incidents")
    _incidents_like(spark, path, files_per_day=3, rows=1000)
    optimize_table(spark, path, ["cell_id"])  # tombstones every small file, just now
    table = Path(path)
    old_orphan = table / "part-00000-orphan-from-a-killed-writer.snappy.parquet"
    fresh_orphan = table / "part-00001-orphan-still-being-written.snappy.parquet"
    spark.range(3).write.mode("overwrite").parquet(str(tmp_path / "scratch"))
    src = next((tmp_path / "scratch").glob("*.parquet"))
    for f in (old_orphan, fresh_orphan):
        f.write_bytes(src.read_bytes())
    ten_days_ago = time.time() - 10 * 24 * 3600
    os.utime(old_orphan, (ten_days_ago, ten_days_ago))
    current = _content(spark, path)

    result = vacuum_table(spark, path)

    assert result["retention_hours"] == MIN_RETENTION_HOURS
    assert not old_orphan.exists()
    assert fresh_orphan.exists()
    assert result["files_deleted"] == 1
    assert _content(spark, path) == current
    first = spark.read.format("delta").option("versionAsOf", 0).load(path).count()
    assert first == 1000  # the tombstoned files of version 0 are still there for time travel


def test_care_for_table_skips_missing_and_cares_for_existing(spark, tmp_path):
    assert care_for_table(spark, str(tmp_path / "absent"))["skipped"]
    path = str(tmp_path / "incidents")
    _incidents_like(spark, path, files_per_day=3, rows=1000)
    result = care_for_table(spark, path)
    assert result["optimize"]["zorder_by"] == ["cell_id", "event_time"]
    assert result["optimize"]["files_after"] < result["optimize"]["files_before"]
    assert result["vacuum"]["files_deleted"] == 0


def test_weekly_table_care_assets_materialize_and_report(spark, home):
    import dagster as dg

    from dagster_project.defs.maintenance import defs as care_defs
    from dagster_project.resources import LakehouseResource, SparkResource
    from gridwatch.settings import get_settings

    settings = get_settings(home)
    _incidents_like(spark, settings.table_path("silver", "incidents"), files_per_day=3, rows=1000)
    assets = {a.key.to_user_string(): a for a in care_defs.assets}
    schedule = next(iter(care_defs.schedules))
    assert schedule.cron_schedule == "30 23 * * 0" and schedule.execution_timezone == "Asia/Shanghai"
    assert all(a.group_names_by_key[a.key] == "maintenance" for a in care_defs.assets)

    result = dg.materialize(
        [assets["table_care_silver_incidents"], assets["table_care_silver_video"]],
        resources={"spark": SparkResource(master="local[2]"), "lakehouse": LakehouseResource(home=str(home))},
        run_config={"ops": {"table_care_silver_incidents": {"config": {"retention_hours": 336}}}},
    )

    assert result.success
    meta = {name: result.asset_materializations_for_node(name)[0].metadata
            for name in ("table_care_silver_incidents", "table_care_silver_video")}
    care = meta["table_care_silver_incidents"]
    assert care["zorder_by"].value == "cell_id, event_time"
    assert care["files_after"].value < care["files_before"].value == 6
    assert care["retention_hours"].value == 336
    assert "skipped" in meta["table_care_silver_video"]
    with pytest.raises(Exception, match="168"):
        dg.materialize([assets["table_care_silver_incidents"]],
                       resources={"spark": SparkResource(master="local[2]"),
                                  "lakehouse": LakehouseResource(home=str(home))},
                       run_config={"ops": {"table_care_silver_incidents": {"config": {"retention_hours": 1}}}})
