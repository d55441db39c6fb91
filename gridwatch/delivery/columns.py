"""What a patrol planner sees: the list's columns with bilingual headers, and file names."""

from __future__ import annotations

import pandas as pd

from gridwatch.taxonomy import type_name

SLOT_DISPLAY = {"model": "模型", "exploration": "随机抽查"}

# Display column -> header (Chinese first, English beside).
HEADERS: dict[str, str] = {
    "rank": "排名 Rank",
    "slot": "名额 Slot（模型/随机抽查）",
    "grid_code": "网格编码 Grid code",
    "street_zh": "街道 Street",
    "community_zh": "社区 Community",
    "expected": "预计起数 Expected",
    "p_any": "发生概率 P(≥1)",
    "tier": "风险等级 Tier",
    "n_w_minus_4": "前4周 W-4",
    "n_w_minus_3": "前3周 W-3",
    "n_w_minus_2": "前2周 W-2",
    "n_w_minus_1": "上周 W-1",
    "trend": "趋势 Trend",
    "reason_1": "原因一 Reason 1",
    "reason_2": "原因二 Reason 2",
    "reason_3": "原因三 Reason 3",
    "lon": "经度 Lon (WGS-84)",
    "lat": "纬度 Lat (WGS-84)",
    "map_url": "地图 Map (OpenStreetMap)",
    "amap_url": "高德地图 AMap (GCJ-02)",
    "seed": "抽签种子 Draw seed",
}


def reason_text(zh: str, en: str) -> str:
    """'近4周摊点投诉 12 起 / 12 stall complaints in the last 4 weeks', or '' when there is none."""
    return f"{zh} / {en}" if zh else ""


def display_frame(part: pd.DataFrame) -> pd.DataFrame:
    """One list (a district and type) as the table people read, with bilingual headers."""
    d = pd.DataFrame({
        "rank": part["rank"].astype(int),
        "slot": part["slot"].map(SLOT_DISPLAY).fillna(part["slot"]),
        "grid_code": part["grid_code"].astype(str),
        "street_zh": part["street_zh"],
        "community_zh": part["community_zh"],
        "expected": part["expected"].astype(float).round(2),
        "p_any": part["p_any"].astype(float).round(2),
        "tier": part["tier"],
        **{c: part[c].astype(int) for c in ("n_w_minus_4", "n_w_minus_3", "n_w_minus_2", "n_w_minus_1")},
        "trend": part["trend"],
        **{f"reason_{i}": [reason_text(z, e) for z, e in zip(part[f"reason_{i}_zh"], part[f"reason_{i}_en"], strict=True)]
           for i in (1, 2, 3)},
        "lon": part["lon"].astype(float).round(6),
        "lat": part["lat"].astype(float).round(6),
        "map_url": part["map_url"],
        "amap_url": part["amap_url"],
        "seed": part["seed"].astype("int64"),
    })
    return d.rename(columns=HEADERS)


def type_title(problem_type: str) -> str:
    """'乱设摊/占道经营 Street stalls'."""
    return f"{type_name(problem_type, 'zh')} {type_name(problem_type, 'en')}"


def sheet_name(problem_type: str) -> str:
    """An Excel sheet name (no '/', at most 31 characters): '乱设摊 stall'."""
    zh = type_name(problem_type, "zh").split("/")[0]
    return f"{zh} {problem_type}"[:31]


def file_stem(iso_week: str, district_code: str) -> str:
    return f"risk_list_{iso_week}_{district_code}"
