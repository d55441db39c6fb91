"""Why a cell is on the list: per-row SHAP contributions of the forecaster turned into plain sentences.

LightGBM's `predict(X, pred_contrib=True)` returns exact TreeSHAP values (one column per feature
plus the bias) in the model's raw score space (log of the expected count for a Poisson model).
The strongest positive contributions of a row become its reasons; features of one family (the
recent counts of the cell, one kind of place, the neighbours) give one sentence, not three.
A feature this module has no template for gets a sentence from the feature catalogue.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from gridwatch.taxonomy import type_name

log = logging.getLogger(__name__)

N_REASONS = 3

# Places: <kind> in place_dist_<kind> / place_n500_<kind> -> (Chinese, English).
PLACE_KINDS: dict[str, tuple[str, str]] = {
    "market": ("农贸市场", "market"),
    "night_market": ("夜市", "night market"),
    "school": ("学校", "school"),
    "hospital": ("医院", "hospital"),
    "mall": ("商场", "shopping mall"),
    "old_neighbourhood": ("老旧小区", "old neighbourhood"),
    "old_neighborhood": ("老旧小区", "old neighbourhood"),
    "construction": ("建筑工地", "construction site"),
    "construction_zone": ("建设片区", "construction zone"),
    "urban_village": ("城中村", "urban village"),
    "transit_hub": ("交通枢纽", "transit hub"),
    "station": ("车站", "station"),
    "bus_station": ("客运站", "bus station"),
    "park": ("公园", "park"),
    "square": ("广场", "square"),
    "restaurant_street": ("餐饮街", "restaurant street"),
    "residential": ("居民小区", "residential compound"),
    "office": ("办公区", "office area"),
}

# Short names used inside reasons ("近4周摊点投诉 12 起"), per problem type.
TYPE_SHORT: dict[str, tuple[str, str]] = {
    "stall": ("摊点投诉", "stall complaints"),
    "parking": ("乱停车问题", "parking incidents"),
    "violation": ("违建问题", "illegal-building cases"),
    "sanitation": ("环卫问题", "sanitation incidents"),
    "dust": ("扬尘问题", "dust incidents"),
    "other": ("其他问题", "other incidents"),
}

Sentence = tuple[str, str]


def _type_words(problem_type: str) -> Sentence:
    if problem_type in TYPE_SHORT:
        return TYPE_SHORT[problem_type]
    try:
        return type_name(problem_type, "zh"), type_name(problem_type, "en")
    except KeyError:
        return problem_type, problem_type


def _count(v: float) -> str:
    return str(int(round(v)))


def _num(v: float) -> str:
    if float(v).is_integer() or abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.1f}"


def _weeks_in(name: str, default: int = 4) -> int:
    m = re.search(r"(\d+)", name)
    return int(m.group(1)) if m else default


def _own_type(rest: str, problem_type: str) -> tuple[str, str]:
    """Split a trailing or leading problem-type word out of a feature name part."""
    for t in TYPE_SHORT:
        if rest.startswith(t + "_") or rest.endswith("_" + t) or rest == t:
            return t, rest.replace(t, "").strip("_")
    return problem_type, rest


def _recent(name: str, v: float, pt: str) -> Sentence | None:
    """lag_k, roll_mean_n, roll_sum_n, roll_max_n of the cell's own counts."""
    t, rest = _own_type(name, pt)
    zh, en = _type_words(t)
    if rest.startswith("lag_"):
        k = _weeks_in(rest, 1)
        if v < 0.5:
            return None
        if k == 1:
            return f"上周本网格{zh} {_count(v)} 起", f"{_count(v)} {en} in this cell last week"
        return f"{k}周前本网格{zh} {_count(v)} 起", f"{_count(v)} {en} in this cell {k} weeks ago"
    n = _weeks_in(rest)
    if rest.startswith("roll_max"):
        if v < 0.5:
            return None
        return f"近{n}周单周最多{zh} {_count(v)} 起", f"up to {_count(v)} {en} in one week of the last {n}"
    total = v * n if rest.startswith("roll_mean") else v
    if total < 0.5:
        return None
    return f"近{n}周{zh} {_count(total)} 起", f"{_count(total)} {en} in the last {n} weeks"


