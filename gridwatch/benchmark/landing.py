"""The benchmark's landing data: one simulated city per scale, reused while its parameters stay the same."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path

from gridwatch.settings import Settings

SIM_MARKER = "bench_simulation.json"
HELD = "held_back"  # landing folders of the day the incremental run lands


def ensure_city(settings: Settings, scale: float, weeks: int, seed: int, end: date) -> dict:
    """Simulate the city into the data home unless the same simulation is already there; its summary."""
    from simulator import SimConfig, simulate

    marker = settings.home / SIM_MARKER
    wanted = {"scale": scale, "weeks": weeks, "seed": seed, "end_date": end.isoformat()}
    restore_held_day(settings)
    if marker.exists():
        done = json.loads(marker.read_text())
        if {k: done.get(k) for k in wanted} == wanted:
            return {**done, "reused": True}
    if settings.landing.exists():
        shutil.rmtree(settings.landing)
    settings.ensure_dirs()
    t0 = time.perf_counter()
    summary = simulate(settings, SimConfig(seed=seed, weeks=weeks, scale=scale, end_date=end), progress=False)
    done = {**wanted, "seconds": round(time.perf_counter() - t0, 1), "rows": summary["rows"],
            "files": summary["files"], "cells": summary["cells"]}
    marker.write_text(json.dumps(done, indent=2))
    return {**done, "reused": False}


def reset_lakehouse(settings: Settings) -> None:
    """Start a full rebuild from nothing: no tables, no Dagster run history, no checkpoints."""
    for d in (Path(settings.lakehouse), settings.dagster_home, settings.checkpoints):
        if d.exists():
            shutil.rmtree(d)


def hold_back_day(settings: Settings, day: date) -> int:
    """Move every source's landing folder of one day aside (it lands later); returns folders moved."""
    moved = 0
    for src_dir in sorted(p for p in settings.landing.iterdir() if p.is_dir()):
        folder = src_dir / f"dt={day.isoformat()}"
        if folder.is_dir():
            target = settings.home / HELD / src_dir.name / folder.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(target))
            moved += 1
    return moved


def restore_held_day(settings: Settings) -> int:
    """Land the held-back day: move its folders back into landing/; returns folders moved."""
    held = settings.home / HELD
    moved = 0
    if held.is_dir():
        for folder in sorted(held.glob("*/dt=*")):
            target = settings.landing / folder.parent.name / folder.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(target))
            moved += 1
        shutil.rmtree(held)
    return moved
