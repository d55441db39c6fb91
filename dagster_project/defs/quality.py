"""Quality: GX suites and reconciliation as asset checks on bronze and silver tables (error blocks, warn reports)."""


from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from dagster_project.defs import bronze, silver
from dagster_project.resources import LakehouseResource, SparkResource
from expectations import SuiteResult, run_suite
from expectations.suites import SUITES
from spark_jobs.delta_tables import is_delta
from spark_jobs.reconcile import OK, UNEXPLAINED, reconcile, silver_table

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
SILVER_SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")


def run_dates(tags: dict[str, str]) -> list[date] | None:
    """Days the current run covers, from its partition tags; None when it is not partitioned by day."""
    try:
        if RANGE_START in tags and RANGE_END in tags:
            d0, d1 = date.fromisoformat(tags[RANGE_START]), date.fromisoformat(tags[RANGE_END])
            return [d0 + timedelta(days=i) for i in range((d1 - d0).days + 1)]
        if "dagster/partition" in tags:
            return [date.fromisoformat(tags["dagster/partition"])]
    except ValueError:
        return None
    return None


def _only_dates(df: DataFrame, col: str, dates: list[date] | None) -> DataFrame:
    if dates is None or col not in df.columns:
        return df
    return df.where(F.col(col).cast("date").isin([d.isoformat() for d in dates]))


def suite_check_result(result: SuiteResult) -> dg.AssetCheckResult:
    """A suite's verdict as a Dagster check result: every expectation in the metadata."""
    rows = ["| 期望 expectation | 列 column | 级别 severity | 结果 result | 观测 observed | 异常数 unexpected |",
            "|---|---|---|---|---|---|"]
    for o in result.outcomes:
        verdict = "跳过 skipped" if o.skipped else ("通过 pass" if o.success else "失败 FAIL")
        rows.append(f"| {o.expectation} | {o.column or ''} | {o.severity} | {verdict} | "
                    f"{str(o.observed)[:60] if o.observed is not None else ''} | {o.unexpected_count or ''} |")
    failed = [f"{o.expectation}({o.column})" for o in result.failed_errors + result.failed_warnings]
    return dg.AssetCheckResult(
        passed=result.severity is None,
        severity=dg.AssetCheckSeverity.ERROR if result.severity == "error" else dg.AssetCheckSeverity.WARN,
        description="；".join(failed) if failed else "全部期望通过 / all expectations passed",
        metadata={
            "suite": result.suite, "rows": result.rows,
            "failed_errors": len(result.failed_errors), "failed_warnings": len(result.failed_warnings),
            "expectations": dg.MetadataValue.md("\n".join(rows)),
            "results": dg.MetadataValue.json(result.as_records()),
        },
    )


def _gx_check(asset_key: dg.AssetKey, layer: str, table: str, suite: str, date_col: str,
              where: Callable[[DataFrame], DataFrame] | None = None, name: str | None = None,
              missing_ok: bool = False):
    @dg.asset_check(asset=asset_key, name=name or f"gx_{table}", blocking=True,
                    description=f"GX suite {suite} on {layer}/{table} (rows of this run's days)")
    def gx_check(context: dg.AssetCheckExecutionContext, spark: SparkResource,
                 lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        path = lakehouse.settings().table_path(layer, table)
        if not is_delta(spark.get_session(), path):
            if missing_ok:  # e.g. the quarantine before any record was rejected: nothing to check
                return dg.AssetCheckResult(passed=True, description=f"尚无记录 / no rows yet: {path}")
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                       description=f"表不存在 / table missing: {path}")
        df = _only_dates(spark.read_delta(path), date_col, run_dates(context.run.tags))
        return suite_check_result(run_suite(where(df) if where else df, suite))

    return gx_check


