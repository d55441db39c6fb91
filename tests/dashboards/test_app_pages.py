"""Every page in both languages renders its main table from the lakehouse, with the right figures."""

from __future__ import annotations

import base64
import json
import re

import pandas as pd
import pytest
from conftest import PAGES, open_page, table_with
from deltalake import DeltaTable

TITLES = {"overview": ("全市概览", "City overview"), "map": ("网格地图", "Grid map"), "trends": ("趋势", "Trends"),
          "forecast": ("预测与实际", "Forecast vs. actual"), "risk_lists": ("风险清单", "Risk lists"),
          "assessment": ("案件考核", "Case assessment"), "health": ("数据健康", "Data health")}
MAIN_COLUMN = {"overview": ("区/旗", "District"), "map": ("网格编码", "Cell code"), "trends": ("网格编码", "Cell code"),
               "forecast": ("预测期望", "Expected"), "risk_lists": ("主要原因", "Top reasons"),
               "assessment": ("综合得分", "Composite score"), "health": ("来源", "Source")}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _style(deck: dict) -> dict:
    head, _, body = deck["mapStyle"].partition(",")
    assert head == "data:application/json;base64"  # nothing to fetch for the style itself
    return json.loads(base64.b64decode(body))


def _incidents(home) -> pd.DataFrame:
    return DeltaTable(str(home / "lakehouse" / "silver" / "incidents")).to_pandas(
        columns=["cell_id", "week_start", "problem_type", "district_code"])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_in_both_languages(lakehouse, page, lang, monkeypatch):
    at = open_page(lakehouse[0], page, lang, monkeypatch)
    assert not at.exception, at.exception[0].value if at.exception else ""
    assert not at.error and not at.warning, [m.value for m in (*at.error, *at.warning)]
    i = 0 if lang == "zh" else 1
    assert at.title[0].value == TITLES[page][i]
    main = table_with(at, MAIN_COLUMN[page][i])
    assert len(main) > 0
    labels = " ".join(map(str, main.columns))
    if lang == "en":
        assert not CJK.search(labels), labels  # every header translated
    else:
        assert CJK.search(labels)


def test_overview_counts_match_the_incidents(lakehouse, monkeypatch):
    home, facts = lakehouse
    at = open_page(home, "overview", "en", monkeypatch)
    week = facts["weeks"][-1]
    inc = _incidents(home)
    expected = int((pd.to_datetime(inc["week_start"]).dt.date == week).sum())
    assert at.metric[0].value == f"{expected:,}"
    table = table_with(at, "District")
    assert int(table["Incidents"].sum()) == expected
    assert set(table["District"]) == {"Dongsheng", "Kangbashi", "Altanxiret (Ejin Horo)"}


def test_map_draws_every_cell_with_incidents_and_no_tile_server(lakehouse, monkeypatch):
    home, facts = lakehouse
    at = open_page(home, "map", "zh", monkeypatch)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    inc = _incidents(home)
    week = facts["weeks"][-1]
    hot = inc[(pd.to_datetime(inc["week_start"]).dt.date == week) & (inc["problem_type"] == "stall")]
    cells = {layer["id"]: layer for layer in deck["layers"]}
    assert len(cells["cells"]["data"]) == hot["cell_id"].nunique()
    assert len(cells["districts"]["data"]) == 3
    assert _style(deck)["sources"] == {}  # offline: no tiles
    assert "cartocdn" not in json.dumps(deck) and "mapbox://" not in json.dumps(deck)
    first = cells["cells"]["data"][0]
    assert first["grid_code"].startswith(("150602", "150603", "150627")) and first["reasons"]


def test_map_shifts_cells_for_gcj02_tiles(lakehouse, monkeypatch):
    home, _ = lakehouse
    plain = json.loads(open_page(home, "map", "zh", monkeypatch).get("deck_gl_json_chart")[0].proto.json)
    monkeypatch.setenv("GRIDWATCH_BASEMAP", "amap")
    shifted = json.loads(open_page(home, "map", "zh", monkeypatch).get("deck_gl_json_chart")[0].proto.json)
    p0 = plain["layers"][1]["data"][0]["polygon"][0]
    p1 = shifted["layers"][1]["data"][0]["polygon"][0]
    assert 0.004 < p1[0] - p0[0] < 0.008 and 0.0 < p1[1] - p0[1] < 0.003  # ~500 m east, ~100 m north
    assert "autonavi" in json.dumps(_style(shifted))


def test_forecast_page_scores_the_chosen_week(lakehouse, monkeypatch):
    at = open_page(lakehouse[0], "forecast", "en", monkeypatch)
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Actual", "HR@1%", "HR@5%", "HR@10%"]
    top = table_with(at, "Expected")
    assert list(top["Expected"]) == sorted(top["Expected"], reverse=True)
    scores = table_with(at, "Hit rate")
    assert set(scores["Slot"]) <= {"all", "model", "random check"}


def test_assessment_ranks_by_composite(lakehouse, monkeypatch):
    at = open_page(lakehouse[0], "assessment", "en", monkeypatch)
    table = table_with(at, "Composite score")
    assert list(table["Ranking"]) == sorted(table["Ranking"])
    assert list(table["Composite score"]) == sorted(table["Composite score"], reverse=True)
    at.radio(key="kpi_level").set_value("department").run()
    assert len(table_with(at, "Department")) == 9  # three departments in three districts, no district totals


def test_risk_list_downloads_are_the_published_files(lakehouse, monkeypatch):
    at = open_page(lakehouse[0], "risk_lists", "zh", monkeypatch)
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.endswith(".xlsx") for label in labels) and any(label.endswith(".csv") for label in labels)
    table = table_with(at, "主要原因")
    assert table["主要原因"].str.contains("近4周").all()
