"""The same pipeline on a Spark standalone cluster (1 master, 2 one-core workers) gives the same gold tables."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from .standalone import StandaloneCluster, alive

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]
NICE = 10
PII_KEY = "cluster-test-key-not-secret"

REPO = Path(__file__).resolve().parents[2]
GOLD_TABLES = {"grid_week": ["cell_id", "week_start", "problem_type"],
               "features": ["cell_id", "week_start", "problem_type"]}
LAYERS = "bronze,silver,gold"
# Both runs leave the asset checks out: what is compared here is the data the runs wrote (the checks are the
# end-to-end test's business), and on the cluster the checks' small Spark jobs cost more than the data does.
# A small city: two summer weeks at a tenth of the default volumes (the feature panel still spans the whole
# unit grid: 32,529 cells x 3 weeks x 3 types).
SIM_WEEKS, SIM_SCALE, SIM_END = 2, 0.1, date(2025, 6, 29)


# Cluster sizing is Spark configuration, not code: a spark-defaults.conf in SPARK_CONF_DIR, as on YARN or
# Kubernetes (docs/SCALE.md). Small Delta snapshot and listing jobs suit two one-core executors. Executors
# that live for a few minutes of small jobs spend more CPU compiling hot code with C2 than it gives back, and
# a 1 GiB heap on one core needs no parallel collector: the pipeline ran in 180 s instead of 236 s.
SPARK_DEFAULTS = """\
spark.driver.memory 2g
spark.executor.memory 1g
spark.executor.extraJavaOptions -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
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
        "GRIDWATCH_PII_KEY": PII_KEY,
        "GRIDWATCH_DRIVER_MEMORY": "2g",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "DAGSTER_DISABLE_TELEMETRY": "true",
    })
    env.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    env.pop("GRIDWATCH_LAKEHOUSE", None)
    return env


def _start_pipeline(home: Path, master: str, log: Path) -> subprocess.Popen:
    """`gridwatch pipeline` in its own process: the master is configuration, nothing else changes.

    Niced: it runs beside the rest of the suite and takes the CPU those tests leave idle.
    """
    cmd = ["nice", "-n", str(NICE), sys.executable, "-m", "gridwatch.cli", "--home", str(home), "pipeline",
           "--layers", LAYERS, "--no-summary", "--no-checks"]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=REPO, env=_env(home, master), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _gold(home: Path, table: str, keys: list[str]) -> pd.DataFrame:
    from deltalake import DeltaTable

    df = DeltaTable(str(home / "lakehouse" / "gold" / table)).to_pandas()
    return df[sorted(df.columns)].sort_values(keys).reset_index(drop=True)


def _small_city(home: Path) -> Path:
    """Landing files of a small simulated city, written once for both runs."""
    from gridwatch.settings import get_settings
    from simulator import SimConfig, simulate

    settings = get_settings(home)
    settings.ensure_dirs()
    simulate(settings, SimConfig(weeks=SIM_WEEKS, scale=SIM_SCALE, end_date=SIM_END), progress=False)
    return home


def _run_local(home: Path) -> None:
    """The reference run, in this process on the suite's local[2] session (a warm JVM: no second start-up)."""
    from gridwatch.pipeline import run_pipeline
    from gridwatch.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRIDWATCH_HOME", str(home))
        mp.setenv("GRIDWATCH_PII_KEY", PII_KEY)
        mp.delenv("GRIDWATCH_LAKEHOUSE", raising=False)
        result = run_pipeline(get_settings(home), layers=tuple(LAYERS.split(",")), progress=False, checks=False)
    failed = [(s.layer, s.assets) for s in result.steps if not s.success]
    assert result.steps and not failed, f"local pipeline failed: {failed}"


@dataclass
class Comparison:
    """The cluster, the pipeline running on it in the background, and the local run's home."""

    cluster: StandaloneCluster
    remote: tuple[subprocess.Popen, Path, Path] | None = None  # proc, home, log
    local: Path | None = None

    def wait(self, timeout: float) -> Path:
        """The cluster's pipeline finished and succeeded (a failure is reported with its log); its home."""
        proc, home, log = self.remote
        code = proc.wait(timeout=timeout)
        assert code == 0, f"pipeline on the cluster failed; see {log}:\n" + log.read_text()[-3000:]
        return home

    def kill(self) -> None:
        if self.remote is not None and self.remote[0].poll() is None:
            os.killpg(self.remote[0].pid, signal.SIGKILL)
            self.remote[0].wait(timeout=30)


@pytest.fixture(scope="session")
def comparison(tmp_path_factory, spark):
    """One master and two one-core workers, the pipeline started on them in the background, and the same
    city run locally meanwhile.

    Started by the first cluster test and stopped, by process id, when the session ends. In a whole-suite
    run on two workers (`make test`'s command without `-m "not cluster"`) this file runs on one worker
    while the other runs the end-to-end module: the
    local reference overlaps the cluster's run, and the check then waits for the cluster while the other
    worker carries on. In a serial run the check is marked `last`, so the cluster's minutes overlap every
    other test.
    """
    root = tmp_path_factory.mktemp("cluster-comparison")
    city = _small_city(root / "city")
    c = StandaloneCluster(root / "spark-standalone", nice=NICE)
    handle = Comparison(c)
    try:
        c.start()
        remote = root / "cluster"
        shutil.copytree(city / "landing", remote / "landing")
        handle.remote = (_start_pipeline(remote, c.master_url, root / "cluster.log"), remote, root / "cluster.log")
        handle.local = root / "local"
        shutil.copytree(city / "landing", handle.local / "landing")
        _run_local(handle.local)
        yield handle
    finally:
        handle.kill()
        started = c.pids + c.descendants()
        c.stop()
        assert alive(started) == [], f"processes left behind: {alive(started)}"


def test_cluster_and_its_pipeline_started(comparison):
    state = comparison.cluster.state()
    assert state["aliveworkers"] == 2 and state["cores"] == 2
    proc, _, log = comparison.remote
    assert proc.poll() in (None, 0), f"pipeline on the cluster exited with {proc.returncode}; see {log}"


@pytest.mark.last
@pytest.mark.timeout(1800)
def test_cluster_gold_equals_local_gold(comparison):
    remote = comparison.wait(timeout=1500)
    cluster = comparison.cluster
    assert cluster.applications("gridwatch"), "the pipeline did not run on the cluster"
    for i in range(cluster.workers):  # every worker launched an executor for the pipeline
        assert list((cluster.workdir / f"work-{i}").glob("app-*/*/stderr")), f"worker {i} ran no executor"
    for table, keys in GOLD_TABLES.items():
        want, got = _gold(comparison.local, table, keys), _gold(remote, table, keys)
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