def reconciliation_result(frame, silver_stage: bool) -> dg.AssetCheckResult:
    """Fail (ERROR) when one row of a batch is unaccounted for; per-batch figures in the metadata."""
    bad = frame[frame["status"] == UNEXPLAINED] if not silver_stage else frame[frame["status"] != OK]
    if not silver_stage:
        bad = frame[frame["unexplained_landing"] != 0]
    cols = ["source", "batch_id", "landed", "bronze", "quarantined_at_landing", "silver", "quarantined", "merged",
            "unexplained", "status"]
    shown = (bad if len(bad) else frame)[cols].head(50)
    table = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n" + "\n".join(
        "| " + " | ".join(str(v) for v in r) + " |" for r in shown.itertuples(index=False))
    return dg.AssetCheckResult(
        passed=len(bad) == 0, severity=dg.AssetCheckSeverity.ERROR,
        description=(f"{len(bad)} 个批次有未解释的记录 / batches with unexplained rows" if len(bad)
                     else "每条记录都有去处 / every record accounted for"),
        metadata={"batches": len(frame), "failing_batches": len(bad),
                  "landed": int(frame["landed"].sum()), "bronze": int(frame["bronze"].sum()),
                  "quarantined_at_landing": int(frame["quarantined_at_landing"].sum()),
                  "silver": int(frame["silver"].sum()), "quarantined": int(frame["quarantined"].sum()),
                  "merged": int(frame["merged"].sum()),
                  "unexplained_landing": int(frame["unexplained_landing"].abs().sum()),
                  "batches_table": dg.MetadataValue.md(table)},
    )


def _reconcile_check(asset_key: dg.AssetKey, source: str, silver_stage: bool):
    stage = "silver" if silver_stage else "landing"

    @dg.asset_check(asset=asset_key, name=f"reconcile_{stage}", blocking=True,
                    description=(f"{source}: 落地 = 青铜 + 隔离；青铜 = 白银 + 隔离 + 合并 / landed = bronze + quarantined; "
                                 "bronze = silver + quarantined + merged, per batch"))
    def reconcile_check(context: dg.AssetCheckExecutionContext, spark: SparkResource,
                        lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        frame = reconcile(spark.get_session(), lakehouse.settings(), source)
        dates = run_dates(context.run.tags)
        if dates is not None and len(frame):
            frame = frame[frame["dt"].isin([d.isoformat() for d in dates])]
        return reconciliation_result(frame, silver_stage)

    return reconcile_check


def _bronze_checks() -> list:
    checks = []
    for source, key in bronze.BRONZE_KEYS.items():
        checks.append(_gx_check(key, "bronze", source, f"bronze_{source}", "_dt"))
        checks.append(_gx_check(key, "silver", "quarantine", "silver_quarantine", "dt",
                                where=lambda df, s=source: df.where(F.col("source") == s), name="gx_quarantine",
                                missing_ok=True))
        checks.append(_reconcile_check(key, source, silver_stage=False))
    return checks


def _silver_asset_keys() -> set[str]:
    keys: set[str] = set()
    for a in silver.defs.assets or []:
        keys |= {k.to_user_string() for k in getattr(a, "keys", [])}
    return keys


def _silver_checks() -> list:
    """Checks for the silver tables whose assets exist (silver_<table>; cases_history may hang off silver_cases)."""
    present = _silver_asset_keys()
    checks = []
    for suite in (s for s in SUITES if s.startswith("silver_") and s != "silver_quarantine"):
        table = suite.removeprefix("silver_")
        owner = next((k for k in (f"silver_{table}", f"silver_{table.removesuffix('_history')}") if k in present),
                     None)
        if owner:
            checks.append(_gx_check(dg.AssetKey(owner), "silver", table, suite, "dt"))
    for source in SILVER_SOURCES:
        table = silver_table(source)
        owner = next((k for k in (f"silver_{table}", f"silver_{source}") if k in present), None)
        if owner:
            checks.append(_reconcile_check(dg.AssetKey(owner), source, silver_stage=True))
    return checks


defs = dg.Definitions(asset_checks=[*_bronze_checks(), *_silver_checks()])
