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
# Dagster's SQLite event log (same files, $DAGSTER_HOME/history/runs), storing a batch of events in
# one transaction: a run over 80 weeks of daily partitions records ~7,000 events.
event_log_storage:
  module: gridwatch.dagster_events
  class: BatchingSqliteEventLogStorage
"""
EVENT_BATCH_SIZE = "1000"
# What earlier versions wrote; a data home that still has it exactly is brought up to DAGSTER_YAML.
_EARLIER_YAML = DAGSTER_YAML[: DAGSTER_YAML.index("# Dagster's SQLite event log")]


def prepare_dagster_home(settings: Settings) -> str:
    """Create DAGSTER_HOME with a dagster.yaml and point the environment (and servers started from it) at it.

    A dagster.yaml someone edited is left as it is.
    """
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists() or cfg.read_text() == _EARLIER_YAML:
        cfg.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    # Dagster hands the storage batches of events only when this is set (its default: 0, off).
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)
    return str(home)


def get_instance(settings: Settings):
    """The persistent instance the UI also reads, so CLI runs show up in `dagster dev`."""
    import dagster as dg

    prepare_dagster_home(settings)
    return dg.DagsterInstance.get()
