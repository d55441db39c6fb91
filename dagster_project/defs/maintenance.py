"""Table care: weekly OPTIMIZE (Z-ordered by cell and time) and safe VACUUM of the large Delta tables."""

import dagster as dg

from dagster_project.resources import LakehouseResource, SparkResource
from spark_jobs.maintenance import CARED_TABLES, DEFAULT_RETENTION_HOURS, CaredTable, care_for_table

GROUP = "maintenance"


class TableCareConfig(dg.Config):
    """Run config: VACUUM retention (never below 168 h) and whether to Z-order."""

    retention_hours: float = DEFAULT_RETENTION_HOURS
    zorder: bool = True


def _care_asset(table: CaredTable) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"table_care_{table.label}",
        group_name=GROUP,
        kinds={"spark", "delta"},
        description=f"每周表维护 / weekly table care of {table.layer}/{table.name}: "
                    "OPTIMIZE (Z-ORDER by cell, time) then VACUUM with a safe retention",
        tags={"gridwatch/table": f"{table.layer}.{table.name}"},
        deps=[dg.AssetKey(table.asset)],
    )
    def care(context: dg.AssetExecutionContext, config: TableCareConfig, spark: SparkResource,
             lakehouse: LakehouseResource) -> dg.MaterializeResult:
        path = lakehouse.path(table.layer, table.name)
        result = care_for_table(spark.get_session(), path, zorder=table.zorder and config.zorder,
                                retention_hours=config.retention_hours)
        if "skipped" in result:
            context.log.info("%s: %s", path, result["skipped"])
            return dg.MaterializeResult(metadata={"path": path, "skipped": result["skipped"]})
        opt, vac = result["optimize"], result["vacuum"]
        return dg.MaterializeResult(metadata={
            "path": path,
            "zorder_by": ", ".join(opt["zorder_by"]) or "(compaction only)",
            "files_before": opt["files_before"],
            "files_after": opt["files_after"],
            "bytes": dg.MetadataValue.int(opt["bytes_after"]),
            "optimize_seconds": opt["seconds"],
            "retention_hours": vac["retention_hours"],
            "files_vacuumed": vac["files_deleted"],
            "vacuum_seconds": vac["seconds"],
        })

    return care


table_care_assets = [_care_asset(t) for t in CARED_TABLES]

table_care_job = dg.define_asset_job(
    "weekly_table_care", selection=dg.AssetSelection.groups(GROUP),
    description="每周日夜间表维护 / Sunday-night OPTIMIZE and VACUUM",
)

# Sunday 23:30 Asia/Shanghai: after the week's last daily load, before Monday's forecast and lists.
table_care_schedule = dg.ScheduleDefinition(
    job=table_care_job, cron_schedule="30 23 * * 0", execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(assets=table_care_assets, jobs=[table_care_job], schedules=[table_care_schedule])
