"""Landing files follow the contracts in docs/ARCHITECTURE.md, one per source and day."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sim_landing_reader import read_source

from gridwatch.taxonomy import crosswalk
from simulator import SOURCES
from simulator.files import csv_bytes
from simulator.hotline import HOTLINE_COLUMNS

CONTRACT = {
    "hotline": ["order_no", "call_time", "channel", "caller_name", "caller_phone", "category_code", "category_name",
                "content", "address", "lon", "lat", "crs", "handling_unit", "deadline", "completed_at", "status",
                "satisfaction"],
    "police110": ["jjdbh", "bjsj", "bjlbdm", "bjlxdm", "bjxldm", "bjnr", "afdd", "lon", "lat", "crs", "bjdh",
                  "transferred_to_city_mgmt"],
    "video": ["detection_id", "camera_id", "detected_at", "event_type", "confidence", "lon", "lat", "crs"],
    "dust": ["site_id", "ts", "pm10", "pm25", "tsp", "wind_speed"],
    "truck_gps": ["plate_token", "ts", "lon", "lat", "speed", "sealed"],
    "cases": ["case_no", "version", "source", "event_major_code", "event_minor_code", "grid_code", "lon", "lat", "crs",
              "reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at", "deadline",
              "status", "rework_count", "department", "description"],
}


def test_one_file_per_source_and_day(small_city):
    settings, cfg, summary = small_city
    days = {f"{cfg.start_date + pd.Timedelta(days=d):%Y-%m-%d}" for d in range(7 * cfg.weeks)}
    for source in SOURCES:
        folders = sorted((settings.landing / source).glob("dt=*"))
        assert {f.name[3:] for f in folders} == days, source
        assert all(len(list(f.iterdir())) == 1 for f in folders)
    assert (settings.landing / "hotline" / f"dt={cfg.end_date}" / f"hotline_{cfg.end_date:%Y%m%d}_1.csv").exists()
    assert summary["files"] == len(SOURCES) * len(days)


@pytest.mark.parametrize("source", SOURCES)
def test_columns_follow_the_contract(small_city, source):
    df = read_source(small_city[0], source)
    assert [c for c in df.columns if not c.startswith("_")] == CONTRACT[source]
    assert len(df) > 0


def test_truck_gps_columns_are_all_strings(small_city):
    settings = small_city[0]
    f = next((settings.landing / "truck_gps").glob("dt=*/*.parquet"))
    schema = pq.read_schema(f)
    assert all(str(t) in ("string", "large_string") for t in schema.types)


def test_records_sit_in_their_days_folder(small_city):
    for source, col in (("hotline", "call_time"), ("police110", "bjsj"), ("video", "detected_at"), ("dust", "ts")):
        df = read_source(small_city[0], source)
        ok = df[col].str.len() == 19
        assert (df.loc[ok, col].str[:10] == df.loc[ok, "_dt"]).all(), source


def test_hotline_text_names_callers_and_phones(small_city):
    h = read_source(small_city[0], "hotline")
    assert h["caller_phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert h["caller_name"].str.len().between(2, 8).all()
    assert h["content"].str.contains("[\u4e00-\u9fff]").all()
    assert h["content"].str.contains(",").any()                 # ascii commas, quoted
    assert h["content"].str.contains("\n").any()                # a quoted line break now and then
    assert set(h["crs"]) <= {"GCJ-02", "BD-09", "WGS-84"}
    assert (h["crs"] == "GCJ-02").mean() > 0.6 and (h["crs"] == "BD-09").any() and (h["crs"] == "WGS-84").any()
    assert h["order_no"].duplicated().any()                     # the odd resend


def test_hotline_rows_survive_gbk():
    df = pd.DataFrame([["RX1", "某某小区门口有人摆摊，占道经营,影响通行\n补充", "王先生"]], columns=HOTLINE_COLUMNS[:3])
    back = pd.read_csv(io.StringIO(csv_bytes(df, "gbk").decode("gbk")), dtype=str)
    assert back.iloc[0].tolist() == df.iloc[0].tolist()


def test_all_hotline_text_is_gbk_encodable(small_city):
    h = read_source(small_city[0], "hotline")
    for col in ("content", "address", "caller_name", "handling_unit", "category_name"):
        "".join(h[col]).encode("gbk")


@pytest.mark.parametrize("source, key", [("hotline", "category_code"), ("police110", "bjxldm"),
                                         ("video", "event_type"), ("cases", "event_minor_code")])
def test_codes_are_in_the_crosswalks(small_city, source, key):
    df = read_source(small_city[0], source)
    codes = set(crosswalk(source)[key])
    used = set(df[key].astype(str)) - {""}
    assert used <= codes


def test_hotline_misfiles_about_a_tenth_while_text_tells_the_truth(small_city):
    settings = small_city[0]
    h = read_source(settings, "hotline").drop_duplicates("order_no")
    truth = pd.read_parquet(settings.truth / "reports.parquet")
    h["report_id"] = "hotline:" + h["order_no"]
    m = h.merge(truth, on="report_id", how="inner")
    assert len(m) == len(h)
    cw = crosswalk("hotline").set_index("category_code")["problem_type"]
    coded = m["category_code"].map(cw)
    wrong = coded.isna() | (coded != m["problem_type"])
    assert 0.05 <= wrong.mean() <= 0.16
    assert (m["category_code"] == "").any()


def test_cases_reappear_on_every_status_change(small_city):
    c = read_source(small_city[0], "cases").drop_duplicates(["case_no", "version"])
    per_case = c.groupby("case_no")["version"].agg(["min", "max", "count"])
    assert (per_case["min"] == 1).all()
    assert (per_case["max"] == per_case["count"]).all()        # 1, 2, 3, ... without gaps
    assert per_case["max"].max() >= 6
    assert set(c.loc[c["version"] == 1, "status"]) == {"已上报"}
    closed = c[c["status"] == "已结案"]
    assert closed["closed_at"].notna().all() and closed["handled_at"].notna().all()
    assert (c["rework_count"] > 0).any() and (c["status"] == "返工").any()
    assert c["grid_code"].str.fullmatch(r"\d{15}").all()
    assert c["department"].str.len().gt(0).all()


def test_video_real_detections_are_confident_false_alarms_less_so(small_city):
    settings = small_city[0]
    v = read_source(settings, "video").drop_duplicates("detection_id")
    truth = pd.read_parquet(settings.truth / "reports.parquet").set_index("report_id")
    real = truth.reindex("video:" + v["detection_id"])["event_id"].notna().to_numpy()
    assert real.any() and (~real).any()
    assert (v.loc[real, "confidence"] >= 0.6).all()
    assert v.loc[~real, "confidence"].mean() < v.loc[real, "confidence"].mean()


def test_reference_files(small_city):
    ref = small_city[0].landing / "reference"
    places = pd.read_csv(ref / "places.csv", dtype=str, keep_default_na=False)
    assert list(places.columns[:6]) == ["place_id", "kind", "name", "lon", "lat", "crs"]
    assert {"market", "night_market", "school", "hospital", "mall", "old_neighbourhood",
            "construction_zone"} <= set(places["kind"])
    assert (places["crs"] == "WGS-84").all()
    assert (places.loc[places["kind"] == "construction_zone", "valid_from"] != "").all()
    cams = pd.read_csv(ref / "cameras.csv")
    assert list(cams.columns) == ["camera_id", "lon", "lat"] and len(cams) > 100
    sites = pd.read_csv(ref / "dust_sites.csv", dtype=str)
    assert list(sites.columns) == ["site_id", "name", "lon", "lat", "district_code"]
    assert set(sites["district_code"]) <= {"150602", "150603", "150627"}
