"""Widgets and guards the pages share: pickers that respect the user's scope, friendly errors, charts."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.i18n import district_label, fmt_date, lang, t, type_label
from gridwatch.taxonomy import FORECAST_TYPES, PROBLEM_TYPES

log = logging.getLogger(__name__)

# Chart text: browser fonts that carry Chinese first, then the generic fallback.
CJK_FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif"
ALL = "__all__"


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Turn a missing table or any failure into a bilingual message that says what to run."""
    try:
        yield
    except data.AccessDenied as exc:
        st.error(t("access_denied", user=str(exc) or "?"))
    except data.TableUnavailable as exc:
        if exc.error:
            log.warning("table %s unreadable: %s", exc.table, exc.error)
            st.warning(t("broken_table", table=exc.table, error=exc.error), icon="⚠️")
        else:
            st.info(t("no_data", table=exc.table), icon="ℹ️")
    except Exception as exc:  # the page must never show a traceback to an analyst
        log.exception("page failed")
        st.warning(t("page_error", error=type(exc).__name__), icon="⚠️")


def iso_label(week_start: dt.date) -> str:
    """2026-W48 for the Monday of that week."""
    y, w, _ = week_start.isocalendar()
    return f"{y}-W{w:02d}"


def week_label(week_start: dt.date) -> str:
    return f"{iso_label(week_start)} · {fmt_date(week_start)}"


def district_picker(key: str, allow_all: bool = True) -> str | None:
    """The district to show: fixed for a district user, else chosen (None = all)."""
    ds = data.districts()
    names = {r.district_code: district_label(r.district_zh, r.district_en, r.district_code) for r in ds.itertuples()}
    own = data.scope_district()
    if own:
        st.sidebar.caption(f"{t('district')}: {names.get(own, own)}")
        return own
    labels = {ALL: t("all_districts"), **names}
    options = ([ALL] if allow_all else []) + list(names)
    choice = st.sidebar.selectbox(t("district"), options, key=key, format_func=labels.__getitem__)
    return None if choice == ALL else choice


def district_names() -> dict[str, str]:
    ds = data.districts()
    return {r.district_code: district_label(r.district_zh, r.district_en, r.district_code) for r in ds.itertuples()}


def type_picker(key: str, forecast_only: bool = False, allow_all: bool = False, sidebar: bool = True) -> str | None:
    """A problem type (None = all types when allowed)."""
    options = ([ALL] if allow_all else []) + list(FORECAST_TYPES if forecast_only else PROBLEM_TYPES)
    labels = {p: t("all_types") if p == ALL else type_label(p) for p in options}
    where = st.sidebar if sidebar else st
    choice = where.selectbox(t("problem_type"), options, key=key, format_func=labels.__getitem__)
    return None if choice == ALL else choice


def week_slider(weeks: Sequence[dt.date], key: str, label: str | None = None,
                default: dt.date | None = None) -> dt.date:
    """A week slider over the given Mondays (newest by default)."""
    weeks = list(weeks)
    if len(weeks) == 1:
        st.caption(f"{label or t('week')}: {week_label(weeks[0])}")
        return weeks[0]
    return st.select_slider(label or t("week"), options=weeks, value=default or weeks[-1], key=key,
                            format_func=iso_label)


def show_table(df: pd.DataFrame, columns: dict[str, str], config: dict | None = None, key: str | None = None,
               height: int | None = None) -> None:
    """A dataframe with translated column names (only the listed columns, in that order)."""
    present = [c for c in columns if c in df.columns]
    view = df[present].rename(columns=columns)
    cfg = {columns[c]: v for c, v in (config or {}).items() if c in columns}
    kwargs = {"height": height} if height else {}
    st.dataframe(view, hide_index=True, column_config=cfg, key=key, width="stretch", **kwargs)


def chart(c: alt.TopLevelMixin) -> None:
    """An Altair chart with CJK-capable fonts (our own specs: schema validation skipped per rerun)."""
    spec = c.configure(font=CJK_FONT).configure_legend(labelLimit=260).to_dict(validate=False)
    st.vega_lite_chart(spec, width="stretch")


def date_axis(title: str) -> alt.Axis:
    """A time axis labelled 2026年3月 or Mar 2026."""
    return alt.Axis(title=title, format="%b %Y" if lang() == "en" else "%Y年%-m月", labelOverlap=True)


def pct_col(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="percent")


def num_col(label: str, digits: int = 0) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="localized" if digits == 0 else f"%.{digits}f")
