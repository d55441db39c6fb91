"""The weekly risk list (周风险清单): per district and problem type, the cells to patrol and why.

Model slots take the cells with the highest expected count. Exploration slots (双随机) are drawn
at random among the district's other cells, weighted toward cells not listed lately, with a seed
derived from the week, district and type and printed on the list. The draw needs no random
number generator: each candidate's uniform number is a SHA-256 hash of the seed and its grid
code, and weighted sampling without replacement keeps the n largest keys u^(1/w)
(Efraimidis-Spirakis), so anyone can redraw it in any language from the published seed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CONFIG_FILE = Path(__file__).resolve().parents[1] / "gridwatch" / "config" / "risk_list.yaml"
SLOT_MODEL, SLOT_EXPLORATION = "model", "exploration"
SLOT_NAMES = {SLOT_MODEL: "模型", SLOT_EXPLORATION: "随机抽查"}
TREND_UP, TREND_DOWN, TREND_FLAT = "↑", "↓", "→"
HISTORY_COLUMNS = ["n_w_minus_4", "n_w_minus_3", "n_w_minus_2", "n_w_minus_1"]
REASON_COLUMNS = [f"reason_{i}_{lang}" for i in (1, 2, 3) for lang in ("zh", "en")]

# Columns of gold/risk_lists, in order (also the order of the CSV files).
RISK_LIST_COLUMNS = [
    "iso_week", "week_start", "district_code", "district_zh", "problem_type", "rank", "slot",
    "grid_code", "cell_id", "street_zh", "community_zh", "lon", "lat", "map_url", "amap_url",
    "expected", "p_any", "tier", *HISTORY_COLUMNS, "trend", *REASON_COLUMNS, "reason_features",
    "seed", "exploration_weight", "model_name", "model_version", "data_version", "published_at",
]

# explain(problem_type, rows of the listed cells) -> reason_i_zh/_en/_feature columns, same index.
Explainer = Callable[[str, pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class RiskListConfig:
    """Rules of the list; defaults and their meaning in gridwatch/config/risk_list.yaml."""

    area_share: float = 0.05
    length_by_district: dict[str, int] = field(default_factory=dict)
    exploration_share: float = 0.10
    recency_weeks: int = 4
    unlisted_weight: float = 4.0
    tier_high: float = 0.5
    tier_medium: float = 0.2

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides) -> RiskListConfig:
        """The config file's values, then any overrides that are not None."""
        raw = yaml.safe_load(Path(path or CONFIG_FILE).read_text(encoding="utf-8")) or {}
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in names}
        values.update({k: v for k, v in overrides.items() if v is not None and k in names})
        values["length_by_district"] = {str(k): int(v) for k, v in (values.get("length_by_district") or {}).items()}
        return cls(**values)


def iso_week_label(week_start: date) -> str:
    """'2026-W48' for the Monday of that ISO week."""
    y, w, _ = week_start.isocalendar()
    return f"{y}-W{w:02d}"


def week_monday(week: str | date) -> date:
    """The Monday of an ISO week given as '2026-W48', a date, or a date string."""
    if isinstance(week, date):
        return week - timedelta(days=week.weekday())
    text = str(week).upper()
    if "-W" in text:
        y, w = text.split("-W")
        return date.fromisocalendar(int(y), int(w), 1)
    d = date.fromisoformat(text[:10])
    return d - timedelta(days=d.weekday())


def list_length(n_cells: int, district_code: str, config: RiskListConfig) -> int:
    """Slots on a district's list: a fixed length if configured, else the cells of area_share of its area."""
    if district_code in config.length_by_district:
        return min(n_cells, config.length_by_district[district_code])
    return min(n_cells, int(math.ceil(config.area_share * n_cells - 1e-9)))


def exploration_slots(length: int, share: float) -> int:
    """Whole exploration slots: the configured share of the list, rounded half up."""
    return int(math.floor(length * share + 0.5))


def exploration_seed(iso_week: str, district_code: str, problem_type: str) -> int:
    """The published seed of a list's draw: the first 8 hex digits of SHA-256('<week>|<district>|<type>')."""
    text = f"{iso_week}|{district_code}|{problem_type}"
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def draw_uniform(seed: int, candidate: str) -> float:
    """The candidate's uniform number in (0, 1): SHA-256('<seed>:<candidate>'), first 13 hex digits."""
    h = hashlib.sha256(f"{seed}:{candidate}".encode()).hexdigest()[:13]
    return (int(h, 16) + 0.5) / 16**13


