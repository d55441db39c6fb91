"""A fresh install, a missing table and a week without incidents: a friendly message, never a traceback."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from conftest import PAGES, open_page
from deltalake import DeltaTable


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_fresh_install_says_what_to_run(tmp_path, page, lang, monkeypatch):
    home = tmp_path / "empty"
    home.mkdir()
    at = open_page(home, page, lang, monkeypatch)
    assert not at.exception, at.exception[0].value if at.exception else ""
    messages = [m.value for m in (*at.info, *at.warning)]
    assert any("make run" in m for m in messages), messages
    word = "尚未生成" if lang == "zh" else "has not been built"
    assert any(word in m for m in messages)


def test_missing_forecasts_leave_other_pages_working(lakehouse_copy, monkeypatch):
    shutil.rmtree(lakehouse_copy / "lakehouse" / "gold" / "forecasts")
    at = open_page(lakehouse_copy, "forecast", "en", monkeypatch)
    assert not at.exception
    assert any("make run" in m.value for m in at.info)
    at = open_page(lakehouse_copy, "map", "en", monkeypatch)
    assert not at.exception and at.get("deck_gl_json_chart")
    at.radio(key="map_measure").set_value("forecast").run()
    assert not at.exception and any("make run" in m.value for m in at.info)


def test_broken_table_is_reported_not_raised(lakehouse_copy, monkeypatch):
    log = lakehouse_copy / "lakehouse" / "gold" / "case_kpis" / "_delta_log"
    for f in log.glob("*.json"):
        f.write_text("{not json")
    at = open_page(lakehouse_copy, "assessment", "zh", monkeypatch)
    assert not at.exception
    assert any("make run" in m.value for m in (*at.info, *at.warning))


def test_week_without_incidents(lakehouse_copy, lakehouse, monkeypatch):
    week = lakehouse[1]["weeks"][-1]
    DeltaTable(str(lakehouse_copy / "lakehouse" / "gold" / "grid_week")).delete(
        f"problem_type = 'violation' AND week_start = '{week:%Y-%m-%d}'")
    at = open_page(lakehouse_copy, "map", "en", monkeypatch)
    at.selectbox(key="map_type").set_value("violation").run()
    assert not at.exception
    assert any("No incidents recorded in" in m.value for m in at.info)
    assert at.get("deck_gl_json_chart")  # the map still shows the district outlines
    assert week == dt.date(2026, 11, 23)
