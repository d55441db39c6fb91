"""Silver assets through Dagster's materialize with real resources on a temporary lakehouse."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).parent / "spark_jobs"))


def test_materialize_unit_grid_and_hotline_partition(spark, home):
    from silver_frames import CENTRE, bronze, gcj

    from dagster_project.defs import silver
    from dagster_project.resources import LakehouseResource, SparkResource
    from gridwatch.settings import get_settings

    settings = get_settings(home)
    lon, lat = gcj(*CENTRE)
    rows = [dict(order_no="A1", call_time="2026-11-02 10:00:00", category_code="SZ0501", lon=lon, lat=lat,
                 crs="GCJ-02"),
            dict(order_no="A1", call_time="2026-11-02 10:00:00", category_code="SZ0501", lon=lon, lat=lat,
                 crs="GCJ-02"),
            dict(order_no="A2", call_time="2026-11-02 10:00:00", lon="0", lat="0", crs="WGS-84")]
    bronze(spark, "hotline", rows, day=date(2026, 11, 2)).write.format("delta").partitionBy("_dt").save(
        settings.table_path("bronze", "hotline"))
    spark_res = SparkResource(master="local[2]", shuffle_partitions=2)  # getOrCreate: the run's one session
    assets = [a for a in silver.defs.assets if a.key.to_user_string() in ("silver_unit_grid", "silver_hotline")]
    resources = {"spark": spark_res, "lakehouse": LakehouseResource(home=str(home))}
    grid = dg.materialize([a for a in assets if a.key.to_user_string() == "silver_unit_grid"], resources=resources)
    assert grid.success
    result = dg.materialize([a for a in assets if a.key.to_user_string() == "silver_hotline"], resources=resources,
                            partition_key="2026-11-02")
    assert result.success
    meta = result.asset_materializations_for_node("silver_hotline")[0].metadata
    assert meta["rows_in"].value == 3 and meta["rows_out"].value == 1
    assert meta["merged_duplicates"].value == 1 and meta["quarantined"].value == 1
    assert meta["reconciled"].value is True
    assert meta["quarantined_by_reason"].value == {"outside_city": 1}
