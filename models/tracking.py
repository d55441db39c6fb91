"""MLflow logging of backtest and training runs: params, per-type metrics, data versions, plots, tables."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def metric_key(problem_type: str, method: str, metric: str) -> str:
    """MLflow metric name, e.g. stall.model.hr_5 or parking.long_run.deviance."""
    return f"{problem_type}.{method}.{metric.replace('@', '_')}"


def delta_versions(paths: Mapping[str, str]) -> dict[str, int]:
    """Current version of each Delta table read (name or path -> version); absent tables are left out."""
    from deltalake import DeltaTable

    out = {}
    for name, path in paths.items():
        try:
            out[name] = int(DeltaTable(path).version())
        except Exception:  # table not written yet
            continue
    return out


def summary_metrics(summary: dict) -> dict[str, float]:
    """Flatten a backtest summary into MLflow metrics for the model, every baseline, variant and the oracle."""
    out = {}
    for ptype, e in summary["types"].items():
        groups = {"model": e.get("model") or {}, **e.get("baselines", {})}
        groups.update({f"model_{v}": m for v, m in (e.get("variants") or {}).items()})
        if "oracle" in e:
            groups["oracle"] = e["oracle"]
        for method, vals in groups.items():
            for k, v in (vals or {}).items():
                if v is not None:
                    out[metric_key(ptype, method, k)] = float(v)
        for k, v in e.get("ratios", {}).get("model/best_baseline", {}).items():
            if v is not None:
                out[metric_key(ptype, "lift", k)] = float(v)
        for k, v in e.get("ratios", {}).get("model/oracle", {}).items():
            if v is not None:
                out[metric_key(ptype, "model_over_oracle", k)] = float(v)
        out[f"{ptype}.events"] = float(e.get("events", 0))
    return out


def capture_plot(capture: pd.DataFrame, path: Path) -> Path:
    """PNG of the capture curve (hit rate over 0-20% of the area) per type, model vs baselines vs oracle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # CJK fonts where installed; without them the Chinese half of a title falls back silently
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Serif CJK SC", "DejaVu Sans"]
    types = sorted(capture["problem_type"].unique())
    fig, axes = plt.subplots(1, len(types), figsize=(5 * len(types), 4), squeeze=False)
    for ax, ptype in zip(axes[0], types, strict=True):
        part = capture[capture["problem_type"] == ptype]
        for method, g in part.groupby("method"):
            style = {"lw": 2.5} if method in ("model", "oracle") else {"lw": 1, "alpha": 0.8}
            ax.plot(100 * g["area"], g["hit_rate"], label=method, **style)
        ax.set_title(f"{ptype} 命中率 / capture")
        ax.set_xlabel("area flagged (%)")
        ax.set_ylabel("hit rate")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # missing glyphs on hosts without CJK fonts
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def log_backtest(result, params: Mapping[str, object], data_version: Mapping[str, int],
                 run_name: str = "backtest") -> str:
    """One MLflow run for a backtest: params, every per-type metric, data versions, tables and the plot."""
    import mlflow

    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tag("kind", "backtest")
        mlflow.set_tag("data_version", json.dumps(dict(data_version), sort_keys=True))
        mlflow.log_params({"data_version": json.dumps(dict(data_version), sort_keys=True)[:6000],
                           **{k: str(v) for k, v in params.items()}})
        for ptype, spec in result.specs.items():
            mlflow.log_params({f"{ptype}.variant": spec.variant, f"{ptype}.rounds": spec.rounds,
                               **{f"{ptype}.{k}": v for k, v in spec.params.items()}})
        mlflow.log_metrics(summary_metrics(result.summary))
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            (d / "summary.json").write_text(json.dumps(result.summary, ensure_ascii=False, indent=2))
            result.weekly.to_csv(d / "weekly.csv", index=False)
            result.calibration.to_csv(d / "calibration.csv", index=False)
            result.intervals.to_csv(d / "intervals.csv", index=False)
            if not result.tuning.empty:
                result.tuning.astype({"params": str}).to_csv(d / "tuning.csv", index=False)
            for ptype, model in result.models.items():
                model.feature_importance().to_csv(d / f"feature_importance_{ptype}.csv", index=False)
            if not result.capture.empty:
                capture_plot(result.capture, d / "capture_curve.png")
            mlflow.log_artifacts(str(d))
        return run.info.run_id
