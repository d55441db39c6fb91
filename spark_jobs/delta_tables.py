"""What every layer asks of a Delta table by its path: is there one, and which version is it at."""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import SparkSession


def is_delta(spark: SparkSession, path: str) -> bool:
    """True when a Delta table (a `_delta_log`) exists at path."""
    return DeltaTable.isDeltaTable(spark, path)


def delta_version(spark: SparkSession, path: str) -> int:
    """Latest committed version of a Delta table."""
    return int(DeltaTable.forPath(spark, path).history(1).select("version").first()[0])
