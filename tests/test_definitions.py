"""The one Definitions object loads, validates with the repo's workspace.yaml, and has every layer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[1]


def test_definitions_have_every_layer_checks_and_schedules():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"bronze", "silver", "gold", "ml", "delivery"} <= groups
    assert len(graph.asset_check_keys) >= 1
    schedules = {s.name for s in defs.schedules or []}
    assert len(schedules) >= 2, schedules
    assert isinstance(defs.resolve_implicit_global_asset_job_def(), dg.JobDefinition)


def test_dagster_definitions_validate(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path), GRIDWATCH_HOME=str(tmp_path / "home"))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run([str(dagster), "definitions", "validate", "-w", str(ROOT / "workspace.yaml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
