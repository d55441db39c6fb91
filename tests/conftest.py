"""One Spark session for the whole test run; a temporary data home per test."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
# One LightGBM thread per process: the test workers (and the pipelines some tests start) share the cores.
os.environ.setdefault("GRIDWATCH_LGB_THREADS", "1")

# pytest-xdist runs the tests in workers whose __main__ has neither a spec nor a file. PySpark's Spark Connect
# package (Great Expectations imports it) takes such a process for its own doctest run and calls
# sys.exit(0) when an optional Connect dependency is missing, which fails every GX check. The worker's
# __main__ gets the file it lacks.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"


def pytest_report_header(config):
    """The machine's speed on a fixed pure-Python loop, so a slow run's log says whether the code or the
    machine got slower (the same suite took 971 s and 2,870 s on this 2-core machine on different days)."""
    import time

    t0 = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i
    return f"machine: {os.cpu_count()} cores; reference loop (3M additions) {time.perf_counter() - t0:.2f} s"


def pytest_collection_modifyitems(config, items):
    """The end-to-end module first, then the files that start work in the background, then the rest; tests
    marked `last` after every other test of a serial run.

    With two workers (pytest-xdist by file, no reordering, as `make test` runs) one worker takes the
    end-to-end module while the other takes the rest, starting with the standalone-cluster comparison when
    it is selected, so its pipelines overlap every other file. In a serial run the comparison's check, marked `last`, waits for its pipeline at the end.
    """
    background = {i.path for i in items if i.get_closest_marker("last")}
    items.sort(key=lambda i: (not i.get_closest_marker("slow"), i.path not in background,
                              bool(i.get_closest_marker("last"))))


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session of the run, or of each test worker (UI off, two shuffle partitions)."""
    from spark_jobs.session import build_spark

    session = build_spark(master="local[2]", app_name="gridwatch-tests", shuffle_partitions=2,
                          extra_conf={"spark.driver.memory": "6g"})
    yield session
    session.stop()


@pytest.fixture(autouse=True, scope="module")
def _release_cached_frames():
    """Drop whatever a module left cached, so one module's frames never crowd out the next one's joins."""
    yield
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.catalog.clearCache()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh data home for one test, with GRIDWATCH_HOME pointing at it."""
    monkeypatch.setenv("GRIDWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GRIDWATCH_PII_KEY", "test-key-not-secret")
    (tmp_path / "home").mkdir()
    return tmp_path / "home"
