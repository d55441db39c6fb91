"""Case assessment (考核): the six rates and the composite score, ranked by district or department."""

import pandas as pd
import streamlit as st

from dashboards import assessment, data, ui
from dashboards.i18n import fmt_month, t

st.title(t("page_kpi"))
with ui.guard():
    kpis = data.case_kpis()
    if kpis.empty:
        raise data.TableUnavailable(data.CASE_KPIS.label)
    district = ui.district_picker("kpi_district")
    if district:
        kpis = kpis[kpis["district_code"].astype(str) == district]
    period = st.sidebar.radio(t("period"), ["week", "month"], key="kpi_period", horizontal=True,
                              format_func={"week": t("period_week"), "month": t("period_month")}.__getitem__)
    level = st.sidebar.radio(t("level"), ["district", "department"], key="kpi_level",
                             format_func={"district": t("level_district"),
                                          "department": t("level_department")}.__getitem__)
    kpis = assessment.with_period(kpis, period)
    periods = sorted(kpis["period"].unique())
    labels = {p: (ui.iso_label(p) if period == "week" else fmt_month(p.year, p.month)) for p in periods}
    chosen = st.select_slider(t("week") if period == "week" else t("month"), options=periods, value=periods[-1],
                              key=f"kpi_{period}", format_func=lambda p: labels[p])
    table = assessment.ranked(kpis[kpis["period"] == chosen], level)
    table["district"] = table["district_code"].map(ui.district_names()).fillna(table["district_code"])
    st.subheader(f"{t('kpi_table')} · {labels[chosen]}")
    names = {"ranking": t("ranking"), "district": t("district")}
    if level == "department":
        names["department"] = t("department")
    rates = [c for c in assessment.RATE_COLUMNS if c in table.columns]
    names.update({c: t(f"kpi_{c}") for c in rates})
    names[assessment.COMPOSITE] = t("composite")
    config = {c: ui.pct_col(t(f"kpi_{c}")) for c in rates}
    config[assessment.COMPOSITE] = ui.num_col(t("composite"), 1)
    ui.show_table(pd.DataFrame(table), names, config, key="kpi_table")
