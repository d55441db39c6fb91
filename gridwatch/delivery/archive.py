"""The outbox archive: each week's lists written once per district with a checksum manifest, then verified."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gridwatch.delivery import browser
from gridwatch.delivery.columns import file_stem, type_title
from gridwatch.delivery.page import REDRAW_RULE, render_html
from gridwatch.delivery.tables import write_csv, write_excel

log = logging.getLogger(__name__)
PUBLISH_WORKERS = 3  # districts published at once (each runs at most one Chromium)

FORMATS = ("csv", "excel", "html", "pdf")
MANIFEST = "manifest.json"


class ArchiveMismatch(RuntimeError):
    """A published file no longer matches its manifest checksum."""


@dataclass(frozen=True)
class ListRules:
    """The rules printed on the list (from the risk-list config)."""

    exploration_share: float
    unlisted_weight: float
    recency_weeks: int
    tier_rule: str


def pdf_timeout_s() -> float:
    """Seconds one Chromium print may take (GRIDWATCH_PDF_TIMEOUT_S, default 120)."""
    return float(os.environ.get("GRIDWATCH_PDF_TIMEOUT_S", "120"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def district_folder(outbox: Path, iso_week: str, district_code: str) -> Path:
    """outbox/risk_lists/<ISO week>/<district>/."""
    return Path(outbox) / "risk_lists" / iso_week / str(district_code)


def verify_folder(folder: Path) -> dict:
    """The folder's manifest, after checking every file's checksum; raises ArchiveMismatch."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    bad = []
    for f in manifest["files"]:
        path = folder / f["name"]
        if not path.exists():
            bad.append(f"{f['name']} missing")
        elif sha256_file(path) != f["sha256"]:
            bad.append(f"{f['name']} changed")
    if bad:
        raise ArchiveMismatch(f"已发布清单被改动 / published list altered in {folder}: {', '.join(bad)}")
    return manifest


def _notes(part: pd.DataFrame, rules: ListRules) -> list[tuple[str, str]]:
    first = part.iloc[0]
    notes = [
        ("周 Week", str(first["iso_week"])),
        ("区 District", f"{first['district_zh']} ({first['district_code']})"),
        ("发布时间 Published", str(first["published_at"])),
        ("模型 Model", f"{first['model_name']} {first['model_version']}"),
        ("数据版本 Data version", str(first["data_version"])),
        ("随机抽查比例 Random-check share", f"{rules.exploration_share:.0%}"),
        ("抽签方法 How to redraw", REDRAW_RULE.replace("? w", f"? {rules.unlisted_weight:g}")
         + f"；近期 = 近{rules.recency_weeks}周 / lately = the last {rules.recency_weeks} weeks"),
        ("风险等级 Tier rule", rules.tier_rule),
    ]
    for ptype, p in part.groupby("problem_type", sort=True):
        notes.append((f"种子 Seed · {type_title(str(ptype))}", str(int(p["seed"].iloc[0]))))
    return notes


def _write_files(part: pd.DataFrame, cells: pd.DataFrame, folder: Path, rules: ListRules,
                 formats: tuple[str, ...]) -> tuple[list[Path], dict]:
    iso_week, district = str(part["iso_week"].iloc[0]), str(part["district_code"].iloc[0])
    stem = file_stem(iso_week, district)
    written, skipped = [], {}
    if "csv" in formats:
        for ptype, p in part.groupby("problem_type", sort=True):
            written.append(write_csv(p.sort_values("rank"), folder / f"{stem}_{ptype}.csv"))
    if "excel" in formats:
        written.append(write_excel(part, folder / f"{stem}.xlsx", _notes(part, rules)))
    if "html" in formats or "pdf" in formats:
        html = folder / f"{stem}.html"
        html.write_text(render_html(part, cells, rules.tier_rule, rules.unlisted_weight), encoding="utf-8")
        written.append(html)
        if "pdf" in formats:
            if browser.find_chromium():
                try:
                    written.append(browser.print_pdf(html, folder / f"{stem}.pdf", timeout=pdf_timeout_s()))
                except RuntimeError as exc:  # the CSV, Excel and HTML files carry the same list
                    (folder / f"{stem}.pdf").unlink(missing_ok=True)
                    skipped["pdf"] = f"Chromium 打印失败 / Chromium failed to print: {exc}"[:500]
                    log.warning("PDF skipped for %s: %s", stem, exc)
            else:
                skipped["pdf"] = "未安装 Chromium / Chromium not installed"
                log.warning("PDF skipped: Chromium not installed (apt-get install -y chromium)")
    return written, skipped


def publish_district(part: pd.DataFrame, cells: pd.DataFrame, outbox: Path, rules: ListRules,
                     formats: tuple[str, ...] = FORMATS) -> dict:
    """Write one district's lists once; when already published, verify the archive instead."""
    iso_week, district = str(part["iso_week"].iloc[0]), str(part["district_code"].iloc[0])
    folder = district_folder(outbox, iso_week, district)
    if (folder / MANIFEST).exists():
        manifest = verify_folder(folder)
        log.info("%s already published; checksums verified", folder)
        return {**manifest, "status": "verified", "folder": str(folder)}
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{district}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    written, skipped = _write_files(part, cells, tmp, rules, formats)
    first = part.iloc[0]
    manifest = {
        "iso_week": iso_week, "district_code": district, "district_zh": first["district_zh"],
        "published_at": first["published_at"], "model_name": first["model_name"],
        "model_version": first["model_version"], "data_version": first["data_version"],
        "exploration_share": rules.exploration_share,
        "seeds": {str(t): int(p["seed"].iloc[0]) for t, p in part.groupby("problem_type", sort=True)},
        "rows": {str(t): int(len(p)) for t, p in part.groupby("problem_type", sort=True)},
        "files": [{"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in written],
        "skipped": skipped,
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.rename(tmp, folder)  # atomic; fails if another run published the folder meanwhile
    for p in folder.iterdir():
        p.chmod(0o444)
    return {**manifest, "status": "published", "folder": str(folder)}


def publish_week(lists: pd.DataFrame, grid: pd.DataFrame, outbox: Path, rules: ListRules,
                 formats: tuple[str, ...] = FORMATS) -> list[dict]:
    """Publish (or verify) every district's lists of one week; returns one manifest per district.

    Districts are written side by side: each folder is its own, and most of a district's time is a
    Chromium process printing its PDF (~4.4 s each, one after another, for Ordos's three districts).
    """
    parts = [(part, grid[grid["district_code"].astype(str) == str(district)])
             for district, part in lists.groupby("district_code", sort=True)]
    if len(parts) <= 1:
        return [publish_district(part, cells, Path(outbox), rules, formats) for part, cells in parts]
    with ThreadPoolExecutor(max_workers=min(len(parts), PUBLISH_WORKERS)) as pool:
        futures = [pool.submit(publish_district, part, cells, Path(outbox), rules, formats) for part, cells in parts]
        return [f.result() for f in futures]  # in district order; the first failure is raised
