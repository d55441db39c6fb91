"""Privacy scan: no caller phone number or name in any silver or gold Delta table, nor in the outbox.

`scan_home` runs on whatever exists under a data home. The tests run it on a home the silver layer filled
from hand-made landing data, prove it catches a planted leak, and scan GRIDWATCH_SCAN_HOME when it is set
(e.g. `GRIDWATCH_SCAN_HOME=data pytest tests/test_privacy_scan.py` after `make run`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
HASH = re.compile(r"[0-9a-f]{32,}")
TEXT_SUFFIXES = {".csv", ".txt", ".json", ".html", ".htm", ".md"}


@dataclass(frozen=True)
class Finding:
    where: str
    column: str
    kind: str
    sample: str


def landing_caller_names(home: Path) -> set[str]:
    """Caller names present in the landed hotline files (UTF-8 with or without BOM, or GBK)."""
    names: set[str] = set()
    for path in sorted((home / "landing" / "hotline").rglob("*.csv")):
        data = path.read_bytes()
        for enc in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            continue
        for row in csv.DictReader(io.StringIO(text)):
            name = (row.get("caller_name") or "").strip()
            if len(name) >= 2:
                names.add(name)
    return names


def _delta_tables(home: Path) -> list[Path]:
    lake = home / "lakehouse"
    return sorted(p.parent for layer in ("silver", "gold") for p in (lake / layer).glob("*/_delta_log"))


def _scan_values(values, where: str, column: str, names_re: re.Pattern | None) -> list[Finding]:
    out = []
    for v in values:
        s = str(v)
        if HASH.fullmatch(s):  # a record hash or pseudonym token: hex digits, not a phone number
            continue
        m = PHONE.search(s)
        if m:
            out.append(Finding(where, column, "phone", m.group(0)))
        if names_re is not None:
            n = names_re.search(s)
            if n:
                out.append(Finding(where, column, "name", n.group(0)))
        if len(out) >= 5:
            break
    return out


def scan_home(home: Path, names: set[str] | None = None) -> list[Finding]:
    """Every phone number or caller name found in silver/gold Delta tables and outbox files under home."""
    from deltalake import DeltaTable

    names = names if names is not None else landing_caller_names(home)
    names_re = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True))) if names else None
    found: list[Finding] = []
    for path in _delta_tables(home):
        df = DeltaTable(str(path)).to_pandas()
        for col in df.columns:
            if df[col].dtype == object:
                vals = df[col].dropna().map(lambda v: " ".join(map(str, v)) if hasattr(v, "__len__")
                                            and not isinstance(v, str) else v).unique()
                found += _scan_values(vals, str(path.relative_to(home)), col, names_re)
    outbox = home / "outbox"
    for path in sorted(outbox.rglob("*")) if outbox.exists() else []:
        if path.suffix.lower() in TEXT_SUFFIXES:
            found += _scan_values([path.read_bytes().decode("utf-8", "ignore")], str(path.relative_to(home)),
                                  "-", names_re)
        elif path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            cells = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
            found += _scan_values(cells, str(path.relative_to(home)), "-", names_re)
    return found


@pytest.fixture(scope="module")
def silver_home(spark, tmp_path_factory):
    """A data home whose silver tables were built from landed hotline/110 records full of PII."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "spark_jobs"))
    from silver_frames import CENTRE, bronze, gcj

    from gridwatch.settings import get_settings
    from spark_jobs.silver.refresh import refresh_incidents, refresh_reports, refresh_source

    home = tmp_path_factory.mktemp("privacy")
    os.environ["GRIDWATCH_PII_KEY"] = "privacy-test-key"
    settings = get_settings(home)
    people = [("赵建国", "13612345678"), ("钱秀英", "15987654321"), ("孙立", "18800001111")]
    land = home / "landing" / "hotline" / "dt=2026-11-02"
    land.mkdir(parents=True)
    lon, lat = gcj(*CENTRE)
    records = [dict(order_no=f"P{i}", call_time="2026-11-02 10:00:00", caller_name=n, caller_phone=p,
                    category_code="SZ0505", content=f"我叫{n}，手机{p}，身份证150602199001011234，楼下乱停车",
                    address=f"{n}家楼下", lon=lon, lat=lat, crs="GCJ-02") for i, (n, p) in enumerate(people)]
    records.append(dict(order_no="P9", call_time="not a time", caller_name="周八宝", caller_phone="13500000000",
                        content="周八宝投诉", lon=lon, lat=lat, crs="GCJ-02"))
    with (land / "hotline_20261102_1.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(records[0]))
        w.writeheader()
        w.writerows(records)
    bronze(spark, "hotline", records).write.format("delta").partitionBy("_dt").save(
        settings.table_path("bronze", "hotline"))
    bronze(spark, "police110", [dict(jjdbh="J1", bjsj="2026-11-02 10:05:00", bjxldm="110505",
                                     bjnr="报警人孙立称车辆乱停，回拨18800001111", lon=lon, lat=lat, crs="GCJ-02",
                                     bjdh="18800001111")]).write.format("delta").partitionBy("_dt").save(
        settings.table_path("bronze", "police110"))
    for source in ("hotline", "police110"):
        refresh_source(spark, settings, source, ["2026-11-02"])
    refresh_reports(spark, settings, ["2026-11-02"])
    refresh_incidents(spark, settings)
    return home


def test_landing_names_are_found(silver_home):
    assert {"赵建国", "钱秀英", "孙立", "周八宝"} <= landing_caller_names(silver_home)


def test_silver_tables_hold_no_phone_or_caller_name(silver_home):
    tables = {p.name for p in _delta_tables(silver_home)}
    assert {"hotline", "police110", "reports", "incidents", "quarantine"} <= tables
    assert scan_home(silver_home) == []


def test_scan_catches_a_planted_leak(silver_home, tmp_path):
    import shutil

    import pandas as pd
    from deltalake import write_deltalake

    leaky = tmp_path / "leaky"
    shutil.copytree(silver_home, leaky)
    write_deltalake(str(leaky / "lakehouse" / "gold" / "leak"), pd.DataFrame({"note": ["call 13612345678"]}))
    (leaky / "outbox" / "w").mkdir(parents=True)
    (leaky / "outbox" / "w" / "list.csv").write_text("rank,remark\n1,钱秀英反映\n", encoding="utf-8")
    kinds = {(f.where.split("/")[-1], f.kind) for f in scan_home(leaky)}
    assert kinds == {("leak", "phone"), ("list.csv", "name")}


@pytest.mark.skipif(not os.environ.get("GRIDWATCH_SCAN_HOME"), reason="set GRIDWATCH_SCAN_HOME to scan a data home")
def test_scan_a_real_data_home():
    home = Path(os.environ["GRIDWATCH_SCAN_HOME"]).resolve()
    names = landing_caller_names(home)
    truth = home / "truth"
    if truth.exists():
        import pandas as pd

        for p in truth.glob("*caller*.parquet"):
            names |= {n for n in pd.read_parquet(p).get("caller_name", pd.Series(dtype=str)).dropna() if len(n) >= 2}
    findings = scan_home(home, names)
    assert findings == [], findings[:10]
