"""The app's words and number formats in Chinese (default) and English."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import streamlit as st

from gridwatch.taxonomy import minor_codes, problem_types

LANGS = ("zh", "en")

# key -> (Chinese, English); a value may hold str.format fields.
STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("GridWatch 城市管理网格风险", "GridWatch urban-management grid risk"),
    "lang_switch": ("English", "English"),
    "user": ("用户：{user}（{scope}）", "User: {user} ({scope})"),
    "scope_city": ("全市", "whole city"),
    "access_denied": ("无权访问：用户 {user} 未在角色文件中登记。请联系系统管理员。",
                      "Access denied: user {user} is not in the role file. Please ask the administrator."),
    "no_user": ("未识别用户：单点登录未提供用户名（请求头 {header}）。",
                "No user: the single sign-on did not name a user (header {header})."),
    # navigation
    "nav_analysis": ("分析", "Analysis"),
    "nav_delivery": ("交付与考核", "Delivery and assessment"),
    "nav_ops": ("运行", "Operations"),
    "page_overview": ("全市概览", "City overview"),
    "page_map": ("网格地图", "Grid map"),
    "page_trends": ("趋势", "Trends"),
    "page_forecast": ("预测与实际", "Forecast vs. actual"),
    "page_risk": ("风险清单", "Risk lists"),
    "page_kpi": ("案件考核", "Case assessment"),
    "page_health": ("数据健康", "Data health"),
    # empty and broken states
    "no_data": ("暂无数据：表 {table} 尚未生成。请先运行 `make run`（或 `gridwatch demo`）构建数据。",
                "No data yet: table {table} has not been built. Run `make run` (or `gridwatch demo`) first."),
    "broken_table": ("表 {table} 无法读取（{error}）。请重新运行 `make run`。",
                     "Table {table} could not be read ({error}). Run `make run` again."),
    "page_error": ("页面暂时无法显示（{error}）。请运行 `make run` 后刷新；如仍出现，请联系系统管理员。",
                   "This page cannot be shown right now ({error}). Run `make run` and reload; if it persists, "
                   "tell the administrator."),
    "no_rows_week": ("{week} 没有事件记录。", "No incidents recorded in {week}."),
    "no_rows": ("所选条件下没有数据。", "No data for this selection."),
    # filters
    "week": ("周", "Week"),
    "problem_type": ("问题类型", "Problem type"),
    "district": ("区/旗", "District"),
    "all_districts": ("全部区/旗", "All districts"),
    "all_types": ("全部类型", "All types"),
    "measure": ("着色依据", "Colour by"),
    "measure_count": ("事件数", "Incidents"),
    "measure_forecast": ("预测期望数", "Forecast (expected)"),
    "period": ("周期", "Period"),
    "period_week": ("按周", "Weekly"),
    "period_month": ("按月", "Monthly"),
    "level": ("层级", "Level"),
    "level_district": ("按区/旗", "By district"),
    "level_department": ("按部门", "By department"),
    "metric": ("指标", "Metric"),
    # overview
    "overview_caption": ("{week}（{start} 起）", "{week} (from {start})"),
    "kpi_incidents": ("本周事件", "Incidents this week"),
    "kpi_vs_last_week": ("较上周", "vs. last week"),
    "kpi_vs_last_year": ("较去年同周", "vs. same week last year"),
    "by_type_district": ("按问题类型与区/旗", "By problem type and district"),
    "sources_share": ("来源占比", "Share by source"),
    "source": ("来源", "Source"),
    "share": ("占比", "Share"),
    "incidents": ("事件数", "Incidents"),
    "reports": ("上报数", "Reports"),
    "last_week": ("上周", "Last week"),
    "last_year": ("去年同周", "Same week last year"),
    "change_wow": ("环比", "Week on week"),
    "change_yoy": ("同比", "Year on year"),
    "total": ("合计", "Total"),
    # map
    "map_legend": ("颜色越深数量越多；灰框为区/旗范围。", "Darker cells hold more; grey boxes are district extents."),
    "map_cells": ("显示 {n} 个非零网格（共 {total} 个）。", "Showing {n} non-zero cells (of {total})."),
    "map_top_cells": ("本周前列网格", "Top cells this week"),
    "cell_code": ("网格编码", "Cell code"),
    "street": ("街道/镇", "Street"),
    "community": ("社区", "Community"),
    "expected": ("预测期望", "Expected"),
    "p_any": ("发生概率", "P(≥1)"),
    "reasons": ("主要原因", "Top reasons"),
    "count": ("数量", "Count"),
    "basemap_note": ("底图：{name}", "Base map: {name}"),
    "basemap_none": ("无（离线）", "none (offline)"),
    # trends
    "weekly_series": ("每周事件数", "Incidents per week"),
    "seasonality": ("季节性：按 ISO 周对比各年", "Seasonality: ISO weeks compared across years"),
    "iso_week_no": ("ISO 周序号", "ISO week number"),
    "year": ("年份", "Year"),
    "recurring_cells": ("反复发生网格（近4周 ≥3 起，前20）", "Recurring cells (≥3 incidents in 4 weeks, top 20)"),
    "last4": ("近4周", "Last 4 weeks"),
    "weeks_active": ("有事件周数", "Weeks with incidents"),
    # forecast vs actual
    "past_week": ("已过去的周", "Past week"),
    "no_forecast_weeks": ("还没有既有预测又有实际数据的周。请运行 `make run` 生成预测，并等待一周的实际数据。",
                          "No week has both a forecast and actuals yet. Run `make run` to forecast, then wait for a week of actuals."),
    "capture_curve": ("捕获曲线：按预测排名标记前 k% 网格所捕获的事件比例",
                      "Capture curve: share of incidents in the top k% of cells ranked by the forecast"),
    "cells_flagged": ("标记网格比例 k", "Share of cells flagged, k"),
    "captured": ("捕获事件比例", "Share of incidents captured"),
    "curve": ("曲线", "Curve"),
    "curve_model": ("模型预测", "Model forecast"),
    "curve_oracle": ("事后最优", "Hindsight best"),
    "curve_random": ("随机", "Random"),
    "hr_at": ("HR@{k}%", "HR@{k}%"),
    "actual": ("实际", "Actual"),
    "top_forecast": ("预测前列网格及实际结果", "Top forecast cells and what happened"),
    "backtest": ("模型与基线随时间对比（滚动回测）", "Model vs. baselines over time (rolling backtest)"),
    "method": ("方法", "Method"),
    "origin": ("预测起点周", "Forecast origin"),
    "value": ("数值", "Value"),
    "list_score": ("风险清单命中情况", "How the risk lists did"),
    "n_listed": ("清单网格数", "Cells listed"),
    "n_hit": ("命中网格数", "Cells hit"),
    "hit_rate": ("命中率", "Hit rate"),
    "captured_n": ("捕获事件数", "Incidents captured"),
    "per_cell": ("每格事件", "Per listed cell"),
    "district_per_cell": ("全区每格事件", "District per cell"),
    "lift": ("提升倍数", "Lift"),
    # risk lists
    "risk_week": ("清单周", "List week"),
    "downloads": ("下载", "Downloads"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "download_html": ("下载打印版 HTML", "Download printable HTML"),
    "no_files": ("{district} 的清单文件尚未发布（outbox/risk_lists/{week}/{code}/）。",
                 "The list files for {district} are not published yet (outbox/risk_lists/{week}/{code}/)."),
    "rank": ("排名", "Rank"),
    "tier": ("等级", "Tier"),
    "trend": ("趋势", "Trend"),
    "slot": ("名额类型", "Slot"),
    "seed": ("随机种子：{seed}", "Random seed: {seed}"),
    "lon": ("经度", "Lon"),
    "lat": ("纬度", "Lat"),
    # assessment
    "kpi_table": ("考核指标与综合得分", "Assessment rates and composite score"),
    "department": ("部门", "Department"),
    "composite": ("综合得分", "Composite score"),
    "ranking": ("排名", "Ranking"),
    "month": ("月份", "Month"),
    "kpi_filing_rate": ("立案率", "Filing rate"),
    "kpi_ontime_handling_rate": ("按期处置率", "On-time handling rate"),
    "kpi_closure_rate": ("结案率", "Closure rate"),
    "kpi_ontime_closure_rate": ("按期结案率", "On-time closure rate"),
    "kpi_rework_rate": ("返工率", "Rework rate"),
    "kpi_extension_rate": ("延期率", "Extension rate"),
    # health
    "freshness": ("各来源数据新鲜度", "Freshness per source"),
    "last_dt": ("最新数据日", "Latest data day"),
    "last_ingested": ("最近接入时间", "Last ingested"),
    "age_days": ("距今天数", "Age (days)"),
    "files": ("文件数", "Files"),
    "records": ("记录数", "Records"),
    "status": ("状态", "Status"),
    "fresh": ("正常", "fresh"),
    "stale": ("滞后", "stale"),
    "quarantine": ("隔离记录（按原因）", "Quarantined records by reason"),
    "reason": ("原因", "Reason"),
    "reason_code": ("原因代码", "Reason code"),
    "reconciliation": ("对账状态（落地 = 接受 + 隔离）", "Reconciliation (landed = accepted + quarantined)"),
    "landed": ("落地记录", "Landed"),
    "accepted": ("已接受", "Accepted"),
    "quarantined": ("已隔离", "Quarantined"),
    "difference": ("差额", "Difference"),
    "balanced": ("平衡", "balanced"),
    "unbalanced": ("不平衡", "unbalanced"),
    "no_quarantine": ("没有隔离记录。", "No quarantined records."),
}

SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "hotline": ("12345热线", "12345 hotline"),
    "police110": ("110接警", "110 police"),
    "video": ("视频识别", "Video AI"),
    "patrol": ("巡查", "Patrol"),
    "cases": ("数字城管案卷", "Digital cases"),
    "dust": ("扬尘监测", "Dust monitors"),
    "truck_gps": ("渣土车GPS", "Muck-truck GPS"),
}

TIER_NAMES: dict[str, tuple[str, str]] = {"高": ("高", "high"), "中": ("中", "medium"), "低": ("低", "low"),
                                          "high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def lang() -> str:
    """The language of this session: 'zh' unless the sidebar switch chose English."""
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def t(key: str, **fields: object) -> str:
    """The string for key in the session's language, with fields filled in."""
    zh, en = STRINGS[key]
    text = en if lang() == "en" else zh
    return text.format(**fields) if fields else text


