"""Reasons for the listed cells: SHAP contributions of the forecaster, or a plainly labelled fallback."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.reasons import shap_contributions, top_reasons

log = logging.getLogger(__name__)

SOURCE_SHAP, SOURCE_ZSCORE = "shap", "feature_zscore"


def _booster_and_features(model) -> tuple[object, list[str]]:
    """A HotspotModel-like object (booster, features) or a bare LightGBM Booster / sklearn model."""
    booster = getattr(model, "booster", None) or getattr(model, "booster_", None) or model
    features = getattr(model, "features", None)
    if features is None:
        features = list(booster.feature_name())
    return booster, list(features)


def load_models(settings, problem_types: list[str]) -> dict[str, object]:
    """The champion forecaster per type: models.registry.load_champion if the ML layer provides it, else MLflow."""
    out: dict[str, object] = {}
    try:
        from models import registry  # the ML layer's registry, when it exists

        for t in problem_types:
            m = registry.load_champion(settings, t)
            if m is not None:
                out[t] = m
        return out
    except (ImportError, AttributeError) as exc:
        log.info("no models.registry.load_champion (%s); trying MLflow aliases", exc)
    try:
        import mlflow

        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        for t in problem_types:
            for name in (f"gridwatch-{t}", f"gridwatch_{t}", t):
                try:
                    out[t] = mlflow.lightgbm.load_model(f"models:/{name}@champion")
                    break
                except Exception:  # alias or model absent: try the next name
                    continue
    except Exception as exc:  # no MLflow store yet
        log.warning("MLflow models unavailable: %s", exc)
    return out


def make_explainer(features: pd.DataFrame, models: Mapping[str, object],
                   catalogue: Mapping[str, Mapping[str, str]] | None = None):
    """explain(problem_type, listed rows) for models.risk_list; records which source each type used."""
    used: dict[str, str] = {}

    def explain(ptype: str, listed: pd.DataFrame) -> pd.DataFrame:
        rows = features[features["problem_type"] == ptype].drop_duplicates("cell_id").set_index("cell_id")
        if ptype in models:
            booster, cols = _booster_and_features(models[ptype])
            X = rows.reindex(listed["cell_id"]).reindex(columns=cols).astype("float32")
            X.index = listed.index
            contrib = shap_contributions(booster, X)
            used[ptype] = SOURCE_SHAP
        else:
            cols = [c for c in rows.columns if c in (catalogue or {})] or \
                [c for c in rows.select_dtypes("number").columns if c not in ("cell_id", "y")]
            all_x = rows[cols].astype(float)
            z = (all_x - all_x.mean()) / all_x.std(ddof=0).replace(0, np.nan)
            near = [c for c in cols if c.startswith("place_dist_")]
            z[near] = -z[near]  # closer to a place is the risky direction
            X = all_x.reindex(listed["cell_id"])
            X.index = listed.index
            contrib = z.reindex(listed["cell_id"]).fillna(0)
            contrib.index = listed.index
            used[ptype] = SOURCE_ZSCORE
            log.warning("no forecaster for %s: reasons from unusually high feature values, not SHAP", ptype)
        return top_reasons(contrib, X, ptype, catalogue=catalogue)

    explain.sources = used  # type: ignore[attr-defined]
    return explain
