"""From landing files to a weekly risk list, through the same Dagster assets the UI shows, on a small city."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from gridwatch.settings import get_settings
from gridwatch.taxonomy import FORECAST_TYPES

pytestmark = pytest.mark.slow

SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")
END = date(2026, 11, 22)  # a Sunday: week 2026-W47 is the last complete week
TARGET_WEEK = "2026-W48"


@pytest.fixture(scope="module")
def city(tmp_path_factory, spark):
    """A small simulated Ordos pushed through the whole pipeline once for all tests in this module."""
    import os

    from gridwatch.pipeline import run_pipeline
    from simulator import SimConfig, simulate

    home = tmp_path_factory.mktemp("e2e")
    old = {k: os.environ.get(k) for k in ("GRIDWATCH_HOME", "GRIDWATCH_PII_KEY", "GRIDWATCH_BACKTEST_ORIGINS")}
    os.environ["GRIDWATCH_HOME"] = str(home)
    os.environ["GRIDWATCH_PII_KEY"] = "e2e-test-key"
    os.environ["GRIDWATCH_BACKTEST_ORIGINS"] = "8"
    settings = get_settings(home)
    settings.ensure_dirs()
    simulate(settings, SimConfig(seed=11, weeks=30, end_date=END, scale=0.15), progress=False)
    result = run_pipeline(settings, progress=False)
    yield settings, result
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _delta(settings, layer, name) -> pd.DataFrame:
    from deltalake import DeltaTable

    path = Path(settings.table_path(layer, name))
    assert (path / "_delta_log").is_dir(), f"{layer}/{name} is not a Delta table"
    return DeltaTable(str(path)).to_pandas()


def test_every_run_succeeded(city):
    _, result = city
    failed = [s for s in result.steps if not s.success]
    assert result.steps and not failed, failed


def test_bronze_holds_every_landed_source(city):
    settings, _ = city
    for source in SOURCES:
        df = _delta(settings, "bronze", source)
        assert len(df) > 0, source
        assert {"_source_file", "_line", "_batch_id", "_ingested_at"} <= set(df.columns)


def test_silver_incidents_are_gridded_and_typed(city):
    settings, _ = city
    inc = _delta(settings, "silver", "incidents")
    grid = _delta(settings, "silver", "unit_grid")
    assert len(inc) > 100
    assert inc["grid_code"].isin(grid["grid_code"]).all()
    assert set(FORECAST_TYPES) <= set(inc["problem_type"])
    # WGS-84 inside the city's boxes, not GCJ-02 (which sits ~500 m east)
    assert inc["lon"].between(109.6, 110.1).all() and inc["lat"].between(39.5, 39.9).all()


def test_gold_panel_covers_the_forecast_types(city):
    settings, _ = city
    gw = _delta(settings, "gold", "grid_week")
    assert set(FORECAST_TYPES) <= set(gw["problem_type"])
    assert (gw["incidents"] > 0).all()


def test_mlflow_has_model_and_baseline_hit_rates(city):
    import mlflow

    settings, _ = city
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) > 0
    metric_cols = [c for c in runs.columns if c.startswith("metrics.")]
    for t in FORECAST_TYPES:
        assert any(c.startswith(f"metrics.{t}.model.hr_5") for c in metric_cols), (t, metric_cols[:20])
        assert any(c.startswith(f"metrics.{t}.") and "hr_5" in c and ".model." not in c for c in metric_cols)
    tags = [c for c in runs.columns if "data_version" in c]
    assert tags, "runs must record the Delta table versions they read"


def test_risk_list_for_every_district_and_type(city):
    settings, _ = city
    week_dir = settings.outbox / "risk_lists" / TARGET_WEEK
    csvs = sorted(week_dir.rglob("*.csv"))
    assert csvs, f"no CSV risk lists in {week_dir}"
    lists = pd.concat([pd.read_csv(p, encoding="utf-8-sig", dtype=str) for p in csvs])
    code_col = next(c for c in lists.columns if "grid_code" in c or "网格编码" in c)
    districts = lists[code_col].str[:6]
    assert set(districts) == {"150602", "150603", "150627"}
    assert len(lists) >= 3 * 3


def test_audit_reconciles(city):
    from gridwatch.audit import audit

    settings, _ = city
    report = audit(settings)
    assert report["reconciled"], report
