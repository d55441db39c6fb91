"""Coordinates of a record: parse, convert to WGS-84, assign the unit-grid cell, or say why not."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from gridwatch.city import City
from spark_jobs import crs as crs_mod
from spark_jobs.grid import assign_cells
from spark_jobs.silver.rules import blank, number

LOCATION_REASON = "_loc_reason"


def locate(df: DataFrame, grid: DataFrame, city: City, crs_col: str | None = "crs",
           default_crs: str = crs_mod.WGS84) -> DataFrame:
    """Replace raw lon/lat with WGS-84 doubles, add crs_kind, cell columns and LOCATION_REASON (null when located)."""
    raw_lon, raw_lat = F.col("lon"), F.col("lat")
    df = df.withColumns({"_lon_in": number(raw_lon), "_lat_in": number(raw_lat),
                         "_coords_missing": blank(raw_lon) | blank(raw_lat)})
    if crs_col:
        codes = crs_mod.projected_codes_in(df.where(~blank(F.col(crs_col))), crs_col)
        df = df.withColumn("crs_kind", crs_mod.crs_kind_column(F.col(crs_col), codes))
    else:
        codes = []
        df = df.withColumn("crs_kind", F.lit(default_crs))
    geographic = F.col("crs_kind") != crs_mod.PROJECTED
    out_of_range = geographic & ((F.abs(F.col("_lon_in")) > 180) | (F.abs(F.col("_lat_in")) > 90))
    df = df.withColumn("_coords_bad", F.col("_lon_in").isNull() | F.col("_lat_in").isNull() | out_of_range)
    usable = ~F.col("_coords_missing") & ~F.col("_coords_bad") & (F.col("crs_kind") != crs_mod.UNKNOWN)
    df = df.withColumn("_kind_ok", F.when(usable, F.col("crs_kind")).otherwise(F.lit(crs_mod.UNKNOWN)))
    df = crs_mod.to_wgs84(df, "_lon_in", "_lat_in", "_kind_ok", crs_col or "crs_kind", "_lon_w", "_lat_w",
                         projected=bool(codes))
    df = assign_cells(df, grid, city, "_lon_w", "_lat_w")
    reason = (F.when(F.col("_coords_missing"), F.lit("missing_coordinates"))
              .when(F.col("_coords_bad"), F.lit("unparseable_coordinates"))
              .when(F.col("crs_kind") == crs_mod.UNKNOWN, F.lit("unknown_crs"))
              .when(F.col("cell_id").isNull(), F.lit("outside_city")))
    df = df.withColumns({"lon": F.col("_lon_w"), "lat": F.col("_lat_w"), LOCATION_REASON: reason})
    return df.drop("_lon_in", "_lat_in", "_coords_missing", "_coords_bad", "_kind_ok", "_lon_w", "_lat_w")
