"""The weekly delivery steps on the lakehouse: publish the lists, score last week's, compute 考核, deliver.

Each function reads gold/silver Delta tables through delta-rs, calls the pandas models and writes
small gold tables; the Dagster assets in dagster_project/defs/delivery.py only call these.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from gridwatch.delivery import store
from gridwatch.delivery.archive import ListRules, district_folder, publish_week, verify_folder
from gridwatch.delivery.explain import load_models, make_explainer
from gridwatch.delivery.hook import DeliveryHook, deliver
from gridwatch.settings import Settings
from models.case_kpis import KpiConfig, case_kpis_weeks
from models.list_scoring import running_chart, score_lists
from models.risk_list import RISK_LIST_COLUMNS, RiskListConfig, build_risk_list, iso_week_label

log = logging.getLogger(__name__)

RISK_LISTS, LIST_SCORES, CASE_KPIS = "risk_lists", "list_scores", "case_kpis"


def _gold(settings: Settings, name: str) -> str:
    return settings.table_path("gold", name)


def unit_grid(settings: Settings) -> pd.DataFrame:
    """silver/unit_grid, or the city profile's grid when silver has not been built."""
    grid = store.read(settings.table_path("silver", "unit_grid"))
    if grid is None:
        from gridwatch.city import unit_grid as city_grid

        grid = city_grid()
    return grid.assign(district_code=grid["district_code"].astype(str))


def tier_rule(config: RiskListConfig) -> str:
    return (f"P(≥1) ≥ {config.tier_high:g} 高；≥ {config.tier_medium:g} 中；其余 低 / "
            f"P(≥1) ≥ {config.tier_high:g} high, ≥ {config.tier_medium:g} medium, else low")


def _weeks_before(week_start: date, n: int) -> list[str]:
    return [iso_week_label(week_start - timedelta(weeks=k)) for k in range(1, n + 1)]


def _catalogue() -> dict:
    try:
        from spark_jobs.gold.catalogue import FEATURE_CATALOGUE
    except ImportError:
        return {}
    return FEATURE_CATALOGUE


def publish_risk_lists(settings: Settings, week_start: date, config: RiskListConfig | None = None,
                       formats: tuple[str, ...] = ("csv", "excel", "html", "pdf"), models: dict | None = None) -> dict:
    """Build, archive and record the lists of a target week; a published week is verified, never rebuilt."""
    config = config or RiskListConfig.load()
    iso = iso_week_label(week_start)
    rules = ListRules(config.exploration_share, config.unlisted_weight, config.recency_weeks, tier_rule(config))
    grid = unit_grid(settings)
    lists = store.read(_gold(settings, RISK_LISTS), filters=[("iso_week", "=", iso)])
    reasons_source: dict = {}
    if lists is not None and len(lists):
        status = "already published"
    else:
        forecasts = store.read(_gold(settings, "forecasts"), filters=[("target_iso_week", "=", iso)])
        if forecasts is None or forecasts.empty:
            raise ValueError(f"没有 {iso} 的预测，请先运行 forecasts / no forecasts for {iso}: materialize forecasts first")
        features = store.read(_gold(settings, "features"), filters=[("iso_week", "=", iso)])
        recent = store.read(_gold(settings, "grid_week"), filters=[("iso_week", "in", _weeks_before(week_start, 4))])
        past = store.read(_gold(settings, RISK_LISTS),
                          filters=[("iso_week", "in", _weeks_before(week_start, config.recency_weeks))])
        types = sorted(forecasts["problem_type"].unique())
        explain = None
        if features is not None and len(features):
            explain = make_explainer(features, models if models is not None else load_models(settings, types),
                                     _catalogue())
        lists = build_risk_list(forecasts, grid, recent if recent is not None else pd.DataFrame(), week_start,
                                config, explain=explain, past_lists=past)
        reasons_source = dict(getattr(explain, "sources", {})) if explain else {}
        status = "published"
    manifests = publish_week(lists, grid, settings.outbox, rules, formats)
    if status == "published":
        store.append_once(lists[RISK_LIST_COLUMNS], _gold(settings, RISK_LISTS), "iso_week", iso)
    return {"iso_week": iso, "status": status, "lists": lists, "manifests": manifests,
            "reasons_source": reasons_source, "table_version": store.version(_gold(settings, RISK_LISTS))}


