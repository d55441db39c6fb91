"""Silver layer: per-source cleaning (typed, WGS-84, gridded, coded, de-duplicated, pseudonymised)."""

from spark_jobs.silver.clean import batch_days, clean_source
from spark_jobs.silver.sources import SPECS, spec

SILVER_SOURCES = tuple(SPECS)

__all__ = ["SILVER_SOURCES", "SPECS", "batch_days", "clean_source", "spec"]
