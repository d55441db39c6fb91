"""The bad-input corpus: each kind writes one small landing file with good records and the bad ones it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from bad_inputs.landing import csv_text, good, jsonl_text, land_bytes, land_csv, land_jsonl, land_parquet
from spark_jobs.ingest.contracts import SOURCES


@dataclass(frozen=True)
class Kind:
    """A named kind of bad input: its source, the stage that rejects it, the reason and how many records."""

    name: str
    source: str
    stage: str  # "landing" (bronze ingestion) or "silver" (the cleaning)
    reason: str
    bad: int
    good: int
    write: Callable[[Path, Kind], Path]

    @property
    def file_stem(self) -> str:
        return f"{self.source}_20261102_{self.name}"


def _keyed(kind: Kind, n: int, **changes: str) -> list[dict]:
    """n good records whose keys belong to this kind only."""
    recs = good(kind.source, n, **changes)
    key = SOURCES[kind.source].key[0]
    for i, r in enumerate(recs):
        r[key] = f"{kind.name}-{i}"
    return recs


def _csv(kind: Kind, records: list[dict], tail: bytes = b"", fields=None, encoding: str = "utf-8") -> Callable:
    def write(home: Path, k: Kind) -> Path:
        data = csv_text(records, fields or SOURCES[k.source].fields).encode(encoding) + tail
        return land_bytes(home, k.source, f"{k.file_stem}.csv", data)
    return write


def _jsonl_lines(good_records: list[dict], lines: list[bytes], trailing_newline: bool = True) -> Callable:
    def write(home: Path, k: Kind) -> Path:
        body = jsonl_text(good_records).encode() + b"\n".join(lines) + (b"\n" if trailing_newline else b"")
        return land_bytes(home, k.source, f"{k.file_stem}.jsonl", body)
    return write


def _row(record: dict, source: str) -> bytes:
    return csv_text([record], SOURCES[source].fields).split("\n", 1)[1].encode()


def _landing_kinds() -> list[Kind]:
    kinds = []

    def add(name, source, reason, bad, n_good, builder):
        kinds.append(Kind(name, source, "landing", reason, bad, n_good, builder))

    k = Kind("hotline_bad_bytes", "hotline", "landing", "bad_encoding", 1, 2, None)
    row = _row(_keyed(k, 3)[2], "hotline").replace("流动摊贩".encode(), b"\xff\xfe\xfd")
    add(k.name, "hotline", "bad_encoding", 1, 2, _csv(k, _keyed(k, 2), row))

    k = Kind("hotline_gbk_bad_bytes", "hotline", "landing", "bad_encoding", 1, 2, None)
    row = _row(_keyed(k, 3)[2], "hotline").decode().encode("gbk").replace("摊贩".encode("gbk"), b"\x81\x20\xff")
    add(k.name, "hotline", "bad_encoding", 1, 2, _csv(k, _keyed(k, 2), row, encoding="gbk"))

    k = Kind("hotline_stray_delimiter", "hotline", "landing", "malformed_record", 1, 2, None)
    row = _row(_keyed(k, 3)[2], "hotline").replace("占道经营".encode(), "占道,经营".encode())
    add(k.name, "hotline", "malformed_record", 1, 2, _csv(k, _keyed(k, 2), row))

    k = Kind("hotline_too_few_fields", "hotline", "landing", "malformed_record", 1, 2, None)
    add(k.name, "hotline", "malformed_record", 1, 2, _csv(k, _keyed(k, 2), "GD-short,2026-11-02 09:00:00,电话\n".encode()))

    k = Kind("hotline_unclosed_quote", "hotline", "landing", "malformed_record", 1, 3, None)
    recs = _keyed(k, 3)
    broken = _row(recs[0], "hotline").replace("市场门口".encode(), '"市场门口'.encode())
    after = _row(recs[1], "hotline") + _row(recs[2], "hotline")
    add(k.name, "hotline", "malformed_record", 1, 2, _csv(k, [], broken + after))

    k = Kind("hotline_header_without_key", "hotline", "landing", "schema_drift", 2, 0, None)
    fields = ["工单编号" if f == "order_no" else f for f in SOURCES["hotline"].fields]
    recs = [{("工单编号" if c == "order_no" else c): v for c, v in r.items()} for r in _keyed(k, 2)]
    add(k.name, "hotline", "schema_drift", 2, 0, _csv(k, recs, fields=fields))

    k = Kind("police110_invalid_json", "police110", "landing", "malformed_record", 1, 2, None)
    add(k.name, "police110", "malformed_record", 1, 2,
        _jsonl_lines(_keyed(k, 2), [b'{"jjdbh": "bad-1", "bjsj": 2026-11-02, }']))

    k = Kind("police110_not_an_object", "police110", "landing", "malformed_record", 1, 2, None)
    add(k.name, "police110", "malformed_record", 1, 2, _jsonl_lines(_keyed(k, 2), [b'["J1", "2026-11-02"]']))

    k = Kind("police110_duplicate_field", "police110", "landing", "malformed_record", 1, 2, None)
    add(k.name, "police110", "malformed_record", 1, 2,
        _jsonl_lines(_keyed(k, 2), [b'{"jjdbh": "dup-a", "jjdbh": "dup-b", "bjsj": "2026-11-02 10:00:00"}']))

    k = Kind("video_foreign_schema", "video", "landing", "schema_drift", 1, 2, None)
    add(k.name, "video", "schema_drift", 1, 2, _jsonl_lines(_keyed(k, 2), [b'{"id": 7, "kind": "face", "score": 0.9}']))

    k = Kind("video_bad_utf8", "video", "landing", "bad_encoding", 1, 2, None)
    line = json.dumps(_keyed(k, 3)[2], ensure_ascii=False).encode().replace(b"stall", b"st\xffall")
    add(k.name, "video", "bad_encoding", 1, 2, _jsonl_lines(_keyed(k, 2), [line]))

    k = Kind("cases_truncated_last_line", "cases", "landing", "malformed_record", 1, 2, None)
    line = json.dumps(_keyed(k, 3)[2], ensure_ascii=False).encode()[:60]
    add(k.name, "cases", "malformed_record", 1, 2, _jsonl_lines(_keyed(k, 2), [line], trailing_newline=False))

    k = Kind("dust_wrong_field_count", "dust", "landing", "malformed_record", 1, 2, None)
    recs = good("dust", 2, site_id="DS-wrong-count")
    add(k.name, "dust", "malformed_record", 1, 2, _csv(k, recs, b"DS-wrong-count,2026-11-02 09:00:00,1,2\n"))

    def corrupt_parquet(home: Path, k: Kind) -> Path:
        return land_bytes(home, k.source, f"{k.file_stem}.parquet", b"PAR1 this is not a parquet file")
    add("truck_gps_corrupt_parquet", "truck_gps", "malformed_record", 1, 0, corrupt_parquet)

    def parquet_without_key(home: Path, k: Kind) -> Path:
        recs = good("truck_gps", 2)
        table = pa.table({f: [r[f] for r in recs] for f in SOURCES["truck_gps"].fields if f != "plate_token"})
        return land_parquet(home, [], name=f"{k.file_stem}.parquet", table=table)
    add("truck_gps_parquet_without_key", "truck_gps", "schema_drift", 2, 0, parquet_without_key)

    k = Kind("truck_gps_csv_extra_field", "truck_gps", "landing", "malformed_record", 1, 2, None)
    recs = good("truck_gps", 2, plate_token="T-csv-extra")
    add(k.name, "truck_gps", "malformed_record", 1, 2, _csv(k, recs, b"T-csv-extra,2026-11-02 09:00:00,109.9,39.8,30,1,x\n"))
    return kinds


def _silver(name: str, source: str, reason: str, bad_changes: dict, bad: int = 1, n_good: int = 2,
            duplicate: bool = False, drop: tuple[str, ...] = ()) -> Kind:
    def write(home: Path, k: Kind) -> Path:
        recs = _keyed(k, n_good + 1)
        if source in ("dust", "truck_gps"):
            key = SOURCES[source].key[0]
            for r in recs:
                r[key] = k.name
        bad_rec = recs[-1]
        bad_rec.update(bad_changes)
        for f in drop:
            bad_rec.pop(f, None)
        if duplicate:
            bad_rec = dict(recs[0], **bad_changes)
            recs[-1] = bad_rec
        if source in ("hotline", "dust"):
            return land_csv(home, source, recs, name=f"{k.file_stem}.csv")
        if source == "truck_gps":
            return land_parquet(home, recs, name=f"{k.file_stem}.parquet")
        return land_jsonl(home, source, recs, name=f"{k.file_stem}.jsonl")
    return Kind(name, source, "silver", reason, bad, n_good, write)


def _silver_kinds() -> list[Kind]:
    return [
        _silver("hotline_unparseable_time", "hotline", "unparseable_time", {"call_time": "昨天下午三点"}),
        _silver("hotline_future_time", "hotline", "future_time", {"call_time": "2099-01-01 00:00:00"}),
        _silver("hotline_time_before_history", "hotline", "time_out_of_range", {"call_time": "1990-01-01 08:00:00"}),
        _silver("hotline_missing_coordinates", "hotline", "missing_coordinates", {"lon": "", "lat": ""}),
        _silver("hotline_duplicate_key_conflict", "hotline", "duplicate_key_conflict",
                {"content": "同一工单号，内容不同"}, duplicate=True),
        _silver("police110_outside_city", "police110", "outside_city", {"lon": "116.3975", "lat": "39.9087"}),
        _silver("police110_missing_key", "police110", "missing_key", {}, drop=("jjdbh",)),
        _silver("police110_unparseable_coordinates", "police110", "unparseable_coordinates",
                {"lon": "东经109度57分", "lat": "北纬39度49分"}),
        _silver("video_unknown_crs", "video", "unknown_crs", {"crs": "MARS-2000"}),
        _silver("video_exact_duplicate", "video", "duplicate_record", {}, duplicate=True),
        _silver("video_confidence_out_of_range", "video", "invalid_value", {"confidence": "1.7"}),
        _silver("dust_negative_reading", "dust", "invalid_value", {"pm10": "-5"}),
        _silver("truck_gps_speed_out_of_range", "truck_gps", "invalid_value", {"speed": "999"}),
        _silver("cases_invalid_version", "cases", "invalid_case_version", {"version": "0"}),
    ]


KINDS: list[Kind] = _landing_kinds() + _silver_kinds()