def _ewm(name: str, v: float, pt: str) -> Sentence | None:
    t, _ = _own_type(name, pt)
    zh, en = _type_words(t)
    if v < 0.05:
        return None
    return (f"近期{zh}持续多发（加权周均 {v:.1f} 起）",
            f"{en} persistent lately (weighted weekly mean {v:.1f})")


def _longrun(name: str, v: float, pt: str) -> Sentence | None:
    t, _ = _own_type(name, pt)
    zh, en = _type_words(t)
    if v <= 0:
        return None
    return f"长期高发网格（历史周均 {v:.2f} 起）", f"long-standing hotspot ({v:.2f} {en} per week on average)"


def _same_week_last_year(name: str, v: float, pt: str) -> Sentence | None:
    zh, en = _type_words(_own_type(name, pt)[0])
    if v < 0.5:
        return None
    return f"去年同期{zh} {_count(v)} 起", f"{_count(v)} {en} in the same week last year"


def _neighbours(ring: int) -> Callable[[str, float, str], Sentence | None]:
    where_zh = "相邻网格" if ring == 1 else "周边两圈网格"
    where_en = "neighbouring cells" if ring == 1 else "cells within two rings"

    def sentence(name: str, v: float, pt: str) -> Sentence | None:
        rest = name.split("_", 1)[1] if "_" in name else ""
        t, rest = _own_type(rest, pt)
        zh, en = _type_words(t)
        if "lag" in rest or rest == "":
            k = _weeks_in(rest, 1)
            when_zh, when_en = ("上周", "last week") if k == 1 else (f"{k}周前", f"{k} weeks ago")
            if v < 0.5:
                return None
            return f"{where_zh}{when_zh} {_count(v)} 起", f"{_count(v)} in {where_en} {when_en}"
        n = _weeks_in(rest)
        total = v * n if "mean" in rest else v
        if total < 0.5:
            return None
        return f"{where_zh}近{n}周{zh} {_count(total)} 起", f"{_count(total)} {en} in {where_en} in the last {n} weeks"

    return sentence


def _kde(name: str, v: float, pt: str) -> Sentence | None:
    if v <= 0:
        return None
    return f"周边一带近期高发（核密度 {v:.2f}）", f"hot area around the cell lately (kernel density {v:.2f})"


def _near_repeat(name: str, v: float, pt: str) -> Sentence | None:
    if v < 0.5:
        return None
    return f"附近近期重复发生 {_count(v)} 起", f"{_count(v)} near-repeat incidents close by recently"


def _other_type(name: str, v: float, pt: str) -> Sentence | None:
    rest = name.removeprefix("other_")
    t, rest = _own_type(rest, "other")
    zh, en = _type_words(t)
    if "lag" in rest:
        return (f"上周本网格{zh} {_count(v)} 起", f"{_count(v)} {en} in this cell last week") if v >= 0.5 else None
    n = _weeks_in(rest)
    total = v * n if "mean" in rest else v
    if total < 0.5:
        return None
    return f"近{n}周本网格{zh} {_count(total)} 起", f"{_count(total)} {en} in this cell in the last {n} weeks"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _place_kind(kind: str) -> Sentence:
    return PLACE_KINDS.get(kind, (kind, kind.replace("_", " ")))


def _place_dist(name: str, v: float, pt: str) -> Sentence | None:
    zh, en = _place_kind(name.removeprefix("place_dist_"))
    if not math.isfinite(v):
        return None
    if v < 50:
        return f"网格内或紧邻{zh}", f"{_a(en)} in or next to the cell"
    metres = int(round(v / 10.0) * 10)
    return f"距{zh} {metres} 米", f"{metres} m from {_a(en)}"


def _place_count(name: str, v: float, pt: str) -> Sentence | None:
    m = re.match(r"place_n(\d+)_(.+)", name)
    radius, kind = (m.group(1), m.group(2)) if m else ("500", name)
    zh, en = _place_kind(kind)
    if v < 0.5:
        return None
    return f"{radius}米内有{zh} {_count(v)} 处", f"{_count(v)} {en}(s) within {radius} m"


