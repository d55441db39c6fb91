"""The benchmark's printed report: the stage table per scale, growth ratios, reference, incremental, table care."""

from __future__ import annotations

STAGE_ZH = {"landing": "落地", "bronze": "铜层", "silver": "银层", "gold": "金层", "features": "特征"}
SPARK_STAGES = ("bronze", "silver", "gold", "features")
NEAR_LINEAR = 4.4  # the most a Spark stage may grow from scale 4 to 16 (4x the data)


def _num(v, fmt: str = "{:,.0f}") -> str:
    return "-" if v is None else fmt.format(v)


def stage_table(results: dict) -> list[str]:
    head = (f"{'阶段 stage':<16}{'规模 scale':>10}{'输入行 rows in':>16}{'秒 s':>10}{'行/秒 rows/s':>14}"
            f"{'JVM峰值 MB':>13}{'Python峰值 MB':>15}")
    lines = [head, "-" * len(head)]
    for stage in STAGE_ZH:
        for r in results["scales"]:
            s = r["stages"][stage]
            lines.append(f"{STAGE_ZH[stage] + ' ' + stage:<16}{r['scale']:>10g}{_num(s['rows_in']):>16}"
                         f"{_num(s['seconds'], '{:,.1f}'):>10}{_num(s.get('rows_per_s')):>14}"
                         f"{_num(s.get('jvm_peak_mb') or None):>13}{_num(s.get('python_peak_mb')):>15}")
    return lines


def growth(results: dict) -> list[dict]:
    """Per stage and pair of consecutive scales: how rows and seconds grew."""
    out = []
    scales = results["scales"]
    for a, b in zip(scales, scales[1:], strict=False):
        for stage in STAGE_ZH:
            sa, sb = a["stages"][stage], b["stages"][stage]
            out.append({
                "stage": stage, "from": a["scale"], "to": b["scale"],
                "rows": round(sb["rows_in"] / sa["rows_in"], 2) if sa["rows_in"] else None,
                "seconds": round(sb["seconds"] / sa["seconds"], 2) if sa["seconds"] else None,
            })
    return out


def growth_table(results: dict) -> list[str]:
    lines = [f"{'阶段 stage':<16}{'规模 scales':>12}{'行数增长 rows×':>16}{'时间增长 time×':>16}"]
    for g in growth(results):
        flag = ""
        if g["stage"] in SPARK_STAGES and g["from"] == 4 and g["to"] == 16 and g["seconds"] is not None:
            flag = "  ✓ ≤4.4" if g["seconds"] <= NEAR_LINEAR else "  ✗ >4.4"
        lines.append(f"{STAGE_ZH[g['stage']] + ' ' + g['stage']:<16}{g['from']:>6g}→{g['to']:<5g}"
                     f"{_num(g['rows'], '{:.2f}'):>16}{_num(g['seconds'], '{:.2f}'):>16}{flag}")
    return lines


def extras(results: dict) -> list[str]:
    lines = []
    for r in results["scales"]:
        head = f"规模 scale {r['scale']:g}: 传感器与GPS行 sensor+GPS rows {r.get('sensor_rows', 0):,}"
        lines.append(head)
        ref = r.get("reference")
        if ref:
            lines.append(f"  金层聚合 gold aggregation: Spark {ref['spark_seconds']:.1f} s / DuckDB "
                         f"{ref['duckdb_seconds']:.1f} s = {ref['ratio']}×  ({ref['rows']:,} rows, "
                         f"{'结果一致 same result' if ref['same_result'] else '结果不一致 RESULTS DIFFER'})")
        inc = r.get("incremental")
        if inc:
            lines.append(f"  增量日 incremental day {inc['day']}: {inc['seconds']:.1f} s vs 全量 full "
                         f"{inc['full_seconds']:.1f} s = {inc['ratio']:.1%}")
        for table, care in (r.get("table_care") or {}).items():
            b, a = care["before"], care["after"]
            lines.append(f"  表维护 table care {table}: 选择性读取 selective read {b['seconds']:.2f} s → "
                         f"{a['seconds']:.2f} s, files {b['files_read']} → {a['files_read']}, "
                         f"rows scanned {b['rows_scanned']:,} → {a['rows_scanned']:,} "
                         f"(OPTIMIZE+VACUUM {care['care_seconds']:.1f} s)")
    return lines


def format_report(results: dict) -> str:
    """The whole report as text."""
    parts = [
        f"GridWatch 基准 benchmark — {results['weeks']} weeks to {results['end_date']}, {results['cpus']} CPUs, "
        f"commit {results.get('commit')}, load avg {results['load_avg_start'][0]:.1f}",
        "秒数为 Dagster 资产步骤时长之和（Spark 工作，不含 Dagster 启动）/ seconds are the sum of asset step times "
        "(Spark work, not Dagster start-up)",
        "", *stage_table(results), "", "增长 growth", *growth_table(results), "", *extras(results),
    ]
    return "\n".join(parts)
