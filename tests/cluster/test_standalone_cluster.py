"""The same pipeline on a Spark standalone cluster (1 master, 2 one-core workers) gives the same gold tables."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from .standalone import StandaloneCluster, alive

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
GOLD_TABLES = {"grid_week": ["cell_id", "week_start", "problem_type"],
               "features": ["cell_id", "week_start", "problem_type"]}
LAYERS = "bronze,silver,gold"
# A small city: three summer weeks at a fifth of the default volumes.
SIM_WEEKS, SIM_SCALE, SIM_END = 3, 0.2, date(2025, 6, 29)


# Cluster sizing is Spark configuration, not code: a spark-defaults.conf in SPARK_CONF_DIR, as on YARN or
# Kubernetes (docs/SCALE.md). Small Delta snapshot and listing jobs suit two one-core executors.
SPARK_DEFAULTS = """\
spark.driver.memory 2g
spark.executor.memory 1g
spark.databricks.delta.snapshotPartitions 2
spark.sql.sources.parallelPartitionDiscovery.parallelism 2
"""


def _env(home: Path, master: str) -> dict[str, str]:
    env = dict(os.environ)
    if master.startswith("spark://"):
        conf_dir = home / "spark-conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "spark-defaults.conf").write_text(SPARK_DEFAULTS)
        env["SPARK_CONF_DIR"] = str(conf_dir)
    env.update({
        "GRIDWATCH_HOME": str(home),
        "GRIDWATCH_SPARK_MASTER": master,
        "GRIDWATCH_PII_KEY": "cluster-test-key-not-secret",
        "GRIDWATCH_DRIVER_MEMORY": "2g",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "DAGSTER_DISABLE_TELEMETRY": "true",
    })
    env.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    env.pop("GRIDWATCH_LAKEHOUSE", None)
    return env


def _start_pipeline(home: Path, master: str, log: Path) -> subprocess.Popen:
    """`gridwatch pipeline` in its own process: the master is configuration, nothing else changes."""
    cmd = [sys.executable, "-m", "gridwatch.cli", "--home", str(home), "pipeline", "--layers", LAYERS, "--no-summary"]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=REPO, env=_env(home, master), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _run_side_by_side(runs: dict[str, tuple[Path, str, Path]], timeout: float = 480) -> None:
    """Both pipelines at once: their drivers and Dagster steps overlap, ~390 s on 2 cores where one after
    the other took ~525 s. A pipeline that fails or overruns is reported with its log; none is left running."""
    procs = {name: (_start_pipeline(home, master, log), log) for name, (home, master, log) in runs.items()}
    try:
        for name, (proc, log) in procs.items():
            code = proc.wait(timeout=timeout)
            assert code == 0, f"pipeline on {name} failed; see {log}:\n" + log.read_text()[-3000:]
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def _gold(home: Path, table: str, keys: list[str]) -> pd.DataFrame:
    from deltalake import DeltaTable

    df = DeltaTable(str(home / "lakehouse" / "gold" / table)).to_pandas()
    return df[sorted(df.columns)].sort_values(keys).reset_index(drop=True)


@pytest.fixture(scope="module")
def small_city(tmp_path_factory) -> Path:
    """Landing files of a small simulated city, written once for both runs."""
    from gridwatch.settings import get_settings
    from simulator import SimConfig, simulate

    home = tmp_path_factory.mktemp("city")
    settings = get_settings(home)
    settings.ensure_dirs()
    simulate(settings, SimConfig(weeks=SIM_WEEKS, scale=SIM_SCALE, end_date=SIM_END), progress=False)
    return home


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One master and two one-core workers, each in its own process group, stopped by process id."""
    c = StandaloneCluster(tmp_path_factory.mktemp("spark-standalone"))
    try:
        c.start()
        yield c
    finally:
        started = c.pids + c.descendants()
        c.stop()
        assert alive(started) == [], f"processes left behind: {alive(started)}"


def _copy_city(src: Path, dst: Path) -> Path:
    shutil.copytree(src / "landing", dst / "landing")
    return dst


def test_cluster_gold_equals_local_gold(small_city, cluster, tmp_path):
    local = _copy_city(small_city, tmp_path / "local")
    remote = _copy_city(small_city, tmp_path / "cluster")

    _run_side_by_side({"local[2]": (local, "local[2]", tmp_path / "local.log"),
                       cluster.master_url: (remote, cluster.master_url, tmp_path / "cluster.log")})

    state = cluster.state()
    apps = state["completedapps"] + state["activeapps"]
    assert any(a["name"] == "gridwatch" for a in apps), "the pipeline did not run on the cluster"
    for i in range(cluster.workers):  # every worker launched an executor for the pipeline
        assert list((cluster.workdir / f"work-{i}").glob("app-*/*/stderr")), f"worker {i} ran no executor"
    for table, keys in GOLD_TABLES.items():
        want, got = _gold(local, table, keys), _gold(remote, table, keys)
        assert len(want) > 0, f"local gold/{table} is empty"
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)


def test_cluster_processes_stop_by_pid(tmp_path):
    c = StandaloneCluster(tmp_path / "spark", workers=1)
    try:
        c.start()
        started = c.pids + c.descendants()
        assert len(alive(started)) >= 2
    finally:
        c.stop()
    assert alive(started) == []
