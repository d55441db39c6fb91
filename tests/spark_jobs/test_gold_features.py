"""gold/features on a tiny hand-made grid: written-out lags, means, neighbour sums, no leakage."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from pyspark.sql import functions as F

from gridwatch.city import GridSpec
from spark_jobs.gold.catalogue import FEATURE_CATALOGUE, describe_feature
from spark_jobs.gold.features import FeatureSources, build_features, feature_columns
from spark_jobs.gold.grid_week import grid_week
from spark_jobs.gold.universe import cell_universe

GRID = GridSpec(crs="EPSG:32649", cell_m=100.0, x0=0.0, y0=0.0, ncols=10, nrows=10)
W0 = date(2025, 1, 6)  # a Monday
A, B, C, D = 55, 56, 77, 11  # (5,5); (6,5) ring 1 of A; (7,7) ring 2 of A; (1,1) far away
Y_A = [1, 0, 2, 3, 0, 1]
Y_B = [0, 2, 0, 0, 1, 0]
Y_C = [1, 1, 1, 1, 1, 1]
N_WEEKS = 60


def week(i: int) -> date:
    return W0 + timedelta(weeks=i)


def incident_rows() -> list[tuple]:
    rows = []
    series = {A: Y_A, B: Y_B, C: Y_C, D: [i % 5 for i in range(N_WEEKS)]}
    for cell, ys in series.items():
        for i, n in enumerate(ys):
            rows += [(cell, "stall", week(i))] * n
    rows.append((A, "parking", week(4)))
    rows.append((A, "sanitation", week(3)))
    return rows


def incidents_df(spark, rows):
    data = [(f"i{k}", t, cell, f"g{cell}", "150602", w) for k, (cell, t, w) in enumerate(rows)]
    return spark.createDataFrame(data, "incident_id string, problem_type string, cell_id long, grid_code string, "
                                       "district_code string, week_start date")


def unit_cells(spark):
    return spark.createDataFrame(
        [(c, f"g{c}", "150602", c % 10, c // 10, (c % 10 + .5) * 100, (c // 10 + .5) * 100) for c in range(100)],
        "cell_id long, grid_code string, district_code string, col long, row long, x double, y double")


def sources(spark, rows) -> FeatureSources:
    gw = grid_week(incidents_df(spark, rows))
    return FeatureSources(grid_week=gw, cells=cell_universe(GRID, unit_grid=unit_cells(spark)), grid=GRID,
                          types=("stall", "parking"), calendar_country="CN")


def row_of(df, cell, wk, ptype="stall") -> dict:
    r = df.where((F.col("cell_id") == cell) & (F.col("week_start") == wk) & (F.col("problem_type") == ptype)).collect()
    assert len(r) == 1
    return r[0].asDict()


@pytest.fixture(scope="module")
def full(spark):
    return build_features(spark, sources(spark, incident_rows())).cache()


def test_grid_week_counts(spark):
    gw = grid_week(incidents_df(spark, incident_rows()))
    got = {(r.cell_id, r.week_start, r.problem_type): r.incidents for r in gw.collect()}
    assert got[(A, week(3), "stall")] == 3 and got[(A, week(3), "sanitation")] == 1
    assert (A, week(1), "stall") not in got  # sparse: no zero rows
    assert gw.where("iso_week = '2025-W02'").count() > 0


def test_temporal_features_written_out(full):
    r = row_of(full, A, week(5))
    assert r["y"] == 1
    assert [r[f"lag_{k}"] for k in (1, 2, 3, 4)] == [0, 3, 2, 0]
    assert r["roll_mean_4"] == pytest.approx((0 + 2 + 3 + 0) / 4)
    assert r["roll_mean_8"] == pytest.approx(6 / 5)  # only five earlier weeks exist
    assert r["longrun_mean"] == pytest.approx(6 / 5)
    q = 0.5 ** (1 / 2)  # half-life 2 weeks
    num = 0 * 1 + 3 * q + 2 * q ** 2 + 0 * q ** 3 + 1 * q ** 4
    assert r["ewm_hl2"] == pytest.approx(num / (1 + q + q ** 2 + q ** 3 + q ** 4), rel=1e-5)
    assert r["sywly_lag52"] is None
    first = row_of(full, A, week(0))
    assert first["lag_1"] is None and first["longrun_mean"] is None and first["roll_mean_4"] is None


def test_same_week_last_year(full):
    r = row_of(full, D, week(59))
    assert r["sywly_lag52"] == 7 % 5
    assert r["sywly_mean3"] == pytest.approx((6 % 5 + 7 % 5 + 8 % 5) / 3)


def test_neighbour_rings_and_near_repeat(full):
    r = row_of(full, A, week(5))
    assert r["nbr1_lag1"] == 1                                   # B last week
    assert r["nbr2_lag1"] == 1 + 1                               # B + C last week
    assert r["nbr1_roll_mean_4"] == pytest.approx((2 + 0 + 0 + 1) / 4)
    assert r["nbr2_roll_mean_4"] == pytest.approx((3 + 1 + 1 + 2) / 4)
    assert r["nearrep_r1_w1"] == 0 + 1
    assert r["nearrep_r1_w2"] == (3 + 0) + (0 + 1)
    assert r["nearrep_r2_w2"] == (3 + 0) + (0 + 1) + (1 + 1)
    far = row_of(full, 9, week(5))                               # (9,0): nothing within two rings
    assert far["nbr2_lag1"] == 0 and far["y"] == 0


def test_other_types_lagged_and_blank_on_own_type(full):
    stall = row_of(full, A, week(5))
    assert stall["other_parking_lag1"] == 1 and stall["other_sanitation_lag1"] == 0
    assert stall["other_sanitation_roll_mean_4"] == pytest.approx(1 / 4)
    parking = row_of(full, A, week(5), "parking")
    assert parking["other_parking_lag1"] is None and parking["other_stall_lag1"] == 0
    assert parking["lag_1"] == 1


def _gauss_1d(sigma: float, radius: int) -> np.ndarray:
    w = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return w / w.sum()


def test_kernel_density_matches_gaussian_sum(full):
    sigma = 300 / 100
    radius = int(3.0 * sigma + 0.5)
    k = _gauss_1d(sigma, radius)
    expected = 0.0
    for cell, ys in ((A, Y_A), (B, Y_B), (C, Y_C), (D, [i % 5 for i in range(6)])):
        dx, dy = cell % 10 - 5, cell // 10 - 5
        if abs(dx) <= radius and abs(dy) <= radius:
            expected += sum(ys[1:5]) * k[dx + radius] * k[dy + radius]
    assert row_of(full, A, week(5))["kde_300m_4w"] == pytest.approx(expected / 4, rel=1e-5)


def test_calendar_and_rows(full, spark):
    assert full.select("week_start").distinct().count() == N_WEEKS + 1   # forecast week after the data
    assert full.count() == 100 * 2 * (N_WEEKS + 1)
    last = full.where(F.col("week_start") == week(N_WEEKS)).select("y").distinct().collect()
    assert [r.y for r in last] == [None]                               # target not known yet
    festival_week = row_of(full, A, week(3))                          # 2025-01-27: Spring Festival 28-31 Jan
    assert festival_week["cal_week_of_year"] == 5 and festival_week["cal_holiday_days"] == 4


def test_catalogue_documents_every_feature(full):
    for name in feature_columns(full):
        assert describe_feature(name, "zh") and describe_feature(name, "en"), name
    assert "lag_1" in FEATURE_CATALOGUE and describe_feature("place_dist_kiosk", "en").endswith("kiosk (m)")


def test_no_leakage_from_target_week_on(spark, full):
    cut = 30
    rows = incident_rows()
    changed = [r for r in rows if r[2] < week(cut)]                     # delete every incident at or after W
    changed += [(A, "stall", week(w)) for w in range(cut, N_WEEKS) for _ in range(4)]  # and invent others
    changed += [(C, "parking", week(cut))] * 9
    before = build_features(spark, sources(spark, changed), weeks=[week(cut)])
    feats = feature_columns(full)
    want = {(r.cell_id, r.problem_type): tuple(r[c] for c in feats)
            for r in full.where(F.col("week_start") == week(cut)).collect()}
    got = {(r.cell_id, r.problem_type): tuple(r[c] for c in feats) for r in before.collect()}
    assert got.keys() == want.keys()
    diff = [k for k in want if want[k] != got[k]]
    assert not diff, diff[:3]


def test_rebuilding_some_weeks_equals_full_build(spark, full):
    weeks = [week(58), week(59)]
    part = build_features(spark, sources(spark, incident_rows()), weeks=weeks)
    feats = feature_columns(full)
    want = {(r.cell_id, r.problem_type, r.week_start): [r[c] for c in ["y", *feats]]
            for r in full.where(F.col("week_start").isin(weeks)).collect()}
    got = {(r.cell_id, r.problem_type, r.week_start): [r[c] for c in ["y", *feats]] for r in part.collect()}
    assert got.keys() == want.keys()
    for key, values in want.items():
        for name, a, b in zip(["y", *feats], values, got[key], strict=True):
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6), (key, name, a, b)


def test_open_data_universe_ignores_weeks_from_the_first_target_on(spark):
    cut = week(5)
    rows = [(A, "stall", week(1)), (B, "parking", week(4)), (C, "stall", week(5)), (D, "stall", week(9))]
    changed = [r for r in rows if r[2] < cut] + [(9, "stall", week(6)), (19, "other", cut)] * 3
    universe = {r.cell_id for r in cell_universe(GRID, grid_week=grid_week(incidents_df(spark, rows)),
                                                 first_target_week=cut).collect()}
    again = cell_universe(GRID, grid_week=grid_week(incidents_df(spark, changed)), first_target_week=cut)
    assert universe == {A, B} == {r.cell_id for r in again.collect()}
    geo = {r.cell_id: (r.col, r.row, r.x, r.y) for r in again.collect()}
    assert geo[A] == (5, 5, 550.0, 550.0)


def test_case_signals_of_other_types_add_no_rows(spark):
    from spark_jobs.gold.cases import CaseSignals

    src = sources(spark, incident_rows())
    per_type = spark.createDataFrame([(A, "stall", week(2), 2.0, 1.0), (A, "sanitation", week(2), 5.0, 0.0),
                                      (B, "dust", week(3), 1.0, 0.0)],
                                     "cell_id long, problem_type string, week_start date, "
                                     "case_open_at_start double, case_rework_13w double")
    per_cell = spark.createDataFrame([(A, week(2), 7.0)], "cell_id long, week_start date, case_open_all_at_start double")
    src.cases = CaseSignals(per_type, per_cell)
    out = build_features(spark, src, [week(2), week(3)])
    assert {r.problem_type for r in out.select("problem_type").distinct().collect()} == {"stall", "parking"}
    assert out.count() == 100 * 2 * 2
    assert row_of(out, A, week(2))["case_open_at_start"] == 2.0
    assert row_of(out, A, week(2), "parking")["case_open_all_at_start"] == 7.0
