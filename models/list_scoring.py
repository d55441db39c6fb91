"""Accountability: each published list scored against what happened in its week.

Per list (week, district, problem type) and per slot kind (all / model / exploration):
hit rate (share of listed cells with at least one incident), incidents captured per listed cell
against the district's average per cell (their ratio is the lift), and the share of the
district's incidents that fell in listed cells.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

SLOT_ALL = "all"
SCORE_COLUMNS = [
    "iso_week", "week_start", "district_code", "problem_type", "slot", "n_listed", "n_hit", "hit_rate",
    "captured", "captured_per_cell", "district_cells", "district_incidents", "district_per_cell",
    "district_hit_rate", "lift", "share_captured", "scored_at",
]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def score_lists(lists: pd.DataFrame, grid_week: pd.DataFrame, grid: pd.DataFrame,
                scored_at: datetime | None = None) -> pd.DataFrame:
    """Scores of every list in `lists` against the incidents of its own week (gold/grid_week rows)."""
    lists = lists.assign(week_start=pd.to_datetime(lists["week_start"]).dt.date,
                         district_code=lists["district_code"].astype(str))
    actual = grid_week.assign(week_start=pd.to_datetime(grid_week["week_start"]).dt.date)
    actual = actual.groupby(["week_start", "cell_id", "problem_type"], as_index=False)["incidents"].sum()
    cells = grid[["cell_id", "district_code"]].assign(district_code=lambda d: d["district_code"].astype(str))
    actual = actual.merge(cells, on="cell_id", how="inner")

    listed = lists[["iso_week", "week_start", "district_code", "problem_type", "slot", "cell_id"]]
    listed = listed.merge(actual[["week_start", "cell_id", "problem_type", "incidents"]],
                          on=["week_start", "cell_id", "problem_type"], how="left")
    listed["incidents"] = listed["incidents"].fillna(0)
    listed["hit"] = (listed["incidents"] >= 1).astype(int)
    keys = ["iso_week", "week_start", "district_code", "problem_type"]
    by_slot = listed.groupby([*keys, "slot"], as_index=False).agg(
        n_listed=("cell_id", "size"), n_hit=("hit", "sum"), captured=("incidents", "sum"))
    total = listed.groupby(keys, as_index=False).agg(
        n_listed=("cell_id", "size"), n_hit=("hit", "sum"), captured=("incidents", "sum")).assign(slot=SLOT_ALL)
    scores = pd.concat([total, by_slot], ignore_index=True)

    district = actual.assign(hit=(actual["incidents"] >= 1).astype(int)).groupby(
        ["week_start", "district_code", "problem_type"], as_index=False).agg(
        district_incidents=("incidents", "sum"), district_hit_cells=("hit", "sum"))
    n_cells = cells.groupby("district_code", as_index=False).agg(district_cells=("cell_id", "nunique"))
    scores = scores.merge(district, on=["week_start", "district_code", "problem_type"], how="left")
    scores = scores.merge(n_cells, on="district_code", how="left")
    scores[["district_incidents", "district_hit_cells"]] = scores[["district_incidents", "district_hit_cells"]].fillna(0)

    scores["hit_rate"] = _ratio(scores["n_hit"], scores["n_listed"])
    scores["captured_per_cell"] = _ratio(scores["captured"], scores["n_listed"])
    scores["district_per_cell"] = _ratio(scores["district_incidents"], scores["district_cells"])
    scores["district_hit_rate"] = _ratio(scores["district_hit_cells"], scores["district_cells"])
    scores["lift"] = _ratio(scores["captured_per_cell"], scores["district_per_cell"])
    scores["share_captured"] = _ratio(scores["captured"], scores["district_incidents"])
    scores["scored_at"] = (scored_at or datetime.now(UTC)).isoformat(timespec="seconds")
    for col in ("n_listed", "n_hit", "district_cells"):
        scores[col] = scores[col].astype("int64")
    for col in ("captured", "district_incidents"):
        scores[col] = scores[col].astype(float)
    order = {SLOT_ALL: 0, "model": 1, "exploration": 2}
    scores = scores.sort_values(keys + ["slot"], key=lambda s: s.map(order) if s.name == "slot" else s)
    return scores[SCORE_COLUMNS].reset_index(drop=True)


def pooled_by_week(scores: pd.DataFrame) -> pd.DataFrame:
    """Hit rate and lift per week, problem type and slot, pooled over districts (sums, not means of ratios)."""
    g = scores.groupby(["week_start", "problem_type", "slot"], as_index=False)[
        ["n_listed", "n_hit", "captured", "district_incidents", "district_cells"]].sum()
    g["hit_rate"] = _ratio(g["n_hit"], g["n_listed"])
    g["lift"] = _ratio(g["captured"] / g["n_listed"], g["district_incidents"] / g["district_cells"])
    return g


def running_chart(scores: pd.DataFrame) -> bytes:
    """PNG: hit rate and lift over weeks per problem type, model slots solid, exploration dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    g = pooled_by_week(scores[scores["slot"] != SLOT_ALL])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), dpi=100)
    for (ptype, slot), part in g.groupby(["problem_type", "slot"], sort=True):
        part = part.sort_values("week_start")
        style = "-" if slot == "model" else "--"
        label = f"{ptype} · {'模型 model' if slot == 'model' else '随机 random'}"
        axes[0].plot(part["week_start"], part["hit_rate"], style, marker="o", ms=3, label=label)
        axes[1].plot(part["week_start"], part["lift"], style, marker="o", ms=3, label=label)
    axes[0].set_title("命中率 Hit rate of listed cells")
    axes[1].set_title("每格捕获 / 全区均值 Lift vs district average")
    axes[1].axhline(1.0, color="#999", lw=0.8)
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def summary_markdown(scores: pd.DataFrame, last: int = 8) -> str:
    """A small markdown table of the last weeks (pooled), for Dagster metadata."""
    g = pooled_by_week(scores)
    g = g[g["week_start"].isin(sorted(g["week_start"].unique())[-last:])]
    lines = ["| week | type | slot | listed | hit rate | lift |", "|---|---|---|---|---|---|"]
    for r in g.sort_values(["week_start", "problem_type", "slot"]).itertuples(index=False):
        hr = "" if np.isnan(r.hit_rate) else f"{r.hit_rate:.0%}"
        lift = "" if np.isnan(r.lift) else f"{r.lift:.1f}"
        lines.append(f"| {r.week_start} | {r.problem_type} | {r.slot} | {r.n_listed} | {hr} | {lift} |")
    return "\n".join(lines)
