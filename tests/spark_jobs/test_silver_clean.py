"""Per-source cleaning on hand-made bronze frames: each bad input lands in quarantine with its reason."""

from __future__ import annotations

import json
from datetime import date

import pytest
from silver_frames import CENTRE, bd, bronze, gcj

from gridwatch.settings import get_settings, pseudonym_key
from spark_jobs.crs import haversine_m
from spark_jobs.pii import caller_token_py
from spark_jobs.silver import clean_source

GLON, GLAT = gcj(*CENTRE)
OK_TIME = "2026-11-02 08:00:00"


def _hotline(order_no, **kw):
    rec = dict(order_no=order_no, call_time=OK_TIME, channel="电话", caller_name="张伟", caller_phone="13912345678",
               category_code="SZ0501", category_name="流动摊贩", content="张伟反映门口有流动摊贩，回电13912345678",
               address="东胜区交通街", lon=GLON, lat=GLAT, crs="GCJ-02", status="办结", satisfaction="5")
    rec.update(kw)
    return rec


def _split(spark, home, source, records, **kw):
    clean, quarantine = clean_source(spark, bronze(spark, source, records, **kw), source, get_settings(home),
                                     check_existing=False)
    return clean.toPandas(), quarantine.toPandas()


@pytest.fixture(scope="module")
def hotline_run(spark, tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("silver_hotline")
    os.environ["GRIDWATCH_PII_KEY"] = "test-key-not-secret"
    records = [
        _hotline("H1"),                                                    # good, GCJ-02
        _hotline("H1"),                                                    # identical resend
        _hotline("H1", content="不同的内容"),                                # same key, other content
        _hotline(None),                                                    # missing_key
        _hotline("H4", call_time="昨天下午"),                                 # unparseable_time
        _hotline("H5", call_time="2026-12-24 08:00:00"),                   # future_time
        _hotline("H6", call_time="1970-01-01 08:00:00"),                   # time_out_of_range
        _hotline("H7", lon="", lat=""),                                    # missing_coordinates
        _hotline("H8", lon="abc", lat="39.8"),                             # unparseable_coordinates
        _hotline("H9", crs="Mars-99"),                                     # unknown_crs
        _hotline("H10", lon="116.404", lat="39.915", crs="WGS-84"),        # outside_city (Beijing)
        _hotline("H11", satisfaction="-3"),                                # invalid_value
        _hotline("H12", category_code="ZZ0000", lon=bd(*CENTRE)[0], lat=bd(*CENTRE)[1], crs="BD-09"),
        _hotline("H13", call_time="2026/11/02 09:30:00", lon=str(CENTRE[0]), lat=str(CENTRE[1]), crs="WGS-84"),
    ]
    return _split(spark, home, "hotline", records), home


def test_hotline_reasons_one_per_bad_row(hotline_run):
    (clean, quar), _ = hotline_run
    reasons = dict(zip(quar["line"], quar["reason_code"], strict=True))
    assert reasons == {
        2: "duplicate_record", 3: "duplicate_key_conflict", 4: "missing_key", 5: "unparseable_time",
        6: "future_time", 7: "time_out_of_range", 8: "missing_coordinates", 9: "unparseable_coordinates",
        10: "unknown_crs", 11: "outside_city", 12: "invalid_value",
    }
    assert sorted(clean["order_no"]) == ["H1", "H12", "H13"]
    assert len(clean) + len(quar) == 14  # nothing dropped silently
    dup = quar[quar.line == 2].iloc[0]
    assert "#1" in dup["reason_text"] and dup["reason_text"].startswith("完全重复")


def test_hotline_typed_located_and_coded(hotline_run):
    (clean, _), home = hotline_run
    rows = clean.set_index("order_no")
    for key in ("H1", "H12", "H13"):
        assert haversine_m(CENTRE[0], CENTRE[1], rows.loc[key, "lon"], rows.loc[key, "lat"]) < 0.5
        assert rows.loc[key, "grid_code"].startswith("150602") and len(rows.loc[key, "grid_code"]) == 15
    assert rows.loc["H1", "problem_type"] == "stall" and rows.loc["H1", "minor_code"] == "0501"
    assert rows.loc["H1", "type_origin"] == "code"
    assert (rows.loc["H12", "problem_type"], rows.loc["H12", "minor_code"], rows.loc["H12", "type_origin"]) == \
        ("other", "0999", "unmapped")
    assert str(rows.loc["H13", "event_time"]) == "2026-11-02 09:30:00"  # local wall clock kept
    assert rows.loc["H1", "crs"] == "GCJ-02" and rows.loc["H12", "crs"] == "BD-09"
    assert {"batch_id", "source_file", "line", "dt", "record_hash"} <= set(clean.columns)
    assert rows.loc["H1", "line"] == 1 and rows.loc["H1", "batch_id"] == "b1"


def test_hotline_has_no_caller_identity(hotline_run):
    (clean, quar), home = hotline_run
    assert "caller_name" not in clean.columns and "caller_phone" not in clean.columns
    key = pseudonym_key(get_settings(home))
    assert (clean["caller_token"] == caller_token_py("13912345678", None, key)).all()
    text = " ".join(clean["content"].astype(str)) + " ".join(quar["raw"].astype(str))
    assert "13912345678" not in text and "张伟" not in text
    assert clean.set_index("order_no").loc["H1", "content"] == "某某反映门口有流动摊贩，回电[电话]"
    # every quarantined row (rejected or duplicate) keeps its raw line, masked where the caller was
    assert quar["raw"].str.contains("某某").all() and quar["raw"].str.contains(r"\[电话\]").all()


@pytest.mark.parametrize("source,record,reason", [
    ("video", dict(detection_id="V1", camera_id="C1", detected_at=OK_TIME, event_type="street_vendor",
                   confidence="1.7", lon=str(CENTRE[0]), lat=str(CENTRE[1]), crs="WGS-84"), "invalid_value"),
    ("video", dict(detection_id="V2", camera_id="C1", detected_at=OK_TIME, event_type="street_vendor",
                   confidence="0.9", lon=str(CENTRE[0]), lat=str(CENTRE[1]), crs="WGS-84"), None),
    ("dust", dict(site_id="D1", ts=OK_TIME, pm10="-5", pm25="20", tsp="80", wind_speed="3"), "invalid_value"),
    ("dust", dict(site_id="D1", ts=OK_TIME, pm10="150", pm25="", tsp="NaN", wind_speed="3"), "invalid_value"),
    ("dust", dict(site_id="D1", ts=OK_TIME, pm10="150", pm25="", tsp="", wind_speed="3"), None),
    ("truck_gps", dict(plate_token="P1", ts=OK_TIME, lon=str(CENTRE[0]), lat=str(CENTRE[1]), speed="-1",
                       sealed="1"), "invalid_value"),
    ("truck_gps", dict(plate_token="P1", ts=OK_TIME, lon=str(CENTRE[0]), lat=str(CENTRE[1]), speed="35",
                       sealed="否"), None),
    ("police110", dict(jjdbh="J1", bjsj=OK_TIME, bjxldm="110505", bjnr="有车乱停，报警人电话13812345678",
                       lon=GLON, lat=GLAT, crs="GCJ02", bjdh="13812345678", transferred_to_city_mgmt="是"), None),
    ("police110", dict(jjdbh="J2", bjsj=OK_TIME, bjxldm="110505", lon=str(CENTRE[0]), lat=str(CENTRE[1]),
                       crs="EPSG:4326", transferred_to_city_mgmt="maybe"), "invalid_value"),
    ("cases", dict(case_no="C1", version="x", reported_at=OK_TIME, event_minor_code="05-05",
                   lon=str(CENTRE[0]), lat=str(CENTRE[1]), crs="WGS-84"), "invalid_case_version"),
    ("cases", dict(case_no="C1", version="2", reported_at=OK_TIME, filed_at="2026-11-02 08:10:00",
                   event_minor_code="05-05", lon=str(CENTRE[0]), lat=str(CENTRE[1]), crs="WGS-84",
                   rework_count="0", description="市民李娜 13712345678 反映"), None),
])
def test_source_rules(spark, home, source, record, reason):
    clean, quar = _split(spark, home, source, [record])
    if reason is None:
        assert len(clean) == 1 and quar.empty, quar.to_dict("records")
        text = clean.astype(str).to_string()
        assert "13812345678" not in text and "13712345678" not in text
    else:
        assert clean.empty and list(quar["reason_code"]) == [reason]


def test_record_without_a_raw_line_is_quarantined_with_its_fields(spark, home):
    """Parquet feeds land no raw line (_raw is null): the quarantine keeps the record's fields as landed."""
    from pyspark.sql import functions as F

    rec = dict(plate_token="P9", ts=OK_TIME, lon="abc", lat=str(CENTRE[1]), speed="-1", sealed="1")
    frame = bronze(spark, "truck_gps", [rec]).withColumn("_raw", F.lit(None).cast("string"))
    clean, quar = clean_source(spark, frame, "truck_gps", get_settings(home), check_existing=False)
    rows = quar.toPandas()
    assert clean.count() == 0 and list(rows["reason_code"]) == ["unparseable_coordinates"]
    assert json.loads(rows["raw"][0]) == rec


def test_projected_input_by_epsg_code(spark, home):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(*CENTRE)
    rec = dict(detection_id="V9", camera_id="C1", detected_at=OK_TIME, event_type="illegal_parking",
               confidence="0.95", lon=f"{x:.3f}", lat=f"{y:.3f}", crs="EPSG:4547")
    clean, quar = _split(spark, home, "video", [rec])
    assert quar.empty
    assert haversine_m(CENTRE[0], CENTRE[1], clean.lon[0], clean.lat[0]) < 0.01
    assert clean.problem_type[0] == "parking"


def test_across_batch_duplicates_against_existing_silver(spark, home):
    settings = get_settings(home)
    first, _ = clean_source(spark, bronze(spark, "hotline", [_hotline("H1"), _hotline("H2")], batch="b1"),
                            "hotline", settings, check_existing=False)
    later = bronze(spark, "hotline", [_hotline("H1"), _hotline("H2", content="改过的内容"), _hotline("H3")],
                   batch="b2", day=date(2026, 11, 3))
    clean, quar = clean_source(spark, later, "hotline", settings, existing=first)
    assert list(clean.toPandas()["order_no"]) == ["H3"]
    q = quar.toPandas().set_index("line")
    assert q.loc[1, "reason_code"] == "duplicate_record" and q.loc[2, "reason_code"] == "duplicate_key_conflict"
    assert "b1.txt#1" in q.loc[1, "reason_text"]


def test_duplicate_check_narrows_silver_to_the_batch_keys(spark):
    from datetime import datetime

    from spark_jobs.silver.duplicates import DUP_OF, DUP_REASON, mark_duplicates

    silver = spark.range(5000).selectExpr("cast(id as string) as order_no", "concat('h', id) as record_hash",
                                          "'old.txt' as source_file", "cast(id as int) as line")
    at = datetime(2026, 11, 3, 1)
    batch = spark.createDataFrame([("7", "h7", "new.txt", 1, at), ("8", "changed", "new.txt", 2, at),
                                   ("new", "hn", "new.txt", 3, at), ("new", "hn", "new.txt", 4, at)],
                                  "order_no string, _record_hash string, _source_file string, _line int, "
                                  "_ingested_at timestamp")
    marked = mark_duplicates(batch, ["order_no"], silver)
    got = sorted((r["_line"], r[DUP_REASON], r[DUP_OF]) for r in marked.collect())
    assert got == [(1, "duplicate_record", "old.txt#7"), (2, "duplicate_key_conflict", "old.txt#8"),
                   (3, None, None), (4, "duplicate_record", "new.txt#3")]
    plan = marked._jdf.queryExecution().executedPlan().toString()
    assert "BroadcastHashJoin" in plan and "LeftSemi" in plan  # silver filtered map-side, not shuffled whole


def test_hotline_satisfaction_as_labels_or_scores(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_PII_KEY", "test-key-not-secret")
    given = {"S1": "满意", "S2": "基本满意", "S3": "不满意", "S4": "未评价", "S5": "8", "S6": "", "S7": "还行吧"}
    clean, quar = _split(spark, tmp_path, "hotline", [_hotline(k, satisfaction=v) for k, v in given.items()])
    got = {k: (None if v != v else v) for k, v in zip(clean["order_no"], clean["satisfaction"], strict=True)}
    assert got == {"S1": 10, "S2": 6, "S3": 0, "S4": None, "S5": 8, "S6": None}
    assert list(quar["reason_code"]) == ["invalid_value"] and "还行吧" in quar["raw"].iloc[0]
