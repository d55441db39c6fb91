"""Landing contracts per source: fields, keys and file format, defined once (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType, TimestampType

# Ingest metadata columns every bronze table carries after the raw fields.
META_FIELDS = [
    StructField("_source_file", StringType(), False),
    StructField("_line", IntegerType(), False),
    StructField("_raw", StringType(), True),
    StructField("_ingested_at", TimestampType(), False),
    StructField("_batch_id", StringType(), False),
    StructField("_dt", DateType(), False),
]
META_COLUMNS = [f.name for f in META_FIELDS]


@dataclass(frozen=True)
class SourceContract:
    """One landing source: its fields in contract order, the key, and how its files are read."""

    name: str
    fields: tuple[str, ...]
    key: tuple[str, ...]
    reader: str  # "text_csv" (decoded per file), "line_csv" (Spark, bulk), "jsonl", "parquet"
    suffixes: tuple[str, ...]
    pii_names: tuple[str, ...] = ()  # fields holding a caller's name, masked in quarantined raw text

    def bronze_schema(self) -> StructType:
        return StructType([StructField(f, StringType(), True) for f in self.fields] + META_FIELDS)

    @property
    def bronze_columns(self) -> list[str]:
        return list(self.fields) + META_COLUMNS


SOURCES: dict[str, SourceContract] = {
    c.name: c
    for c in [
        SourceContract(
            "hotline",
            ("order_no", "call_time", "channel", "caller_name", "caller_phone", "category_code",
             "category_name", "content", "address", "lon", "lat", "crs", "handling_unit", "deadline",
             "completed_at", "status", "satisfaction"),
            ("order_no",), "text_csv", (".csv",), ("caller_name",)),
        SourceContract(
            "police110",
            ("jjdbh", "bjsj", "bjlbdm", "bjlxdm", "bjxldm", "bjnr", "afdd", "lon", "lat", "crs", "bjdh",
             "transferred_to_city_mgmt"),
            ("jjdbh",), "jsonl", (".jsonl", ".json")),
        SourceContract(
            "video",
            ("detection_id", "camera_id", "detected_at", "event_type", "confidence", "lon", "lat", "crs"),
            ("detection_id",), "jsonl", (".jsonl", ".json")),
        SourceContract(
            "dust",
            ("site_id", "ts", "pm10", "pm25", "tsp", "wind_speed"),
            ("site_id", "ts"), "line_csv", (".csv",)),
        SourceContract(
            "truck_gps",
            ("plate_token", "ts", "lon", "lat", "speed", "sealed"),
            ("plate_token", "ts"), "parquet", (".parquet", ".csv")),
        SourceContract(
            "cases",
            ("case_no", "version", "source", "event_major_code", "event_minor_code", "grid_code", "lon", "lat",
             "crs", "reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at",
             "deadline", "status", "rework_count", "department", "description"),
            ("case_no", "version"), "jsonl", (".jsonl", ".json")),
    ]
}

# Quarantine reasons raised while landing -> bronze (the rest are raised by the silver cleaning).
BRONZE_REASONS = ("bad_encoding", "malformed_record", "schema_drift")


def contract(source: str) -> SourceContract:
    """The landing contract of a source; raises on an unknown source name."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {sorted(SOURCES)}")
    return SOURCES[source]
