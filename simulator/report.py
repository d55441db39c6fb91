"""The simulation summary as text for a terminal, Chinese first with English beside it."""

from __future__ import annotations

RANKINGS = (("long_run", "长期均值 long-run mean"), ("last_week", "上周 last week"), ("mean_4w", "近4周 4-week mean"),
            ("oracle", "真值 oracle"))


def format_summary(s: dict) -> str:
    """A few lines: span, rows per source, incidents, and the realism table per forecast type."""
    lines = [
        f"模拟城市 Simulated city: {s['start_date']} – {s['end_date']}, {s['weeks']} 周 weeks, "
        f"scale {s['scale']}, seed {s['seed']}, {s['cells']} 网格 cells, {s['seconds']} s",
        "各来源行数 Rows per source: " + ", ".join(f"{k} {v:,}" for k, v in s["rows"].items()),
        f"真实事件 Incidents: {sum(s['incidents'].values()):,} ({s['incidents_per_week']}/周 week; "
        + ", ".join(f"{k} {v:,}" for k, v in s["incidents"].items())
        + f"); 每事件报告 reports per incident {s['reports_per_incident']}",
        "下周事件落在前1%/5%网格的比例 Share of next week's incidents in the top 1% / 5% of cells, ranked by:",
    ]
    for t, fig in s["realism"].items():
        parts = [f"{label} {fig[key]['hr@1']:.1%}/{fig[key]['hr@5']:.1%}" for key, label in RANKINGS if key in fig]
        lines.append(f"  {t:<9} " + " | ".join(parts) + f" | 周间相关 week-to-week r {fig['week_to_week_r']:.2f}")
    return "\n".join(lines)
