"""The reference files the city publishes (places, cameras, dust sites) and the simulator's truth."""

from __future__ import annotations

import pandas as pd

from gridwatch.settings import Settings
from simulator.files import csv_bytes, parquet_bytes, write_if_changed
from simulator.layout import Layout

import pyarrow as pa

PLACE_COLUMNS = ["place_id", "kind", "name", "lon", "lat", "crs", "valid_from", "valid_to"]
EVENT_COLUMNS = ["event_id", "problem_type", "minor_code", "event_time", "lon", "lat", "cell_id", "grid_code",
                 "week_start", "driver"]
REPORT_TRUTH_COLUMNS = ["report_id", "source", "event_id", "problem_type", "minor_code", "report_time"]
EXPECTED_COLUMNS = ["cell_id", "grid_code", "week_start", "problem_type", "expected"]


def _date(s: pd.Series) -> pd.Series:
    return s.dt.strftime("%Y-%m-%d").fillna("")


def write_reference(settings: Settings, layout: Layout) -> None:
    """landing/reference: places (with the dates a place opened or closed), cameras, dust sites."""
    ref = settings.landing / "reference"
    p = layout.places.copy()
    p["crs"] = "WGS-84"
    p["valid_from"], p["valid_to"] = _date(p["valid_from"]), _date(p["valid_to"])
    write_if_changed(ref / "places.csv", csv_bytes(p[PLACE_COLUMNS]))
    write_if_changed(ref / "cameras.csv", csv_bytes(layout.cameras[["camera_id", "lon", "lat"]]))
    write_if_changed(ref / "dust_sites.csv",
                     csv_bytes(layout.dust_sites[["site_id", "name", "lon", "lat", "district_code"]]))


def _table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


def write_truth(settings: Settings, events: pd.DataFrame, reports: pd.DataFrame, expected: pd.DataFrame) -> None:
    """truth/events.parquet, truth/reports.parquet, truth/expected_counts.parquet."""
    ev = events[EVENT_COLUMNS].copy()
    ev["cell_id"] = ev["cell_id"].astype("int64")
    ev["week_start"] = pd.to_datetime(ev["week_start"]).dt.date
    rep = reports[REPORT_TRUTH_COLUMNS].drop_duplicates("report_id").sort_values("report_id").reset_index(drop=True)
    exp = expected[EXPECTED_COLUMNS].copy()
    exp["cell_id"] = exp["cell_id"].astype("int64")
    exp["week_start"] = pd.to_datetime(exp["week_start"]).dt.date
    truth = settings.truth
    write_if_changed(truth / "events.parquet", parquet_bytes(_table(ev)))
    write_if_changed(truth / "reports.parquet", parquet_bytes(_table(rep)))
    write_if_changed(truth / "expected_counts.parquet", parquet_bytes(_table(exp)))
