"""Hand-made bronze frames in the bronze contract (raw strings + ingest metadata) for silver tests."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType, TimestampType

from spark_jobs.crs import wgs84_to_bd09_np, wgs84_to_gcj02_np

FIELDS = {
    "hotline": ["order_no", "call_time", "channel", "caller_name", "caller_phone", "category_code", "category_name",
                "content", "address", "lon", "lat", "crs", "handling_unit", "deadline", "completed_at", "status",
                "satisfaction"],
    "police110": ["jjdbh", "bjsj", "bjlbdm", "bjlxdm", "bjxldm", "bjnr", "afdd", "lon", "lat", "crs", "bjdh",
                  "transferred_to_city_mgmt"],
    "video": ["detection_id", "camera_id", "detected_at", "event_type", "confidence", "lon", "lat", "crs"],
    "dust": ["site_id", "ts", "pm10", "pm25", "tsp", "wind_speed"],
    "truck_gps": ["plate_token", "ts", "lon", "lat", "speed", "sealed"],
    "cases": ["case_no", "version", "source", "event_major_code", "event_minor_code", "grid_code", "lon", "lat", "crs",
              "reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at", "deadline",
              "status", "rework_count", "department", "description"],
}
META = [StructField("_source_file", StringType()), StructField("_line", IntegerType()),
        StructField("_raw", StringType()), StructField("_ingested_at", TimestampType()),
        StructField("_batch_id", StringType()), StructField("_dt", DateType())]
INGESTED = datetime(2026, 11, 3, 2, 0, 0)
CENTRE = (109.958, 39.822)  # 东胜区, WGS-84


def gcj(lon: float, lat: float) -> tuple[str, str]:
    g = wgs84_to_gcj02_np(lon, lat)
    return f"{float(g[0]):.8f}", f"{float(g[1]):.8f}"


def bd(lon: float, lat: float) -> tuple[str, str]:
    b = wgs84_to_bd09_np(lon, lat)
    return f"{float(b[0]):.8f}", f"{float(b[1]):.8f}"


def bronze(spark: SparkSession, source: str, records: list[dict], batch: str = "b1",
           day: date = date(2026, 11, 2), file: str | None = None,
           ingested_at: datetime = INGESTED) -> DataFrame:
    """A bronze frame: each record's fields as strings (missing -> null), lines numbered from 1."""
    fields = FIELDS[source]
    file = file or f"landing/{source}/dt={day}/{source}_{batch}.txt"
    schema = StructType([StructField(f, StringType()) for f in fields] + META)
    rows = []
    for i, rec in enumerate(records, start=1):
        raw = ",".join("" if rec.get(f) is None else str(rec.get(f)) for f in fields)
        rows.append(tuple(None if rec.get(f) is None else str(rec.get(f)) for f in fields)
                    + (file, i, raw, ingested_at, batch, day))
    return spark.createDataFrame(rows, schema)
