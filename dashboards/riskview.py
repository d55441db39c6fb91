"""Risk-list rows as the page shows them: reasons, last four weeks, tier and slot in the session's language."""

from __future__ import annotations

import pandas as pd

from dashboards.i18n import TIER_NAMES, lang, pick, type_label

SLOT_NAMES = {"model": ("模型", "model"), "exploration": ("随机抽查", "random check"), "all": ("全部", "all")}
HISTORY = ("n_w_minus_4", "n_w_minus_3", "n_w_minus_2", "n_w_minus_1")


def reasons_text(rows: pd.DataFrame) -> pd.Series:
    """The three reasons of each row joined, in the session's language."""
    side = "en" if lang() == "en" else "zh"
    cols = [c for c in (f"reason_{i}_{side}" for i in (1, 2, 3)) if c in rows.columns]
    if cols:
        sep = "; " if side == "en" else "；"
        return rows[cols].fillna("").astype(str).apply(lambda r: sep.join(v for v in r if v), axis=1)
    single = f"reasons_{side}"
    return rows[single].fillna("").astype(str) if single in rows.columns else pd.Series("", index=rows.index)


def display(rows: pd.DataFrame) -> pd.DataFrame:
    """Add type, reasons, last4, tier_label, slot_label, street and community columns for display."""
    out = rows.copy()
    out["type"] = out["problem_type"].map(type_label)
    out["reasons"] = reasons_text(out)
    if "district_code" in out:
        out["district_code"] = out["district_code"].astype(str)
    present = [c for c in HISTORY if c in out.columns]
    if present:
        out["last4"] = out[present].fillna(0).astype(int).astype(str).apply(" · ".join, axis=1)
    if "tier" in out:
        out["tier_label"] = out["tier"].map(lambda v: pick(TIER_NAMES.get(str(v), (str(v), str(v)))))
    if "slot" in out:
        out["slot_label"] = out["slot"].map(lambda v: pick(SLOT_NAMES.get(str(v), (str(v), str(v)))))
    if "street" not in out and "street_zh" in out:
        out["street"] = out["street_zh"]
    if "community" not in out and "community_zh" in out:
        out["community"] = out["community_zh"]
    return out
