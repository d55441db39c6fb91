"""Formats as they really come: GBK and BOMs, quoted newlines, CRLF, shuffled headers, JSON drift, typed Parquet, GPS CSV."""

from __future__ import annotations

import pyarrow as pa
import pytest
from bad_inputs.landing import good, land_bytes, land_csv, land_jsonl, land_parquet

from gridwatch.settings import get_settings
from spark_jobs.ingest import SOURCES, ingest_source, read_ledger
from spark_jobs.ingest.text_csv import decode_bytes, parse_csv

HOTLINE = SOURCES["hotline"]


@pytest.fixture
def settings(home):
    return get_settings(home)


def _bronze(spark, settings, source):
    return spark.read.format("delta").load(settings.table_path("bronze", source)).toPandas()


@pytest.mark.parametrize("encoding,bom,expected", [
    ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("gbk", False, "gbk"), ("gb18030", False, "gbk"),
])
def test_encoding_is_detected_per_file(encoding, bom, expected):
    data = "order_no,content\nA1,市场门口占道经营，烧烤摊\n".encode(encoding)
    text, enc = decode_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    assert enc == expected and "烧烤摊" in text and not text.startswith("\ufeff")


def test_quoted_newline_stays_one_record_and_line_is_where_it_starts():
    recs = good("hotline", 3)
    recs[1]["content"] = "第一行\n第二行，有逗号"
    from bad_inputs.landing import csv_text

    parsed = parse_csv(csv_text(recs, HOTLINE.fields).encode(), HOTLINE.fields, HOTLINE.key)
    assert [r.line for r in parsed.records] == [2, 3, 5]
    assert parsed.records[1].values["content"] == "第一行\n第二行，有逗号"
    assert all(r.reason is None for r in parsed.records)


def test_gbk_bom_crlf_and_shuffled_header_all_land(spark, settings):
    recs = good("hotline", 2)
    land_csv(settings.home, "hotline", recs, name="a_gbk.csv", encoding="gbk")
    land_csv(settings.home, "hotline", good("hotline", 2, order_no="B"), name="b_bom.csv", bom=True, newline="\r\n")
    shuffled = list(reversed(HOTLINE.fields))
    land_csv(settings.home, "hotline", good("hotline", 1, order_no="C"), name="c_shuffled.csv", fields=shuffled)
    result = ingest_source(spark, settings, "hotline")
    assert (result.files, result.rows, result.quarantined) == (3, 5, 0)
    bronze = _bronze(spark, settings, "hotline")
    assert set(bronze["content"]) == {"市场门口有流动摊贩占道经营"}
    assert not bronze["order_no"].str.contains("\ufeff|\r").any()
    assert not bronze["satisfaction"].fillna("").str.contains("\r").any()
    enc = dict(zip(read_ledger(settings)["source_file"].str.rsplit("/", n=1).str[1], read_ledger(settings)["encoding"], strict=False))
    assert enc == {"a_gbk.csv": "gbk", "b_bom.csv": "utf-8-sig", "c_shuffled.csv": "utf-8"}
    c = bronze[bronze["_source_file"].str.endswith("c_shuffled.csv")].iloc[0]
    assert (c["order_no"], c["call_time"]) == ("C", "2026-11-02 09:15:00")


def test_json_extra_fields_are_kept_and_noted_missing_fields_are_null(spark, settings):
    recs = good("police110", 2)
    recs[0]["new_field"] = "x"
    recs[0]["lon"] = 109.789  # a number, not a string
    del recs[1]["crs"]
    land_jsonl(settings.home, "police110", recs)
    result = ingest_source(spark, settings, "police110")
    assert (result.rows, result.quarantined) == (2, 0)
    assert list(result.extra_fields.values()) == [["new_field"]]
    assert read_ledger(settings)["extra_fields"].tolist() == ["new_field"]
    bronze = _bronze(spark, settings, "police110").sort_values("_line")
    assert bronze["lon"].tolist()[0] == "109.789" and bronze["crs"].isna().tolist() == [False, True]
    assert '"new_field"' in bronze["_raw"].iloc[0]


def test_typed_parquet_is_read_as_strings_with_row_numbers(spark, settings):
    table = pa.table({"plate_token": ["T1", "T2"], "ts": ["2026-11-02 08:00:00", "2026-11-02 08:00:05"],
                      "lon": [109.95, 109.96], "lat": [39.82, 39.83], "speed": [30, 31], "sealed": [True, False],
                      "driver_note": ["a", "b"]})
    land_parquet(settings.home, [], table=table)
    land_parquet(settings.home, good("truck_gps", 3), name="truck_gps_20261102_2.parquet")
    result = ingest_source(spark, settings, "truck_gps")
    assert (result.files, result.rows, result.quarantined) == (2, 5, 0)
    bronze = _bronze(spark, settings, "truck_gps")
    typed = bronze[bronze["plate_token"].isin(["T1", "T2"])].sort_values("_line")
    assert typed["lon"].tolist() == ["109.95", "109.96"] and typed["sealed"].tolist() == ["true", "false"]
    assert typed["_line"].tolist() == [1, 2]
    assert sorted(sum(result.extra_fields.values(), [])) == ["driver_note"]


def test_gps_csv_and_dust_out_of_order_duplicates_land_unchanged(spark, settings):
    recs = good("truck_gps", 3)
    land_csv(settings.home, "truck_gps", recs, name="truck_gps_20261102.csv")
    dust = good("dust", 3)
    dust = [dust[2], dust[0], dust[0], dust[1]]  # out of order and one reading twice: silver sorts that out
    land_csv(settings.home, "dust", dust)
    assert ingest_source(spark, settings, "truck_gps").rows == 3
    assert ingest_source(spark, settings, "dust").rows == 4
    bronze = _bronze(spark, settings, "dust").sort_values("_line")
    assert bronze["ts"].tolist() == [d["ts"] for d in dust]


def test_empty_file_is_ledgered_with_zero_records(spark, settings):
    land_bytes(settings.home, "video", "video_20261102.jsonl", b"")
    result = ingest_source(spark, settings, "video")
    assert (result.files, result.records, result.rows) == (1, 0, 0)
    assert read_ledger(settings)["records"].tolist() == [0]
    assert ingest_source(spark, settings, "video").files == 0
