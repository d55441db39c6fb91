"""Backtest summaries: means over origins, block-bootstrap intervals over weeks, the JSON of issue 4."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

SUMMARY_METRICS = ("hr@1", "hr@5", "pai@1", "pai@5", "pei@1", "pei@5", "deviance")
JSON_BASELINES = ("last_week", "mean_4w", "long_run", "same_week_last_year", "kde", "ewma")
LOWER_IS_BETTER = {"deviance"}


def block_bootstrap_indices(n: int, block: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """Moving-block bootstrap: n_boot resamples of n week positions, in blocks of consecutive weeks."""
    rng = np.random.default_rng(seed)
    block = max(1, min(block, n))
    n_blocks = int(np.ceil(n / block))
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    return idx


def bootstrap_intervals(weekly: pd.DataFrame, block: int = 4, n_boot: int = 1000, seed: int = 0,
                        level: float = 0.95) -> pd.DataFrame:
    """Mean over origins and a block-bootstrap interval per method, type and metric.

    The same resampled weeks serve every method, so intervals of model/baseline ratios are paired.
    """
    wide = weekly.pivot_table(index="origin_week_start", columns=["problem_type", "method", "metric"],
                              values="value", aggfunc="first").sort_index()
    if wide.empty:
        return pd.DataFrame(columns=["problem_type", "method", "metric", "mean", "lo", "hi"])
    idx = block_bootstrap_indices(len(wide), block, n_boot, seed)
    values = wide.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        boot = np.nanmean(values[idx], axis=1)  # (n_boot, columns)
    a = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a metric that is NaN every week (no events) stays NaN
        lo, hi = np.nanquantile(boot, [a, 1 - a], axis=0)
    out = pd.DataFrame(list(wide.columns), columns=["problem_type", "method", "metric"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out["mean"] = np.nanmean(values, axis=0)
    out["lo"], out["hi"] = lo, hi
    # paired intervals of the model's ratio to each other method, for the ranking metrics
    ratios = []
    cols = {c: i for i, c in enumerate(wide.columns)}
    for (ptype, method, metric), i in cols.items():
        mi = cols.get((ptype, "model", metric))
        if method == "model" or mi is None or metric not in SUMMARY_METRICS:
            continue
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = np.nanmean(values[idx][:, :, mi], axis=1) / boot[:, i]
            ratios.append((ptype, f"model/{method}", metric, out["mean"][mi] / out["mean"][i],
                           *np.nanquantile(r, [a, 1 - a])))
    if ratios:
        out = pd.concat([out, pd.DataFrame(ratios, columns=out.columns)], ignore_index=True)
    return out


def _means(intervals: pd.DataFrame, ptype: str, method: str) -> dict[str, float] | None:
    part = intervals[(intervals["problem_type"] == ptype) & (intervals["method"] == method)]
    if part.empty:
        return None
    m = part.set_index("metric")["mean"]
    return {k: _clean(m.get(k)) for k in SUMMARY_METRICS}


def _clean(v) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 6)


def best_baselines(baselines: dict[str, dict]) -> dict[str, str]:
    """Per metric, the name of the strongest baseline (highest, or lowest deviance)."""
    best = {}
    for k in SUMMARY_METRICS:
        vals = {n: b[k] for n, b in baselines.items() if b.get(k) is not None}
        if vals:
            best[k] = (min if k in LOWER_IS_BETTER else max)(vals, key=vals.get)
    return best


def summarize(weekly: pd.DataFrame, intervals: pd.DataFrame, profile: str, cells: int, weeks: int,
              origins: int, events: dict[str, float], specs: dict | None = None) -> dict:
    """The backtest JSON (issue 4 item 6) plus model/oracle and model/best-baseline ratios per type."""
    out = {"profile": profile, "cells": int(cells), "weeks": int(weeks), "origins": int(origins), "types": {}}
    for ptype in sorted(weekly["problem_type"].unique()):
        model = _means(intervals, ptype, "model")
        baselines = {b: m for b in JSON_BASELINES if (m := _means(intervals, ptype, b)) is not None}
        entry: dict = {"events": int(events.get(ptype, 0)), "model": model, "baselines": baselines}
        variants = {m: _means(intervals, ptype, m) for m in sorted(weekly["method"].unique())
                    if m.startswith("model_")}
        if variants:
            entry["variants"] = {k.removeprefix("model_"): v for k, v in variants.items()}
        if specs and ptype in specs:
            entry["model_variant"] = specs[ptype].variant
        oracle = _means(intervals, ptype, "oracle")
        best = best_baselines(baselines)
        ratios: dict = {"best_baseline": best, "model/best_baseline": {}}
        for k, name in best.items():
            ratios["model/best_baseline"][k] = _ratio(model[k], baselines[name][k])
        if oracle is not None:
            entry["oracle"] = oracle
            ratios["model/oracle"] = {k: _ratio(model[k], oracle[k]) for k in SUMMARY_METRICS
                                      if k not in LOWER_IS_BETTER}
        ci = intervals[(intervals["problem_type"] == ptype) & (intervals["method"] == "model")
                       & (intervals["metric"].isin(["hr@1", "hr@5"]))]
        ratios["model_ci95"] = {r.metric: [_clean(r.lo), _clean(r.hi)] for r in ci.itertuples()}
        for k in ("hr@1", "hr@5"):
            name = best.get(k)
            row = intervals[(intervals["problem_type"] == ptype) & (intervals["method"] == f"model/{name}")
                            & (intervals["metric"] == k)]
            if not row.empty:
                ratios.setdefault("lift_ci95", {})[k] = [_clean(row["lo"].iloc[0]), _clean(row["hi"].iloc[0])]
        entry["ratios"] = ratios
        out["types"][ptype] = entry
    return out


def _ratio(a, b) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 4)


def metric_table(summary: dict, metric: str = "hr@5") -> pd.DataFrame:
    """One metric for model, every baseline and the oracle, one row per type (for printing and metadata)."""
    rows = []
    for ptype, e in summary["types"].items():
        row = {"problem_type": ptype, "model": (e.get("model") or {}).get(metric)}
        row.update({b: v.get(metric) for b, v in e["baselines"].items()})
        if "oracle" in e:
            row["oracle"] = e["oracle"].get(metric)
        rows.append(row)
    return pd.DataFrame(rows)
