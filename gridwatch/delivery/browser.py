"""Headless Chromium: print a page to PDF, or take a screenshot of it (no server, file:// only)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars"]


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(args: list[str], out: Path, timeout: float, attempts: int = 2) -> Path:
    """Run headless Chromium until it writes `out`; a crash or a timeout is retried once with a fresh profile."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("未找到 Chromium / Chromium not found: apt-get install -y chromium")
    problem = ""
    for attempt in range(1, attempts + 1):
        out.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(prefix="gw-chromium-") as profile:
            cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
                problem = f"exit {proc.returncode}: {proc.stderr[-500:]}"
            except subprocess.TimeoutExpired:
                problem = f"no result within {timeout:g} s"
        if out.exists() and out.stat().st_size > 0:
            return out
        log.warning("Chromium did not write %s (attempt %d of %d, %s)", out.name, attempt, attempts, problem)
    raise RuntimeError(f"Chromium did not write {out.name} after {attempts} attempts ({problem})")


def print_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    """Render an HTML file to an A4 PDF."""
    return _run([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri()], pdf, timeout)


def screenshot(html: Path, png: Path, width: int = 1240, height: int = 1754, timeout: float = 120) -> Path:
    """A PNG of the top of an HTML page (default size: A4 at 150 dpi)."""
    return _run([f"--screenshot={png}", f"--window-size={width},{height}", html.resolve().as_uri()], png, timeout)
