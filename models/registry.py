"""The MLflow model registry: one registered model per problem type (gridwatch-<type>) with a champion alias."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from models.forecaster import HotspotModel, ModelSpec
from models.gate import promotion_decision
from models.tracking import metric_key

log = logging.getLogger(__name__)
CHAMPION = "champion"


def model_name(problem_type: str) -> str:
    """Registered model name of a problem type."""
    return f"gridwatch-{problem_type}"


def log_model(model: HotspotModel, sample: pd.DataFrame, metrics: Mapping[str, float],
              data_version: Mapping[str, int], origins: list[str], params: Mapping[str, object] | None = None,
              register: bool = True) -> tuple[str, str | None]:
    """Log a fitted model with its signature in a new run, register it; returns (run_id, version)."""
    import mlflow
    from mlflow.models import infer_signature

    X = sample.reindex(columns=model.features).astype("float32")
    signature = infer_signature(X, model.expected(X))
    name = model_name(model.problem_type)
    with mlflow.start_run(run_name=f"train-{model.problem_type}") as run:
        mlflow.set_tags({"kind": "train", "problem_type": model.problem_type, "variant": model.spec.variant,
                         "data_version": json.dumps(dict(data_version), sort_keys=True),
                         "origins": json.dumps(origins)})
        mlflow.log_params({"variant": model.spec.variant, "rounds": model.spec.rounds, "n_features": len(model.features),
                           **{k: v for k, v in model.spec.params.items()}, **dict(params or {})})
        mlflow.log_metrics({metric_key(model.problem_type, "model", k): float(v) for k, v in metrics.items()
                            if v is not None})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "feature_importance.csv"
            model.feature_importance().to_csv(path, index=False)
            mlflow.log_artifact(str(path))
            if model.calibrator is not None:
                import joblib

                joblib.dump(model.calibrator, Path(tmp) / "calibrator.joblib")
                mlflow.log_artifact(str(Path(tmp) / "calibrator.joblib"))
        info = mlflow.lightgbm.log_model(model.booster, name="model", signature=signature,
                                         input_example=X.head(3), registered_model_name=name if register else None)
        version = str(info.registered_model_version) if register and info.registered_model_version else None
        if version:
            client = mlflow.MlflowClient()
            client.set_model_version_tag(name, version, "origins", json.dumps(origins))
            client.set_model_version_tag(name, version, "metrics", json.dumps(dict(metrics)))
            client.set_model_version_tag(name, version, "variant", model.spec.variant)
        return run.info.run_id, version


def champion_version(problem_type: str):
    """The champion ModelVersion of a type, or None."""
    import mlflow

    try:
        return mlflow.MlflowClient().get_model_version_by_alias(model_name(problem_type), CHAMPION)
    except Exception:  # no registered model or no alias yet
        return None


def champion_metrics(problem_type: str) -> tuple[dict | None, list[str] | None]:
    """(metrics, origins) the champion was judged on, from its version tags."""
    mv = champion_version(problem_type)
    if mv is None:
        return None, None
    tags = mv.tags or {}
    return json.loads(tags.get("metrics", "null")), json.loads(tags.get("origins", "null"))


def apply_gate(problem_type: str, version: str, challenger: Mapping[str, float],
               baselines: Mapping[str, Mapping[str, float]], champion: Mapping[str, float] | None) -> tuple[bool, list[str]]:
    """Promote a registered version to champion if it passes the gate; record the decision on the version."""
    import mlflow

    promote, reasons = promotion_decision(challenger, champion, baselines)
    client = mlflow.MlflowClient()
    name = model_name(problem_type)
    client.set_model_version_tag(name, version, "gate", "promoted" if promote else "; ".join(reasons)[:4000])
    if promote:
        client.set_registered_model_alias(name, CHAMPION, version)
        log.info("%s v%s is the new champion", name, version)
    else:
        log.info("%s v%s stays challenger: %s", name, version, reasons)
    return promote, reasons


def load_version(problem_type: str, version: str | None = None) -> HotspotModel | None:
    """A registered version (default: the champion) as a HotspotModel."""
    import mlflow

    client = mlflow.MlflowClient()
    mv = champion_version(problem_type) if version is None else client.get_model_version(model_name(problem_type), version)
    if mv is None:
        return None
    booster = mlflow.lightgbm.load_model(f"models:/{model_name(problem_type)}/{mv.version}")
    calibrator = None
    try:
        import joblib

        local = mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path="calibrator.joblib")
        calibrator = joblib.load(local)
    except Exception:  # count models have no calibrator
        calibrator = None
    variant = (mv.tags or {}).get("variant", "poisson")
    model = HotspotModel(problem_type, ModelSpec(variant), list(booster.feature_name()), booster, calibrator)
    model.version = str(mv.version)  # type: ignore[attr-defined]
    return model


def load_champion(settings, problem_type: str) -> HotspotModel | None:
    """The champion forecaster of a type from the data home's MLflow store (None when there is none)."""
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    try:
        return load_version(problem_type)
    except Exception as exc:  # store missing or unreadable
        log.warning("no champion for %s: %s", problem_type, exc)
        return None
