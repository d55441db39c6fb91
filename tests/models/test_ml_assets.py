"""The ML assets materialized by Dagster on a small lakehouse written with delta-rs."""

import dagster as dg
import mlflow
import numpy as np
import pandas as pd
import pytest
from deltalake import DeltaTable, write_deltalake
from forecast_city import synthetic_city

from dagster_project.defs.ml import backtest, forecasts, trained_model
from dagster_project.resources import LakehouseResource, MLflowResource
from gridwatch.settings import get_settings


@pytest.fixture
def lakehouse(home, monkeypatch):
    """gold/features (last week without targets: the week to forecast), gold/grid_week and the truth."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    city = synthetic_city(ncols=12, nrows=12, weeks=27, types=("stall", "parking"), seed=4, mean_rate=0.3,
                          first_week="2025-01-06")
    settings = get_settings(home)
    panel = city["panel"].copy()
    target = city["weeks"][-1]
    counts = panel[panel["week_start"] < target]
    panel["y"] = panel["y"].where(panel["week_start"] < target)  # next week: features known, target not
    panel["grid_code"] = "150602001001" + (panel["cell_id"] % 1000).astype(str).str.zfill(3)
    panel["district_code"] = np.where(panel["cell_id"] % 2 == 0, "150602", "150603")
    panel["week_start"] = panel["week_start"].dt.date
    write_deltalake(settings.table_path("gold", "features"), panel)
    gw = counts[counts["y"] > 0].rename(columns={"y": "incidents"})[["cell_id", "week_start", "problem_type", "incidents"]]
    write_deltalake(settings.table_path("gold", "grid_week"), gw.assign(week_start=gw["week_start"].dt.date))
    settings.truth.mkdir(parents=True, exist_ok=True)
    city["truth"].to_parquet(settings.truth / "expected_counts.parquet")
    yield settings, city
    mlflow.set_tracking_uri(None)


def test_backtest_train_and_forecast_assets(lakehouse):
    settings, city = lakehouse
    resources = {"lakehouse": LakehouseResource(home=str(settings.home)),
                 "mlflow": MLflowResource(experiment="gridwatch-test")}
    last_week = str(city["weeks"][-2].date())
    run_config = {"ops": {"backtest": {"config": {"origins": 6, "refit_every": 3, "train_weeks": 20,
                                                   "variants": ["poisson"], "tune_budget_s": 0.0}},
                          "trained_model": {"config": {"train_weeks": 20, "gate_origins": 6}}}}
    result = dg.materialize([backtest, trained_model], partition_key=last_week, resources=resources,
                            run_config=run_config)
    assert result.success
    bt = DeltaTable(settings.table_path("gold", "backtest")).to_pandas()
    assert set(bt.columns) == {"method", "problem_type", "origin_week_start", "metric", "value"}
    assert str(max(bt["origin_week_start"])) == last_week
    assert bt["origin_week_start"].nunique() == 6
    assert {"model", "long_run", "oracle"} <= set(bt["method"])
    mats = result.asset_materializations_for_node("backtest")
    assert "| stall |" in mats[0].metadata["hr_at_5pct"].value

    gate = result.asset_materializations_for_node("trained_model")[0].metadata
    versions = gate["versions"].value
    assert set(versions) == {"stall", "parking"}
    client = mlflow.MlflowClient()
    for ptype, v in versions.items():
        mv = client.get_model_version(f"gridwatch-{ptype}", v)
        assert mv.tags["gate"] == "promoted" or "does not beat" in mv.tags["gate"]

    target = str(city["weeks"][-1].date())
    out = dg.materialize([forecasts], partition_key=target, resources=resources)
    assert out.success
    fc = DeltaTable(settings.table_path("gold", "forecasts")).to_pandas()
    assert len(fc) == 2 * 144
    assert set(fc["target_week_start"].astype(str)) == {target}
    assert ((fc["p_any"] >= 0) & (fc["p_any"] < 1)).all()
    assert np.allclose(fc["p_any"], 1 - np.exp(-fc["expected"]))
    assert set(fc["model_name"]) == {"gridwatch-stall", "gridwatch-parking"}
    assert fc["data_version"].str.contains("gold/features").all()
    # the forecast ranks the truly hot cells high: the top 10% by forecast hold far more true intensity
    truth = city["truth"][city["truth"]["week_start"] == pd.Timestamp(target)]
    truth = truth.rename(columns={"expected": "true_expected"}).astype({"cell_id": "int64"})
    m = fc.merge(truth, on=["cell_id", "problem_type"])
    for _, g in m.groupby("problem_type"):
        top = g.nlargest(15, "expected")["true_expected"].mean()
        assert top > 2 * g["true_expected"].mean()
