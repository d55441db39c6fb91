"""Case-assessment views: weekly KPI rows rolled up to months and ranked by the composite score.

Where gold/case_kpis carries the case counts (reported, filed, due, ...), a month's rates are
recomputed from summed counts with the formulas and weights of gridwatch/config/kpi.yaml; otherwise
rates are averaged, weighted by reported cases when known.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

KPI_CONFIG = Path(__file__).resolve().parents[1] / "gridwatch" / "config" / "kpi.yaml"
RATE_COLUMNS = ("filing_rate", "ontime_handling_rate", "closure_rate", "ontime_closure_rate", "rework_rate",
                "extension_rate")
COMPOSITE = "composite_score"
# Other spellings the KPI table may use for the same figures.
ALIASES = {"立案率": "filing_rate", "按期处置率": "ontime_handling_rate", "结案率": "closure_rate",
           "按期结案率": "ontime_closure_rate", "返工率": "rework_rate", "延期率": "extension_rate",
           "composite": COMPOSITE, "score": COMPOSITE, "综合得分": COMPOSITE,
           "on_time_handling_rate": "ontime_handling_rate", "on_time_closure_rate": "ontime_closure_rate"}
WEIGHT_COLUMNS = ("reported", "cases_reported", "n_reported", "cases", "n_cases")
VERSION_KEYS = ("week_start", "district_code", "department", "level")


@lru_cache(maxsize=1)
def kpi_formulas() -> dict[str, dict]:
    """name -> numerator, denominator, better, weight (the city's configuration)."""
    if not KPI_CONFIG.exists():
        return {}
    return yaml.safe_load(KPI_CONFIG.read_text(encoding="utf-8")).get("kpis", {})


def normalise(kpis: pd.DataFrame) -> pd.DataFrame:
    """Canonical column names, and only the newest computation of each week and unit."""
    out = kpis.rename(columns={k: v for k, v in ALIASES.items() if k in kpis.columns and v not in kpis.columns})
    if "computed_at" in out.columns:  # past weeks may be recomputed; show the latest version
        keys = [k for k in VERSION_KEYS if k in out.columns]
        out = out.sort_values("computed_at").drop_duplicates(keys, keep="last")
    return out


def with_period(kpis: pd.DataFrame, period: str) -> pd.DataFrame:
    """Add a 'period' column: the week's Monday, or the first day of its month (by the Monday)."""
    out = normalise(kpis).copy()
    week = pd.to_datetime(out["week_start"])
    out["period"] = (week if period == "week" else week.dt.to_period("M").dt.to_timestamp()).dt.date
    return out


def _recomputed(agg: pd.DataFrame, formulas: dict[str, dict]) -> pd.DataFrame:
    num_w = np.zeros(len(agg))
    den_w = np.zeros(len(agg))
    for name, k in formulas.items():
        den = agg[k["denominator"]].astype(float)
        rate = agg[k["numerator"]].astype(float) / den.where(den > 0)
        agg[name] = rate
        score = rate if k["better"] == "higher" else 1 - rate
        ok = score.notna().to_numpy()
        num_w += np.where(ok, float(k["weight"]) * score.fillna(0).to_numpy(), 0.0)
        den_w += np.where(ok, float(k["weight"]), 0.0)
    agg[COMPOSITE] = np.where(den_w > 0, 100 * num_w / np.where(den_w > 0, den_w, 1), np.nan)
    return agg


def ranked(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rates per district (or district and department) for one period, ranked by the composite score."""
    by_department = level == "department" and "department" in rows.columns
    if "level" in rows.columns:  # the table holds district totals and department rows side by side
        rows = rows[rows["level"] == ("department" if by_department else "district")]
    keys = ["district_code"] + (["department"] if by_department else [])
    values = [c for c in (*RATE_COLUMNS, COMPOSITE) if c in rows.columns]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, *values, "ranking"])
    formulas = kpi_formulas()
    counts = {c for k in formulas.values() for c in (k["numerator"], k["denominator"])}
    if formulas and counts <= set(rows.columns):
        agg = _recomputed(rows.groupby(keys, as_index=False)[sorted(counts)].sum(), formulas)
    else:
        weight = next((c for c in WEIGHT_COLUMNS if c in rows.columns), None)
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
