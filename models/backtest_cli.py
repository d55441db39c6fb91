"""What `gridwatch backtest [--profile FILE] --origins N --json OUT` calls, and how it prints the result."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from gridwatch.settings import get_settings
from models.backtest import BacktestConfig
from models.backtest_home import run_backtest_for_home
from models.summary import SUMMARY_METRICS

log = logging.getLogger(__name__)


def profile_settings(profile: Path, home: str | None):
    """Build the open-data lakehouse of a profile (bronze -> silver -> gold) and return its settings."""
    from gridwatch import opendata  # the open-data runner of the gold layer

    out = opendata.run_open_data(profile, home=home) if home else opendata.run_open_data(profile)
    if hasattr(out, "table_path"):
        return out
    if hasattr(out, "settings"):
        return out.settings
    return get_settings(out)


def backtest_command(profile: Path | None = None, home: str | None = None, origins: int = 26,
                     config: BacktestConfig | None = None) -> dict:
    """Run the backtest on a data home (or on a profile's open data) and return the summary JSON."""
    if profile is not None:
        settings = profile_settings(Path(profile), home)
        name = yaml.safe_load(Path(profile).read_text(encoding="utf-8")).get("name", Path(profile).stem)
    else:
        settings = get_settings(home)
        name = settings.home.name
    result = run_backtest_for_home(settings, origins=origins, config=config, profile=name)
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
