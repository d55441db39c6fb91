"""GridWatch analysts' app: the router. Run with `streamlit run dashboards/app.py`."""

from __future__ import annotations

import streamlit as st

from dashboards import access, data
from dashboards.i18n import LANGS, t

st.set_page_config(page_title="GridWatch", page_icon=":material/grid_on:", layout="wide")

if "lang" not in st.session_state:  # a plain key, so the choice survives every page and rerun
    wanted = st.query_params.get("lang", "zh")
    st.session_state["lang"] = wanted if wanted in LANGS else "zh"


def _choose_language() -> None:
    st.session_state["lang"] = st.session_state["lang_switch"]


st.sidebar.radio("语言 / Language", LANGS, index=LANGS.index(st.session_state["lang"]), key="lang_switch",
                 horizontal=True, on_change=_choose_language, format_func={"zh": "中文", "en": "English"}.__getitem__)

scope = access.resolve_scope(dict(st.context.headers or {}))
if scope.denied:
    import os

    header = os.environ.get("GRIDWATCH_SSO_HEADER", "")
    st.error(t("no_user", header=header) if scope.denied == "no_user" else t("access_denied", user=scope.user))
    st.stop()
st.session_state[data.SCOPE_KEY] = scope.district_code
data.start_warm_up()
st.sidebar.caption(t("user", user=scope.user, scope=t("scope_city") if scope.is_city else scope.district_code))

pages = {
    t("nav_analysis"): [
        st.Page("views/overview.py", title=t("page_overview"), icon=":material/location_city:", url_path="overview", default=True),
        st.Page("views/map.py", title=t("page_map"), icon=":material/map:", url_path="map"),
        st.Page("views/trends.py", title=t("page_trends"), icon=":material/trending_up:", url_path="trends"),
        st.Page("views/forecast.py", title=t("page_forecast"), icon=":material/target:", url_path="forecast"),
    ],
    t("nav_delivery"): [
        st.Page("views/risk_lists.py", title=t("page_risk"), icon=":material/checklist:", url_path="risk-lists"),
        st.Page("views/assessment.py", title=t("page_kpi"), icon=":material/leaderboard:", url_path="assessment"),
    ],
    t("nav_ops"): [
        st.Page("views/health.py", title=t("page_health"), icon=":material/monitor_heart:", url_path="health"),
    ],
}
st.navigation(pages).run()
