"""Registry and tracking on a real MLflow SQLite store in a temporary data home."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from forecast_city import synthetic_city

from gridwatch.settings import get_settings
from models import registry
from models.backtest import BacktestConfig, run_backtest
from models.backtest_home import setup_mlflow
from models.forecaster import ModelSpec, fit_model
from models.history import count_histories
from models.panel import TypePanel
from models.tracking import log_backtest, metric_key

BASELINES = {"long_run": {"hr@5": 0.30, "deviance": 0.50}, "last_week": {"hr@5": 0.20, "deviance": 0.60}}


@pytest.fixture
def store(home, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = get_settings(home)
    setup_mlflow(settings, "gridwatch-test")
    yield settings
    mlflow.set_tracking_uri(None)


@pytest.fixture(scope="module")
def city():
    return synthetic_city(ncols=12, nrows=12, weeks=30, types=("stall",), seed=2, mean_rate=0.3)


def _fit(city, variant="poisson", rounds=30):
    p = TypePanel.from_frame(city["panel"], "stall")
    X, y, w, wk = p.training(city["weeks"][-1], None)
    return fit_model("stall", X, y, w, wk, p.features, ModelSpec(variant, rounds=rounds)), p


def test_champion_alias_follows_the_gate(store, city):
    model, panel = _fit(city)
    sample = pd.DataFrame(panel.X[:50], columns=panel.features)
    origins = ["2024-06-03", "2024-06-10"]
    run_id, v1 = registry.log_model(model, sample, {"hr@5": 0.35, "deviance": 0.45}, {"gold/features": 3}, origins)
    assert v1 == "1"
    promoted, _ = registry.apply_gate("stall", v1, {"hr@5": 0.35, "deviance": 0.45}, BASELINES, None)
    assert promoted
    champ = registry.champion_version("stall")
    assert str(champ.version) == "1"
    assert json.loads(champ.tags["origins"]) == origins

    worse, _ = _fit(city, rounds=5)
    _, v2 = registry.log_model(worse, sample, {"hr@5": 0.33, "deviance": 0.47}, {"gold/features": 4}, origins)
    metrics, champ_origins = registry.champion_metrics("stall")
    assert champ_origins == origins
    promoted, reasons = registry.apply_gate("stall", v2, {"hr@5": 0.33, "deviance": 0.47}, BASELINES, metrics)
    assert not promoted and len(reasons) == 2
    assert str(registry.champion_version("stall").version) == "1"
    client = mlflow.MlflowClient()
    assert client.get_model_version("gridwatch-stall", v2).tags["gate"].startswith("hr@5")

    run = client.get_run(run_id)
    assert json.loads(run.data.tags["data_version"]) == {"gold/features": 3}
    assert run.data.metrics[metric_key("stall", "model", "hr@5")] == pytest.approx(0.35)

    loaded = registry.load_champion(store, "stall")
    X = panel.week_rows(city["weeks"][-1], city["cells"])
    assert np.allclose(loaded.expected(X), model.expected(X), rtol=1e-6)
    assert loaded.version == "1"


def test_a_ranking_model_keeps_its_calibration(store, city):
    model, panel = _fit(city, "lambdarank")
    sample = pd.DataFrame(panel.X[:50], columns=panel.features)
    _, v = registry.log_model(model, sample, {"hr@5": 0.4, "deviance": 0.3}, {}, [])
    loaded = registry.load_version("stall", v)
    X = panel.week_rows(city["weeks"][-1], city["cells"])
    assert loaded.calibrator is not None
    assert np.allclose(loaded.expected(X), model.expected(X))


def test_backtest_run_logs_metrics_for_model_and_baselines(store, city):
    panels = {"stall": TypePanel.from_frame(city["panel"], "stall")}
    hist = count_histories(city["panel"], city["cells"])
    result = run_backtest(panels, hist, city["cells"], city["coords"], city["truth"],
                          BacktestConfig(origins=3, variants=("poisson",), tune=False, n_boot=20))
    run_id = log_backtest(result, {"origins": 3}, {"gold/features": 7})
    run = mlflow.MlflowClient().get_run(run_id)
    m = run.data.metrics
    for method in ("model", "long_run", "last_week", "mean_4w", "kde", "oracle"):
        assert metric_key("stall", method, "hr@5") in m
    assert m["stall.model.hr_5"] == pytest.approx(result.summary["types"]["stall"]["model"]["hr@5"])
    assert json.loads(run.data.params["data_version"]) == {"gold/features": 7}
    arts = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id)}
    assert {"capture_curve.png", "summary.json", "weekly.csv", "feature_importance_stall.csv"} <= arts


def test_training_takes_the_spec_the_backtest_chose_and_judged(store):
    from models.training import _backtest_spec

    assert _backtest_spec("stall") == ModelSpec()  # no backtest yet: the default
    with mlflow.start_run(run_name="backtest"):
        mlflow.set_tag("kind", "backtest")
        mlflow.log_params({"stall.variant": "tweedie", "stall.rounds": 500, "stall.num_leaves": 63,
                           "stall.learning_rate": 0.03, "parking.variant": "poisson", "parking.rounds": 300})
    assert _backtest_spec("stall") == ModelSpec("tweedie", {"num_leaves": 63, "learning_rate": 0.03}, 500)
    assert _backtest_spec("parking") == ModelSpec("poisson", {}, 300)
    assert _backtest_spec("violation") == ModelSpec()
