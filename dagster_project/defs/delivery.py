"""Delivery: the weekly risk lists, their delivery and scoring, and the case assessment (考核)."""

# No `from __future__ import annotations` here: Dagster resolves Config annotations at decoration time.


import base64
from datetime import date

import dagster as dg

from dagster_project.partitions import forecast_partitions, weekly_partitions
from dagster_project.resources import LakehouseResource
from gridwatch.delivery import weekly
from gridwatch.delivery.hook import DeliveryError, DeliveryHook
from models.list_scoring import summary_markdown
from models.risk_list import RiskListConfig, week_monday

GROUP = "delivery"
TZ = "Asia/Shanghai"


class RiskListRunConfig(dg.Config):
    """Overrides of gridwatch/config/risk_list.yaml for one run (unset = the file's value)."""

    exploration_share: float | None = None
    area_share: float | None = None
    formats: list[str] = ["csv", "excel", "html", "pdf"]


class DeliveryHookConfig(dg.Config):
    """Where published lists go; kind '' takes GRIDWATCH_DELIVERY_HOOK ('copy:<folder>' or 'post:<url>')."""

    kind: str = ""
    target: str = ""
    retries: int = 3
    backoff_seconds: float = 5.0

    def hook(self) -> DeliveryHook:
        if not self.kind:
            return DeliveryHook.from_env()
        return DeliveryHook(self.kind, self.target, self.retries, self.backoff_seconds)


def _weeks(context) -> list[date]:
    return [date.fromisoformat(k) for k in context.partition_keys]


@dg.asset(partitions_def=forecast_partitions, group_name=GROUP, backfill_policy=dg.BackfillPolicy.single_run(),
          deps=[dg.AssetKey("forecasts"), dg.AssetKey("gold_features")],
          description="周风险清单 Weekly risk lists per district and type: gold/risk_lists + outbox files (write once)")
def risk_list(context: dg.AssetExecutionContext, config: RiskListRunConfig,
              lakehouse: LakehouseResource) -> dg.MaterializeResult:
    cfg = RiskListConfig.load(exploration_share=config.exploration_share, area_share=config.area_share)
    meta: dict = {}
    for week in _weeks(context):
        out = weekly.publish_risk_lists(lakehouse.settings(), week, cfg, tuple(config.formats))
        lists = out["lists"]
        rows = lists.groupby(["district_code", "problem_type"]).size()
        meta[out["iso_week"]] = dg.MetadataValue.json({
            "status": out["status"], "reasons": out["reasons_source"],
            "rows": {f"{d}/{t}": int(n) for (d, t), n in rows.items()},
            "seeds": {f"{d}/{t}": int(s) for (d, t), s in lists.groupby(["district_code", "problem_type"])["seed"].first().items()},
            "files": [f"{m['folder']}/{f['name']}" for m in out["manifests"] for f in m["files"]],
        })
        meta["gold_risk_lists_version"] = out["table_version"]
        context.log.info("%s: %s, %d rows", out["iso_week"], out["status"], len(lists))
    return dg.MaterializeResult(metadata=meta)


@dg.asset_check(asset=risk_list, description="已发布清单未被改动 / published files still match their manifest checksums")
def risk_list_archive_intact(context: dg.AssetCheckExecutionContext,
                             lakehouse: LakehouseResource) -> dg.AssetCheckResult:
    root = lakehouse.settings().outbox / "risk_lists"
    weeks = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")) if root.exists() else []
    checked, bad = 0, []
    for w in weeks:
        try:
            checked += len(weekly.verify_published(lakehouse.settings(), week_monday(w)))
        except Exception as exc:  # ArchiveMismatch names the folder and files
            bad.append(str(exc))
    return dg.AssetCheckResult(passed=not bad, metadata={"folders_checked": checked, "problems": "\n".join(bad)})


@dg.asset(partitions_def=forecast_partitions, group_name=GROUP, deps=[risk_list],
          backfill_policy=dg.BackfillPolicy.single_run(),
          description="投递 Delivery of the published lists (copy to a folder or POST to a URL, with retries)")
def risk_list_delivery(context: dg.AssetExecutionContext, config: DeliveryHookConfig,
                       lakehouse: LakehouseResource) -> dg.MaterializeResult:
    hook = config.hook()
    receipts = []
    for week in _weeks(context):
        try:
            receipts += weekly.deliver_week(lakehouse.settings(), week, hook)
        except DeliveryError as exc:
            raise dg.Failure(description=str(exc), metadata={"hook": f"{hook.kind}:{hook.target}",
                                                             "retries": hook.retries}) from exc
    return dg.MaterializeResult(metadata={"hook": f"{hook.kind}:{hook.target}" if hook.kind != "none" else "none",
                                          "receipts": dg.MetadataValue.json(receipts)})


@dg.asset(partitions_def=weekly_partitions, group_name=GROUP, deps=[risk_list],
          backfill_policy=dg.BackfillPolicy.single_run(),
          description="清单问责 The list published for a week scored against that week's incidents: gold/list_scores")
def risk_list_score(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    out = weekly.score_published_lists(lakehouse.settings(), _weeks(context))
    meta: dict = {iso: w["status"] for iso, w in out["weeks"].items()}
    scored = [iso for iso, w in out["weeks"].items() if w["status"] == "scored"]
    context.log.info("%d of %d weeks had a published list and were scored", len(scored), len(meta))
    if scored:
        png = out["chart"].read_bytes()
        meta.update({
            "gold_list_scores_version": out["table_version"],
            "running_chart": dg.MetadataValue.path(str(out["chart"])),
            "summary": dg.MetadataValue.md(summary_markdown(out["history"]) + "\n\n"
                                           f"![running chart](data:image/png;base64,{base64.b64encode(png).decode()})"),
        })
    return dg.MaterializeResult(metadata=meta)


@dg.asset(partitions_def=weekly_partitions, group_name=GROUP,
          backfill_policy=dg.BackfillPolicy.single_run(),
          description="考核 Case KPIs per district, department and week from the case history, as known now")
def case_kpis(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    weeks = _weeks(context)
    out = weekly.compute_case_kpis_weeks(lakehouse.settings(), weeks, as_of=weekly.now_local())
    k = out["kpis"]
    meta: dict = {"gold_case_kpis_version": out["table_version"]}
    for iso, part in k.groupby("iso_week"):
        top = part[part["level"] == "district"].set_index("district_code")["composite_score"].round(1)
        meta[iso] = dg.MetadataValue.json({"rows": len(part), "composite": top.to_dict()})
    context.log.info("case KPIs of %d weeks: %d rows", len(weeks), len(k))
    return dg.MaterializeResult(metadata=meta)


weekly_list_job = dg.define_asset_job("weekly_risk_list_job", selection=[risk_list, risk_list_delivery],
                                      partitions_def=forecast_partitions)
weekly_accountability_job = dg.define_asset_job("weekly_accountability_job", selection=[risk_list_score, case_kpis],
                                                partitions_def=weekly_partitions)

defs = dg.Definitions(
    assets=[risk_list, risk_list_delivery, risk_list_score, case_kpis],
    asset_checks=[risk_list_archive_intact],
    jobs=[weekly_list_job, weekly_accountability_job],
    schedules=[
        # Monday 06:00: the list for the week that starts today, and the scores of the week that just ended.
        dg.build_schedule_from_partitioned_job(weekly_list_job, hour_of_day=6, minute_of_hour=0,
                                               name="weekly_risk_list_schedule"),
        dg.build_schedule_from_partitioned_job(weekly_accountability_job, hour_of_day=6, minute_of_hour=0,
                                               name="weekly_accountability_schedule"),
    ],
)
