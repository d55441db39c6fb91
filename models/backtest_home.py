"""The backtest over a data home's lakehouse: read gold, run, write gold/backtest, log to MLflow."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from gridwatch.taxonomy import FORECAST_TYPES
from models.backtest import BacktestConfig, BacktestResult, run_backtest
from models.history import count_histories, week_range
from models.lakehouse_io import (
    cell_coords,
    delta_exists,
    has_unit_grid,
    panel_outline,
    read_counts,
    read_truth,
    write_long_table,
)
from models.panel import read_type_panels
from models.tracking import delta_versions, log_backtest
from models.universe import cells_with_history

log = logging.getLogger(__name__)
BACKTEST_TABLE = ("gold", "backtest")


def table_paths(settings) -> dict[str, str]:
    """The tables a backtest reads (for data versions)."""
    return {
        "gold/features": settings.table_path("gold", "features"),
        "gold/grid_week": settings.table_path("gold", "grid_week"),
        "silver/unit_grid": settings.table_path("silver", "unit_grid"),
    }


def neg_rate_for(n_cells: int, train_weeks: int, target_rows: int = 150_000) -> float:
    """Share of zero rows to keep so a training window holds about `target_rows` rows."""
    return float(min(1.0, max(0.02, target_rows / max(1, n_cells * train_weeks))))


def load_inputs(settings, origins: int, config: BacktestConfig, last_week=None, universe: str = "auto",
                coords: pd.DataFrame | None = None):
    """Histories, panels, universe rule, coordinates and truth for a backtest of the last `origins` weeks."""
    outline = panel_outline(settings)
    present = set(outline["problem_type"].unique())
    # the city's forecast types first, then any other type a profile forecasts (e.g. sanitation)
    types = tuple(t for t in FORECAST_TYPES if t in present) + tuple(sorted(present - set(FORECAST_TYPES)))
    if not types:
        raise ValueError("gold/features is empty")
    outline["week_start"] = pd.to_datetime(outline["week_start"])
    known = outline[outline["y"].notna()]
    if last_week is not None:
        known = known[known["week_start"] <= pd.Timestamp(last_week)]
    counts = read_counts(settings, types)
    counts["week_start"] = pd.to_datetime(counts["week_start"])
    counts = counts[counts["week_start"] <= known["week_start"].max()]
    panel_cells = np.unique(outline["cell_id"].to_numpy(dtype="int64"))
    all_cells = np.union1d(panel_cells, counts["cell_id"].to_numpy(dtype="int64"))
    weeks = week_range(min(counts["week_start"].min(), known["week_start"].min()), known["week_start"].max())
    histories = count_histories(counts, all_cells, weeks)
    for t in types:  # a type without any count still needs a (zero) history
        if t not in histories:
            histories[t] = count_histories(pd.DataFrame({"cell_id": [all_cells[0]], "week_start": [weeks[0]],
                                                         "problem_type": [t], "y": [0.0]}), all_cells, weeks)[t]
    panel_weeks = pd.DatetimeIndex(sorted(known["week_start"].unique()))
    room = config.min_train_weeks + (config.tune_weeks if config.tune else 0)
    scored = list(panel_weeks[room:][-origins:])
    if not scored:
        raise ValueError(f"gold/features has {len(panel_weeks)} weeks with targets: too few for a backtest")
    first_needed = scored[0] - pd.Timedelta(weeks=(config.train_weeks or 10_000) + config.tune_weeks + 1)
    score_from = scored[0] - pd.Timedelta(weeks=config.tune_weeks)
    if universe == "auto":
        universe = "grid" if has_unit_grid(settings) else "history"
    if universe == "grid":
        rule = panel_cells
    else:  # cells of the panel with an event before the first scored week (the rule sees no later week)
        def rule(before):
            return np.intersect1d(cells_with_history(before), panel_cells)
    rate = neg_rate_for(len(panel_cells), config.train_weeks or len(panel_weeks))
    panels = read_type_panels(settings.table_path("gold", "features"), types, first_needed, score_from, rate)
    truth = read_truth(settings, types, scored)
    return histories, panels, rule, coords if coords is not None else cell_coords(settings), truth, scored[-1]


def run_backtest_for_home(settings, origins: int = 26, config: BacktestConfig | None = None, last_week=None,
                          universe: str = "auto", profile: str = "", write: bool = True,
                          log_mlflow: bool = True, experiment: str | None = "gridwatch",
                          coords: pd.DataFrame | None = None) -> BacktestResult:
    """Backtest the last `origins` weeks of a data home; write gold/backtest and log an MLflow run.

    experiment None: MLflow is already set up by the caller (Dagster's MLflowResource).
    """
    config = replace(config or BacktestConfig(), origins=origins)
    versions = delta_versions({k: v for k, v in table_paths(settings).items() if delta_exists(v)})
    histories, panels, rule, coords, truth, last = load_inputs(settings, origins, config, last_week, universe,
                                                                   coords)
    result = run_backtest(panels, histories, rule, coords, truth, config, last_week=last,
                          profile=profile or settings.home.name)
    if write:
        weekly = result.weekly.assign(origin_week_start=lambda d: pd.to_datetime(d["origin_week_start"]).dt.date)
        version = write_long_table(weekly, settings.table_path(*BACKTEST_TABLE), "origin_week_start")
        log.info("gold/backtest now at version %d", version)
    if log_mlflow:
        if experiment is not None:
            setup_mlflow(settings, experiment)
        params = {"origins": len(result.weekly["origin_week_start"].unique()), "refit_every": config.refit_every,
                  "train_weeks": config.train_weeks, "variants": ",".join(config.variants),
                  "universe": universe, "cells": len(result.universe)}
        result.summary["mlflow_run_id"] = log_backtest(result, params, versions)
    result.summary["data_version"] = versions
    return result


def setup_mlflow(settings, experiment: str = "gridwatch") -> str:
    """Point MLflow at the data home's SQLite store and experiment (as dagster's MLflowResource does)."""
    import os

    import mlflow

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = settings.mlflow_tracking_uri
    settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=settings.mlflow_artifacts.as_uri())
    mlflow.set_experiment(experiment)
    return uri
