"""The delivery assets materialized by Dagster on a hand-made lakehouse (real Delta tables, real files)."""

from __future__ import annotations

import json
import shutil
import socket

import dagster as dg
import pandas as pd
import pytest
from deltalake import DeltaTable, write_deltalake

from dagster_project.defs.delivery import (
    case_kpis,
    risk_list,
    risk_list_archive_intact,
    risk_list_delivery,
    risk_list_score,
)
from dagster_project.resources import LakehouseResource
from delivery.test_case_kpis import history as case_history
from delivery.world import TYPES, forecasts_and_explainer, make_world, train
from gridwatch.delivery import weekly
from gridwatch.settings import get_settings
from models.risk_list import iso_week_label


def _write(settings, layer, name, frame):
    write_deltalake(settings.table_path(layer, name), frame.reset_index(drop=True), mode="append")


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    home = tmp_path_factory.mktemp("lake")
    settings = get_settings(home)
    world = make_world(n_weeks=20)
    prev, week = world.weeks[-2], world.weeks[-1]
    grid = world.grid
    _write(settings, "silver", "unit_grid", grid)
    ids = grid[["cell_id", "grid_code", "district_code"]]
    feats = world.features.merge(ids, on="cell_id")
    feats["iso_week"] = [iso_week_label(w) for w in feats["week_start"]]
    _write(settings, "gold", "features", feats[feats["week_start"] >= world.weeks[-6]])
    _write(settings, "gold", "grid_week", world.grid_week[world.grid_week["week_start"] < week])
    _write(settings, "gold", "forecasts", pd.concat([forecasts_and_explainer(world, w)[0] for w in (prev, week)]))
    _write(settings, "silver", "cases_history", case_history())
    # The list for the previous week, with SHAP reasons from real models (the path the ML registry feeds).
    models = {t: train(world, t, prev) for t in TYPES}
    first = weekly.publish_risk_lists(settings, prev, formats=("csv", "excel"), models=models)
    return settings, world, prev, week, first


def _run(assets, settings, partition, config=None):
    return dg.materialize(assets, partition_key=partition.isoformat(), raise_on_error=False, run_config=config,
                          resources={"lakehouse": LakehouseResource(home=str(settings.home))})


def test_previous_list_has_shap_reasons(lake):
    settings, _, prev, _, first = lake
    assert first["status"] == "published" and set(first["reasons_source"].values()) == {"shap"}
    stored = DeltaTable(settings.table_path("gold", "risk_lists")).to_pandas()
    assert set(stored["iso_week"]) == {iso_week_label(prev)}
    assert (stored["reason_1_zh"] != "").all()


def test_risk_list_asset_publishes_once(lake):
    settings, world, _, week, _ = lake
    cfg = {"ops": {"risk_list": {"config": {"formats": ["csv", "excel", "html"]}}}}
    res = _run([risk_list], settings, week, cfg)
    assert res.success
    meta = res.asset_materializations_for_node("risk_list")[0].metadata
    info = meta[iso_week_label(week)].value
    assert info["status"] == "published"
    assert set(info["rows"]) == {f"{d}/{t}" for d in ("150603", "150627") for t in TYPES}
    assert {f.rsplit(".", 1)[-1] for f in info["files"]} == {"csv", "xlsx", "html"}
    folder = settings.outbox / "risk_lists" / iso_week_label(week) / "150603"
    before = json.loads((folder / "manifest.json").read_text("utf-8"))
    again = _run([risk_list], settings, week, cfg)
    info2 = again.asset_materializations_for_node("risk_list")[0].metadata[iso_week_label(week)].value
    assert info2["status"] == "already published"
    assert json.loads((folder / "manifest.json").read_text("utf-8")) == before
    rows = DeltaTable(settings.table_path("gold", "risk_lists")).to_pandas()
    assert (rows["iso_week"] == iso_week_label(week)).sum() == sum(info["rows"].values())  # not appended twice


def test_archive_check_passes(lake):
    settings, _, _, week, _ = lake
    res = _run([risk_list, risk_list_archive_intact], settings, week,
               {"ops": {"risk_list": {"config": {"formats": ["csv"]}}}})
    evals = res.get_asset_check_evaluations()
    assert evals and all(e.passed for e in evals)


def test_delivery_copies_and_fails_loudly(lake, tmp_path):
    settings, _, _, week, _ = lake
    target = tmp_path / "share"
    ok = _run([risk_list_delivery], settings, week,
              {"ops": {"risk_list_delivery": {"config": {"kind": "copy", "target": str(target)}}}})
    assert ok.success
    copied = target / iso_week_label(week) / "150627" / "manifest.json"
    assert copied.exists()
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bad = _run([risk_list_delivery], settings, week,
               {"ops": {"risk_list_delivery": {"config": {"kind": "post", "target": f"http://127.0.0.1:{port}/in",
                                                          "retries": 1, "backoff_seconds": 0}}}})
    assert not bad.success
    failure = next(e for e in bad.all_events if e.is_step_failure)
    text = str(failure.event_specific_data.error)
    assert "delivery failed" in text and "after 2 attempts" in text and str(port) in text
    shutil.rmtree(target)


def test_score_and_case_kpis_assets(lake):
    settings, _, prev, _, _ = lake
    res = _run([risk_list_score], settings, prev)
    assert res.success
    meta = res.asset_materializations_for_node("risk_list_score")[0].metadata
    assert meta[iso_week_label(prev)].value == "scored"
    scores = DeltaTable(settings.table_path("gold", "list_scores")).to_pandas()
    assert set(scores["slot"]) == {"all", "model", "exploration"} and scores["hit_rate"].between(0, 1).all()
    assert (settings.outbox / "risk_lists" / "_scores" / "list_scores_running.png").stat().st_size > 5000

    week = pd.Timestamp("2026-11-09").date()
    first = _run([case_kpis], settings, week)
    second = _run([case_kpis], settings, week)  # a recomputation replaces the week, versioned by Delta
    assert first.success and second.success
    table = DeltaTable(settings.table_path("gold", "case_kpis"))
    now = table.to_pandas()
    assert (now["iso_week"] == "2026-W46").sum() == len(DeltaTable(table.table_uri, version=0).to_pandas())
    assert table.version() == 1
    d = now[(now["district_code"] == "150602") & (now["level"] == "district")].iloc[0]
    assert (d["reported"], d["reworked"]) == (5, 1)  # the rework is known by now