def draw_exploration(candidates: Sequence[str], n: int, seed: int,
                     weights: Sequence[float] | None = None) -> list[str]:
    """Draw n candidates without replacement, P proportional to weight; same seed, same draw, any order."""
    cands = [str(c) for c in candidates]
    if n <= 0 or not cands:
        return []
    w = np.ones(len(cands)) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(cands) or (w <= 0).any():
        raise ValueError("weights must be positive, one per candidate")
    keys = np.array([math.log(draw_uniform(seed, c)) for c in cands]) / w
    order = sorted(range(len(cands)), key=lambda i: (-keys[i], cands[i]))
    return [cands[i] for i in order[:n]]


def tier(p_any: float, config: RiskListConfig) -> str:
    """高 / 中 / 低 from P(≥1) and the configured thresholds."""
    if p_any >= config.tier_high:
        return "高"
    return "中" if p_any >= config.tier_medium else "低"


def trend(counts: Sequence[float]) -> str:
    """↑ / ↓ / → comparing the last two weeks' total with the two weeks before (oldest first)."""
    earlier, later = float(sum(counts[:2])), float(sum(counts[2:4]))
    return TREND_UP if later > earlier else TREND_DOWN if later < earlier else TREND_FLAT


def map_url(lon: float, lat: float) -> str:
    """OpenStreetMap link to a WGS-84 point."""
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"


def amap_url(lon: float, lat: float, label: str) -> str:
    """AMap (高德) marker link; AMap expects GCJ-02, so the WGS-84 centre is shifted first."""
    from gridwatch.delivery.maplinks import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(lon, lat)
    return f"https://uri.amap.com/marker?position={glon:.6f},{glat:.6f}&name={label}&coordinate=gaode"


def recent_counts(grid_week: pd.DataFrame, week_start: date) -> pd.DataFrame:
    """Counts of the four weeks before week_start per (cell_id, problem_type), oldest first."""
    ws = pd.Timestamp(week_start)
    frame = grid_week[["cell_id", "problem_type", "week_start", "incidents"]].copy()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    out = []
    for i, col in enumerate(HISTORY_COLUMNS):
        wk = ws - pd.Timedelta(weeks=4 - i)
        part = frame[frame["week_start"] == wk].groupby(["cell_id", "problem_type"])["incidents"].sum()
        out.append(part.rename(col))
    if not out:
        return pd.DataFrame(columns=["cell_id", "problem_type", *HISTORY_COLUMNS])
    return pd.concat(out, axis=1).fillna(0).astype("int64").reset_index()


def exploration_weights(candidates: pd.Series, listed_lately: set, config: RiskListConfig) -> np.ndarray:
    """Weight of each candidate cell: unlisted_weight if it was not listed lately, else 1."""
    return np.where(candidates.isin(listed_lately), 1.0, config.unlisted_weight)


