"""Run the pipeline's Dagster assets for a layer and read back how long each asset's step took."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from gridwatch.pipeline import run_pipeline
from gridwatch.settings import Settings


@dataclass
class StepTiming:
    """One step of a Dagster run (an asset, or an asset check run as its own step): start, end, success."""

    asset: str
    layer: str
    start: float
    end: float
    success: bool
    is_check: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


def step_timings(instance, run_id: str, layer: str) -> list[StepTiming]:
    """Step start/end times from the run's event log (Spark work, not Dagster start-up)."""
    from dagster import DagsterEventType

    starts: dict[str, float] = {}
    materialized: set[str] = set()
    out = []
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None or ev.step_key is None:
            continue
        if ev.event_type == DagsterEventType.STEP_START:
            starts[ev.step_key] = entry.timestamp
        elif ev.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialized.add(ev.step_key)
        elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            out.append(StepTiming(ev.step_key, layer, starts.get(ev.step_key, entry.timestamp), entry.timestamp,
                                  ev.event_type == DagsterEventType.STEP_SUCCESS))
    for t in out:
        t.is_check = t.asset not in materialized
    return out


def run_layer(settings: Settings, layer: str) -> tuple[list[StepTiming], float]:
    """Materialize one layer for everything landed (as `gridwatch pipeline` does); step timings and wall time."""
    from gridwatch.instance import get_instance

    t0 = time.perf_counter()
    result = run_pipeline(settings, layers=(layer,), progress=False)
    wall = time.perf_counter() - t0
    if not result.success:
        raise RuntimeError(f"{layer} failed: see Dagster run {[s.run_id for s in result.steps if not s.success]}")
    instance = get_instance(settings)
    return [t for s in result.steps for t in step_timings(instance, s.run_id, layer)], wall


def _bucket(partitions_def) -> str:
    from dagster_project import partitions as p

    if partitions_def is None:
        return "none"
    for name in ("daily_partitions", "weekly_partitions", "forecast_partitions"):
        if partitions_def == getattr(p, name):
            return name
    return "other"


def run_layer_for_day(settings: Settings, layer: str, day: date) -> tuple[list[StepTiming], float]:
    """Materialize one layer for one landed day only: its daily partition and its (complete) week."""
    import dagster as dg

    from dagster_project.definitions import defs
    from gridwatch.instance import get_instance

    instance = get_instance(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    graph = defs.resolve_asset_graph()
    keys = dg.AssetSelection.groups(layer).resolve(graph)
    monday = day - timedelta(days=day.weekday())
    buckets: dict[str, list] = {}
    for key in keys:
        buckets.setdefault(_bucket(graph.get(key).partitions_def), []).append(key)
    # Unpartitioned assets (reference places, the unit grid) do not change with a day's feeds.
    partition = {"daily_partitions": day.isoformat()}
    if day.weekday() == 6:  # the day completes its ISO week: that week's gold can be built
        partition["weekly_partitions"] = monday.isoformat()
    timings: list[StepTiming] = []
    t0 = time.perf_counter()
    for bucket in ("daily_partitions", "weekly_partitions"):
        if bucket not in buckets or bucket not in partition:
            continue
        run = job.execute_in_process(instance=instance, asset_selection=buckets[bucket],
                                     partition_key=partition[bucket], raise_on_error=False)
        if not run.success:
            raise RuntimeError(f"incremental {layer} ({bucket}) failed in run {run.run_id}")
        timings += step_timings(instance, run.run_id, layer)
    return timings, time.perf_counter() - t0
