"""The truth: events add up to counts that track the expected counts; reports point back to real events."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Geod
from sim_landing_reader import read_source

from simulator.coords import from_wgs84


def test_events_track_expected_counts(small_city):
    settings, cfg, summary = small_city
    ev = pd.read_parquet(settings.truth / "events.parquet")
    exp = pd.read_parquet(settings.truth / "expected_counts.parquet")
    assert list(exp.columns) == ["cell_id", "grid_code", "week_start", "problem_type", "expected"]
    assert exp["week_start"].nunique() == cfg.weeks
    assert ev["event_id"].is_unique
    assert (pd.to_datetime(ev["event_time"]).dt.date >= cfg.start_date).all()
    for t, n in ev.groupby("problem_type").size().items():
        e = exp.loc[exp["problem_type"] == t, "expected"].sum()
        # Poisson-gamma: the total stays within a few standard deviations of its expectation
        left_out = cfg.weeks * summary["cells"] * 1e-4 * cfg.scale  # cells below the truth's floor
        assert abs(n - e) < 4 * np.sqrt(e * 1.5) + 5 + left_out, (t, n, e)
    assert summary["incidents"] == ev.groupby("problem_type").size().reindex(summary["incidents"]).fillna(0).astype(int).to_dict()
    busy = exp.groupby("cell_id")["expected"].sum().sort_values(ascending=False)
    top = busy.index[: len(busy) // 20]
    assert ev["cell_id"].isin(top).mean() > 0.2      # events fall where the truth expects them


def test_every_event_reported_about_one_and_a_half_times(small_city):
    settings, _, summary = small_city
    ev = pd.read_parquet(settings.truth / "events.parquet")
    rep = pd.read_parquet(settings.truth / "reports.parquet")
    assert rep["report_id"].is_unique
    assert rep["report_id"].str.split(":").str[0].eq(rep["source"]).all()
    real = rep.dropna(subset=["event_id"])
    per_event = real.groupby("event_id").size().reindex(ev["event_id"]).fillna(0)
    assert (per_event >= 1).mean() > 0.99          # a report of the last minutes may fall after the end
    assert 1.3 <= per_event.mean() <= 1.8
    assert 1.3 <= summary["reports_per_incident"] <= 1.8
    assert real.groupby("event_id")["source"].nunique().max() >= 3


def test_sources_report_the_same_event_within_minutes_and_metres(small_city):
    settings = small_city[0]
    ev = pd.read_parquet(settings.truth / "events.parquet").set_index("event_id")
    rep = pd.read_parquet(settings.truth / "reports.parquet").dropna(subset=["event_id"])
    h = read_source(settings, "hotline").drop_duplicates("order_no")
    h = h[(h["lon"] != "") & (h["lat"] != "")]
    h = h[h["lon"].astype(float) > h["lat"].astype(float)]  # leave out the odd swapped pair (a fault)
    h["report_id"] = "hotline:" + h["order_no"]
    h = h.merge(rep[["report_id", "event_id"]], on="report_id")
    e = ev.loc[h["event_id"]]
    lon, lat = from_wgs84(e["lon"].to_numpy(), e["lat"].to_numpy(), h["crs"].to_numpy())
    _, _, d = Geod(ellps="WGS84").inv(lon, lat, h["lon"].astype(float).to_numpy(), h["lat"].astype(float).to_numpy())
    assert np.median(d) < 80 and np.quantile(d, 0.9) < 200
    delay = (pd.to_datetime(h["call_time"]).to_numpy() - pd.to_datetime(e["event_time"]).to_numpy()) / np.timedelta64(1, "m")
    assert (delay >= 0).all() and np.median(delay) < 30
    multi = rep.groupby("event_id").filter(lambda g: g["source"].nunique() >= 2)
    spread = multi.groupby("event_id")["report_time"].agg(lambda s: (s.max() - s.min()).total_seconds() / 60)
    assert spread.median() < 60
