"""One small simulated city shared by the simulator tests (three summer weeks at a third of the volume)."""

from __future__ import annotations

import datetime as dt

import pytest

from gridwatch.settings import get_settings
from simulator import SimConfig, simulate

SMALL = SimConfig(seed=7, weeks=3, scale=0.3, end_date=dt.date(2025, 8, 3), fault_rate=0.01)


@pytest.fixture(scope="session")
def small_city(tmp_path_factory):
    """(settings, config, summary) of the small city, simulated once per test run."""
    home = tmp_path_factory.mktemp("sim") / "home"
    settings = get_settings(home)
    summary = simulate(settings, SMALL, progress=False)
    return settings, SMALL, summary
