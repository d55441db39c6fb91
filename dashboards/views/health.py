"""Data health: freshness per source, quarantine by reason, reconciliation of landed records."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.i18n import bilingual_text, source_label, t

STALE_AFTER_DAYS = 2  # a source whose newest day lags the newest source by more than this is stale

st.title(t("page_health"))
with ui.guard():
    st.subheader(t("freshness"))
    fr = data.freshness()
    if fr.empty:
        raise data.TableUnavailable(data.LEDGER.label)
    newest = pd.to_datetime(fr["last_dt"]).max()
    fr["lag"] = (newest - pd.to_datetime(fr["last_dt"])).dt.days
    fr["age_days"] = (pd.Timestamp(dt.date.today()) - pd.to_datetime(fr["last_dt"])).dt.days
    fr["status"] = fr["lag"].map(lambda d: f"🟢 {t('fresh')}" if d <= STALE_AFTER_DAYS else f"🔴 {t('stale')}")
    fr["label"] = fr["source"].map(source_label)
    ui.show_table(fr, {"label": t("source"), "status": t("status"), "last_dt": t("last_dt"),
                       "last_ingested": t("last_ingested"), "age_days": t("age_days"), "files": t("files"),
                       "records": t("records")},
                  {"records": ui.num_col(t("records")), "files": ui.num_col(t("files"))}, key="freshness_table")

if data.scope_district() is None:
    with ui.guard():
        st.subheader(t("quarantine"))
        q = data.quarantine_counts()
        if q.empty:
            st.info(t("no_quarantine"))
        else:
            q = q.assign(label=q["source"].map(source_label), reason=q["reason_text"].map(bilingual_text))
            left, right = st.columns([3, 2])
            with left:
                ui.show_table(q, {"label": t("source"), "reason_code": t("reason"), "reason": "", "n": t("records")},
                              {"n": ui.num_col(t("records"))}, key="quarantine_table")
            with right:
                ui.chart(alt.Chart(q).mark_bar().encode(
                    x=alt.X("sum(n):Q", title=t("records")), y=alt.Y("reason:N", title=t("reason"), sort="-x"),
                    color=alt.Color("label:N", title=t("source")),
                    tooltip=[alt.Tooltip("label:N", title=t("source")), alt.Tooltip("n:Q", title=t("records"))]))
    with ui.guard():
        st.subheader(t("reconciliation"))
        rec = data.reconciliation()
        rec["label"] = rec["source"].map(source_label)
        rec["status"] = rec["difference"].map(
            lambda d: "—" if pd.isna(d) else (f"🟢 {t('balanced')}" if d == 0 else f"🔴 {t('unbalanced')}"))
        ui.show_table(rec, {"label": t("source"), "status": t("status"), "landed": t("landed"),
                            "accepted": t("accepted"), "quarantined": t("quarantined"), "difference": t("difference"),
                            "batches": t("files"), "unbalanced_batches": t("unbalanced")},
                      {c: ui.num_col(t(c)) for c in ("landed", "accepted", "quarantined", "difference")},
                      key="reconciliation_table")
