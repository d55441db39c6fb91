"""Text for `gridwatch risk-list`: where a week's files are and the top rows of every list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from gridwatch.delivery.archive import MANIFEST
from gridwatch.settings import Settings

SUFFIX = {"csv": ".csv", "excel": ".xlsx", "html": ".html", "pdf": ".pdf"}
TOP = 5


def _week_folder(settings: Settings, week: str | None) -> Path | None:
    root = settings.outbox / "risk_lists"
    weeks = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.exists() else []
    if not weeks:
        return None
    if week is None:
        return root / weeks[-1]
    label = week.upper()
    if "-W" not in label:
        from models.risk_list import iso_week_label, week_monday

        label = iso_week_label(week_monday(week))
    return root / label


def _top_rows(csv: Path, n: int = TOP) -> str:
    frame = pd.read_csv(csv, encoding="utf-8-sig", dtype={"网格编码 Grid code": str}, nrows=n)
    cols = [c for c in frame.columns if c.split(" ")[0] in
            ("排名", "名额", "网格编码", "社区", "预计起数", "发生概率", "风险等级", "趋势", "原因一")]
    return frame[cols].to_string(index=False, max_colwidth=48)


def show_risk_list(settings: Settings, week: str | None = None, fmt: str = "table") -> str:
    """Paths of the published files (all, or one format) and each list's top rows."""
    folder = _week_folder(settings, week)
    if folder is None or not folder.exists():
        which = week or "任何周 any week"
        return f"没有已发布的清单 / no published risk list for {which} under {settings.outbox / 'risk_lists'}"
    lines = [f"周风险清单 Weekly risk lists {folder.name}: {folder}"]
    for district in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = json.loads((district / MANIFEST).read_text(encoding="utf-8"))
        lines.append(f"\n== {manifest['district_zh']} ({manifest['district_code']}) · "
                     f"published {manifest['published_at']} · model {manifest['model_version']}")
        for f in manifest["files"]:
            if fmt == "table" or f["name"].endswith(SUFFIX.get(fmt, "")):
                lines.append(f"  {district / f['name']}  sha256 {f['sha256'][:12]}…")
        for reason in manifest.get("skipped", {}).values():
            lines.append(f"  ({fmt}: {reason})" if fmt == "pdf" else "")
        for csv in sorted(district.glob("*.csv")):
            ptype = csv.stem.rsplit("_", 1)[-1]
            lines.append(f"\n  {ptype} · seed {manifest['seeds'].get(ptype)} · top {TOP}:")
            lines.extend("    " + ln for ln in _top_rows(csv).splitlines())
    return "\n".join(ln for ln in lines if ln != "")
