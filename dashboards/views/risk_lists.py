"""Risk lists: this week's list per district, with the published files to download."""

import streamlit as st

from dashboards import data, riskview, ui
from dashboards.i18n import t

MIME = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".html": "text/html", ".pdf": "application/pdf"}
LABEL = {".csv": "download_csv", ".xlsx": "download_xlsx", ".html": "download_html", ".pdf": "download_pdf"}

st.title(t("page_risk"))
with ui.guard():
    lists = data.risk_lists()
    if lists.empty or "iso_week" not in lists.columns:
        raise data.TableUnavailable(data.RISK_LISTS.label)
    district = ui.district_picker("risk_district", allow_all=False)
    weeks = sorted(lists["iso_week"].astype(str).unique())
    week = st.selectbox(t("risk_week"), weeks[::-1], key="risk_week")
    ptype = ui.type_picker("risk_type", allow_all=True)
    rows = lists[(lists["iso_week"] == week) & (lists["district_code"].astype(str) == district)]
    if ptype:
        rows = rows[rows["problem_type"] == ptype]
    rows = rows.sort_values([c for c in ("problem_type", "rank") if c in rows.columns])
    if rows.empty:
        st.info(t("no_rows"))
    else:
        rows = riskview.display(rows)
        if "seed" in rows and rows["seed"].notna().any():
            st.caption(t("seed", seed=rows["seed"].dropna().iloc[0]))
        ui.show_table(rows, {"type": t("problem_type"), "rank": t("rank"), "grid_code": t("cell_code"),
                             "street": t("street"), "community": t("community"), "expected": t("expected"),
                             "p_any": t("p_any"), "tier_label": t("tier"), "last4": t("last4"),
                             "trend": t("trend"), "reasons": t("reasons"), "slot_label": t("slot"),
                             "lon": t("lon"), "lat": t("lat")},
                      {"expected": ui.num_col(t("expected"), 2), "p_any": ui.pct_col(t("p_any")),
                       "lon": ui.num_col(t("lon"), 5), "lat": ui.num_col(t("lat"), 5)}, key="risk_table")

    st.subheader(t("downloads"))
    files = data.risk_list_files(week, district)
    if not files:
        st.info(t("no_files", district=ui.district_names().get(district, district), week=week, code=district))
        if not rows.empty:
            st.download_button(t("download_csv"), rows.to_csv(index=False).encode("utf-8-sig"),
                               file_name=f"risk_list_{week}_{district}.csv", mime=MIME[".csv"], key="dl_generated")
    cols = st.columns(max(1, len(files)))
    for col, path in zip(cols, files, strict=False):
        col.download_button(f"{t(LABEL[path.suffix.lower()])} · {path.name}", path.read_bytes(), file_name=path.name,
                            mime=MIME[path.suffix.lower()], key=f"dl_{path.name}")
