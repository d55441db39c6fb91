"""Build the one Spark session a process uses, with Delta Lake wired in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession

# Maven Central serves io.delta:delta-spark_4.2_2.13 at 4.4.0 (4.4.1 is not published for
# Spark 4.2), so the jar and the delta-spark Python package are both pinned at 4.4.0.
DELTA_PACKAGE = "io.delta:delta-spark_4.2_2.13:4.4.0"
IVY_SETTINGS = Path(__file__).with_name("ivysettings.xml")


def build_spark(
    master: str = "local[*]",
    app_name: str = "gridwatch",
    shuffle_partitions: int | None = None,
    extra_conf: dict[str, str] | None = None,
) -> SparkSession:
    """A Spark session with Delta extensions and catalog, UI off, loopback only, telemetry off."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    local = master.startswith("local")
    conf = {
        "spark.jars.packages": DELTA_PACKAGE,
        "spark.jars.ivySettings": str(IVY_SETTINGS),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "Asia/Shanghai",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.shuffle.partitions": str(shuffle_partitions or (8 if local else 64)),
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        "spark.databricks.delta.optimizeWrite.enabled": "true",
        "spark.delta.logStore.class": "org.apache.spark.sql.delta.storage.HDFSLogStore",
        "spark.sql.warehouse.dir": os.environ.get("GRIDWATCH_SPARK_WAREHOUSE", "/tmp/gridwatch-spark-warehouse"),
        "spark.driver.extraJavaOptions": "-Dderby.system.home=/tmp/gridwatch-derby",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if local:
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
        conf.setdefault("spark.driver.memory", os.environ.get("GRIDWATCH_DRIVER_MEMORY", "6g"))
    conf.update(extra_conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in conf.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
