"""How fast the analysts' app renders: every page, first render and filter changes, two city sizes.

    .venv/bin/python benchmarks/dashboard_speed.py [--root /tmp/gridwatch-bench] [--sizes 1,10] [--repeats 5]

Builds (once, then reuses) a lakehouse on the default city's grid (Ordos unit grid, ~32,500 cells) as
dense as the scale-1 city (104 weeks, ~1,100 incidents a week, 13 forecast weeks) and of a city ten times
larger (the grid repeated at the table level, ten times the incidents), then drives the real app with
streamlit's AppTest and prints medians in seconds:
- cold: the page's first render after every cache is cleared (a fresh server process);
- first: the page's first render in a new session (another analyst already opened the app);
- change: a filter change to a value not seen before (a new week, type or level);
- (warm-up): the background read the app starts once per server process, which makes "first" the
  render an analyst meets after `make up`.
Targets: first render < 1.5 s, filter change < 0.5 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
os.environ["GRIDWATCH_APP_WARMUP"] = "0"  # cold renders are measured cold; the warm-up is timed on its own

APP = str(REPO / "dashboards" / "app.py")
PAGES = ["overview", "map", "trends", "forecast", "risk_lists", "assessment", "health"]
FIRST_RENDER_TARGET_S, CHANGE_TARGET_S = 1.5, 0.5


def build(root: Path, scale: int) -> Path:
    """The benchmark lakehouse for one city size (reused when it exists)."""
    from tests.dashboards.lakehouse_fixture import build_lakehouse, scaled_grid

    home = root / f"city_x{scale}"
    marker = home / ".built"
    if not marker.exists():
        t0 = time.perf_counter()
        facts = build_lakehouse(home, grid=scaled_grid(scale), weeks=104, incidents_per_week=1100.0 * scale,
                                forecast_weeks=12, list_length=20, seed=scale)
        marker.write_text(str(facts["incidents"]))
        print(f"built x{scale}: {facts['cells']:,} cells, {facts['incidents']:,} incidents "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
    return home


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _session():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def _open(at, page: str) -> float:
    t0 = time.perf_counter()
    at.switch_page(f"views/{page}.py").run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return elapsed


def _changes(at, page: str, repeats: int) -> list[float]:
    """Time `repeats` filter changes on a page, each to a value not chosen before."""
    out = []
    for i in range(repeats):
        if page in ("overview", "trends", "map", "forecast"):
            key = {"overview": "overview_week", "trends": "trends_week", "map": "map_week_count",
                   "forecast": "fc_week"}[page]
            at.select_slider(key=key).set_value(_week_option(key, i))
        elif page == "risk_lists":
            box = at.selectbox(key="risk_type")
            box.set_value(["stall", "parking", "violation", "sanitation", "dust", "other", None][i % 7])
        elif page == "assessment":
            at.radio(key="kpi_level").set_value("department" if i % 2 == 0 else "district")
            at.radio(key="kpi_period").set_value("month" if (i // 2) % 2 == 0 else "week")
        else:  # no filters on this page: switch the language (the router's switch, set as session state)
            at.session_state["lang"] = "en" if i % 2 == 0 else "zh"
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
    return out


def _week_option(key: str, i: int):
    """A week not chosen before: two, five, eight ... weeks back from the newest."""
    from dashboards import data

    weeks = sorted(set(data.forecast_weeks()) & set(data.weeks())) if key == "fc_week" else data.weeks()
    return weeks[max(0, len(weeks) - 2 - 3 * i) % len(weeks)]


def measure(home: Path, repeats: int) -> dict[str, dict[str, float]]:
    """Median seconds per page: cold first render, first render in a new session, filter change."""
    os.environ["GRIDWATCH_HOME"] = str(home)
    results: dict[str, dict[str, float]] = {}
    from dashboards import data

    warm = []
    for _ in range(3):
        _clear_caches()
        t0 = time.perf_counter()
        data.warm_up()
        warm.append(time.perf_counter() - t0)
    results["(warm-up)"] = {"cold": statistics.median(warm), "first": float("nan"), "change": float("nan")}
    for page in PAGES:
        cold = []
        for _ in range(max(3, repeats // 2)):
            at = _session()
            _clear_caches()
            cold.append(_open(at, page))
        first = []
        for _ in range(repeats):
            at = _session()
            first.append(_open(at, page))
        change = _changes(at, page, repeats)
        results[page] = {"cold": statistics.median(cold), "first": statistics.median(first),
                         "change": statistics.median(change)}
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default="/tmp/gridwatch-bench", help="where the benchmark lakehouses are kept")
    ap.add_argument("--sizes", default="1,10", help="city sizes (multiples of the default city)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    root = Path(args.root)
    ok = True
    for scale in (int(s) for s in args.sizes.split(",")):
        home = build(root, scale)
        res = measure(home, args.repeats)
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"\ncity x{scale} — median seconds over {args.repeats} runs (targets: first < {FIRST_RENDER_TARGET_S}, "
              f"change < {CHANGE_TARGET_S}); {os.cpu_count()} cores, load average {load}")
        print(f"  {'page':<12} {'cold':>7} {'first':>7} {'change':>7}")
        for page, r in res.items():
            over = r["first"] >= FIRST_RENDER_TARGET_S or r["change"] >= CHANGE_TARGET_S
            flag = "  ← over target" if over else ""
            ok &= not flag
            print(f"  {page:<12} {r['cold']:7.3f} {r['first']:7.3f} {r['change']:7.3f}{flag}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
