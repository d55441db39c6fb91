"""Run the whole pipeline by materializing the same Dagster assets the UI shows, layer by layer."""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from gridwatch.settings import Settings

log = logging.getLogger(__name__)

LAYERS = ("bronze", "silver", "gold", "ml", "delivery")
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
_DT = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


@dataclass
class StepResult:
    """One Dagster run of the pipeline: which assets, which partitions, how long."""

    layer: str
    assets: list[str]
    partitions: str
    seconds: float
    success: bool
    run_id: str


@dataclass
class PipelineResult:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(s.success for s in self.steps)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


def landed_days(settings: Settings) -> list[date]:
    """Every day that has a landing folder, over all sources."""
    days: set[date] = set()
    if settings.landing.exists():
        for src in settings.landing.iterdir():
            if src.is_dir():
                for d in src.iterdir():
                    m = _DT.match(d.name)
                    if m:
                        days.add(date.fromisoformat(m.group(1)))
    return sorted(days)


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _bucket(partitions_def) -> str:
    from dagster_project import partitions as p

    if partitions_def is None:
        return "none"
    for name in ("daily_partitions", "weekly_partitions", "forecast_partitions"):
        if partitions_def == getattr(p, name):
            return name
    return "other"


def plan(settings: Settings, layers: tuple[str, ...] = LAYERS, target_week: date | None = None):
    """The runs to make: (layer, asset keys, range tags) in dependency order."""
    import dagster as dg

    from dagster_project.definitions import defs

    days = landed_days(settings)
    if not days:
        raise RuntimeError(
            f"no landing files under {settings.landing}; run `gridwatch simulate` first "
            "(没有落地文件，请先运行 gridwatch simulate)"
        )
    first, last = days[0], days[-1]
    # Gold covers complete weeks only; forecasts and lists target the week after the last complete one.
    last_full_week = monday(last) if last.weekday() == 6 else monday(last) - timedelta(days=7)
    target = target_week or last_full_week + timedelta(days=7)
    ranges = {
        "daily_partitions": (first.isoformat(), last.isoformat()),
        "weekly_partitions": (monday(first).isoformat(), last_full_week.isoformat()),
        "forecast_partitions": (target.isoformat(), target.isoformat()),
    }
    graph = defs.resolve_asset_graph()
    steps = []
    for layer in layers:
        keys = dg.AssetSelection.groups(layer).resolve(graph)
        buckets: dict[str, list] = {}
        for key in sorted(keys, key=lambda k: k.to_user_string()):
            buckets.setdefault(_bucket(graph.get(key).partitions_def), []).append(key)
        for bucket in ("none", "daily_partitions", "weekly_partitions", "forecast_partitions", "other"):
            if bucket not in buckets:
                continue
            tags = {}
            if bucket in ranges:
                tags = {RANGE_START: ranges[bucket][0], RANGE_END: ranges[bucket][1]}
            elif bucket == "other":
                raise RuntimeError(f"assets {buckets[bucket]} use a partitioning the runner does not know")
            steps.append((layer, buckets[bucket], tags))
    return steps


# The console shows what each step did; Dagster's step-by-step DEBUG events stay in the run's event log
# (the Dagster UI shows them). GRIDWATCH_LOG_LEVEL=DEBUG brings them back to the console.
LOG_CONFIG = {"loggers": {"console": {"config": {"log_level": os.environ.get("GRIDWATCH_LOG_LEVEL", "INFO")}}}}


def step_job(job, keys, checks: bool = True):
    """The job one step runs: the selected assets with their asset checks, or without any."""
    return job.get_subset(asset_selection=set(keys), asset_check_selection=None if checks else set())


def run_pipeline(settings: Settings, layers: tuple[str, ...] = LAYERS,
                 target_week: date | None = None, progress: bool = True,
                 op_config: dict[str, dict] | None = None, checks: bool = True) -> PipelineResult:
    """Materialize every layer's assets for everything landed, as Dagster runs on the persistent instance.

    op_config gives assets their run config by name, e.g. {"backtest": {"origins": 8}}; each run gets the
    entries of the assets it materializes. checks=False leaves the asset checks (GX suites, reconciliation)
    out of the runs, for a run whose output is verified another way, e.g. compared with a reference run.
    """
    from dagster_project.definitions import defs
    from gridwatch.instance import get_instance

    instance = get_instance(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    result = PipelineResult()
    steps = plan(settings, layers, target_week)
    for i, (layer, keys, tags) in enumerate(steps, 1):
        names = [k.to_user_string() for k in keys]
        span = f"{tags[RANGE_START]}..{tags[RANGE_END]}" if tags else "-"
        if progress:
            print(f"[{i}/{len(steps)}] {layer:<8} {', '.join(names)}  ({span})", flush=True)
        t0 = time.perf_counter()
        ops = {n: {"config": c} for n, c in (op_config or {}).items() if n in names}
        run = step_job(job, keys, checks).execute_in_process(
            instance=instance, tags=tags, run_config={**LOG_CONFIG, **({"ops": ops} if ops else {})},
            raise_on_error=False)
        step = StepResult(layer, names, span, time.perf_counter() - t0, run.success, run.run_id)
        result.steps.append(step)
        if progress:
            print(f"      {'ok' if run.success else 'FAILED'} in {step.seconds:.1f} s  (run {run.run_id[:8]})",
                  flush=True)
        if not run.success:
            failures = [e.message for e in run.all_events if e.is_failure]
            log.error("step %s failed: %s", layer, failures[:3])
            break
    return result
