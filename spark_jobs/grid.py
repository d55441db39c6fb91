"""Assign points to the city's unit grid (万米单元网格); points outside it are flagged, never clipped."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.city import UNIT_GRID_COLUMNS, City, load_city, unit_grid
from spark_jobs.crs import project

# Columns a located row receives from the unit grid.
CELL_COLUMNS = ["cell_id", "grid_code", "district_code", "street_code", "community_code"]


def unit_grid_frame(spark: SparkSession, city: City | None = None) -> DataFrame:
    """The unit grid as a small Spark DataFrame (UNIT_GRID_COLUMNS), ready to broadcast."""
    city = city or load_city()
    pdf = unit_grid(city.name, city.cell_m)[UNIT_GRID_COLUMNS]
    return spark.createDataFrame(pdf)


def assign_cells(df: DataFrame, grid: DataFrame, city: City | None = None,
                 lon: str = "lon", lat: str = "lat") -> DataFrame:
    """Add CELL_COLUMNS to rows with WGS-84 lon/lat; rows outside the grid (or without coordinates) get nulls."""
    city = city or load_city()
    spec = city.grid_spec()
    df = project(df, lon, lat, spec.crs, "__gx", "__gy")
    col = F.floor((F.col("__gx") - spec.x0) / spec.cell_m)
    row = F.floor((F.col("__gy") - spec.y0) / spec.cell_m)
    in_box = (col >= 0) & (col < spec.ncols) & (row >= 0) & (row < spec.nrows)
    df = df.withColumn("__cell", F.when(in_box, row * spec.ncols + col).cast("long")).drop("__gx", "__gy")
    cells = F.broadcast(grid.select(F.col("cell_id").alias("__cell"), *[c for c in CELL_COLUMNS if c != "cell_id"],
                                    F.col("cell_id")))
    existing = [c for c in CELL_COLUMNS if c in df.columns]
    return df.drop(*existing).join(cells, on="__cell", how="left").drop("__cell")


def cell_of(lon: float, lat: float, city: City | None = None) -> tuple[int, int] | None:
    """(col, row) of one WGS-84 point in the city's grid, or None outside the grid box (for tests and tools)."""
    import numpy as np

    city = city or load_city()
    spec = city.grid_spec()
    x, y = city.to_projected([lon], [lat])
    c, r = spec.cell_index(np.asarray(x), np.asarray(y))
    if 0 <= c[0] < spec.ncols and 0 <= r[0] < spec.nrows:
        return int(c[0]), int(r[0])
    return None
