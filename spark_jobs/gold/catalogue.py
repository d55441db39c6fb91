"""Every gold/features column, named once with a Chinese and an English description.

Prefixes are stable (lag_, roll_mean_, ewm_, longrun_, sywly_, nbr1_, nbr2_, kde_, nearrep_, other_,
place_dist_, place_n500_, cal_, video_, dust_, truck_, case_) so risk-list reasons can turn a
feature into a sentence. Counts are incidents of the row's problem type unless a name says otherwise;
every feature of the row for week W uses only weeks before W (calendar: the target week itself).
"""

from __future__ import annotations

import re

from gridwatch.taxonomy import PROBLEM_TYPES
from spark_jobs.gold.spec import (
    CASE_REWORK_WEEKS,
    DUST_RADIUS_M,
    EWM_HALF_LIVES,
    KDE_SPECS,
    LAGS,
    NBR_WINDOWS,
    OTHER_WINDOW,
    PLACE_KINDS,
    PLACE_RADIUS_M,
    ROLL_WINDOWS,
    SENSOR_WINDOW,
)

TYPE_ZH = {"stall": "摊点", "parking": "违停", "violation": "违建", "sanitation": "环境卫生",
           "dust": "扬尘", "other": "其他"}


def _entries() -> dict[str, dict[str, str]]:
    c: dict[str, dict[str, str]] = {}

    def add(name: str, zh: str, en: str) -> None:
        c[name] = {"zh": zh, "en": en}

    for k in LAGS:
        add(f"lag_{k}", f"{k}周前本格同类事件数", f"incidents {k} week(s) before, in the cell")
    for k in ROLL_WINDOWS:
        add(f"roll_mean_{k}", f"近{k}周本格同类事件周均数", f"mean weekly incidents over the last {k} weeks, in the cell")
    add("longrun_mean", "历史以来本格同类事件周均数", "mean weekly incidents over all earlier weeks, in the cell")
    for h in EWM_HALF_LIVES:
        add(f"ewm_hl{h}", f"本格同类事件指数加权周均数（半衰期{h}周）",
            f"exponentially weighted mean of weekly incidents, half-life {h} weeks")
    add("sywly_lag52", "去年同周本格同类事件数", "incidents in the same week last year (52 weeks before)")
    add("sywly_mean3", "去年同周及前后各一周本格同类事件周均数",
        "mean weekly incidents 51-53 weeks before (same week last year and its neighbours)")
    for ring, label_zh, label_en in ((1, "周边一圈（3×3网格）", "ring 1 (3x3 minus the cell)"),
                                     (2, "周边两圈（5×5网格）", "rings 1-2 (5x5 minus the cell)")):
        add(f"nbr{ring}_lag1", f"上周{label_zh}同类事件数", f"incidents last week in {label_en}")
        for k in NBR_WINDOWS:
            add(f"nbr{ring}_roll_mean_{k}", f"近{k}周{label_zh}同类事件周均数",
                f"mean weekly incidents over the last {k} weeks in {label_en}")
    for bw, weeks in KDE_SPECS:
        add(f"kde_{bw}m_{weeks}w", f"近{weeks}周同类事件核密度（高斯核带宽{bw}米，每格周均）",
            f"Gaussian kernel density of the last {weeks} weeks' incidents, bandwidth {bw} m (per cell and week)")
    add("nearrep_r1_w1", "上周本格及周边一圈同类事件数（近重复）", "incidents last week in the cell and ring 1 (near-repeat)")
    add("nearrep_r1_w2", "近2周本格及周边一圈同类事件数（近重复）", "incidents in the last 2 weeks in the cell and ring 1")
    add("nearrep_r2_w2", "近2周本格及周边两圈同类事件数（近重复）", "incidents in the last 2 weeks in the cell and rings 1-2")
    for t in PROBLEM_TYPES:
        add(f"other_{t}_lag1", f"上周本格{TYPE_ZH[t]}事件数", f"{t} incidents last week in the cell (empty on {t} rows)")
        add(f"other_{t}_roll_mean_{OTHER_WINDOW}", f"近{OTHER_WINDOW}周本格{TYPE_ZH[t]}事件周均数",
            f"mean weekly {t} incidents over the last {OTHER_WINDOW} weeks in the cell (empty on {t} rows)")
    for kind in PLACE_KINDS:
        c.update(_place_entries(kind))
    add("cal_week_of_year", "目标周的ISO周序号", "ISO week number of the target week")
    add("cal_month", "目标周所在月份（按周四）", "month of the target week (by its Thursday)")
    add("cal_holiday_days", "目标周法定节假日放假天数", "public-holiday days off in the target week")
    add("cal_makeup_workdays", "目标周调休上班天数（周末补班）", "make-up working days (weekend days worked) in the target week")
    add("cal_days_off", "目标周休息日总天数", "days off in the target week (weekends not worked plus holidays)")
    add("cal_school_term", "目标周是否在中小学学期内", "1 if the target week is in the school term")
    add("cal_days_to_spring_festival", "目标周周一距最近春节的天数（负数为节后）",
        "days from the target week's Monday to the nearest Spring Festival (negative after it)")
    w = SENSOR_WINDOW
    add("video_cell_lag1", "上周本格视频AI同类识别数", "video AI detections of the type in the cell last week")
    add(f"video_cell_roll_mean_{w}", f"近{w}周本格视频AI同类识别周均数", f"mean weekly video detections in the cell over {w} weeks")
    add("video_nbr1_lag1", "上周周边一圈视频AI同类识别数", "video AI detections of the type in ring 1 last week")
    add(f"video_nbr1_roll_mean_{w}", f"近{w}周周边一圈视频AI同类识别周均数", f"mean weekly video detections in ring 1 over {w} weeks")
    r = int(DUST_RADIUS_M)
    add("dust_exceed_h_lag1", f"上周{r}米内扬尘监测点PM10超标小时数", f"PM10 exceedance hours last week at dust monitors within {r} m")
    add(f"dust_exceed_h_roll_mean_{w}", f"近{w}周{r}米内扬尘超标小时周均数", f"mean weekly dust exceedance hours within {r} m over {w} weeks")
    add("truck_dwell_min_lag1", "上周渣土车在本格停留分钟数", "muck-truck dwell minutes in the cell last week")
    add(f"truck_dwell_min_roll_mean_{w}", f"近{w}周渣土车在本格停留分钟周均数", f"mean weekly muck-truck dwell minutes in the cell over {w} weeks")
    add("truck_dwell_min_nbr1_lag1", "上周渣土车在周边一圈停留分钟数", "muck-truck dwell minutes in ring 1 last week")
    add("case_open_at_start", "周初本格同类未结案卷数", "open cases of the type in the cell at the start of the week")
    add("case_open_all_at_start", "周初本格全部未结案卷数", "open cases of all types in the cell at the start of the week")
    add(f"case_rework_{CASE_REWORK_WEEKS}w", f"近{CASE_REWORK_WEEKS}周本格案卷返工次数",
        f"rework count of cases reported in the cell in the last {CASE_REWORK_WEEKS} weeks, as known at week start")
    return c


def _place_entries(kind: str) -> dict[str, dict[str, str]]:
    zh, en = PLACE_KINDS.get(kind, (kind, kind.replace("_", " ")))
    r = int(PLACE_RADIUS_M)
    return {
        f"place_dist_{kind}": {"zh": f"距最近{zh}的距离（米）", "en": f"distance to the nearest {en} (m)"},
        f"place_n500_{kind}": {"zh": f"{r}米内{zh}数量", "en": f"number of {en}s within {r} m"},
    }


FEATURE_CATALOGUE: dict[str, dict[str, str]] = _entries()


def describe_feature(name: str, lang: str = "zh") -> str:
    """Description of a feature column in Chinese ('zh') or English ('en'), also for unlisted place kinds."""
    if name in FEATURE_CATALOGUE:
        return FEATURE_CATALOGUE[name][lang]
    m = re.fullmatch(r"place_(dist|n500)_(\w+)", name)
    if m:
        return _place_entries(m.group(2))[name][lang]
    raise KeyError(f"{name} is not a gold feature")
