"""`gridwatch bench`: throughput of the pipeline at scale factors, the DuckDB reference, the incremental day
and the read-time effect of table care; one process per scale, a table on screen and a JSON file."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

from gridwatch.benchmark.report import format_report
from gridwatch.settings import get_settings

log = logging.getLogger(__name__)

# 78 ISO weeks ending on the last Sunday of September 2026: two construction seasons, when the muck
# trucks run (about 62,000 fixes a week at scale 1, none from November to March). At scale 1 that is
# 3.9 million sensor and GPS rows, at scale 16 about 63 million (the issue asks for at least 50).
DEFAULT_WEEKS = 78
DEFAULT_END = date(2026, 9, 27)
DEFAULT_SEED = 20261126


def bench_root(home: Path) -> Path:
    return home / "bench"


def scale_home(home: Path, scale: float) -> Path:
    """Each scale factor gets its own data home under <home>/bench/scale-<S>/."""
    return bench_root(home) / f"scale-{scale:g}"


def parse_scales(text: str) -> list[float]:
    scales = [float(s) for s in str(text).split(",") if s.strip()]
    if not scales or any(s <= 0 for s in scales):
        raise ValueError(f"scale factors must be positive numbers, got {text!r}")
    return scales


def run_one_scale(home: Path, scale: float, weeks: int, end: date, seed: int, skip: tuple[str, ...],
                  shuffle_partitions: int | None) -> dict:
    """Measure one scale in a fresh process (its own Spark driver, so memory peaks do not mix)."""
    out = bench_root(home) / f".scale-{scale:g}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "gridwatch.bench", "--one-scale", f"{scale:g}", "--weeks", str(weeks),
           "--end", end.isoformat(), "--seed", str(seed), "--home", str(home), "--out", str(out)]
    if skip:
        cmd += ["--skip", ",".join(skip)]
    if shuffle_partitions:
        cmd += ["--shuffle-partitions", str(shuffle_partitions)]
    log_path = bench_root(home) / f"scale-{scale:g}.log"
    print(f"▶ 规模 scale {scale:g}: {scale_home(home, scale)}  (log: {log_path})", flush=True)
    t0 = time.perf_counter()
    with open(log_path, "wb") as log_file:  # Spark's and Dagster's logs; progress lines stay on screen
        proc = subprocess.run(cmd, env=os.environ.copy(), stderr=log_file)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"scale {scale:g} failed (exit {proc.returncode}); see {log_path}")
    result = json.loads(out.read_text())
    result["process_seconds"] = round(time.perf_counter() - t0, 1)
    out.unlink()
    return result


def bench(home: Path, scales: list[float], weeks: int = DEFAULT_WEEKS, end: date = DEFAULT_END,
          seed: int = DEFAULT_SEED, skip: tuple[str, ...] = (), shuffle_partitions: int | None = None) -> dict:
    """Run every scale, write <home>/bench/results-<timestamp>.json, return the results."""
    started = datetime.now()
    results = {"started": started.isoformat(timespec="seconds"), "weeks": weeks, "end_date": end.isoformat(),
               "seed": seed, "cpus": os.cpu_count(), "load_avg_start": list(os.getloadavg()),
               "commit": _commit(), "scales": []}
    path = bench_root(home) / f"results-{started:%Y%m%d-%H%M%S}.json"
    for s in scales:
        results["scales"].append(run_one_scale(home, s, weeks, end, seed, skip, shuffle_partitions))
        # Written after every scale: a run at 16 takes hours, and what 1 and 4 measured must survive it.
        results["load_avg_end"] = list(os.getloadavg())
        results["complete"] = len(results["scales"]) == len(scales)
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    results["path"] = str(path)
    return results


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1], timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def merge_results(paths: list[Path]) -> dict:
    """Several results files as one, scales in order (a later file's scale replaces an earlier one's).

    Files measured with other weeks or another end day do not compare: that is an error, not a footnote.
    """
    if not paths:
        raise ValueError("no results file given")
    runs = [json.loads(Path(p).read_text()) for p in paths]
    first = runs[0]
    by_scale: dict[float, dict] = {}
    for path, run in zip(paths, runs, strict=True):
        if (run["weeks"], run["end_date"], run.get("seed")) != (first["weeks"], first["end_date"], first.get("seed")):
            raise ValueError(f"{path}: measured over {run['weeks']} weeks to {run['end_date']} (seed "
                             f"{run.get('seed')}), not {first['weeks']} weeks to {first['end_date']} "
                             f"(seed {first.get('seed')}); scales of different cities do not compare")
        for s in run["scales"]:
            by_scale[float(s["scale"])] = {**s, "commit": run.get("commit"), "started": run.get("started")}
    commits = sorted({str(r.get("commit")) for r in runs})
    return {**first, "commit": ",".join(commits), "scales": [by_scale[k] for k in sorted(by_scale)],
            "load_avg_start": max((r["load_avg_start"] for r in runs), key=lambda v: v[0])}


def bench_command(args: argparse.Namespace) -> int:
    """The CLI entry: `gridwatch bench --scale 1,4,16 [--weeks N] [--skip ...]` or `--report FILE...`."""
    if getattr(args, "report", None):
        print(format_report(merge_results([Path(p) for p in args.report])))
        return 0
    home = get_settings(getattr(args, "home", None)).home
    skip = tuple(s for s in (getattr(args, "skip", "") or "").split(",") if s)
    results = bench(home, parse_scales(args.scale), weeks=args.weeks or DEFAULT_WEEKS, skip=skip)
    print(format_report(results))
    print(f"\n结果 results: {results['path']}")
    return 0


def _one_scale_main(a: argparse.Namespace) -> int:
    from gridwatch.benchmark.scale import run_scale

    master = os.environ.get("GRIDWATCH_SPARK_MASTER", "local[*]")
    result = run_scale(scale_home(Path(a.home), a.one_scale), a.one_scale, a.weeks, a.seed,
                       date.fromisoformat(a.end), master, a.shuffle_partitions or None,
                       skip=tuple(s for s in (a.skip or "").split(",") if s))
    Path(a.out).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gridwatch.bench", description="GridWatch 吞吐基准 / throughput benchmark")
    p.add_argument("--home", default=None)
    p.add_argument("--scale", default="1,4,16")
    p.add_argument("--weeks", type=int, default=DEFAULT_WEEKS)
    p.add_argument("--end", default=DEFAULT_END.isoformat(), help="last simulated day (a Sunday)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--skip", default="", help="comma-separated: reference, incremental, care")
    p.add_argument("--shuffle-partitions", type=int, default=0)
    p.add_argument("--one-scale", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if a.one_scale is not None:
        return _one_scale_main(a)
    home = get_settings(a.home).home
    skip = tuple(s for s in a.skip.split(",") if s)
    results = bench(home, parse_scales(a.scale), a.weeks, date.fromisoformat(a.end), a.seed, skip,
                    a.shuffle_partitions or None)
    print(format_report(results))
    print(f"\n结果 results: {results['path']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