def _calendar(name: str, v: float, pt: str) -> Sentence | None:
    if "holiday" in name:
        if v <= 0:
            return None
        return (f"本周有法定节假日（{_count(v)} 天）", f"public holiday this week ({_count(v)} days)") if v > 1 \
            else ("本周有法定节假日", "public holiday this week")
    if "makeup" in name or "workday" in name:
        return ("本周有调休工作日", "make-up working day this week") if v > 0 else None
    if "days_off" in name:
        return f"本周休息日 {_count(v)} 天", f"{_count(v)} days off this week"
    if "school_term" in name:
        return ("中小学学期内", "school term") if v > 0 else ("中小学放假期间", "school holidays")
    if "spring_festival" in name:
        return (f"距春节 {_count(v)} 天", f"{_count(v)} days to the Spring Festival") if v >= 0 \
            else (f"春节后第 {_count(-v)} 天", f"{_count(-v)} days after the Spring Festival")
    if "month" in name:
        return f"{_count(v)}月为高发季节", f"month {_count(v)} is a high season"
    if "week" in name:
        return f"第{_count(v)}周前后为高发时段", f"around week {_count(v)} of the year is a high season"
    if "winter" in name or "season" in name:
        return "季节因素", "seasonal effect"
    return None


def _period(name: str) -> Sentence:
    """'上周' / 'last week' for lag features, '近4周周均' / 'weekly mean over the last 4 weeks' for rolling means."""
    m = re.search(r"roll_mean_(\d+)", name)
    if m:
        return f"近{m.group(1)}周周均", f"a week on average over the last {m.group(1)} weeks"
    return "上周", "last week"


def _video(name: str, v: float, pt: str) -> Sentence | None:
    if v < 0.5:
        return None
    when_zh, when_en = _period(name)
    where_zh, where_en = ("周边一圈", "ring 1") if "nbr" in name else ("本网格", "this cell")
    zh = f"{when_zh}{where_zh}" if when_zh == "上周" else f"{where_zh}{when_zh}"
    return f"{zh}视频AI识别 {_num(v)} 次", f"{_num(v)} video-AI detections in {where_en} {when_en}"


def _dust(name: str, v: float, pt: str) -> Sentence | None:
    if "pm25" in name:
        return f"附近PM2.5 {v:.0f} μg/m³", f"PM2.5 nearby {v:.0f} μg/m³"
    if "exceed_h" in name:
        when_zh, when_en = _period(name)
        return (f"{when_zh}附近扬尘超标 {_num(v)} 小时", f"{_num(v)} hours of dust exceedance nearby {when_en}") \
            if v >= 0.5 else None
    if "exceed" in name or "days" in name or "n_" in name:
        return (f"附近扬尘超标 {_count(v)} 次", f"{_count(v)} dust exceedances nearby") if v >= 0.5 else None
    return f"附近扬尘监测PM10 {v:.0f} μg/m³", f"PM10 nearby {v:.0f} μg/m³"


def _truck(name: str, v: float, pt: str) -> Sentence | None:
    if v < 0.5:
        return None
    if "dwell" in name:
        where_zh, where_en = ("周边一圈", "ring 1") if "nbr" in name else ("本网格", "this cell")
        when_zh, when_en = _period(name)
        return f"{when_zh}渣土车在{where_zh}停留 {_num(v)} 分钟", f"muck trucks stayed {_num(v)} min in {where_en} {when_en}"
    if "unsealed" in name or "open" in name:
        return f"未密闭渣土车经过 {_count(v)} 次", f"{_count(v)} passes of unsealed muck trucks"
    return f"渣土车近期经过 {_count(v)} 次", f"{_count(v)} muck-truck passes recently"


def _cases(name: str, v: float, pt: str) -> Sentence | None:
    if v < 0.5:
        return None
    if "open" in name:
        return f"本网格未结案卷 {_count(v)} 件", f"{_count(v)} open cases in this cell"
    if "rework" in name:
        n = _weeks_in(name, 13)
        return f"近{n}周案卷返工 {_count(v)} 次", f"{_count(v)} case reworks in the last {n} weeks"
    return f"数字城管近期立案 {_count(v)} 件", f"{_count(v)} digital-management cases recently"


def _time_pattern(name: str, v: float, pt: str) -> Sentence | None:
    """Shares of the cell's past incidents at weekend nights, nights or weekends."""
    share = f"{100 * v:.0f}%" if v <= 1 else _num(v)
    if "weekend_night" in name:
        return f"周末夜间高发（占{share}）", f"frequent on weekend nights ({share})"
    if "night" in name:
        return f"夜间高发（占{share}）", f"frequent at night ({share})"
    return f"周末高发（占{share}）", f"frequent at weekends ({share})"


