"""The summary `make run` prints: tables, model vs baselines, the risk lists, and where to click next."""

from __future__ import annotations

import logging
from pathlib import Path

from gridwatch.settings import LAYERS, Settings

log = logging.getLogger(__name__)


def delta_tables(settings: Settings) -> list[tuple[str, str, int, int]]:
    """(layer, table, rows, version) of every Delta table in the lakehouse."""
    from deltalake import DeltaTable

    from gridwatch import deltaread

    out = []
    root = Path(settings.lakehouse)
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*/_delta_log")):
            table = path.parent
            try:
                dt = DeltaTable(str(table))
                out.append((layer, table.name, deltaread.live_rows(dt), dt.version()))
            except Exception as exc:  # a broken table is reported, not fatal for the summary
                log.warning("cannot read %s: %s", table, exc)
                out.append((layer, table.name, -1, -1))
    return out


def backtest_table(settings: Settings, metric: str = "hr@5"):
    """Mean of a backtest metric per problem type and method, from gold/backtest (None if absent)."""
    from deltalake import DeltaTable

    path = Path(settings.table_path("gold", "backtest"))
    if not (path / "_delta_log").exists():
        return None
    df = DeltaTable(str(path)).to_pandas()
    df = df[df["metric"] == metric]
    if df.empty:
        return None
    return df.pivot_table(index="problem_type", columns="method", values="value", aggfunc="mean")


def print_summary(settings: Settings) -> None:
    """Print what the run produced and where to look next."""
    print("\n=== GridWatch 运行摘要 / run summary ===")
    print(f"数据目录 / data home: {settings.home}")
    print("\nDelta 表 / tables (layer, table, rows, version):")
    for layer, name, rows, version in delta_tables(settings):
        print(f"  {layer:<7} {name:<22} {rows:>12,}  v{version}")
    hr = backtest_table(settings)
    if hr is not None:
        print("\n滚动回测 HR@5%（模型 vs 基线）/ rolling backtest HR@5% (model vs baselines):")
        print(hr.round(3).to_string())
    lists = sorted((settings.outbox / "risk_lists").glob("*/"))
    if lists:
        latest = lists[-1]
        files = sorted(p.relative_to(settings.outbox) for p in latest.rglob("*") if p.is_file())
        print(f"\n本周风险清单 / this week's risk lists: {latest} ({len(files)} files)")
        for f in files[:8]:
            print(f"  {f}")
    print("\n下一步 / next:")
    print("  make up            → Dagster http://127.0.0.1:3000 · Streamlit http://127.0.0.1:8501 · MLflow http://127.0.0.1:5000")
    print("  gridwatch audit    → 对账 / reconciliation per source and batch")
    print("  gridwatch risk-list → 本周清单 / this week's lists")
