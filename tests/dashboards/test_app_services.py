"""`make up`: three servers on 127.0.0.1 under the data home, all stopped by one SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from gridwatch.services import services
from gridwatch.settings import get_settings

UP_WAIT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_services_listen_on_localhost_and_keep_state_in_the_data_home(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # mlflow.set_tracking_uri in an earlier test exports it
    settings = get_settings(tmp_path)
    svc = {s.name: s for s in services(settings)}
    assert set(svc) == {"dagster", "app", "mlflow"}
    for s in svc.values():
        assert s.url.startswith("http://127.0.0.1:")
        assert "127.0.0.1" in s.command
    assert svc["dagster"].env["DAGSTER_HOME"] == str(tmp_path / "dagster")
    assert f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}" in svc["mlflow"].command
    assert svc["app"].env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def _group_gone(pgid: int, wait_s: float = 20.0) -> bool:
    """True once no process of the group is left (grandchildren are reaped by init a moment later)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    left = subprocess.run(["ps", "-o", "pid=,stat=,cmd=", "-g", str(pgid)], capture_output=True, text=True).stdout
    raise AssertionError(f"process group {pgid} still has: {left}")


@pytest.mark.slow
def test_up_serves_all_three_and_stops_them_on_sigterm(tmp_path):
    ports = {"GRIDWATCH_DAGSTER_PORT": _free_port(), "GRIDWATCH_APP_PORT": _free_port(),
             "GRIDWATCH_MLFLOW_PORT": _free_port()}
    env = {**os.environ, "GRIDWATCH_HOME": str(tmp_path / "home"), **{k: str(v) for k, v in ports.items()}}
    up = subprocess.Popen([sys.executable, "-c", "from gridwatch.services import up; from gridwatch.settings "
                           "import get_settings; raise SystemExit(up(get_settings()))"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True)
    checks = [f"http://127.0.0.1:{ports['GRIDWATCH_DAGSTER_PORT']}/server_info",
              f"http://127.0.0.1:{ports['GRIDWATCH_APP_PORT']}/_stcore/health",
              f"http://127.0.0.1:{ports['GRIDWATCH_MLFLOW_PORT']}/health"]
    try:
        deadline = time.monotonic() + UP_WAIT_S
        while not all(_healthy(u) for u in checks):
            assert up.poll() is None, up.stdout.read()
            assert time.monotonic() < deadline, "servers did not come up"
            time.sleep(1)
        groups = {os.getpgid(p) for p in _children(up.pid)}
        assert len(groups) == 3 and up.pid not in groups  # each server leads its own process group
        cfg = yaml.safe_load((tmp_path / "home" / "dagster" / "dagster.yaml").read_text())
        assert cfg["telemetry"]["enabled"] is False
        up.send_signal(signal.SIGTERM)
        out, _ = up.communicate(timeout=90)
        assert up.returncode == 0, out
        for port in ports.values():
            assert f"127.0.0.1:{port}" in out
        assert all(_group_gone(g) for g in groups)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
