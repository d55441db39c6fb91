"""Same configuration, same bytes; a re-run into the same home leaves every file as it was."""

from __future__ import annotations

import datetime as dt
import hashlib

from gridwatch.settings import get_settings
from simulator import SimConfig, last_sunday, simulate

TINY = SimConfig(seed=3, weeks=1, scale=0.2, end_date=dt.date(2025, 6, 1))


def digests(home) -> dict[str, str]:
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_idempotent_rerun(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    sa = simulate(get_settings(a), TINY, progress=False)
    simulate(get_settings(b), TINY, progress=False)
    da = digests(a)
    assert da == digests(b)
    assert any(k.startswith("landing/truck_gps/") for k in da) and "truth/events.parquet" in da
    mtimes = {p: p.stat().st_mtime_ns for p in a.rglob("*") if p.is_file()}
    again = simulate(get_settings(a), TINY, progress=False)
    assert digests(a) == da
    assert {p: p.stat().st_mtime_ns for p in a.rglob("*") if p.is_file()} == mtimes  # untouched
    assert again["rows"] == sa["rows"]


def test_other_seed_other_city(tmp_path):
    simulate(get_settings(tmp_path / "a"), TINY, progress=False)
    other = SimConfig(seed=4, weeks=1, scale=0.2, end_date=TINY.end_date)
    simulate(get_settings(tmp_path / "b"), other, progress=False)
    assert digests(tmp_path / "a")["truth/events.parquet"] != digests(tmp_path / "b")["truth/events.parquet"]


def test_stale_days_of_an_earlier_run_are_removed(tmp_path):
    home = tmp_path / "h"
    simulate(get_settings(home), SimConfig(seed=3, weeks=2, scale=0.2, end_date=TINY.end_date), progress=False)
    s = simulate(get_settings(home), TINY, progress=False)
    assert s["stale_files_removed"] == 6 * 7
    assert len(list((home / "landing" / "hotline").glob("dt=*/*"))) == 7


def test_default_end_is_a_sunday_not_in_the_future():
    d = last_sunday(dt.date(2026, 11, 26))
    assert d == dt.date(2026, 11, 22)
    assert last_sunday(dt.date(2026, 11, 22)) == dt.date(2026, 11, 22)
    assert SimConfig().end_date.weekday() == 6
