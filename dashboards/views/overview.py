"""City overview: this week's counts by type and district, changes, and sources as a share."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.i18n import fmt_date, fmt_int, fmt_pct, source_label, t, type_label

st.title(t("page_overview"))
with ui.guard():
    weeks = data.weeks()
    district = ui.district_picker("overview_district")
    if not weeks:
        raise data.TableUnavailable(data.GRID_WEEK.label)
    week = ui.week_slider(weeks, key="overview_week")
    last, last_year = week - dt.timedelta(weeks=1), week - dt.timedelta(weeks=52)
    st.caption(t("overview_caption", week=ui.iso_label(week), start=fmt_date(week)))
    counts = data.type_district_counts([week, last, last_year], district)
    now, prev, ly = (counts[counts["week_start"].dt.date == w] for w in (week, last, last_year))
    total, total_prev, total_ly = (float(f["incidents"].sum()) for f in (now, prev, ly))

    c1, c2, c3 = st.columns(3)
    c1.metric(t("kpi_incidents"), fmt_int(total))
    c2.metric(t("kpi_vs_last_week"), fmt_int(total - total_prev),
              fmt_pct((total - total_prev) / total_prev, signed=True) if total_prev else None)
    c3.metric(t("kpi_vs_last_year"), fmt_int(total - total_ly) if total_ly else "—",
              fmt_pct((total - total_ly) / total_ly, signed=True) if total_ly else None)
    if total == 0:
        st.info(t("no_rows_week", week=ui.iso_label(week)))

    names = ui.district_names()
    st.subheader(t("by_type_district"))
    keys = ["district_code", "problem_type"]
    table = (now.groupby(keys)["incidents"].sum().rename("now").to_frame()
             .join(prev.groupby(keys)["incidents"].sum().rename("prev"), how="outer")
             .join(ly.groupby(keys)["incidents"].sum().rename("ly"), how="outer").fillna(0).reset_index())
    table["district"] = table["district_code"].map(names).fillna(table["district_code"])
    table["type"] = table["problem_type"].map(type_label)
    table["wow"] = (table["now"] - table["prev"]) / table["prev"].where(table["prev"] > 0)
    table["yoy"] = (table["now"] - table["ly"]) / table["ly"].where(table["ly"] > 0)
    table = table.sort_values(["district_code", "now"], ascending=[True, False])
    ui.show_table(table, {"district": t("district"), "type": t("problem_type"), "now": t("incidents"),
                          "prev": t("last_week"), "wow": t("change_wow"), "ly": t("last_year"),
                          "yoy": t("change_yoy")},
                  {"now": ui.num_col(t("incidents")), "prev": ui.num_col(t("last_week")),
                   "ly": ui.num_col(t("last_year")), "wow": ui.pct_col(t("change_wow")),
                   "yoy": ui.pct_col(t("change_yoy"))}, key="overview_table")
    if not table.empty:
        ui.chart(alt.Chart(table).mark_bar().encode(
            x=alt.X("sum(now):Q", title=t("incidents")),
            y=alt.Y("district:N", title=t("district")),
            color=alt.Color("type:N", title=t("problem_type")),
            tooltip=[alt.Tooltip("district:N", title=t("district")), alt.Tooltip("type:N", title=t("problem_type")),
                     alt.Tooltip("now:Q", title=t("incidents"))]).properties(height=60 + 40 * table["district"].nunique()))

    st.subheader(t("sources_share"))
    with ui.guard():
        src = data.source_counts(week, district)
        if src.empty:
            st.info(t("no_rows_week", week=ui.iso_label(week)))
        else:
            src = src.assign(label=src["source"].map(source_label), share=src["n"] / src["n"].sum())
            left, right = st.columns([2, 3])
            with left:
                ui.show_table(src, {"label": t("source"), "n": t("incidents"), "share": t("share")},
                              {"n": ui.num_col(t("incidents")), "share": ui.pct_col(t("share"))}, key="sources_table")
            with right:
                ui.chart(alt.Chart(pd.DataFrame(src)).mark_arc(innerRadius=50).encode(
                    theta=alt.Theta("n:Q"), color=alt.Color("label:N", title=t("source")),
                    tooltip=[alt.Tooltip("label:N", title=t("source")),
                             alt.Tooltip("share:Q", title=t("share"), format=".1%")]).properties(height=240))
