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


def pytest_collection_modifyitems(config, items):
    """Tests marked `last` run after all the others.

    The standalone-cluster comparison starts the cluster's pipeline in the background at the first cluster
    test and checks it in the last one, so its minutes overlap whatever else the run selected.
    """
    last = [i for i in items if i.get_closest_marker("last")]
    if last:
        items[:] = [i for i in items if not i.get_closest_marker("last")] + last


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session of the run (UI off, two shuffle partitions)."""
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
