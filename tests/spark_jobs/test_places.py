"""Place features by week: a place counts only while it is open; runs of weeks expand to the same values."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from spark_jobs.crs import project_np
from spark_jobs.gold.places import place_features_by_week

CRS = "EPSG:32649"
WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(8)]


def _cells() -> pd.DataFrame:
    x0, y0 = project_np([109.99], [39.81], CRS)
    xs, ys = np.meshgrid(np.arange(10), np.arange(10))
    return pd.DataFrame({"cell_id": (ys * 10 + xs).ravel().astype("int64"),
                         "x": float(x0[0]) + 100 * xs.ravel() + 50, "y": float(y0[0]) + 100 * ys.ravel() + 50})


def _places() -> pd.DataFrame:
    return pd.DataFrame({
        "place_id": ["m1", "m2", "s1"], "kind": ["market", "market", "school"],
        "lon": [110.0, 110.001, 109.995], "lat": [39.815, 39.812, 39.813],
        "valid_from": [None, "2026-01-26", None], "valid_to": [None, None, "2026-02-16"],
    })


def test_runs_expand_to_the_week_by_week_values():
    pf = place_features_by_week(_cells(), _places(), CRS, WEEKS)
    assert pf.week_epoch["place_epoch"].nunique() == 3          # m2 opens in week 3, s1 closes in week 6
    by_week = pf.week_epoch.merge(pf.per_epoch, on="place_epoch").drop(columns="place_epoch")
    runs = pf.runs()
    assert len(runs) < len(by_week) / 3                         # most cells keep their values
    expanded = pd.DataFrame({"week_start": WEEKS}).merge(runs, how="cross")
    expanded = expanded[(expanded["week_start"] >= expanded["week_from"])
                        & (expanded["week_start"] <= expanded["week_to"])].drop(columns=["week_from", "week_to"])
    keys = ["cell_id", "week_start"]
    got = expanded.sort_values(keys).reset_index(drop=True)
    want = by_week.sort_values(keys).reset_index(drop=True)[got.columns]
    assert len(got) == len(want) == 100 * len(WEEKS)            # exactly one run holds each cell-week
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    school = want[want["week_start"] == WEEKS[-1]]["place_dist_school"]
    assert school.isna().all()                                  # the closed school no longer counts


def test_every_epoch_matches_the_places_open_that_week():
    places = pd.concat([_places(), pd.DataFrame({  # a second market opening and closing, a kind with none open
        "place_id": ["m3", "h1"], "kind": ["market", "hospital"], "lon": [109.992, 109.998],
        "lat": [39.811, 39.814], "valid_from": ["2026-02-02", "2027-01-04"], "valid_to": ["2026-02-16", None]})],
        ignore_index=True)
    pf = place_features_by_week(_cells(), places, CRS, WEEKS)
    assert pf.week_epoch["place_epoch"].nunique() == 4  # m2 opens, m3 opens, m3 and s1 close together
    for week, epoch in pf.week_epoch.itertuples(index=False):
        ts = pd.Timestamp(week)
        open_ = places[(pd.to_datetime(places["valid_from"]).isna() | (pd.to_datetime(places["valid_from"]) <= ts))
                       & (pd.to_datetime(places["valid_to"]).isna() | (pd.to_datetime(places["valid_to"]) > ts))]
        got = pf.per_epoch[pf.per_epoch["place_epoch"] == epoch].reset_index(drop=True)
        px, py = project_np(open_["lon"].to_numpy(float), open_["lat"].to_numpy(float), CRS)
        d = np.hypot(_cells()["x"].to_numpy()[:, None] - np.asarray(px)[None, :],
                     _cells()["y"].to_numpy()[:, None] - np.asarray(py)[None, :])  # cells x open places
        for kind in ("hospital", "market", "school"):
            of_kind = d[:, (open_["kind"] == kind).to_numpy()]
            nearest = of_kind.min(axis=1) if of_kind.shape[1] else np.full(len(d), np.nan)
            np.testing.assert_allclose(got[f"place_dist_{kind}"], nearest, rtol=1e-6)
            np.testing.assert_array_equal(got[f"place_n500_{kind}"], (of_kind <= 500).sum(axis=1))
    assert pf.per_epoch["place_dist_hospital"].isna().all() and (pf.per_epoch["place_n500_hospital"] == 0).all()
