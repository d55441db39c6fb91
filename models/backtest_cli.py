"""What `gridwatch backtest [--profile FILE] --origins N --json OUT` calls, and how it prints the result."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import yaml

from gridwatch.settings import get_settings
from models.backtest import BacktestConfig
from models.backtest_home import run_backtest_for_home
from models.lakehouse_io import read_delta
from models.summary import SUMMARY_METRICS

log = logging.getLogger(__name__)


def open_data_home(profile: Path, home: str | None) -> Path:
    """Where a profile's lakehouse lives: the given home, else <data home>/open_data/<profile name>."""
    if home:
        return Path(home)
    name = yaml.safe_load(Path(profile).read_text(encoding="utf-8")).get("name", Path(profile).stem)
    return get_settings().home / "open_data" / name


def build_open_data(profile: Path, home: Path, rebuild: bool = False) -> None:
    """Run the profile's export through bronze -> silver -> gold (Spark), unless gold/features exists already."""
    settings = get_settings(home)
    if not rebuild and (Path(settings.table_path("gold", "features")) / "_delta_log").exists():
        log.info("reusing the open-data lakehouse in %s", home)
        return
    # The one place the models touch Spark: the command hands over a raw export, not a lakehouse.
    from gridwatch.opendata import run_open_data
    from spark_jobs.session import session_for_command

    with session_for_command(os.environ.get("GRIDWATCH_SPARK_MASTER", "local[2]"), "gridwatch-open-data",
                             shuffle_partitions=8) as spark:
        run_open_data(spark, profile, home)


def open_grid_coords(settings) -> pd.DataFrame:
    """cell_id, col, row of an open-data panel: ids are row * GRID_SPAN + col on the anchored grid."""
    from gridwatch.opendata import GRID_SPAN

    cells = read_delta(settings.table_path("gold", "features"), ["cell_id"])["cell_id"].drop_duplicates()
    ids = cells.to_numpy(dtype="int64")
    return pd.DataFrame({"cell_id": ids, "col": ids % GRID_SPAN, "row": ids // GRID_SPAN})


def backtest_command(profile: Path | None = None, home: str | None = None, origins: int = 26,
                     config: BacktestConfig | None = None, rebuild: bool = False) -> dict:
    """Run the backtest on a data home (or on a profile's open data) and return the summary JSON."""
    if profile is not None:
        profile = Path(profile)
        target = open_data_home(profile, home)
        build_open_data(profile, target, rebuild)
        settings = get_settings(target)
        name = yaml.safe_load(profile.read_text(encoding="utf-8")).get("name", profile.stem)
        result = run_backtest_for_home(settings, origins=origins, config=config, profile=name,
                                       coords=open_grid_coords(settings))
    else:
        settings = get_settings(home)
        result = run_backtest_for_home(settings, origins=origins, config=config, profile=settings.home.name)
    return result.summary


def format_backtest(summary: dict) -> str:
    """A plain-text table per problem type: model, variants, every baseline and the oracle."""
    lines = [f"回测 / backtest: {summary.get('profile', '')}  cells={summary['cells']}  weeks={summary['weeks']}  "
             f"origins={summary['origins']}"]
    header = f"{'method':<22}" + "".join(f"{m:>10}" for m in SUMMARY_METRICS)
    for ptype, e in summary["types"].items():
        lines += ["", f"[{ptype}] events={e['events']}  variant={e.get('model_variant', '')}", header]
        rows = [("model", e.get("model"))]
        rows += [(f"  {v}", m) for v, m in (e.get("variants") or {}).items()]
        rows += list(e.get("baselines", {}).items())
        if "oracle" in e:
            rows.append(("oracle", e["oracle"]))
        for name, vals in rows:
            vals = vals or {}
            lines.append(f"{name:<22}" + "".join(
                f"{vals.get(m):>10.4f}" if vals.get(m) is not None else f"{'-':>10}" for m in SUMMARY_METRICS))
        r = e.get("ratios", {})
        best = r.get("model/best_baseline", {})
        lines.append("lift vs best baseline / 相对最佳基线: " + ", ".join(
            f"{k}={v:.3f} ({r['best_baseline'].get(k)})" for k, v in best.items() if v is not None))
        if r.get("model/oracle"):
            lines.append("model / oracle 模型/理论上限: " + ", ".join(
                f"{k}={v:.3f}" for k, v in r["model/oracle"].items() if v is not None))
    return "\n".join(lines)
