"""Build the one Spark session a process uses, with Delta Lake wired in."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
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
        # a default that spark.driver.extraJavaOptions (spark-defaults.conf, --conf) adds to rather than replaces
        "spark.driver.defaultJavaOptions": "-Dderby.system.home=/tmp/gridwatch-derby",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if local:
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
        conf.setdefault("spark.driver.memory", os.environ.get("GRIDWATCH_DRIVER_MEMORY", "6g"))
        # Delta rebuilds a table's snapshot (and Spark lists many files) in jobs of 50 and up to 10,000
        # tasks by default; on a few local cores that scheduling costs more than the work (measured:
        # a small write 30 s -> 10 s, OPTIMIZE 58 s -> 13 s on a loaded 2-core machine).
        cores = str(local_cores(master))
        conf.setdefault("spark.databricks.delta.snapshotPartitions", cores)
        conf.setdefault("spark.sql.sources.parallelPartitionDiscovery.parallelism", cores)
    conf.update(object_store_conf(os.environ.get("GRIDWATCH_LAKEHOUSE", ""), conf))
    conf.update(extra_conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in conf.items():
        builder = builder.config(k, v)
    with _jar_resolution_lock(conf):
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


@contextmanager
def _jar_resolution_lock(conf: dict[str, str]):
    """One JVM at a time resolves spark.jars.packages into Ivy's cache.

    Ivy downloads into shared `.part` files and renames them: two GridWatch processes starting on a machine
    whose cache is still cold (a fresh CI runner, `make up` beside `make run`) break each other's downloads
    and one JVM exits before its gateway opens. The lock is held only while the session starts; with a warm
    cache that is a few seconds.
    """
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:  # getOrCreate returns the running session
        yield
        return
    import fcntl

    ivy = Path(conf.get("spark.jars.ivy") or Path.home() / ".ivy2.5.2")
    ivy.mkdir(parents=True, exist_ok=True)
    with open(ivy / "gridwatch-resolve.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def local_cores(master: str) -> int:
    """Cores of a local master: local -> 1, local[4] -> 4, local[*] -> every CPU."""
    inside = master[master.find("[") + 1:master.find("]")] if "[" in master else "1"
    inside = inside.split(",")[0]
    return (os.cpu_count() or 1) if inside == "*" else max(1, int(inside))


def hadoop_version() -> str:
    """The Hadoop version PySpark ships (hadoop-aws must match it exactly)."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    for jar in sorted(jars.glob("hadoop-client-api-*.jar")):
        return jar.stem.removeprefix("hadoop-client-api-")
    raise RuntimeError(f"no hadoop-client-api jar under {jars}")


def object_store_conf(lakehouse: str, conf: dict[str, str]) -> dict[str, str]:
    """Extra settings when the lakehouse is on S3-compatible storage (s3a://); none for a local lakehouse.

    Credentials are never copied into the Spark configuration: S3A's default provider chain reads
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (or an instance / pod role).
    """
    if not lakehouse.startswith("s3a://"):
        return {}
    out = {"spark.jars.packages": f"{conf['spark.jars.packages']},org.apache.hadoop:hadoop-aws:{hadoop_version()}",
           # One writer at a time (Dagster runs one run at a time): Delta's S3 log store for s3a, not
           # the rename-based HDFS store that the local default uses.
           "spark.delta.logStore.class": "io.delta.storage.S3SingleDriverLogStore"}
    endpoint = os.environ.get("GRIDWATCH_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:  # MinIO, Ceph, Aliyun OSS / Huawei OBS S3 gateways
        out["spark.hadoop.fs.s3a.endpoint"] = endpoint
        out["spark.hadoop.fs.s3a.path.style.access"] = os.environ.get("GRIDWATCH_S3_PATH_STYLE", "true")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        out["spark.hadoop.fs.s3a.endpoint.region"] = region
    return out


@contextmanager
def session_for_command(master: str, app_name: str, shuffle_partitions: int | None = None):
    """The process's running Spark session if there is one (left running), else a new one stopped on exit.

    A command called from inside a running application (a Dagster run, a test session) must not stop
    the session it shares.
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    spark = build_spark(master, app_name=app_name, shuffle_partitions=shuffle_partitions)
    try:
        yield spark
    finally:
        spark.stop()


@contextmanager
def sql_conf(spark: SparkSession, conf: dict[str, str]):
    """Session SQL settings for the duration of a block (each restored, or unset, on exit).

    A setting that shapes how a plan runs (e.g. how cached frames are stored) is read when the plan runs,
    so the block must hold the actions too, not only the code that builds the frames.
    """
    before = {k: spark.conf.get(k, None) for k in conf}
    for k, v in conf.items():
        spark.conf.set(k, v)
    try:
        yield spark
    finally:
        for k, v in before.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)
