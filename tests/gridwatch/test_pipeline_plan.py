"""The pipeline runner plans one Dagster run per layer and partitioning, over what has landed."""

from datetime import date

import pytest

from gridwatch.cli import _parse_week, build_parser
from gridwatch.pipeline import landed_days, monday, plan, step_job
from gridwatch.settings import get_settings


def _land(home, source, day):
    d = home / "landing" / source / f"dt={day}"
    d.mkdir(parents=True)
    (d / "x.csv").write_text("a\n")


def test_landed_days_cover_all_sources(home):
    _land(home, "hotline", "2026-11-02")
    _land(home, "police110", "2026-11-22")
    (home / "landing" / "reference").mkdir()
    assert landed_days(get_settings()) == [date(2026, 11, 2), date(2026, 11, 22)]


def test_plan_without_landing_says_what_to_run(home):
    with pytest.raises(RuntimeError, match="gridwatch simulate"):
        plan(get_settings())


def test_plan_orders_layers_and_targets_the_week_after_the_last_full_week(home):
    _land(home, "hotline", "2026-11-02")
    _land(home, "hotline", "2026-11-22")  # a Sunday: week 2026-W47 is complete
    steps = plan(get_settings())
    layers = [s[0] for s in steps]
    assert layers == sorted(layers, key=["bronze", "silver", "gold", "ml", "delivery"].index)
    tags = {t.get("dagster/asset_partition_range_start") for _, _, t in steps if t}
    assert "2026-11-02" in tags  # daily range starts at the first landed day
    later = [t for layer, _, t in steps if layer in ("ml", "delivery") and t]
    starts = {t["dagster/asset_partition_range_start"] for t in later}
    # forecasts and lists target 2026-W48; weekly scores and KPIs span the complete weeks from 2026-W45
    assert "2026-11-23" in starts
    assert starts <= {"2026-11-23", "2026-11-02"}
    ends = {t["dagster/asset_partition_range_end"] for t in later}
    assert ends <= {"2026-11-23", "2026-11-16"}  # the last complete week starts on 2026-11-16


@pytest.mark.parametrize("text,expected", [
    ("2026-W48", date(2026, 11, 23)),
    ("2026-w01", date(2025, 12, 29)),
    ("2026-11-26", date(2026, 11, 23)),
])
def test_week_arguments(text, expected):
    assert _parse_week(text) == expected
    assert monday(expected) == expected


def test_cli_knows_the_promised_commands():
    parser = build_parser()
    for cmd in ("demo", "simulate", "pipeline", "audit", "backtest", "risk-list", "up", "bench"):
        assert parser.parse_args([cmd] if cmd != "risk-list" else [cmd, "--week", "2026-W48"]).command == cmd


def test_demo_parses_every_option_the_pipeline_run_reads():
    """`make run` is `gridwatch demo`, which hands its arguments to the pipeline command's function."""
    parser = build_parser()
    demo = vars(parser.parse_args(["demo"]))
    pipeline = vars(parser.parse_args(["pipeline"]))
    missing = set(pipeline) - set(demo)
    assert not missing, f"demo lacks {sorted(missing)}, which cmd_pipeline reads"
    assert demo["layers"] is None and demo["week"] is None and demo["no_checks"] is False
    args = parser.parse_args(["demo", "--weeks", "30", "--week", "2026-W48", "--no-checks"])
    assert (args.weeks, args.week, args.no_checks) == (30, "2026-W48", True)


def test_a_step_runs_its_assets_with_or_without_their_checks():
    import dagster as dg

    from dagster_project.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    keys = dg.AssetSelection.groups("bronze").resolve(defs.resolve_asset_graph())
    names = {k.to_user_string() for k in keys}
    with_checks, without = set(step_job(job, keys).graph.node_dict), set(step_job(job, keys, checks=False).graph.node_dict)
    assert without == names  # the assets only
    assert names < with_checks and {"bronze_hotline_gx_hotline", "bronze_hotline_reconcile_landing"} <= with_checks
    assert step_job(job, keys, checks=False).asset_layer.asset_graph.asset_check_keys == set()
