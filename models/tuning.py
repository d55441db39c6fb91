"""A small, time-boxed search of LightGBM settings and objective on early origins only."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from models import metrics
from models.forecaster import ModelSpec, fit_model
from models.panel import TypePanel

log = logging.getLogger(__name__)

HR_TOLERANCE = 0.01
# Tried in this order until the time box closes; the first is the default.
CANDIDATES: tuple[tuple[dict, int], ...] = (
    ({}, 300),
    ({"num_leaves": 15, "min_data_in_leaf": 200}, 300),
    ({"num_leaves": 63, "min_data_in_leaf": 50, "learning_rate": 0.03}, 500),
    ({"num_leaves": 31, "min_data_in_leaf": 300, "feature_fraction": 0.5}, 300),
)


def evaluate_spec(panel: TypePanel, spec: ModelSpec, fit_week, eval_weeks: list, cells: np.ndarray,
                  truth_y: dict, train_weeks: int | None) -> dict[str, float]:
    """Fit before `fit_week`, score each evaluation week frozen: mean HR@5 and deviance."""
    X, y, w, wk = panel.training(fit_week, train_weeks)
    model = fit_model(panel.problem_type, X, y, w, wk, panel.features, spec)
    hr, dev = [], []
    for week in eval_weeks:
        score, mu = model.score_and_expected(panel.week_rows(week, cells))
        yy = truth_y[pd.Timestamp(week)]
        hr.append(metrics.hit_rate(score, yy, 5))
        dev.append(metrics.poisson_deviance(yy, mu))
    return {"hr@5": float(np.nanmean(hr)), "deviance": float(np.mean(dev))}


def tune(panel: TypePanel, variants: tuple[str, ...], tune_weeks: list, cells: np.ndarray, y_by_week: dict,
         train_weeks: int | None, budget_s: float, max_trials: int | None = None) -> tuple[ModelSpec, pd.DataFrame]:
    """Best spec (objective and settings) on the tuning weeks by HR@5, near-ties by deviance; and the trial log.

    Candidates are tried in order until `max_trials` (None: all of them) or until `budget_s` has passed. A
    trial count makes the choice the same on a fast and a slow machine; the time box caps what a very slow
    machine spends.
    """
    start = time.monotonic()
    fit_week = tune_weeks[0]
    trials = []
    for params, rounds in CANDIDATES:
        for variant in variants:
            if trials and (time.monotonic() - start > budget_s
                           or (max_trials is not None and len(trials) >= max_trials)):
                break
            spec = ModelSpec(variant, dict(params), rounds)
            score = evaluate_spec(panel, spec, fit_week, tune_weeks, cells, y_by_week, train_weeks)
            trials.append({"variant": variant, "params": params, "rounds": rounds, **score})
            log.info("tune %s %s %s: %s", panel.problem_type, variant, params, score)
    log_df = pd.DataFrame(trials)
    # A few tuning weeks cannot tell HR@5 apart to the last percent: among the settings within
    # HR_TOLERANCE of the best, the lowest deviance wins (a calibrated count model over a ranker).
    near = log_df[log_df["hr@5"] >= (1 - HR_TOLERANCE) * log_df["hr@5"].max()]
    best = near.sort_values(["deviance", "hr@5"], ascending=[True, False]).iloc[0]
    return replace(ModelSpec(best["variant"], dict(best["params"]), int(best["rounds"]))), log_df