# Prefix -> (family key, sentence). Checked in order, first match wins.
TEMPLATES: list[tuple[str, str, Callable[[str, float, str], Sentence | None]]] = [
    ("nbr1_", "nbr1", _neighbours(1)),
    ("nbr2_", "nbr2", _neighbours(2)),
    ("lag_", "recent", _recent),
    ("roll_", "recent", _recent),
    ("ewm_", "recent", _ewm),
    ("longrun_", "longrun", _longrun),
    ("sywly_", "last_year", _same_week_last_year),
    ("kde_", "kde", _kde),
    ("nearrep_", "nearrep", _near_repeat),
    ("other_", "other", _other_type),
    ("place_dist_", "place", _place_dist),
    ("place_n", "place", _place_count),
    ("cal_", "calendar", _calendar),
    ("video_", "video", _video),
    ("dust_", "dust", _dust),
    ("truck_", "truck", _truck),
    ("case_", "case", _cases),
]
TIME_PATTERN = re.compile(r"(weekend|night)")


def family(feature: str) -> str:
    """The group a feature belongs to; one sentence per group."""
    for prefix, fam, _ in TEMPLATES:
        if feature.startswith(prefix):
            if fam == "place":
                return "place:" + re.sub(r"^place_(dist|n\d+)_", "", feature)
            return fam
    return "time_pattern" if TIME_PATTERN.search(feature) else feature


def sentence(feature: str, value: float, problem_type: str,
             catalogue: Mapping[str, Mapping[str, str]] | None = None) -> Sentence | None:
    """One reason in Chinese and English for a feature value, or None when the value says nothing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if math.isnan(v):
        return None
    for prefix, _, make in TEMPLATES:
        if feature.startswith(prefix):
            return make(feature, v, problem_type)
    if TIME_PATTERN.search(feature):
        return _time_pattern(feature, v, problem_type)
    return generic_sentence(feature, v, catalogue)


def generic_sentence(feature: str, value: float,
                     catalogue: Mapping[str, Mapping[str, str]] | None = None) -> Sentence:
    """Fallback for a feature without a template: its catalogue description and its value."""
    entry = (catalogue or {}).get(feature) or {}
    zh = entry.get("zh") or entry.get("description_zh") or f"特征 {feature}"
    en = entry.get("en") or entry.get("description_en") or f"feature {feature}"
    return f"{zh}：{_num(value)}", f"{en}: {_num(value)}"


def shap_contributions(model, X: pd.DataFrame) -> pd.DataFrame:
    """Exact TreeSHAP values of a LightGBM model (Booster or sklearn wrapper), one column per feature."""
    raw = np.asarray(model.predict(X, pred_contrib=True))
    if raw.shape[1] != X.shape[1] + 1:
        raise ValueError(f"expected {X.shape[1] + 1} contribution columns, got {raw.shape[1]}")
    return pd.DataFrame(raw[:, :-1], columns=list(X.columns), index=X.index)


def top_reasons(contrib: pd.DataFrame, values: pd.DataFrame, problem_type: str, k: int = N_REASONS,
                catalogue: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """The k strongest positive, distinct-family reasons of every row, as reason_i_zh/_en/_feature columns."""
    cols = [c for c in contrib.columns if c in values.columns]
    unknown = sorted(set(cols) - {c for c in cols if any(c.startswith(p) for p, _, _ in TEMPLATES)})
    if unknown:
        log.info("features without a reason template (catalogue text used): %s", unknown[:10])
    c = contrib[cols].to_numpy(dtype=float)
    vals = values.loc[contrib.index, cols]
    fams = [family(f) for f in cols]
    order = np.argsort(-c, axis=1, kind="stable")
    rows = []
    for i in range(len(c)):
        found: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for j in order[i]:
            if c[i, j] <= 0 or len(found) == k:
                break
            if fams[j] in seen:
                continue
            s = sentence(cols[j], vals.iat[i, j], problem_type, catalogue)
            if s is None:
                continue
            seen.add(fams[j])
            found.append((s[0], s[1], cols[j]))
        rows.append(found)
    out = pd.DataFrame(index=contrib.index)
    for r in range(k):
        out[f"reason_{r + 1}_zh"] = [f[r][0] if len(f) > r else "" for f in rows]
        out[f"reason_{r + 1}_en"] = [f[r][1] if len(f) > r else "" for f in rows]
        out[f"reason_{r + 1}_feature"] = [f[r][2] if len(f) > r else "" for f in rows]
    return out
