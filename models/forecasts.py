"""gold/forecasts: expected incidents and P(>=1) per cell for a target week, from the champion per type."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models import registry
from models.forecaster import p_any
from models.lakehouse_io import delta_exists, read_delta
from models.tracking import delta_versions

log = logging.getLogger(__name__)
FORECAST_COLUMNS = ["target_week_start", "target_iso_week", "cell_id", "grid_code", "district_code",
                    "problem_type", "expected", "p_any", "model_name", "model_version", "data_version"]


def iso_week(week_start) -> str:
    """'2026-W48' for a Monday."""
    y, w, _ = pd.Timestamp(week_start).isocalendar()
    return f"{y}-W{w:02d}"


def forecasts_for_week(settings, target_week, models: dict | None = None) -> pd.DataFrame:
    """One row per cell and forecast type for the target week; the champion (else the latest version) scores."""
    from models.backtest_home import table_paths

    path = settings.table_path("gold", "features")
    day = pd.Timestamp(target_week).date()
    rows = read_delta(path, None, pc.field("week_start") == pa.scalar(day))
    if rows.empty:
        raise ValueError(f"gold/features has no rows for {day}: build the features of the target week first")
    version = json.dumps(delta_versions({k: v for k, v in table_paths(settings).items() if delta_exists(v)}),
                         sort_keys=True)
    parts = []
    for ptype, part in rows.groupby("problem_type"):
        model = (models or {}).get(ptype) or registry.load_champion(settings, ptype) or _latest(ptype)
        if model is None:
            log.warning("no model registered for %s; no forecasts for it", ptype)
            continue
        exp = model.expected(part)
        parts.append(pd.DataFrame({
            "target_week_start": day, "target_iso_week": iso_week(day),
            "cell_id": part["cell_id"].to_numpy(dtype="int64"), "grid_code": part["grid_code"].astype(str).to_numpy(),
            "district_code": part["district_code"].astype(str).to_numpy(), "problem_type": ptype,
            "expected": exp.astype(float), "p_any": p_any(exp),
            "model_name": registry.model_name(ptype), "model_version": str(getattr(model, "version", "")),
            "data_version": version,
        }))
    if not parts:
        raise ValueError("no forecaster is registered yet: materialize trained_model first")
    return pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]


def _latest(problem_type: str):
    """The newest registered version when no champion exists yet (logged loudly)."""
    import mlflow

    try:
        versions = mlflow.MlflowClient().search_model_versions(f"name = '{registry.model_name(problem_type)}'")
    except Exception:
        return None
    if not versions:
        return None
    newest = max(versions, key=lambda v: int(v.version))
    log.warning("no champion for %s: forecasting with the latest version %s", problem_type, newest.version)
    return registry.load_version(problem_type, str(newest.version))


def write_forecasts(settings, frame: pd.DataFrame) -> int:
    """Replace the target week's rows of gold/forecasts; returns the table version."""
    from deltalake import DeltaTable, write_deltalake

    path = settings.table_path("gold", "forecasts")
    weeks = sorted(frame["target_week_start"].unique())
    if delta_exists(path):
        pred = " OR ".join(f"target_week_start = '{w}'" for w in weeks)
        write_deltalake(path, frame, mode="overwrite", predicate=pred)
    else:
        write_deltalake(path, frame, mode="overwrite")
    return int(DeltaTable(path).version())


def forecast_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per type: cells, expected total, the top 1% cells' share of the expected total."""
    out = []
    for ptype, g in frame.groupby("problem_type"):
        e = np.sort(g["expected"].to_numpy())[::-1]
        n = max(1, int(np.ceil(0.01 * len(e))))
        out.append({"problem_type": ptype, "cells": len(e), "expected_total": float(e.sum()),
                    "top1pct_share": float(e[:n].sum() / e.sum()) if e.sum() > 0 else 0.0,
                    "model_version": g["model_version"].iloc[0]})
    return pd.DataFrame(out)
