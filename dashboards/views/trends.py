"""Trends: weekly series per type and district, seasonality across years, recurring cells."""

import datetime as dt

import altair as alt
import streamlit as st

from dashboards import data, ui
from dashboards.i18n import lang, t, type_label


@st.fragment
def recurring(ptype: str | None, district: str | None) -> None:
    """Top recurring cells for a chosen week; moving its slider reruns only this part of the page."""
    with ui.guard():
        week = ui.week_slider(data.weeks(), key="trends_week")
        rec = data.recurring_cells(week, ptype, district)
        if rec.empty:
            st.info(t("no_rows"))
        rec["type"] = rec["problem_type"].map(type_label) if len(rec) else []
        rec["street"] = rec["street_en"] if lang() == "en" else rec["street_zh"]
        labels = [ui.iso_label(week - dt.timedelta(weeks=k)) for k in (3, 2, 1, 0)]
        ui.show_table(rec, {"grid_code": t("cell_code"), "type": t("problem_type"), "street": t("street"),
                            "community_zh": t("community"), "w0": labels[0], "w1": labels[1], "w2": labels[2],
                            "w3": labels[3], "total": t("last4"), "weeks_active": t("weeks_active")},
                      key="recurring_table")


st.title(t("page_trends"))
with ui.guard():
    district = ui.district_picker("trends_district")
    ptype = ui.type_picker("trends_type", allow_all=True)
    series = data.weekly_series(district)
    if series.empty:
        raise data.TableUnavailable(data.GRID_WEEK.label)
    series["type"] = series["problem_type"].map(type_label)
    shown = series if ptype is None else series[series["problem_type"] == ptype]

    st.subheader(t("weekly_series"))
    ui.chart(alt.Chart(shown).mark_line(point=False).encode(
        x=alt.X("week_start:T", axis=ui.date_axis(t("week"))), y=alt.Y("incidents:Q", title=t("incidents")),
        color=alt.Color("type:N", title=t("problem_type")),
        tooltip=[alt.Tooltip("week_start:T", title=t("week")), alt.Tooltip("type:N", title=t("problem_type")),
                 alt.Tooltip("incidents:Q", title=t("incidents"), format=",")]).properties(height=280))

    if district is None:
        by_d = data.weekly_series(None, by_district=True)
        if ptype:
            by_d = by_d[by_d["problem_type"] == ptype]
        by_d = by_d.groupby(["week_start", "district_code"], as_index=False)["incidents"].sum()
        by_d["district"] = by_d["district_code"].map(ui.district_names()).fillna(by_d["district_code"])
        ui.chart(alt.Chart(by_d).mark_line().encode(
            x=alt.X("week_start:T", axis=ui.date_axis(t("week"))), y=alt.Y("incidents:Q", title=t("incidents")),
            color=alt.Color("district:N", title=t("district")),
            tooltip=[alt.Tooltip("district:N", title=t("district")),
                     alt.Tooltip("incidents:Q", title=t("incidents"), format=",")]).properties(height=240))

    st.subheader(t("seasonality"))
    season = shown.groupby("week_start", as_index=False)["incidents"].sum()
    iso = season["week_start"].dt.isocalendar()
    season = season.assign(year=iso["year"].astype(str), week_no=iso["week"].astype(int))
    ui.chart(alt.Chart(season).mark_line(point=True).encode(
        x=alt.X("week_no:Q", title=t("iso_week_no"), scale=alt.Scale(domain=[1, 53])),
        y=alt.Y("incidents:Q", title=t("incidents")), color=alt.Color("year:N", title=t("year")),
        tooltip=[alt.Tooltip("year:N", title=t("year")), alt.Tooltip("week_no:Q", title=t("iso_week_no")),
                 alt.Tooltip("incidents:Q", title=t("incidents"), format=",")]).properties(height=240))

    st.subheader(t("recurring_cells"))
    recurring(ptype, district)
