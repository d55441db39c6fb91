"""`python -m simulator [--weeks N] [--scale S] [--seed K] [--home DIR]`: simulate and print the summary."""

from __future__ import annotations

import argparse
import logging

from gridwatch.settings import get_settings
from simulator.config import SimConfig
from simulator.report import format_summary
from simulator.simulate import simulate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="模拟默认城市 Simulate the default city (Ordos)")
    ap.add_argument("--weeks", type=int, default=SimConfig.weeks)
    ap.add_argument("--scale", type=float, default=SimConfig.scale)
    ap.add_argument("--seed", type=int, default=SimConfig.seed)
    ap.add_argument("--fault-rate", type=float, default=SimConfig.fault_rate)
    ap.add_argument("--home", default=None)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = SimConfig(seed=a.seed, weeks=a.weeks, scale=a.scale, fault_rate=a.fault_rate)
    summary = simulate(get_settings(a.home), cfg, progress=True)
    print(format_summary(summary))


if __name__ == "__main__":
    main()
