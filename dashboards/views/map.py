"""Map: unit-grid cells coloured by incidents or forecast, per problem type and week."""

import streamlit as st

from dashboards import data, maplayers, ui
from dashboards.geo import basemap
from dashboards.i18n import fmt_int, t

st.title(t("page_map"))
with ui.guard():
    district = ui.district_picker("map_district")
    ptype = ui.type_picker("map_type")
    measure = st.sidebar.radio(t("measure"), ["count", "forecast"], key="map_measure",
                               format_func={"count": t("measure_count"), "forecast": t("measure_forecast")}.__getitem__)
    if measure == "forecast":
        weeks = data.forecast_weeks()
        if not weeks:
            st.info(t("no_forecast_weeks"))
            st.stop()
    else:
        weeks = data.weeks()
    if not weeks:
        raise data.TableUnavailable(data.GRID_WEEK.label)
    week = ui.week_slider(weeks, key=f"map_week_{measure}")
    cells = maplayers.map_cells(week, ptype, measure, district)
    total = int(data.districts()["cells"].sum())
    st.caption(t("map_cells", n=fmt_int(len(cells)), total=fmt_int(total)) + " · "
               + t("basemap_note", name=t("basemap_none") if basemap() == "none" else basemap()))
    if cells.empty:
        st.info(t("no_rows_week", week=ui.iso_label(week)))
    st.pydeck_chart(maplayers.deck(cells, district), height=560, key="map_deck")
    st.caption(t("map_legend"))
    st.subheader(t("map_top_cells"))
    value = "incidents" if measure == "count" else "expected"
    top = cells.nlargest(20, value) if not cells.empty else cells
    ui.show_table(top, {"grid_code": t("cell_code"), "street": t("street"), "community_zh": t("community"),
                        "incidents": t("incidents"), "reports": t("reports"), "expected": t("expected"),
                        "p_any": t("p_any"), "reasons": t("reasons")},
                  {"expected": ui.num_col(t("expected"), 2), "p_any": ui.pct_col(t("p_any"))}, key="map_table")
