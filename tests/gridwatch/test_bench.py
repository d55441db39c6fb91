"""The benchmark's pieces that need no Spark: scale parsing, held-back day, growth ratios, stage mapping."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from gridwatch.bench import merge_results, parse_scales, scale_home
from gridwatch.benchmark.dagster_steps import StepTiming
from gridwatch.benchmark.landing import hold_back_day, restore_held_day
from gridwatch.benchmark.memory import MemorySampler
from gridwatch.benchmark.report import format_report, growth
from gridwatch.benchmark.scale import stage_of, summarize
from gridwatch.settings import get_settings


def test_parse_scales_and_homes(tmp_path):
    assert parse_scales("1,4,16") == [1.0, 4.0, 16.0]
    assert parse_scales("0.5") == [0.5]
    with pytest.raises(ValueError):
        parse_scales("1,-4")
    assert scale_home(tmp_path, 16.0) == tmp_path / "bench" / "scale-16"
    assert scale_home(tmp_path, 0.5) == tmp_path / "bench" / "scale-0.5"


@pytest.mark.parametrize("asset, stage", [
    ("bronze_truck_gps", "bronze"), ("bronze_reference", "bronze"), ("silver_incidents", "silver"),
    ("gold_grid_week", "gold"), ("gold_features", "features"),
])
def test_assets_map_to_stages(asset, stage):
    assert stage_of(asset) == stage


def test_held_back_day_leaves_landing_and_comes_back(tmp_path):
    settings = get_settings(tmp_path)
    day, other = date(2026, 9, 27), date(2026, 9, 26)
    for src in ("hotline", "truck_gps"):
        for d in (day, other):
            f = settings.landing / src / f"dt={d.isoformat()}" / f"{src}_{d:%Y%m%d}.x"
            f.parent.mkdir(parents=True)
            f.write_text(f"{src} {d}")
    (settings.landing / "reference").mkdir()

    assert hold_back_day(settings, day) == 2
    assert sorted(p.name for p in settings.landing.glob("*/dt=*")) == ["dt=2026-09-26"] * 2
    assert restore_held_day(settings) == 2
    back = settings.landing / "truck_gps" / "dt=2026-09-27" / "truck_gps_20260927.x"
    assert back.read_text() == "truck_gps 2026-09-27"
    assert not (tmp_path / "held_back").exists()
    assert restore_held_day(settings) == 0


def test_summarize_sums_steps_per_stage_and_takes_peak_memory_inside_each_step():
    now = time.time()
    sampler = MemorySampler()
    sampler.samples = [(now + i, (100 + i) * 2**20, 50 * 2**20) for i in range(10)]
    steps = [StepTiming("silver_video", "silver", now + 1, now + 3, True),
             StepTiming("silver_incidents", "silver", now + 3, now + 4, True),
             StepTiming("gold_features", "gold", now + 6, now + 8, True)]
    out = summarize(steps, sampler)
    assert out["silver"]["seconds"] == pytest.approx(3.0)
    assert out["silver"]["jvm_peak_mb"] == 104.0
    assert out["features"]["jvm_peak_mb"] == 108.0
    assert set(out["silver"]["assets"]) == {"silver_video", "silver_incidents"}
    assert "gold" not in out


def _scale(scale: float, seconds: dict[str, float], rows: dict[str, int]) -> dict:
    return {"scale": scale, "stages": {s: {"seconds": seconds[s], "rows_in": rows[s], "rows_per_s": None,
                                           "jvm_peak_mb": 1000.0, "python_peak_mb": 200.0} for s in seconds}}


def test_growth_ratios_and_the_near_linear_flag():
    stages = ("landing", "bronze", "silver", "gold", "features")
    s4 = _scale(4, dict.fromkeys(stages, 10.0), dict.fromkeys(stages, 1000))
    s16 = _scale(16, {**dict.fromkeys(stages, 40.0), "gold": 50.0}, dict.fromkeys(stages, 4000))
    results = {"weeks": 26, "end_date": "2026-09-27", "cpus": 2, "load_avg_start": [1.0, 1.0, 1.0],
               "scales": [s4, s16]}
    g = {x["stage"]: x for x in growth(results)}
    assert g["bronze"]["seconds"] == 4.0 and g["bronze"]["rows"] == 4.0
    assert g["gold"]["seconds"] == 5.0
    text = format_report(results)
    assert "✓ ≤4.4" in text and "✗ >4.4" in text


def test_results_files_merge_by_scale_and_refuse_other_cities(tmp_path):
    stages = ("landing", "bronze", "silver", "gold", "features")
    base = {"weeks": 78, "end_date": "2026-09-27", "seed": 1, "cpus": 2}
    first = {**base, "commit": "aaa", "load_avg_start": [0.5, 0, 0], "scales": [
        _scale(1, dict.fromkeys(stages, 5.0), dict.fromkeys(stages, 250)),
        _scale(4, dict.fromkeys(stages, 9.0), dict.fromkeys(stages, 1000))]}
    later = {**base, "commit": "bbb", "load_avg_start": [1.5, 0, 0], "scales": [
        _scale(16, dict.fromkeys(stages, 30.0), dict.fromkeys(stages, 4000)),
        _scale(4, dict.fromkeys(stages, 10.0), dict.fromkeys(stages, 1000))]}
    paths = []
    for i, run in enumerate((first, later)):
        paths.append(tmp_path / f"r{i}.json")
        paths[-1].write_text(json.dumps(run))

    merged = merge_results(paths)
    assert [s["scale"] for s in merged["scales"]] == [1, 4, 16]
    assert merged["scales"][1]["stages"]["bronze"]["seconds"] == 10.0  # the later file's scale 4 wins
    assert merged["commit"] == "aaa,bbb" and merged["load_avg_start"][0] == 1.5
    g = {(x["stage"], x["from"]): x for x in growth(merged)}
    assert g[("silver", 4)]["seconds"] == 3.0 and g[("silver", 1)]["seconds"] == 2.0

    other = tmp_path / "other.json"
    other.write_text(json.dumps({**later, "weeks": 26}))
    with pytest.raises(ValueError, match="26 weeks"):
        merge_results([paths[0], other])
