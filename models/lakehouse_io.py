"""Reading gold tables and the simulator's truth for the models, with delta-rs (no Spark)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

log = logging.getLogger(__name__)


def delta_exists(path: str) -> bool:
    """A Delta table at a local path or URI (local check when it is a path)."""
    if "://" in path and not path.startswith("file://"):
        try:
            from deltalake import DeltaTable

            DeltaTable(path)
            return True
        except Exception:
            return False
    return (Path(path.removeprefix("file://")) / "_delta_log").exists()


def read_delta(path: str, columns: list[str] | None = None, filter_expr=None) -> pd.DataFrame:
    """A Delta table (some columns, an optional pyarrow filter) as pandas."""
    from deltalake import DeltaTable

    from gridwatch import deltaread

    dataset = deltaread.dataset(DeltaTable(path))
    if columns is not None:
        columns = [c for c in columns if c in dataset.schema.names]
    return dataset.to_table(columns=columns, filter=filter_expr).to_pandas()


def read_counts(settings, types: tuple[str, ...]) -> pd.DataFrame:
    """Weekly incident counts (cell_id, week_start, problem_type, y) from gold/grid_week, else gold/features."""
    gw = settings.table_path("gold", "grid_week")
    if delta_exists(gw):
        df = read_delta(gw, ["cell_id", "week_start", "problem_type", "incidents"],
                        pc.field("problem_type").isin(list(types)))
        return df.rename(columns={"incidents": "y"})
    df = read_delta(settings.table_path("gold", "features"), ["cell_id", "week_start", "problem_type", "y"],
                    pc.field("problem_type").isin(list(types)))
    return df[df["y"].notna()]


def panel_outline(settings) -> pd.DataFrame:
    """cell_id, week_start, problem_type, y of gold/features (the panel's cells, weeks and known targets)."""
    return read_delta(settings.table_path("gold", "features"), ["cell_id", "week_start", "problem_type", "y"])


def cell_coords(settings) -> pd.DataFrame | None:
    """cell_id, col, row of the unit grid (silver/unit_grid), else of gold/cells if the gold layer keeps one."""
    for layer, name in (("silver", "unit_grid"), ("gold", "cells"), ("gold", "universe")):
        path = settings.table_path(layer, name)
        if delta_exists(path):
            df = read_delta(path, ["cell_id", "col", "row"])
            if {"col", "row"} <= set(df.columns):
                return df
    return None


def has_unit_grid(settings) -> bool:
    """Whether the city has a unit grid (then every cell is ranked)."""
    return delta_exists(settings.table_path("silver", "unit_grid"))


def read_truth(settings, types: tuple[str, ...], weeks: list | None = None) -> pd.DataFrame | None:
    """The simulator's true expected counts, when the data home has them."""
    path = Path(settings.truth) / "expected_counts.parquet"
    if not path.exists():
        return None
    flt = pc.field("problem_type").isin(list(types))
    dataset = ds.dataset(str(path))
    if weeks is not None and "week_start" in dataset.schema.names:
        wtype = dataset.schema.field("week_start").type
        values = [pd.Timestamp(w).date() for w in weeks]
        import pyarrow as pa

        flt &= pc.field("week_start").isin(pa.array(values).cast(wtype))
    cols = [c for c in ("cell_id", "week_start", "problem_type", "expected") if c in dataset.schema.names]
    df = dataset.to_table(columns=cols, filter=flt).to_pandas()
    df["week_start"] = pd.to_datetime(df["week_start"])
    df["cell_id"] = df["cell_id"].astype(np.int64)
    return df


def write_long_table(df: pd.DataFrame, path: str, week_column: str, mode_predicate: bool = True) -> int:
    """Write a table with delta-rs, replacing only the rows of the weeks it holds; returns the new version."""
    from deltalake import DeltaTable, write_deltalake

    if df.empty:
        raise ValueError(f"nothing to write to {path}")
    if delta_exists(path) and mode_predicate:
        lo, hi = df[week_column].min(), df[week_column].max()
        pred = f"{week_column} >= '{pd.Timestamp(lo).date()}' AND {week_column} <= '{pd.Timestamp(hi).date()}'"
        write_deltalake(path, df, mode="overwrite", predicate=pred)
    else:
        write_deltalake(path, df, mode="overwrite")
    return int(DeltaTable(path).version())
