"""`make up` / `gridwatch up`: the Dagster UI and daemon, the analysts' app and the MLflow UI together.

Each server runs in its own process group on 127.0.0.1 (GRIDWATCH_BIND to change); Ctrl-C or
SIGTERM stops them all by signalling their groups, then waits, then kills what is left.
Ports: GRIDWATCH_DAGSTER_PORT (3000), GRIDWATCH_APP_PORT (8501), GRIDWATCH_MLFLOW_PORT (5000).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gridwatch.instance import prepare_dagster_home
from gridwatch.settings import Settings

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
STOP_GRACE_S = 15.0


@dataclass(frozen=True)
class Service:
    """One server: its name, command, the address it serves and extra environment."""

    name: str
    command: list[str]
    url: str
    env: dict[str, str] = field(default_factory=dict)


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def services(settings: Settings, host: str | None = None, ports: dict[str, int] | None = None) -> list[Service]:
    """The three servers of a GridWatch installation, configured from the settings and environment."""
    host = host or os.environ.get("GRIDWATCH_BIND", "127.0.0.1")
    ports = {"dagster": int(os.environ.get("GRIDWATCH_DAGSTER_PORT", 3000)),
             "app": int(os.environ.get("GRIDWATCH_APP_PORT", 8501)),
             "mlflow": int(os.environ.get("GRIDWATCH_MLFLOW_PORT", 5000)), **(ports or {})}
    quiet = {"DAGSTER_DISABLE_TELEMETRY": "true", "MLFLOW_DISABLE_TELEMETRY": "true",
             "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "GRIDWATCH_HOME": str(settings.home)}
    return [
        Service("dagster", [_bin("dagster"), "dev", "-h", host, "-p", str(ports["dagster"]),
                            "-w", str(REPO / "workspace.yaml")],
                f"http://{host}:{ports['dagster']}", {**quiet, "DAGSTER_HOME": str(settings.dagster_home)}),
        Service("app", [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "app.py"),
                        "--server.address", host, "--server.port", str(ports["app"]), "--server.headless", "true",
                        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
                f"http://{host}:{ports['app']}", quiet),
        Service("mlflow", [_bin("mlflow"), "server", "--host", host, "--port", str(ports["mlflow"]), "--workers", "1",
                           "--backend-store-uri", settings.mlflow_tracking_uri,
                           "--artifacts-destination", settings.mlflow_artifacts.as_uri()],
                f"http://{host}:{ports['mlflow']}", quiet),
    ]


def start(service: Service) -> subprocess.Popen:
    """Start one server in a new session (its own process group)."""
    env = {**os.environ, **service.env}
    return subprocess.Popen(service.command, cwd=REPO, env=env, start_new_session=True)


def stop(procs: dict[str, subprocess.Popen], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM every server's process group, wait up to grace_s, then SIGKILL the groups still alive."""
    for name, proc in procs.items():
        _signal_group(proc, signal.SIGTERM, name)
    deadline = time.monotonic() + grace_s
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing its process group", name, grace_s)
        _signal_group(proc, signal.SIGKILL, name, quiet=True)  # children a server left behind
        if proc.poll() is None:
            proc.wait(timeout=5)


def _signal_group(proc: subprocess.Popen, sig: signal.Signals, name: str, quiet: bool = False) -> None:
    try:
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the child's pid
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        if not quiet:
            log.warning("cannot signal %s: %s", name, exc)


def up(settings: Settings, host: str | None = None, ports: dict[str, int] | None = None) -> int:
    """Start the servers, print where they listen, and run until Ctrl-C or SIGTERM; then stop them all."""
    settings.ensure_dirs()
    prepare_dagster_home(settings)
    wanted = services(settings, host, ports)
    stopping: list[int] = []

    def _on_signal(signum, _frame) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    procs: dict[str, subprocess.Popen] = {}
    rc = 0
    try:
        for svc in wanted:
            procs[svc.name] = start(svc)
        print("GridWatch 已启动 / is up:", flush=True)
        labels = {"dagster": "Dagster 编排 / orchestration", "app": "分析应用 / analysts' app",
                  "mlflow": "MLflow 模型 / models"}
        for svc in wanted:
            print(f"  {labels[svc.name]:<32} {svc.url}", flush=True)
        print("按 Ctrl-C 停止 / press Ctrl-C to stop", flush=True)
        while not stopping:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                log.error("%s exited (code %s); stopping the others", dead, [procs[n].returncode for n in dead])
                rc = 1
                break
            time.sleep(0.5)
    finally:
        print("正在停止 / stopping ...", flush=True)
        stop(procs)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("已停止 / stopped", flush=True)
    return rc