def _select(fc: pd.DataFrame, length: int, n_explore: int, seed: int, listed_lately: set,
            config: RiskListConfig) -> pd.DataFrame:
    """Model slots (highest expected) then exploration slots (the seeded draw among the rest)."""
    ranked = fc.sort_values(["expected", "p_any", "grid_code"], ascending=[False, False, True])
    model = ranked.head(length - n_explore).assign(slot=SLOT_MODEL, exploration_weight=np.nan)
    rest = ranked.iloc[len(model):].sort_values("grid_code")
    w = exploration_weights(rest["cell_id"], listed_lately, config)
    drawn = draw_exploration(rest["grid_code"].tolist(), n_explore, seed, w)
    weight_of = dict(zip(rest["grid_code"], w, strict=True))
    explore = rest.set_index("grid_code").loc[drawn].reset_index()
    explore = explore.assign(slot=SLOT_EXPLORATION, exploration_weight=[weight_of[g] for g in drawn])
    out = pd.concat([model, explore], ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def _exploration_reason(weight: float, config: RiskListConfig) -> tuple[str, str]:
    if weight > 1:
        return (f"随机抽查：近{config.recency_weeks}周未上榜",
                f"random check: not listed in the last {config.recency_weeks} weeks")
    return "随机抽查（双随机）", "random check (double-random inspection)"


def _attach_reasons(part: pd.DataFrame, problem_type: str, explain: Explainer | None,
                    config: RiskListConfig) -> pd.DataFrame:
    """Three reasons per row: exploration rows start with the draw, then the model's strongest reasons."""
    model_r = explain(problem_type, part) if explain is not None else pd.DataFrame(index=part.index)
    texts = []
    for idx, row in part.iterrows():
        found = []
        if row["slot"] == SLOT_EXPLORATION:
            zh, en = _exploration_reason(row["exploration_weight"], config)
            found.append((zh, en, "exploration"))
        for i in (1, 2, 3):
            zh = model_r.at[idx, f"reason_{i}_zh"] if f"reason_{i}_zh" in model_r else ""
            if zh and len(found) < 3:
                found.append((zh, model_r.at[idx, f"reason_{i}_en"], model_r.at[idx, f"reason_{i}_feature"]))
        if not found:
            found.append(("模型综合评分靠前", "high overall model score", "expected"))
        texts.append(found)
    for i in range(3):
        part[f"reason_{i + 1}_zh"] = [f[i][0] if len(f) > i else "" for f in texts]
        part[f"reason_{i + 1}_en"] = [f[i][1] if len(f) > i else "" for f in texts]
    part["reason_features"] = [",".join(x[2] for x in f) for f in texts]
    return part


def build_risk_list(forecasts: pd.DataFrame, grid: pd.DataFrame, grid_week: pd.DataFrame,
                    week_start: date, config: RiskListConfig | None = None,
                    explain: Explainer | None = None, past_lists: pd.DataFrame | None = None,
                    published_at: datetime | None = None) -> pd.DataFrame:
    """The risk lists of one target week, all districts and forecast types, in RISK_LIST_COLUMNS."""
    config = config or RiskListConfig()
    week_start = week_monday(week_start)
    iso_week = iso_week_label(week_start)
    fc = forecasts[pd.to_datetime(forecasts["target_week_start"]).dt.date == week_start]
    if fc.empty:
        raise ValueError(f"没有 {iso_week} 的预测 / no forecasts for target week {iso_week}")
    cells = grid[["cell_id", "district_code", "district_zh", "street_zh", "community_zh", "lon", "lat"]]
    fc = fc.drop(columns=[c for c in ("district_code",) if c in fc]).merge(cells, on="cell_id", how="inner")
    history = recent_counts(grid_week, week_start) if grid_week is not None and len(grid_week) else None
    n_cells = grid.groupby("district_code")["cell_id"].nunique()
    published = (published_at or datetime.now(UTC)).isoformat(timespec="seconds")
    parts = []
    for (district, ptype), part in fc.groupby(["district_code", "problem_type"], sort=True):
        length = list_length(int(n_cells[district]), str(district), config)
        n_explore = exploration_slots(length, config.exploration_share)
        seed = exploration_seed(iso_week, str(district), str(ptype))
        lately = _listed_lately(past_lists, str(district), str(ptype), week_start, config.recency_weeks)
        sel = _select(part, length, n_explore, seed, lately, config)
        sel = sel.assign(iso_week=iso_week, week_start=week_start, problem_type=ptype, seed=seed)
        parts.append(_attach_reasons(sel, str(ptype), explain, config))
    out = pd.concat(parts, ignore_index=True)
    if history is not None:
        out = out.merge(history, on=["cell_id", "problem_type"], how="left")
    for col in HISTORY_COLUMNS:
        out[col] = out[col].fillna(0).astype("int64") if col in out else 0
    out["trend"] = [trend(r) for r in out[HISTORY_COLUMNS].to_numpy()]
    out["tier"] = [tier(p, config) for p in out["p_any"]]
    out["map_url"] = [map_url(x, y) for x, y in zip(out["lon"], out["lat"], strict=True)]
    out["amap_url"] = [amap_url(x, y, g) for x, y, g in zip(out["lon"], out["lat"], out["grid_code"], strict=True)]
    out["published_at"] = published
    for col in ("model_name", "model_version", "data_version"):
        out[col] = out[col].astype(str) if col in out else ""
    return out[RISK_LIST_COLUMNS].sort_values(["district_code", "problem_type", "rank"]).reset_index(drop=True)


def _listed_lately(past_lists: pd.DataFrame | None, district: str, ptype: str, week_start: date,
                   weeks: int) -> set:
    """cell_ids on this district/type's lists of the `weeks` weeks before week_start."""
    if past_lists is None or past_lists.empty:
        return set()
    ws = pd.to_datetime(past_lists["week_start"]).dt.date
    lo = week_start - timedelta(weeks=weeks)
    m = (past_lists["district_code"].astype(str) == district) & (past_lists["problem_type"] == ptype) \
        & (ws >= lo) & (ws < week_start)
    return set(past_lists.loc[m, "cell_id"].astype("int64"))
