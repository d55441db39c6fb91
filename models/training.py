"""Fit the forecaster on every week up to a given week, register it and apply the champion gate."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models import registry
from models.forecaster import HotspotModel, ModelSpec, fit_model
from models.lakehouse_io import delta_exists, read_delta
from models.panel import read_type_panel, read_type_panels
from models.summary import JSON_BASELINES
from models.tracking import delta_versions

log = logging.getLogger(__name__)


@dataclass
class TrainOutcome:
    """What happened for one problem type: the version registered and whether it became champion."""

    problem_type: str
    version: str | None
    promoted: bool
    reasons: list[str]
    challenger: dict
    champion: dict | None
    best_baseline: dict


def backtest_metrics(settings, problem_type: str, last_week=None, origins: int | None = None) -> tuple[dict, list[str]]:
    """Mean metrics per method over the latest backtest origins in gold/backtest (method -> metric -> value)."""
    path = settings.table_path("gold", "backtest")
    if not delta_exists(path):
        return {}, []
    df = read_delta(path)
    df = df[df["problem_type"] == problem_type]
    df["origin_week_start"] = pd.to_datetime(df["origin_week_start"])
    if last_week is not None:
        df = df[df["origin_week_start"] <= pd.Timestamp(last_week)]
    weeks = sorted(df["origin_week_start"].unique())
    if origins:
        weeks = weeks[-origins:]
    df = df[df["origin_week_start"].isin(weeks)]
    means = df.groupby(["method", "metric"])["value"].mean()
    out: dict = {}
    for (method, metric), v in means.items():
        out.setdefault(method, {})[metric] = float(v)
    return out, [str(pd.Timestamp(w).date()) for w in weeks]


def champion_on(settings, problem_type: str, champion: HotspotModel, origins: list[str]) -> dict:
    """Score the current champion, frozen, on the given origins from gold/features and the counts."""
    from models import metrics as m

    first = pd.Timestamp(origins[0])
    panel = read_type_panel(settings.table_path("gold", "features"), problem_type, first_week=first, score_from=first)
    hr, dev = [], []
    for w in origins:
        week = np.datetime64(pd.Timestamp(w), "ns")
        idx = np.flatnonzero(panel.week == week)
        if len(idx) == 0:
            continue
        X = panel.X[idx]
        y = panel.y[idx]
        feats = pd.DataFrame(X, columns=panel.features)
        hr.append(m.hit_rate(champion.score(feats), y, 5))
        dev.append(m.poisson_deviance(y, champion.expected(feats)))
    return {"hr@5": float(np.nanmean(hr)), "deviance": float(np.mean(dev))} if hr else {}


def train_for_home(settings, last_week, spec_by_type: dict[str, ModelSpec] | None = None,
                   train_weeks: int | None = 52, origins: int | None = None) -> list[TrainOutcome]:
    """Fit each forecast type on weeks up to `last_week`, register, and promote through the gate."""
    from models.backtest_home import neg_rate_for, table_paths

    versions = delta_versions({k: v for k, v in table_paths(settings).items() if delta_exists(v)})
    features = settings.table_path("gold", "features")
    types = sorted(read_delta(features, ["problem_type"])["problem_type"].unique())
    end = pd.Timestamp(last_week) + pd.Timedelta(days=7)  # training rows: weeks up to and including last_week
    first = end - pd.Timedelta(weeks=train_weeks) if train_weeks else None
    outcomes = []
    panels = read_type_panels(features, types, first_week=first, score_from=None, neg_rate=0.1)
    for ptype in types:
        panel = panels.pop(ptype)
        rate = neg_rate_for(len(np.unique(panel.cell)), train_weeks or 52)
        if rate > 0.1:
            panel = read_type_panel(features, ptype, first_week=first, score_from=None, neg_rate=rate)
        X, y, w, wk = panel.training(end, train_weeks)
        if len(y) == 0:
            log.warning("no training rows for %s up to %s", ptype, last_week)
            continue
        bt, origin_weeks = backtest_metrics(settings, ptype, last_week, origins)
        spec = (spec_by_type or {}).get(ptype) or _backtest_spec(ptype)
        model = fit_model(ptype, X, y, w, wk, panel.features, spec)
        challenger = {k: bt.get("model", {}).get(k) for k in ("hr@5", "hr@1", "deviance")}
        sample = pd.DataFrame(X[:200], columns=panel.features)
        _, version = registry.log_model(model, sample, {k: v for k, v in challenger.items() if v is not None},
                                        versions, origin_weeks, {"last_week": str(pd.Timestamp(last_week).date()),
                                                                 "train_weeks": train_weeks})
        baselines = {b: bt[b] for b in JSON_BASELINES if b in bt}
        champ_metrics, champ_origins = registry.champion_metrics(ptype)
        if champ_metrics is not None and champ_origins != origin_weeks and origin_weeks:
            current = registry.load_version(ptype)
            champ_metrics = champion_on(settings, ptype, current, origin_weeks) if current else None
        if not bt:
            promoted, reasons = False, ["no backtest over the same origins yet"]
        else:
            promoted, reasons = registry.apply_gate(ptype, version, challenger, baselines, champ_metrics)
        best = {k: (min if k == "deviance" else max)((b.get(k) for b in baselines.values() if b.get(k) is not None),
                                                     default=None) for k in ("hr@5", "deviance")}
        outcomes.append(TrainOutcome(ptype, version, promoted, reasons, challenger, champ_metrics, best))
    return outcomes


def _number(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text


def _backtest_spec(problem_type: str) -> ModelSpec:
    """The spec (objective, LightGBM settings, rounds) the latest backtest chose and judged, else the default.

    The registered model is then the one whose backtest figures the gate compares with the champion's.
    """
    import mlflow

    try:
        runs = mlflow.search_runs(filter_string="tags.kind = 'backtest'", order_by=["start_time DESC"],
                                  max_results=1, search_all_experiments=True)
    except Exception as exc:  # no store yet
        log.info("no backtest run to take the spec from: %s", exc)
        return ModelSpec()
    prefix = f"params.{problem_type}."
    if not len(runs) or not isinstance(runs.get(prefix + "variant", pd.Series([None])).iloc[0], str):
        return ModelSpec()
    row = runs.iloc[0]
    params = {c[len(prefix):]: _number(v) for c, v in row.items()
              if c.startswith(prefix) and isinstance(v, str) and c[len(prefix):] not in ("variant", "rounds")}
    rounds = _number(str(row.get(prefix + "rounds")))
    return ModelSpec(row[prefix + "variant"], params, rounds if isinstance(rounds, int) else ModelSpec().rounds)


def outcomes_table(outcomes: list[TrainOutcome]) -> str:
    """Markdown table of the gate decisions."""
    lines = ["| type | version | champion? | challenger HR@5 | champion HR@5 | best baseline HR@5 | reasons |",
             "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.problem_type} | {o.version} | {'yes' if o.promoted else 'no'} | "
                     f"{_f(o.challenger.get('hr@5'))} | {_f((o.champion or {}).get('hr@5'))} | "
                     f"{_f(o.best_baseline.get('hr@5'))} | {json.dumps(o.reasons, ensure_ascii=False)} |")
    return "\n".join(lines)


def _f(v) -> str:
    return "-" if v is None else f"{v:.4f}"
