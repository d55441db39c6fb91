"""The cell universe: the cells that get a row in gold/features, fixed without looking at scored weeks.

A city with a unit grid ranks all its cells. Open data ranks the cells inside the profile's boundary
polygon, else the cells with at least one event before the first target week (DESIGN.md section 7):
a universe chosen with later events would put rows exactly where the future events are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.city import GridSpec

UNIVERSE_COLUMNS = ["cell_id", "grid_code", "district_code", "col", "row", "x", "y"]


def _with_geometry(df: DataFrame, grid: GridSpec) -> DataFrame:
    col = F.col("cell_id") % F.lit(grid.ncols)
    row = F.floor(F.col("cell_id") / F.lit(grid.ncols))
    return (df.withColumn("col", col.cast("long")).withColumn("row", row.cast("long"))
              .withColumn("x", F.lit(grid.x0) + (F.col("col") + 0.5) * grid.cell_m)
              .withColumn("y", F.lit(grid.y0) + (F.col("row") + 0.5) * grid.cell_m))


def cells_in_polygon(spark: SparkSession, grid: GridSpec, polygon_xy: Sequence[tuple[float, float]],
                     district_code: str) -> DataFrame:
    """Cells whose centre lies inside a polygon given in the grid's projected coordinates."""
    from matplotlib.path import Path

    xy = np.asarray(polygon_xy, dtype=float)
    c0, r0 = grid.cell_index(xy[:, 0].min(), xy[:, 1].min())
    c1, r1 = grid.cell_index(xy[:, 0].max(), xy[:, 1].max())
    cols, rows = np.meshgrid(np.arange(c0, c1 + 1), np.arange(r0, r1 + 1))
    cx = grid.x0 + (cols.ravel() + 0.5) * grid.cell_m
    cy = grid.y0 + (rows.ravel() + 0.5) * grid.cell_m
    inside = Path(xy).contains_points(np.column_stack([cx, cy]))
    ids = grid.cell_id(cols.ravel()[inside], rows.ravel()[inside])
    pdf = pd.DataFrame({"cell_id": ids.astype("int64")})
    pdf["grid_code"] = pdf["cell_id"].astype(str)
    pdf["district_code"] = district_code
    return _with_geometry(spark.createDataFrame(pdf), grid).select(UNIVERSE_COLUMNS)


def cell_universe(grid: GridSpec, unit_grid: DataFrame | None = None, grid_week: DataFrame | None = None,
                  first_target_week: date | None = None, boundary_cells: DataFrame | None = None) -> DataFrame:
    """The ranked cells: the unit grid if there is one, else a boundary's cells, else cells with history.

    With neither a unit grid nor boundary cells, a cell belongs to the universe when gold/grid_week holds
    at least one incident of any type in a week strictly before `first_target_week`.
    """
    if unit_grid is not None:
        return unit_grid.select([F.col(c) for c in UNIVERSE_COLUMNS])
    if boundary_cells is not None:
        return boundary_cells.select(UNIVERSE_COLUMNS)
    if grid_week is None or first_target_week is None:
        raise ValueError("an open-data universe needs grid_week and first_target_week (or a boundary)")
    seen = (grid_week.where((F.col("week_start") < F.lit(first_target_week)) & (F.col("incidents") > 0))
            .groupBy("cell_id")
            .agg(F.min("grid_code").alias("grid_code"), F.min("district_code").alias("district_code")))
    return _with_geometry(seen, grid).select(UNIVERSE_COLUMNS)
