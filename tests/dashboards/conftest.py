"""A small lakehouse for the app, AppTest helpers, and clean caches and access settings per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lakehouse_fixture import build_lakehouse, small_grid

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
PAGES = ("overview", "map", "trends", "forecast", "risk_lists", "assessment", "health")
ACCESS_ENV = ("GRIDWATCH_SSO_HEADER", "GRIDWATCH_ROLES_FILE", "GRIDWATCH_USER", "GRIDWATCH_BASEMAP")


@pytest.fixture(scope="session")
def lakehouse(tmp_path_factory) -> tuple[Path, dict]:
    """A data home with every table the app reads: three districts, 60 weeks (built once per run)."""
    home = tmp_path_factory.mktemp("dash") / "home"
    facts = build_lakehouse(home, grid=small_grid(80), weeks=60, incidents_per_week=150.0, forecast_weeks=6)
    return home, facts


@pytest.fixture
def lakehouse_copy(lakehouse, tmp_path) -> Path:
    """A private copy of the lakehouse a test may change."""
    dst = tmp_path / "home"
    shutil.copytree(lakehouse[0], dst)
    return dst


@pytest.fixture(autouse=True)
def clean_app_state(monkeypatch):
    """Fresh Streamlit caches and no access configuration unless a test sets one."""
    import streamlit as st

    for name in ACCESS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRIDWATCH_APP_WARMUP", "0")  # tests read tables on the page, not in a background thread
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def open_page(home: Path, page: str, lang: str = "zh", monkeypatch=None):
    """Run the app on a data home and open one page; returns the AppTest."""
    import os

    from streamlit.testing.v1 import AppTest

    if monkeypatch is not None:
        monkeypatch.setenv("GRIDWATCH_HOME", str(home))
    else:
        os.environ["GRIDWATCH_HOME"] = str(home)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    return at


def frames(at) -> list:
    """The pandas frames of every rendered dataframe element."""
    return [d.value for d in at.dataframe]


def table_with(at, column: str):
    """The rendered dataframe that has this column label."""
    for df in frames(at):
        if column in df.columns:
            return df
    raise AssertionError(f"no table with column {column!r}; tables: {[list(f.columns) for f in frames(at)]}")
