"""Privacy scan: no caller phone number or name in silver, gold, the outbox or the logs.

`gridwatch.privacy.scan_home` runs on whatever exists under a data home. The tests run it on a home the silver
layer filled from hand-made landing data, prove it catches planted leaks and ignores names that are only
parts of place words, and scan GRIDWATCH_SCAN_HOME when it is set (e.g. `GRIDWATCH_SCAN_HOME=data pytest
tests/test_privacy_scan.py` after `make run`, or `gridwatch privacy-scan`).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from gridwatch.privacy import PHONE, NameMatcher, gazetteer, landing_caller_names, scan_home


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
    lake = silver_home / "lakehouse" / "silver"
    tables = {p.parent.name for p in lake.glob("*/_delta_log")}
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
    logs = leaky / "dagster" / "storage" / "run1" / "compute_logs"
    logs.mkdir(parents=True)
    (logs / "step.err").write_text("INFO refreshing\nWARNING caller 孙立 called again\n", encoding="utf-8")
    import sqlite3

    con = sqlite3.connect(leaky / "mlflow" / "mlflow.db") if (leaky / "mlflow").exists() else None
    if con is None:
        (leaky / "mlflow").mkdir()
        con = sqlite3.connect(leaky / "mlflow" / "mlflow.db")
    con.execute("CREATE TABLE params (key TEXT, value TEXT)")
    con.execute("INSERT INTO params VALUES ('note', 'callback 15987654321')")
    con.commit()
    con.close()
    kinds = {(f.where.split("/")[-1], f.kind) for f in scan_home(leaky)}
    assert kinds == {("leak", "phone"), ("list.csv", "name"), ("step.err", "name"), ("mlflow.db:params", "phone")}


def test_names_inside_place_words_are_not_leaks():
    m = NameMatcher({"周乌兰", "周华", "孙立"}, {"乌兰木伦", "乌兰木伦公园", "华府大院", "华府"})
    assert m.find("最近一周乌兰木伦街附近有人摆摊") is None  # 一周 + 乌兰木伦街
    assert m.find("最近一周华府大院北门乱停车") is None
    assert m.find("周乌兰反映乌兰木伦街附近有人摆摊") == "周乌兰"  # the name on its own, then a place
    assert m.find("来电人周华，华府大院北门乱停车") == "周华"
    assert m.find("孙立称车辆乱停") == "孙立"
    assert NameMatcher(set(), {"乌兰木伦"}).find("孙立") is None


def test_gazetteer_takes_places_roads_and_grid_names(tmp_path):
    import pandas as pd
    from deltalake import write_deltalake

    write_deltalake(str(tmp_path / "lakehouse" / "bronze" / "reference_places"),
                    pd.DataFrame({"name": ["乌兰木伦公园", "华府大院"]}))
    write_deltalake(str(tmp_path / "lakehouse" / "silver" / "unit_grid"),
                    pd.DataFrame({"street_zh": ["滨河街道"], "community_zh": ["青春山社区"], "street_code": ["001"]}))
    land = tmp_path / "landing" / "hotline" / "dt=2026-11-02"
    land.mkdir(parents=True)
    (land / "h.csv").write_text("order_no,caller_name,address\n1,赵建国,康巴什区滨河街道兴康路235号\n"
                                "2,钱秀英,东胜区民族街道民族街附近\n", encoding="utf-8")
    terms = gazetteer(tmp_path)
    assert {"乌兰木伦", "乌兰木伦公园", "华府", "滨河街道", "青春山社区", "兴康路", "民族街"} <= terms
    assert "001" not in terms and "赵建国" not in terms


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


@pytest.mark.parametrize("text,phone", [
    ("手机13612345678，请回电", True), ("call 13612345678", True), ("tel:15987654321", True), ("18800001111", True),
    ("0.16650390625", False),             # a decimal in a feature-importance file
    ("16481.19165800017", False),         # a step duration in Dagster's event log
    ("dust-20241125-14290168192b", False),  # a hex batch id
    ("150603001012034", False),           # a 15-digit grid code
])
def test_phone_shapes(text, phone):
    assert bool(PHONE.search(text)) is phone
