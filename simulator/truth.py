"""The reference files the city publishes (places, cameras, dust sites) and the simulator's truth."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gridwatch.settings import Settings
from simulator.files import csv_bytes, parquet_bytes, write_if_changed
from simulator.layout import Layout

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


class ExpectedCounts:
    """truth/expected_counts.parquet: collected week by week, written per type and cell (compresses well)."""

    SCHEMA = pa.schema([("cell_id", pa.int64()), ("grid_code", pa.string()), ("week_start", pa.date32()),
                        ("problem_type", pa.string()), ("expected", pa.float32())])

    def __init__(self, settings: Settings, types: tuple[str, ...], weeks: list, grid: pd.DataFrame, floor: float):
        self.path = settings.truth / "expected_counts.parquet"
        self.types, self.weeks, self.grid, self.floor = types, weeks, grid, floor
        self.values = {t: np.zeros((len(weeks), len(grid)), dtype=np.float32) for t in types}

    def add(self, i: int, problem_type: str, expected: np.ndarray) -> None:
        self.values[problem_type][i] = expected

    def close(self) -> None:
        """Rows for every type, cell and week with expected >= floor, to 4 significant digits."""
        parts = []
        wk = np.array(self.weeks, dtype="datetime64[D]")
        for t in self.types:
            v = self.values[t].T  # cells x weeks, so rows run cell by cell
            cell, week = np.nonzero(v >= self.floor)
            e = v[cell, week].astype(np.float64)
            mag = 10.0 ** np.floor(np.log10(e))
            parts.append(pa.table({
                "cell_id": pa.array(self.grid["cell_id"].to_numpy()[cell], pa.int64()),
                "grid_code": pa.array(self.grid["grid_code"].to_numpy()[cell], pa.string()),
                "week_start": pa.array(wk[week], pa.date32()),
                "problem_type": pa.array(np.full(len(cell), t, dtype=object), pa.string()),
                "expected": pa.array((np.round(e / mag, 3) * mag).astype(np.float32), pa.float32()),
            }, schema=self.SCHEMA))
        sink = io.BytesIO()
        pq.write_table(pa.concat_tables(parts), sink, compression="zstd", row_group_size=1_000_000)
        write_if_changed(self.path, sink.getvalue())


def write_truth(settings: Settings, events: pd.DataFrame, reports: pd.DataFrame) -> None:
    """truth/events.parquet and truth/reports.parquet."""
    ev = events[EVENT_COLUMNS].copy()
    ev["cell_id"] = ev["cell_id"].astype("int64")
    ev["week_start"] = pd.to_datetime(ev["week_start"]).dt.date
    rep = reports[REPORT_TRUTH_COLUMNS].drop_duplicates("report_id").sort_values("report_id").reset_index(drop=True)
    truth = settings.truth
    write_if_changed(truth / "events.parquet", parquet_bytes(_table(ev)))
    write_if_changed(truth / "reports.parquet", parquet_bytes(_table(rep)))
