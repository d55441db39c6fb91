"""`gridwatch audit --json` prints JSON and nothing else on stdout, though Spark's JVM shares the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GRIDWATCH = Path(sys.executable).with_name("gridwatch")


def test_audit_json_stdout_parses(tmp_path):
    env = {**os.environ, "GRIDWATCH_HOME": str(tmp_path), "GRIDWATCH_PII_KEY": "test-key-not-secret"}
    run = subprocess.run([str(GRIDWATCH), "audit", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["reconciled"] is True and report["totals"]["landed"] == 0
    assert ":: loading settings ::" in run.stderr          # the JVM did start and talked, on stderr
