"""Forecast vs. actual: a past week's forecast against what happened, capture curve, model vs. baselines."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, riskview, ui
from dashboards.i18n import fmt_int, fmt_pct, t

st.title(t("page_forecast"))
with ui.guard():
    district = ui.district_picker("fc_district")
    ptype = ui.type_picker("fc_type", forecast_only=True)
    past = sorted(set(data.forecast_weeks()) & set(data.weeks()))
    if not past:
        st.info(t("no_forecast_weeks"))
    else:
        week = ui.week_slider(past, key="fc_week", label=t("past_week"))
        cap = data.capture(week, ptype, district)
        cols = st.columns(4)
        cols[0].metric(t("actual"), fmt_int(cap["incidents"]))
        for col, k in zip(cols[1:], (1, 5, 10), strict=False):
            model, oracle = cap["hr"].get(k, (float("nan"), float("nan")))
            col.metric(t("hr_at", k=k), fmt_pct(model), f"{t('curve_oracle')} {fmt_pct(oracle)}", delta_color="off")
        if cap["incidents"] == 0:
            st.info(t("no_rows_week", week=ui.iso_label(week)))

        st.subheader(t("capture_curve"))
        curve = cap["curve"]
        if not curve.empty:
            long = curve.melt("k", var_name="curve", value_name="captured")
            long["curve"] = long["curve"].map({"model": t("curve_model"), "oracle": t("curve_oracle"),
                                               "random": t("curve_random")})
            ui.chart(alt.Chart(long).mark_line().encode(
                x=alt.X("k:Q", title=t("cells_flagged"), axis=alt.Axis(format="%"), scale=alt.Scale(type="log")),
                y=alt.Y("captured:Q", title=t("captured"), axis=alt.Axis(format="%")),
                color=alt.Color("curve:N", title=t("curve")),
                tooltip=[alt.Tooltip("curve:N", title=t("curve")), alt.Tooltip("k:Q", title=t("cells_flagged"), format=".1%"),
                         alt.Tooltip("captured:Q", title=t("captured"), format=".1%")]).properties(height=300))

        st.subheader(t("top_forecast"))
        top = data.cell_forecasts(week, ptype, district, top=20)
        actual = data.cell_counts(week, ptype, district)
        top = data.with_places(top.merge(actual, on="cell_id", how="left").fillna({"incidents": 0}))
        top["street"] = top["street_en"] if st.session_state.get("lang") == "en" else top["street_zh"]
        ui.show_table(top, {"grid_code": t("cell_code"), "street": t("street"), "community_zh": t("community"),
                            "expected": t("expected"), "p_any": t("p_any"), "incidents": t("actual")},
                      {"expected": ui.num_col(t("expected"), 2), "p_any": ui.pct_col(t("p_any")),
                       "incidents": ui.num_col(t("actual"))}, key="forecast_table")

        with ui.guard():
            scores = data.list_scores(district)
            if "iso_week" in scores.columns:
                scores = scores[scores["iso_week"] == ui.iso_label(week)]
            if not scores.empty:
                st.subheader(t("list_score"))
                scores = riskview.display(scores)
                scores["district"] = scores["district_code"].map(ui.district_names()).fillna(scores["district_code"])
                ui.show_table(scores, {"district": t("district"), "type": t("problem_type"), "slot_label": t("slot"),
                                       "n_listed": t("n_listed"), "n_hit": t("n_hit"), "hit_rate": t("hit_rate"),
                                       "captured": t("captured_n"), "captured_per_cell": t("per_cell"),
                                       "district_per_cell": t("district_per_cell"), "lift": t("lift")},
                              {"hit_rate": ui.pct_col(t("hit_rate")), "captured_per_cell": ui.num_col(t("per_cell"), 2),
                               "district_per_cell": ui.num_col(t("district_per_cell"), 2),
                               "lift": ui.num_col(t("lift"), 2)}, key="list_scores_table")

    st.subheader(t("backtest"))
    with ui.guard():
        bt = data.backtest(ptype)
        if bt.empty:
            st.info(t("no_rows"))
        else:
            metrics = sorted(bt["metric"].unique())
            default = "hr@5" if "hr@5" in metrics else metrics[0]
            metric = st.selectbox(t("metric"), metrics, index=metrics.index(default), key="fc_metric")
            view = pd.DataFrame(bt[bt["metric"] == metric])
            ui.chart(alt.Chart(view).mark_line(point=True).encode(
                x=alt.X("origin_week_start:T", axis=ui.date_axis(t("origin"))), y=alt.Y("value:Q", title=metric),
                color=alt.Color("method:N", title=t("method")),
                tooltip=[alt.Tooltip("method:N", title=t("method")), alt.Tooltip("origin_week_start:T", title=t("origin")),
                         alt.Tooltip("value:Q", title=t("value"), format=".3f")]).properties(height=280))
