"""The Dagster instance under the data home (DAGSTER_HOME), with telemetry off."""

from __future__ import annotations

import os

from gridwatch.settings import Settings

DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
"""


def prepare_dagster_home(settings: Settings) -> str:
    """Create DAGSTER_HOME with a dagster.yaml and point the environment at it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return str(home)


def get_instance(settings: Settings):
    """The persistent instance the UI also reads, so CLI runs show up in `dagster dev`."""
    import dagster as dg

    prepare_dagster_home(settings)
    return dg.DagsterInstance.get()
