"""Gold layer assets: grid x week counts and the feature panel, weekly partitioned (ISO weeks, Monday)."""

from datetime import date, timedelta

import dagster as dg

from dagster_project.partitions import weekly_partitions
from dagster_project.resources import LakehouseResource, SparkResource
from spark_jobs.gold.build import write_features, write_grid_week
from spark_jobs.gold.weeks import week_range

SILVER_COUNTS = [dg.AssetKey("silver_incidents"), dg.AssetKey("silver_reports")]
SILVER_SIGNALS = [dg.AssetKey(k) for k in ("silver_video", "silver_dust", "silver_truck_gps", "silver_cases")]


def partition_weeks(context: dg.AssetExecutionContext) -> list[date]:
    """The Mondays of the partitions being materialized (a backfill runs them in one go)."""
    window = context.partition_time_window
    return week_range(window.start.date(), (window.end - timedelta(days=1)).date())


@dg.asset(
    group_name="gold", partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    deps=SILVER_COUNTS, kinds={"spark", "delta"},
    description="网格×周×问题类型的事件与上报数（稀疏） / incidents and reports per cell, ISO week and problem type (sparse)",
)
def gold_grid_week(context: dg.AssetExecutionContext, spark: SparkResource,
                   lakehouse: LakehouseResource) -> dg.MaterializeResult:
    weeks = partition_weeks(context)
    written = write_grid_week(spark.get_session(), lakehouse.settings(), weeks)
    context.log.info("gold/grid_week: %d rows for %d weeks", written.rows, len(weeks))
    return dg.MaterializeResult(metadata=written.as_metadata())


@dg.asset(
    group_name="gold", partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[gold_grid_week, *SILVER_SIGNALS], kinds={"spark", "delta"},
    description="预测特征面板：每个网格×周×类型一行，特征只用目标周之前的数据 / "
                "feature panel: one row per cell, week and type, features only from earlier weeks",
)
def gold_features(context: dg.AssetExecutionContext, spark: SparkResource,
                  lakehouse: LakehouseResource) -> dg.MaterializeResult:
    weeks = partition_weeks(context)
    written = write_features(spark.get_session(), lakehouse.settings(), weeks, with_forecast_week=True)
    context.log.info("gold/features: %d rows, %d cells, %d weeks", written.rows, written.cells, written.weeks)
    return dg.MaterializeResult(metadata=written.as_metadata())


defs = dg.Definitions(assets=[gold_grid_week, gold_features])