def pick(pair: tuple[str, str]) -> str:
    """One side of a (Chinese, English) pair."""
    return pair[1] if lang() == "en" else pair[0]


@lru_cache(maxsize=4)
def _names(kind: str, language: str) -> dict[str, str]:
    table, key = (problem_types(), "problem_type") if kind == "type" else (minor_codes(), "minor_code")
    return dict(zip(table[key], table["name_en" if language == "en" else "name_zh"], strict=True))


def type_label(problem_type: str) -> str:
    """Display name of a problem type."""
    return _names("type", lang()).get(problem_type, str(problem_type))


def minor_label(code: str) -> str:
    """Display name of a national minor event code."""
    return _names("minor", lang()).get(code, str(code))


def source_label(source: str) -> str:
    return pick(SOURCE_NAMES[source]) if source in SOURCE_NAMES else str(source)


def bilingual_text(text: str | None) -> str:
    """The right half of a 'Chinese / English' text, or the text as it is."""
    if not text:
        return ""
    parts = str(text).split(" / ", 1)
    if len(parts) == 2:
        return parts[1] if lang() == "en" else parts[0]
    return str(text)


def fmt_int(value: float | int | None) -> str:
    """Whole number with thousands separators (same in both languages)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(round(value)):,}"


def fmt_pct(value: float | None, digits: int = 1, signed: bool = False) -> str:
    """A share (0.123) as a percentage ('12.3%')."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "—"
    sign = "+" if signed else ""
    return f"{value * 100:{sign}.{digits}f}%"


def fmt_date(value: dt.date | None) -> str:
    """A date as 2026年11月23日 or 23 Nov 2026."""
    if value is None:
        return "—"
    if lang() == "en":
        return value.strftime("%d %b %Y")
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_month(year: int, month: int) -> str:
    return f"{year}-{month:02d}" if lang() == "en" else f"{year}年{month}月"


def district_label(row_zh: str | None, row_en: str | None, code: str) -> str:
    """A district's display name, falling back to its code."""
    name = row_en if lang() == "en" else row_zh
    return str(name) if name else str(code)
