"""The `gridwatch` command: simulate a city, run the pipeline, audit, backtest, print risk lists, serve."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from gridwatch.settings import get_settings


def _quiet_environment() -> None:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def cmd_simulate(args: argparse.Namespace) -> int:
    from simulator import SimConfig, simulate
    from simulator.report import format_summary

    settings = get_settings(args.home)
    settings.ensure_dirs()
    kwargs = {k: v for k, v in (("seed", args.seed), ("weeks", args.weeks), ("scale", args.scale)) if v is not None}
    if args.end:
        kwargs["end_date"] = date.fromisoformat(args.end)
    t0 = time.perf_counter()
    summary = simulate(settings, SimConfig(**kwargs), progress=not args.quiet)
    print(f"模拟城市已写入 / simulated city written to {settings.landing} in {time.perf_counter() - t0:.1f} s")
    print(format_summary(summary))
    return 0


def cmd_pipeline(args: argparse.Namespace) -> int:
    from gridwatch.pipeline import LAYERS, run_pipeline

    settings = get_settings(args.home)
    layers = tuple(args.layers.split(",")) if args.layers else LAYERS
    target = _parse_week(args.week) if args.week else None
    t0 = time.perf_counter()
    result = run_pipeline(settings, layers=layers, target_week=target, checks=not args.no_checks)
    print(f"流水线 / pipeline: {'成功 ok' if result.success else '失败 FAILED'} "
          f"in {time.perf_counter() - t0:.1f} s")
    if result.success and not args.no_summary:
        from gridwatch.summary import print_summary

        print_summary(settings)
    return 0 if result.success else 1


def cmd_demo(args: argparse.Namespace) -> int:
    settings = get_settings(args.home)
    if args.fresh or not any(settings.landing.glob("hotline/dt=*")):
        rc = cmd_simulate(args)
        if rc:
            return rc
    else:
        print(f"复用已有落地数据 / reusing landing files in {settings.landing} (--fresh to regenerate)")
    return cmd_pipeline(args)


def _stdout_for_json():
    """The real standard output, with file descriptor 1 pointed at stderr for everything else.

    Spark's JVM inherits descriptor 1 and its dependency resolver prints there (":: loading settings ::"),
    which would break `gridwatch audit --json > audit.json`; only the JSON goes to the saved descriptor.
    """
    sys.stdout.flush()
    real = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return real


def cmd_audit(args: argparse.Namespace) -> int:
    from gridwatch.audit import audit

    out = _stdout_for_json() if args.json else sys.stdout
    report = audit(get_settings(args.home))
    if args.json:
        out.write(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
        out.flush()
    else:
        from gridwatch.audit import format_audit

        print(format_audit(report))
    return 0 if report.get("reconciled", False) else 1


def cmd_privacy_scan(args: argparse.Namespace) -> int:
    from gridwatch.privacy import scan_report

    report = scan_report(get_settings(args.home).home)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{report['home']}: {report['caller_names']} caller names checked, "
              f"{len(report['findings'])} findings / 发现 {len(report['findings'])} 处")
        for f in report["findings"][:50]:
            print(f"  {f['kind']:5} {f['where']} [{f['column']}]: {f['sample']}")
    return 0 if report["clean"] else 1


def cmd_backtest(args: argparse.Namespace) -> int:
    from models.backtest_cli import backtest_command

    result = backtest_command(
        profile=Path(args.profile) if args.profile else None,
        home=args.home,
        origins=args.origins,
    )
    text = json.dumps(result, ensure_ascii=False, indent=2, default=float)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text, encoding="utf-8")
        print(f"backtest written to {args.json}")
    from models.backtest_cli import format_backtest

    print(format_backtest(result))
    return 0


def cmd_risk_list(args: argparse.Namespace) -> int:
    from gridwatch.delivery import show_risk_list

    print(show_risk_list(get_settings(args.home), args.week, args.format))
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from gridwatch.services import up

    return up(get_settings(args.home)) or 0


def cmd_bench(args: argparse.Namespace) -> int:
    from gridwatch.bench import bench_command

    return bench_command(args)


def _parse_week(text: str) -> date:
    """'2026-W48' or a date -> the Monday of that ISO week."""
    if "W" in text.upper():
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    d = date.fromisoformat(text)
    return date.fromordinal(d.toordinal() - d.weekday())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridwatch", description="GridWatch 城市管理网格风险预测 / grid hotspot forecasting")
    p.add_argument("--home", default=None, help="data home (default: $GRIDWATCH_HOME or ./data)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    def sim_args(sp):
        sp.add_argument("--seed", type=int, default=None, help="default: the simulator's published seed")
        sp.add_argument("--weeks", type=int, default=None, help="default: 80")
        sp.add_argument("--scale", type=float, default=None, help="volume factor (default 0.5)")
        sp.add_argument("--end", default=None, help="last simulated day (default: last Sunday)")
        sp.add_argument("--quiet", action="store_true")

    sp = sub.add_parser("simulate", help="write the default city's landing files and truth")
    sim_args(sp)
    sp.set_defaults(func=cmd_simulate)

    def run_args(sp):
        """What a pipeline run takes, whether `pipeline` or `demo` starts it (demo runs every layer)."""
        sp.add_argument("--week", default=None, help="target week of forecasts and lists, e.g. 2026-W48")
        sp.add_argument("--no-summary", action="store_true")
        sp.add_argument("--no-checks", action="store_true",
                        help="leave the asset checks out (for a run verified another way, e.g. against a reference)")

    sp = sub.add_parser("pipeline", help="materialize bronze → silver → gold → ml → delivery")
    sp.add_argument("--layers", default=None, help="comma-separated subset, e.g. bronze,silver")
    run_args(sp)
    sp.set_defaults(func=cmd_pipeline)

    sp = sub.add_parser("demo", help="simulate (if needed) and run the whole pipeline")
    sim_args(sp)
    sp.add_argument("--fresh", action="store_true", help="regenerate the landing files")
    run_args(sp)
    sp.set_defaults(func=cmd_demo, layers=None)

    sp = sub.add_parser("audit", help="landed / bronze / silver / quarantined / merged per source and batch")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_audit)

    sp = sub.add_parser("privacy-scan", help="no caller name or phone in silver, gold, outbox or logs")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_privacy_scan)

    sp = sub.add_parser("backtest", help="rolling-origin backtest against the baselines")
    sp.add_argument("--profile", default=None, help="open-data profile YAML (default: the data home's city)")
    sp.add_argument("--origins", type=int, default=26)
    sp.add_argument("--json", default=None, help="write the result to this file")
    sp.set_defaults(func=cmd_backtest)

    sp = sub.add_parser("risk-list", help="where this week's lists are, and their top rows")
    sp.add_argument("--week", default=None, help="ISO week, e.g. 2026-W48 (default: latest)")
    sp.add_argument("--format", default="table", choices=["table", "csv", "excel", "html", "pdf"])
    sp.set_defaults(func=cmd_risk_list)

    sp = sub.add_parser("up", help="start Dagster, Streamlit and MLflow UIs on 127.0.0.1")
    sp.set_defaults(func=cmd_up)

    sp = sub.add_parser("bench", help="throughput benchmark at scale factors")
    sp.add_argument("--scale", default="1,4,16", help="comma-separated scale factors")
    sp.add_argument("--weeks", type=int, default=None)
    sp.add_argument("--skip", default="", help="comma-separated: reference, incremental, care")
    sp.add_argument("--report", nargs="+", metavar="RESULTS_JSON", default=None,
                    help="print the report of saved results (several files merge by scale); runs nothing")
    sp.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    _quiet_environment()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.home:
        os.environ["GRIDWATCH_HOME"] = str(Path(args.home).resolve())
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
