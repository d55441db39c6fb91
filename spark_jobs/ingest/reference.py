"""Reference files (places, cameras, dust sites) copied as-is to bronze tables, replaced on every load."""

from __future__ import annotations

import logging

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from gridwatch.settings import Settings
from spark_jobs.ingest.text_csv import parse_csv

log = logging.getLogger(__name__)

REFERENCE_FILES = {
    "places": ("place_id", "kind", "name", "lon", "lat", "crs"),
    "cameras": ("camera_id", "lon", "lat"),
    "dust_sites": ("site_id", "name", "lon", "lat", "district_code"),
}


def reference_table(name: str) -> str:
    """Bronze table name of a reference file."""
    return f"reference_{name}"


def ingest_reference(spark: SparkSession, settings: Settings) -> dict[str, int]:
    """Load landing/reference/*.csv into bronze/reference_<name> (strings, overwrite); rows per table."""
    out = {}
    for name, fields in REFERENCE_FILES.items():
        path = settings.landing / "reference" / f"{name}.csv"
        if not path.exists():
            log.warning("reference file %s missing", path)
            continue
        parsed = parse_csv(path.read_bytes(), fields, fields[:1])
        rows = [r.values for r in parsed.records if r.values is not None]
        bad = len(parsed.records) - len(rows)
        if bad:
            log.warning("%s: %d malformed rows skipped", path.name, bad)
        schema = StructType([StructField(f, StringType(), True) for f in fields])
        df = spark.createDataFrame(pd.DataFrame(rows, columns=list(fields)), schema)
        (df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
         .save(settings.table_path("bronze", reference_table(name))))
        out[name] = len(rows)
    return out
