"""Tiny landing files for ingestion tests: good records per source and writers for every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spark_jobs.ingest.contracts import SOURCES

DAY = date(2026, 11, 2)

# One plausible record per source (Kangbashi / Dongsheng, GCJ-02 where the feed uses it).
GOOD: dict[str, dict[str, str]] = {
    "hotline": {
        "order_no": "GD20261102000001", "call_time": "2026-11-02 09:15:00", "channel": "电话",
        "caller_name": "张伟", "caller_phone": "13912345678", "category_code": "0501",
        "category_name": "无照经营游商", "content": "市场门口有流动摊贩占道经营", "address": "东胜区交通街",
        "lon": "109.9635", "lat": "39.8233", "crs": "GCJ-02", "handling_unit": "交通街道执法中队",
        "deadline": "2026-11-04 09:15:00", "completed_at": "", "status": "办理中", "satisfaction": "",
    },
    "police110": {
        "jjdbh": "J150602202611020001", "bjsj": "2026-11-02 10:01:00", "bjlbdm": "20", "bjlxdm": "2005",
        "bjxldm": "200501", "bjnr": "路边有人摆摊堵路", "afdd": "康巴什区青春山街道", "lon": "109.7890",
        "lat": "39.6090", "crs": "GCJ-02", "bjdh": "13800001111", "transferred_to_city_mgmt": "1",
    },
    "video": {
        "detection_id": "V0001", "camera_id": "CAM001", "detected_at": "2026-11-02 11:00:00",
        "event_type": "stall", "confidence": "0.91", "lon": "109.7850", "lat": "39.6080", "crs": "WGS-84",
    },
    "dust": {"site_id": "DS01", "ts": "2026-11-02 08:00:00", "pm10": "85.0", "pm25": "40.0", "tsp": "120.0",
             "wind_speed": "3.2"},
    "truck_gps": {"plate_token": "T0001", "ts": "2026-11-02 08:00:05", "lon": "109.95", "lat": "39.82",
                  "speed": "35.0", "sealed": "1"},
    "cases": {
        "case_no": "AJ2026110200001", "version": "1", "source": "监督员上报", "event_major_code": "05",
        "event_minor_code": "0501", "grid_code": "150602001001001", "lon": "109.9600", "lat": "39.8200",
        "crs": "WGS-84", "reported_at": "2026-11-02 09:00:00", "filed_at": "", "dispatched_at": "",
        "handled_at": "", "verified_at": "", "closed_at": "", "deadline": "2026-11-05 09:00:00",
        "status": "上报", "rework_count": "0", "department": "东胜区城管局", "description": "店外经营",
    },
}


def good(source: str, n: int = 1, **changes: str) -> list[dict[str, str]]:
    """n good records of a source with distinct keys; changes apply to every record."""
    key = SOURCES[source].key[0]
    out = []
    for i in range(n):
        rec = dict(GOOD[source])
        rec[key] = f"{rec[key]}-{i}" if n > 1 else rec[key]
        if source in ("dust", "truck_gps"):
            rec["ts"] = f"2026-11-02 08:{i // 60:02d}:{i % 60:02d}"
        rec.update(changes)
        out.append(rec)
    return out


def land_bytes(home: Path, source: str, name: str, data: bytes, day: date = DAY) -> Path:
    """Put a file into landing/<source>/dt=<day>/<name>."""
    folder = home / "landing" / source / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def csv_text(records: list[dict], fields: tuple[str, ...] | list[str], newline: str = "\n") -> str:
    """CSV text with a header row (quotes where needed)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), lineterminator=newline, extrasaction="ignore")
    w.writeheader()
    w.writerows(records)
    return buf.getvalue()


def land_csv(home: Path, source: str, records: list[dict], name: str | None = None, day: date = DAY,
             encoding: str = "utf-8", bom: bool = False, fields=None, newline: str = "\n") -> Path:
    data = csv_text(records, fields or SOURCES[source].fields, newline).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return land_bytes(home, source, name or f"{source}_{day:%Y%m%d}_1.csv", data, day)


def jsonl_text(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def land_jsonl(home: Path, source: str, records: list[dict], name: str | None = None, day: date = DAY,
               extra_lines: list[str] | None = None) -> Path:
    text = jsonl_text(records) + "".join(line + "\n" for line in (extra_lines or []))
    return land_bytes(home, source, name or f"{source}_{day:%Y%m%d}.jsonl", text.encode("utf-8"), day)


def land_parquet(home: Path, records: list[dict], name: str | None = None, day: date = DAY,
                 table: pa.Table | None = None) -> Path:
    folder = home / "landing" / "truck_gps" / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"truck_gps_{day:%Y%m%d}.parquet")
    if table is None:
        fields = SOURCES["truck_gps"].fields
        table = pa.table({f: pa.array([r.get(f) for r in records], pa.string()) for f in fields})
    pq.write_table(table, path)
    return path


def land_good_day(home: Path, day: date = DAY, n: int = 3) -> dict[str, int]:
    """A clean day for every source (n records each); returns records per source."""
    land_csv(home, "hotline", good("hotline", n), day=day)
    land_jsonl(home, "police110", good("police110", n), day=day)
    land_jsonl(home, "video", good("video", n), day=day)
    land_csv(home, "dust", good("dust", n), day=day)
    land_parquet(home, good("truck_gps", n), day=day)
    land_jsonl(home, "cases", good("cases", n), day=day)
    return dict.fromkeys(SOURCES, n)
