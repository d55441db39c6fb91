"""A Spark standalone cluster on 127.0.0.1 from the installed PySpark: one master, workers by process id."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
JAVA_HOME_DEFAULT = "/usr/lib/jvm/java-17-openjdk-amd64"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_env(log_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("JAVA_HOME", JAVA_HOME_DEFAULT)
    env.update({
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(log_dir),
        "SPARK_WORKER_DIR": str(log_dir / "work"),
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # mostly idle: least CPU
        "SPARK_NO_DAEMONIZE": "1",
    })
    return env


@dataclass
class StandaloneCluster:
    """Starts `spark-class ...Master` and `...Worker` processes, each in its own process group."""

    workdir: Path
    workers: int = 2
    cores_per_worker: int = 1
    worker_memory: str = "1g"
    port: int = field(default_factory=free_port)
    webui_port: int = field(default_factory=free_port)
    nice: int = 0  # > 0: the daemons and the executors they launch yield the CPU to other work
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        niced = ["nice", "-n", str(self.nice)] if self.nice else []  # nice execs: the pid stays the daemon's
        proc = subprocess.Popen(
            [*niced, str(SPARK_HOME / "bin" / "spark-class"), *args],
            env=spark_env(self.workdir), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: executors die with their worker
        )
        log.close()
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 120.0) -> StandaloneCluster:
        self._spawn("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(self.port), "--webui-port", str(self.webui_port)])
        for i in range(self.workers):
            self._spawn(f"worker-{i}", [
                "org.apache.spark.deploy.worker.Worker", self.master_url, "--host", "127.0.0.1",
                "--cores", str(self.cores_per_worker), "--memory", self.worker_memory,
                "--webui-port", str(free_port()), "--work-dir", str(self.workdir / f"work-{i}"),
            ])
        self.wait_for_workers(timeout)
        return self

    def state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json/", timeout=5) as r:
            return json.load(r)

    def applications(self, name: str, timeout: float = 30.0) -> list[dict]:
        """The master's records of applications called `name`, running or completed.

        A driver unregisters asynchronously: its process can exit before the master has moved the application
        to its completed list, and in between the master lists it nowhere. So this waits until one shows.
        """
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            apps = [a for a in state["activeapps"] + state["completedapps"] if a["name"] == name]
            if apps or time.monotonic() >= deadline:
                return apps
            time.sleep(0.5)

    def wait_for_workers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.processes:
                if p.poll() is not None:
                    main = next(a for a in p.args if a.startswith("org.apache.spark.deploy."))
                    raise RuntimeError(f"spark process {main} exited with {p.returncode}; see {self.workdir}")
            try:
                if self.state().get("aliveworkers", 0) >= self.workers:
                    return
            except (OSError, ValueError):  # not listening yet, or its UI still serves HTML where JSON will be
                pass
            time.sleep(1.0)
        raise TimeoutError(f"{self.workers} workers did not register within {timeout:.0f} s; see {self.workdir}")

    def descendants(self) -> list[int]:
        """Every live process the cluster started (daemons and the executors they launched)."""
        found = []
        for p in self.processes:
            try:
                proc = psutil.Process(p.pid)
                found.append(proc.pid)
                found.extend(c.pid for c in proc.children(recursive=True))
            except psutil.NoSuchProcess:
                continue
        return found

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM each process group by its leader's id, then SIGKILL what is left."""
        tracked = set(self.descendants())
        for p in reversed(self.processes):
            _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in self.processes:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        for pid in tracked:
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs([_proc(pid) for pid in tracked if _proc(pid)], timeout=10)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the leader's pid is its group id (start_new_session=True)
    except ProcessLookupError:
        pass


def _proc(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def alive(pids: list[int]) -> list[int]:
    """The pids among these that still run (zombies count as gone)."""
    out = []
    for pid in pids:
        proc = _proc(pid)
        if proc is not None and proc.status() != psutil.STATUS_ZOMBIE:
            out.append(pid)
    return out
