"""Case-assessment views: weekly KPI rows rolled up to months and ranked by the composite score."""

from __future__ import annotations

import pandas as pd

RATE_COLUMNS = ("filing_rate", "ontime_handling_rate", "closure_rate", "ontime_closure_rate", "rework_rate",
                "extension_rate")
COMPOSITE = "composite_score"
# Other spellings the KPI table may use for the same figures.
ALIASES = {"立案率": "filing_rate", "按期处置率": "ontime_handling_rate", "结案率": "closure_rate",
           "按期结案率": "ontime_closure_rate", "返工率": "rework_rate", "延期率": "extension_rate",
           "composite": COMPOSITE, "score": COMPOSITE, "综合得分": COMPOSITE,
           "on_time_handling_rate": "ontime_handling_rate", "on_time_closure_rate": "ontime_closure_rate"}
WEIGHT_COLUMNS = ("cases_reported", "reported", "n_reported", "cases", "n_cases")


def normalise(kpis: pd.DataFrame) -> pd.DataFrame:
    """Rename known aliases to the canonical column names."""
    return kpis.rename(columns={k: v for k, v in ALIASES.items() if k in kpis.columns and v not in kpis.columns})


def with_period(kpis: pd.DataFrame, period: str) -> pd.DataFrame:
    """Add a 'period' column: the week's Monday, or the first day of its month (by the Monday)."""
    out = normalise(kpis).copy()
    week = pd.to_datetime(out["week_start"])
    out["period"] = (week if period == "week" else week.dt.to_period("M").dt.to_timestamp()).dt.date
    return out


def ranked(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rates per district (or district and department), weighted by cases where known, ranked by composite."""
    keys = ["district_code"] + (["department"] if level == "department" and "department" in rows.columns else [])
    values = [c for c in (*RATE_COLUMNS, COMPOSITE) if c in rows.columns]
    weight = next((c for c in WEIGHT_COLUMNS if c in rows.columns), None)
    if rows.empty:
        return pd.DataFrame(columns=[*keys, *values, "ranking"])
    w = rows[weight].clip(lower=0).astype(float) if weight else pd.Series(1.0, index=rows.index)
    weighted = rows[values].mul(w, axis=0).assign(_w=w, **{k: rows[k] for k in keys})
    agg = weighted.groupby(keys, as_index=False).sum(numeric_only=True)
    for c in values:
        agg[c] = agg[c] / agg["_w"].where(agg["_w"] > 0)
    agg = agg.drop(columns="_w")
    if COMPOSITE in agg:
        agg["ranking"] = agg[COMPOSITE].rank(ascending=False, method="min").astype("Int64")
        agg = agg.sort_values(["ranking", *keys])
    return agg.reset_index(drop=True)
