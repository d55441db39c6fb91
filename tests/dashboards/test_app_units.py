"""The app's plain functions: GCJ-02 display shift, cell squares, assessment roll-up, capture curve."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from deltalake import write_deltalake

from dashboards import assessment, data
from dashboards.geo import cell_polygons, grid_jacobian, wgs84_to_gcj02
from gridwatch.city import unit_grid


def _metres(lon0, lat0, lon1, lat1) -> tuple[float, float]:
    east = (lon1 - lon0) * 111_320 * math.cos(math.radians(lat0))
    return east, (lat1 - lat0) * 110_574


def test_gcj02_shift_at_ordos_matches_the_published_offset():
    # AMap's centres sit ~490 m east and ~110 m north of the WGS-84 positions (DESIGN.md section 12).
    lon, lat = wgs84_to_gcj02([109.958], [39.822])
    east, north = _metres(109.958, 39.822, lon[0], lat[0])
    assert 400 < east < 580 and 50 < north < 170


def test_gcj02_leaves_points_outside_china_alone():
    lon, lat = wgs84_to_gcj02([2.35, 139.9], [48.85, 60.0])
    assert lon.tolist() == [2.35, 139.9] and lat.tolist() == [48.85, 60.0]


def test_cell_squares_are_one_cell_wide():
    grid = unit_grid().iloc[::50]
    cell_m, jac = grid_jacobian(grid)
    assert cell_m == pytest.approx(100.0)
    poly = np.array(cell_polygons(grid["lon"].to_numpy()[:3], grid["lat"].to_numpy()[:3], cell_m, jac))
    for square in poly:
        east, _ = _metres(*square[0], *square[1])
        _, north = _metres(*square[1], *square[2])
        assert east == pytest.approx(100, abs=1.5) and north == pytest.approx(100, abs=1.5)


def test_monthly_rates_are_weighted_by_cases_and_ranked():
    rows = pd.DataFrame({
        "district_code": ["A", "A", "B"], "department": ["d", "d", "d"],
        "week_start": [dt.date(2026, 11, 2), dt.date(2026, 11, 9), dt.date(2026, 11, 2)],
        "立案率": [1.0, 0.5, 0.9], "composite_score": [90.0, 60.0, 80.0], "cases_reported": [10, 30, 5],
    })
    month = assessment.with_period(rows, "month")
    assert set(month["period"]) == {dt.date(2026, 11, 1)}
    out = assessment.ranked(month, "district")
    a = out.set_index("district_code").loc["A"]
    assert a["filing_rate"] == pytest.approx((10 * 1.0 + 30 * 0.5) / 40)
    assert a["composite_score"] == pytest.approx((10 * 90 + 30 * 60) / 40)
    assert list(out["district_code"]) == ["B", "A"] and list(out["ranking"]) == [1, 2]


def test_monthly_rates_are_recomputed_from_case_counts():
    counts = {"reported": [10, 30], "filed": [10, 15], "due": [4, 6], "handled_on_time": [4, 0], "closed": [4, 3],
              "closed_on_time": [4, 0], "extended": [0, 3], "handled": [4, 3], "reworked": [0, 3]}
    week = pd.DataFrame({"district_code": "A", "department": "全部 all", "level": "district",
                         "week_start": [dt.date(2026, 11, 2), dt.date(2026, 11, 9)], **counts,
                         "computed_at": pd.Timestamp("2026-12-01")})
    stale = week.iloc[[0]].assign(filed=0, computed_at=pd.Timestamp("2026-11-10"))  # an older computation
    out = assessment.ranked(assessment.with_period(pd.concat([stale, week]), "month"), "district").iloc[0]
    assert out["filing_rate"] == pytest.approx(25 / 40)
    assert out["ontime_handling_rate"] == pytest.approx(4 / 10)
    assert out["rework_rate"] == pytest.approx(3 / 7)
    scores = {"filing_rate": 25 / 40, "ontime_handling_rate": 0.4, "closure_rate": 0.7, "ontime_closure_rate": 0.4,
              "rework_rate": 1 - 3 / 7, "extension_rate": 1 - 0.3}
    weights = {"filing_rate": 0.10, "ontime_handling_rate": 0.25, "closure_rate": 0.15, "ontime_closure_rate": 0.35,
               "rework_rate": 0.10, "extension_rate": 0.05}  # gridwatch/config/kpi.yaml
    assert out["composite_score"] == pytest.approx(100 * sum(weights[k] * scores[k] for k in weights))


def test_capture_curve_against_hand_counted_week(tmp_path, monkeypatch):
    home = tmp_path / "home"
    week = dt.date(2026, 11, 23)
    fc = pd.DataFrame({"target_week_start": [week] * 4, "target_iso_week": "2026-W48", "cell_id": [1, 2, 3, 4],
                       "grid_code": ["a", "b", "c", "d"], "district_code": "150602", "problem_type": "stall",
                       "expected": [3.0, 2.0, 1.0, 0.5], "p_any": 0.5, "model_name": "m", "model_version": "1",
                       "data_version": "v"})
    gw = pd.DataFrame({"cell_id": [2, 3], "grid_code": ["b", "c"], "district_code": "150602",
                       "week_start": [week, week], "iso_week": "2026-W48", "problem_type": "stall",
                       "incidents": [5, 1], "reports": [5, 1]})
    write_deltalake(str(home / "lakehouse" / "gold" / "forecasts"), fc)
    write_deltalake(str(home / "lakehouse" / "gold" / "grid_week"), gw)
    monkeypatch.setenv("GRIDWATCH_HOME", str(home))
    cap = data.capture(week, "stall")
    assert cap["cells"] == 4 and cap["incidents"] == 6
    assert cap["hr"][1] == (0.0, pytest.approx(5 / 6))  # the top cell by forecast had none; in hindsight 5 of 6
    curve = cap["curve"]
    assert curve["model"].tolist() == pytest.approx([0, 5 / 6, 1, 1])
    assert curve["oracle"].tolist() == pytest.approx([5 / 6, 1, 1, 1])


def test_warm_up_fills_the_caches_without_failing_on_an_empty_home(lakehouse_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_HOME", str(tmp_path / "nothing"))
    data.warm_up()  # no tables: returns quietly
    monkeypatch.setenv("GRIDWATCH_HOME", str(lakehouse_copy))
    data.warm_up()
    for part in (lakehouse_copy / "lakehouse" / "gold" / "grid_week").glob("*.parquet"):
        part.unlink()  # from here on only what the warm-up read into memory can answer
    assert data.weeks()[-1] == dt.date(2026, 11, 23)
    assert len(data.weekly_series()) > 0