def verify_published(settings: Settings, week_start: date) -> list[str]:
    """Folders of a published week whose checksums match their manifest (raises on a mismatch)."""
    root = settings.outbox / "risk_lists" / iso_week_label(week_start)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.exists() else []
    for f in folders:
        verify_folder(f)
    return [str(f) for f in folders]


def score_published_list(settings: Settings, week_start: date) -> dict:
    """Score the list published for week_start against that week's incidents; gold/list_scores and a chart."""
    out = score_published_lists(settings, [week_start])
    return {**out, **out["weeks"][iso_week_label(week_start)]}


def score_published_lists(settings: Settings, weeks: list[date]) -> dict:
    """Score the lists published for some weeks against their incidents: one read, one commit, one chart.

    Returns {"weeks": {iso_week: {"iso_week", "status", "scores"}}, and when any was scored: "history",
    "chart", "table_version"}.
    """
    isos = sorted({iso_week_label(w) for w in weeks})
    lists = store.read(_gold(settings, RISK_LISTS), filters=[("iso_week", "in", isos)])
    lists = lists if lists is not None else pd.DataFrame(columns=["iso_week"])
    per_week = {iso: {"iso_week": iso, "status": "no list published", "scores": pd.DataFrame()} for iso in isos}
    listed = sorted(set(lists["iso_week"]))
    if not listed:
        return {"weeks": per_week}
    actual = store.read(_gold(settings, "grid_week"), filters=[("iso_week", "in", listed)])
    if actual is None:
        raise ValueError(f"gold/grid_week 不存在 / gold/grid_week missing: build gold before scoring {listed}")
    scores = score_lists(lists, actual, unit_grid(settings))
    version = store.replace_weeks(scores, _gold(settings, LIST_SCORES), "iso_week", listed)
    for iso, part in scores.groupby("iso_week"):
        per_week[iso] = {"iso_week": iso, "status": "scored", "scores": part.reset_index(drop=True)}
    history = store.read(_gold(settings, LIST_SCORES))
    chart = settings.outbox / "risk_lists" / "_scores" / "list_scores_running.png"
    chart.parent.mkdir(parents=True, exist_ok=True)
    chart.write_bytes(running_chart(history))
    return {"weeks": per_week, "history": history, "chart": chart, "table_version": version}


def compute_case_kpis(settings: Settings, week_start: date, as_of: datetime | None = None,
                      config: KpiConfig | None = None) -> dict:
    """考核 of one week from silver/cases_history as known now (or as_of), replacing that week's rows."""
    out = compute_case_kpis_weeks(settings, [week_start], as_of, config)
    return {"iso_week": iso_week_label(week_start), "kpis": out["kpis"], "table_version": out["table_version"]}


def compute_case_kpis_weeks(settings: Settings, weeks: list[date], as_of: datetime | None = None,
                            config: KpiConfig | None = None) -> dict:
    """考核 of some weeks from one reading of silver/cases_history, replacing their rows in one commit."""
    history = store.read(settings.table_path("silver", "cases_history"))
    if history is None:
        raise ValueError("silver/cases_history 不存在 / silver/cases_history missing: build silver first")
    kpis = case_kpis_weeks(history, weeks, as_of=as_of, config=config)
    isos = sorted({iso_week_label(w) for w in weeks})
    version = store.replace_weeks(kpis, _gold(settings, CASE_KPIS), "iso_week", isos)
    return {"kpis": kpis, "table_version": version}


def deliver_week(settings: Settings, week_start: date, hook: DeliveryHook, sleep=None) -> list[dict]:
    """Run the delivery hook for every district folder of a published week."""
    kwargs = {"sleep": sleep} if sleep else {}
    return [deliver(Path(f), hook, **kwargs) for f in verify_published(settings, week_start)]


def now_local() -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


__all__ = ["publish_risk_lists", "verify_published", "score_published_list", "score_published_lists", "compute_case_kpis",
           "compute_case_kpis_weeks", "deliver_week",
           "district_folder"]
