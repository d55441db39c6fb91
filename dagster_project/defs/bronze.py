"""Bronze layer: one daily-partitioned asset per landing source, the reference tables, a daily schedule and a late-file sensor."""


import hashlib
import json
import warnings
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from dagster_project.partitions import TIMEZONE, daily_partitions
from dagster_project.resources import LakehouseResource, SparkResource
from spark_jobs.ingest import SOURCES, ingest_source, pending_files, read_ledger
from spark_jobs.ingest.reference import ingest_reference

GROUP = "bronze"
MAX_RUNS_PER_TICK = 20
BRONZE_KEYS = {s: dg.AssetKey(f"bronze_{s}") for s in SOURCES}


def partition_dates(context: dg.AssetExecutionContext) -> list[date]:
    """The days a run covers (one day, or a whole range in a single-run backfill)."""
    return [date.fromisoformat(k) for k in context.partition_keys]


def _bronze_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=BRONZE_KEYS[source], group_name=GROUP, partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(), kinds={"spark", "delta"},
        description=f"{source} 原始记录（字符串）及入湖元数据，每个落地文件只入一次 / raw {source} records, "
                    "exactly once per landed file",
    )
    def bronze_source(context: dg.AssetExecutionContext, spark: SparkResource,
                      lakehouse: LakehouseResource) -> dg.MaterializeResult:
        settings = lakehouse.settings()
        result = ingest_source(spark.get_session(), settings, source, partition_dates(context))
        meta = result.metadata()
        context.log.info(f"bronze_{source}: {json.dumps(meta, ensure_ascii=False)}")
        return dg.MaterializeResult(metadata={
            "files": result.files, "records": result.records, "rows": result.rows,
            "quarantined": result.quarantined, "batches": len(result.batch_ids),
            "skipped_files": result.skipped_files,
            "quarantined_by_reason": dg.MetadataValue.json(meta["quarantined_by_reason"]),
            "schema_drift_files": dg.MetadataValue.json(meta["schema_drift_files"]),
            "table": dg.MetadataValue.path(settings.table_path("bronze", source)),
        })

    return bronze_source


with warnings.catch_warnings():  # backfill_policy is marked beta; single-run backfills are what we want
    warnings.simplefilter("ignore", dg.BetaWarning)
    bronze_assets = [_bronze_asset(s) for s in SOURCES]


@dg.asset(name="bronze_reference", group_name=GROUP, kinds={"spark", "delta"},
          description="参考数据（地点、摄像头、扬尘站点） / reference places, cameras and dust sites")
def bronze_reference(spark: SparkResource, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    rows = ingest_reference(spark.get_session(), lakehouse.settings())
    return dg.MaterializeResult(metadata={f"rows_{k}": v for k, v in rows.items()})


daily_ingest_job = dg.define_asset_job("daily_ingest", selection=dg.AssetSelection.assets(*bronze_assets),
                                       partitions_def=daily_partitions)
# 01:00 Asia/Shanghai: ingest the day that just ended (the partitions' timezone sets the schedule's).
daily_ingest_schedule = dg.build_schedule_from_partitioned_job(
    daily_ingest_job, name="daily_ingest_schedule", hour_of_day=1, minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING)


def late_file_requests(lakehouse: LakehouseResource, today: date) -> list[dg.RunRequest]:
    """Runs for files that landed late: days up to the last ingested day (and before today) with unseen files."""
    settings = lakehouse.settings()
    requests = []
    for source, key in BRONZE_KEYS.items():
        ledger = read_ledger(settings, source)
        if ledger.empty:
            continue  # never ingested: the first load is a backfill, not a late file
        last = pd.to_datetime(ledger["dt"]).max().date()
        by_day: dict[date, list[str]] = {}
        for f in pending_files(settings, source):
            if f.dt <= last and f.dt < today:
                by_day.setdefault(f.dt, []).append(f.sha256)
        for day, shas in sorted(by_day.items()):
            digest = hashlib.sha1(",".join(sorted(shas)).encode()).hexdigest()[:12]
            requests.append(dg.RunRequest(run_key=f"{source}:{day.isoformat()}:{digest}", asset_selection=[key],
                                          partition_key=day.isoformat(), tags={"gridwatch/trigger": "late_file"}))
    return requests[:MAX_RUNS_PER_TICK]


@dg.sensor(name="late_landing_files", target=dg.AssetSelection.assets(*bronze_assets),
           minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING,
           description="迟到文件：为已入湖日期的新落地文件请求对应分区 / late files for already-ingested days")
def late_landing_files(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource):
    requests = late_file_requests(lakehouse, datetime.now(ZoneInfo(TIMEZONE)).date())
    if not requests:
        return dg.SkipReason("没有迟到文件 / no late files")
    return requests


defs = dg.Definitions(assets=[*bronze_assets, bronze_reference], jobs=[daily_ingest_job],
                      schedules=[daily_ingest_schedule], sensors=[late_landing_files])
