"""`gridwatch audit`: per source and batch, where every landed record went, and whether it all reconciles."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from gridwatch.settings import Settings

FIGURES = ("landed", "bronze", "quarantined_at_landing", "silver", "quarantined", "merged", "unexplained")


def audit(settings: Settings, spark=None) -> dict:
    """Reconciliation of the whole lakehouse as plain data (what `gridwatch audit --json` prints)."""
    from spark_jobs.reconcile import OK, PENDING, UNEXPLAINED, reconcile
    from spark_jobs.session import session_for_command

    if spark is not None:
        frame = reconcile(spark, settings)
    else:
        with session_for_command(settings.spark_master, "gridwatch-audit", shuffle_partitions=4) as own:
            frame = reconcile(own, settings)
    batches = []
    for rec in frame.to_dict("records"):
        rec["quarantined_by_reason"] = json.loads(rec["quarantined_by_reason"] or "{}")
        batches.append({k: (int(v) if k in FIGURES or k.startswith("unexplained") else v) for k, v in rec.items()})
    sources: dict[str, dict] = {}
    for b in batches:
        s = sources.setdefault(b["source"], {**dict.fromkeys(FIGURES, 0), "batches": 0, "quarantined_by_reason": {},
                                             "pending_batches": 0, "unexplained_batches": 0})
        s["batches"] += 1
        for k in FIGURES:
            s[k] += b[k]
        for r, n in b["quarantined_by_reason"].items():
            s["quarantined_by_reason"][r] = s["quarantined_by_reason"].get(r, 0) + n
        s["pending_batches"] += b["status"] == PENDING
        s["unexplained_batches"] += b["status"] == UNEXPLAINED
    for s in sources.values():
        s["reconciled"] = s["pending_batches"] == 0 and s["unexplained_batches"] == 0
    totals = {k: sum(s[k] for s in sources.values()) for k in FIGURES}
    return {
        "reconciled": all(b["status"] == OK for b in batches),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "home": str(settings.home),
        "totals": totals,
        "batches_total": len(batches),
        "unexplained_rows": int(sum(abs(b["unexplained"]) for b in batches)),
        "sources": sources,
        "batches": batches,
    }


def format_audit(report: dict) -> str:
    """The audit as a readable table, Chinese first, English beside it."""
    head = ("来源 source", "批次 batches", "落地 landed", "青铜 bronze", "落地隔离 q@landing", "白银 silver",
            "隔离 quarantined", "合并 merged", "未解释 unexplained", "对账 reconciled")
    lines = [" | ".join(head)]
    for name, s in sorted(report["sources"].items()):
        lines.append(" | ".join(str(v) for v in (
            name, s["batches"], s["landed"], s["bronze"], s["quarantined_at_landing"], s["silver"],
            s["quarantined"], s["merged"], s["unexplained"],
            "是 yes" if s["reconciled"] else f"否 no (待白银 pending {s['pending_batches']})")))
        if s["quarantined_by_reason"]:
            lines.append("    隔离原因 reasons: " + ", ".join(f"{r}={n}" for r, n in
                                                           sorted(s["quarantined_by_reason"].items())))
    verdict = "全部对账 / everything reconciles" if report["reconciled"] else "未完全对账 / does NOT reconcile"
    lines.append(f"{verdict}: {report['batches_total']} 批次 batches, {report['unexplained_rows']} "
                 "条未解释 unexplained rows")
    return "\n".join(lines)
