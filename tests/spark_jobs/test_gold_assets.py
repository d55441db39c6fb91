"""Gold assets materialized by Dagster on a hand-made silver lakehouse, sensors and cases included."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg
import pandas as pd
import pytest
from pyspark.sql import functions as F

from dagster_project.defs.gold import gold_features, gold_grid_week
from dagster_project.resources import LakehouseResource, SparkResource
from gridwatch.city import unit_grid
from gridwatch.settings import get_settings
from spark_jobs.gold.build import recompute_weeks, write_features, write_grid_week

W0 = date(2025, 3, 3)                 # Monday, 2025-W10
CENTRE = 35696                         # a Kangbashi cell (col 101, row 113); ncols 315
EAST, FAR = CENTRE + 1, CENTRE + 3 * 315


def week(i: int) -> date:
    return W0 + timedelta(weeks=i)


def at(i: int, day: int = 1, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(week(i) + timedelta(days=day), datetime.min.time()).replace(hour=hour, minute=minute)


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    home = tmp_path_factory.mktemp("gold") / "home"
    s = get_settings(home)
    grid = unit_grid("ordos")
    cells = grid[grid["cell_id"].isin([CENTRE + dx + dy * 315 for dx in range(-4, 5) for dy in range(-4, 5)])]
    spark.createDataFrame(cells).write.format("delta").save(s.table_path("silver", "unit_grid"))
    info = cells.set_index("cell_id")

    def located(cell: int) -> tuple:
        return int(cell), info.loc[cell, "grid_code"], info.loc[cell, "district_code"]

    incidents = []
    for i in range(8):
        for k in range(1 + i % 3):
            incidents.append((f"i{i}-{k}", "stall", at(i, k), *located(CENTRE), week(i)))
        incidents.append((f"p{i}", "parking", at(i), *located(EAST), week(i)))
    inc = pd.DataFrame(incidents, columns=["incident_id", "problem_type", "event_time", "cell_id", "grid_code",
                                           "district_code", "week_start"])
    spark.createDataFrame(inc).write.format("delta").save(s.table_path("silver", "incidents"))
    rep = inc.assign(report_id="hotline:" + inc["incident_id"], dt=inc["event_time"].dt.date)
    spark.createDataFrame(rep).write.format("delta").save(s.table_path("silver", "reports"))

    video = [(f"v{i}-{k}", at(i, 2), int(CENTRE), "stall") for i in (3, 4) for k in range(2)]
    spark.createDataFrame(video, "detection_id string, event_time timestamp, cell_id long, problem_type string") \
        .write.format("delta").save(s.table_path("silver", "video"))
    pings = [("T1", at(3, 2, 9, m), 2.0, int(CENTRE)) for m in (0, 5, 10)] + [("T1", at(3, 2, 9, 20), 30.0, int(FAR))]
    pings += [("T1", at(4, 2, 9, 0), 1.0, int(CENTRE)), ("T1", at(4, 2, 9, 7), 1.0, int(CENTRE))]
    spark.createDataFrame(pings, "plate_token string, event_time timestamp, speed double, cell_id long") \
        .write.format("delta").save(s.table_path("silver", "truck_gps"))
    dust = [("D1", at(3, 3, h, m), 200.0 if h < 12 else 40.0) for h in (10, 11, 13) for m in (0, 30)]
    spark.createDataFrame(dust, "site_id string, event_time timestamp, pm10 double") \
        .write.format("delta").save(s.table_path("silver", "dust"))
    cases = [("C1", 1, at(2), None, 0, at(2), at(5, 3), int(CENTRE), "stall"),
             ("C1", 2, at(2), at(5, 3), 1, at(5, 3), None, int(CENTRE), "stall")]
    spark.createDataFrame(cases, "case_no string, version int, reported_at timestamp, closed_at timestamp, "
                                 "rework_count int, valid_from timestamp, valid_to timestamp, cell_id long, "
                                 "problem_type string").write.format("delta").save(s.table_path("silver", "cases_history"))
    ref = home / "landing" / "reference"
    ref.mkdir(parents=True)
    c = info.loc[CENTRE]
    e = info.loc[EAST]
    pd.DataFrame([("M1", "market", "农贸市场", c["lon"], c["lat"], "WGS-84", None),
                  ("M2", "market", "新市场", e["lon"], e["lat"], "WGS-84", week(5).isoformat())],
                 columns=["place_id", "kind", "name", "lon", "lat", "crs", "valid_from"]
                 ).to_csv(ref / "places.csv", index=False)
    pd.DataFrame([("D1", "工地", c["lon"], c["lat"], "150603")],
                 columns=["site_id", "name", "lon", "lat", "district_code"]).to_csv(ref / "dust_sites.csv", index=False)
    return home


def materialize(asset, lake, start: date, end: date):
    resources = {"spark": SparkResource(master="local[2]"), "lakehouse": LakehouseResource(home=str(lake))}
    tags = {"dagster/asset_partition_range_start": start.isoformat(),
            "dagster/asset_partition_range_end": end.isoformat()}
    return dg.materialize([asset], resources=resources, tags=tags)


def features(spark, lake):
    return spark.read.format("delta").load(get_settings(lake).table_path("gold", "features"))


def test_assets_write_weekly_partitions_with_metadata(spark, lake):
    res = materialize(gold_grid_week, lake, week(0), week(7))
    assert res.success
    meta = res.asset_materializations_for_node("gold_grid_week")[0].metadata
    assert meta["rows"].value == 16 and meta["weeks"].value == 8 and meta["cells"].value == 2
    res = materialize(gold_features, lake, week(0), week(7))
    meta = res.asset_materializations_for_node("gold_features")[0].metadata
    assert meta["weeks"].value == 9                                       # plus the forecast week
    assert meta["cells"].value >= 49 and meta["rows"].value == meta["cells"].value * 3 * 9
    assert 0 < meta["nonzero_share"].value < 0.1 and meta["delta_version"].value == 0
    df = features(spark, lake)
    assert df.where(F.col("week_start") == week(5)).count() == meta["cells"].value * 3  # one week alone


def test_sensor_case_and_place_features(spark, lake):
    df = features(spark, lake).where((F.col("cell_id") == CENTRE) & (F.col("problem_type") == "stall"))
    r = {row.week_start: row.asDict() for row in df.collect()}
    assert r[week(3)]["video_cell_lag1"] == 0                 # detections of week 3 are not known in week 3
    assert r[week(4)]["video_cell_lag1"] == 2 and r[week(5)]["video_cell_roll_mean_4"] == pytest.approx(1.0)
    assert r[week(4)]["truck_dwell_min_lag1"] == pytest.approx(10.0)   # two 5-minute slow gaps
    assert r[week(5)]["truck_dwell_min_lag1"] == pytest.approx(7.0)
    assert r[week(4)]["dust_exceed_h_lag1"] == 2              # hours 10 and 11 above 150 ug/m3
    assert r[week(3)]["case_open_at_start"] == 1 and r[week(6)]["case_open_at_start"] == 0
    assert r[week(3)]["case_rework_13w"] == 0                 # the rework is recorded after week 5 starts
    assert r[week(6)]["case_rework_13w"] == 1
    assert r[week(4)]["place_n500_market"] == 1 and r[week(4)]["place_dist_market"] == pytest.approx(0, abs=1)
    assert r[week(5)]["place_n500_market"] == 2                # the new market counts from its opening week
    east = features(spark, lake).where((F.col("cell_id") == EAST) & (F.col("week_start") == week(4))
                                       & (F.col("problem_type") == "stall")).first()
    assert east["video_nbr1_lag1"] == 2 and east["truck_dwell_min_nbr1_lag1"] == pytest.approx(10.0)
    assert east["case_open_all_at_start"] == 0 and east["place_dist_market"] == pytest.approx(100, abs=1)


def test_recompute_changed_weeks_matches_full_build(spark, lake, tmp_path):
    s = get_settings(lake)
    extra = spark.read.format("delta").load(s.table_path("silver", "incidents")).where("incident_id = 'i6-0'") \
        .withColumn("incident_id", F.lit("late")).withColumn("week_start", F.lit(week(6)))
    extra.write.format("delta").mode("append").save(s.table_path("silver", "incidents"))
    gw, feats = recompute_weeks(spark, s, [week(6)])
    assert gw.weeks == 1 and feats.weeks == 3                 # weeks 6, 7 and the forecast week
    # The forecast week alone: sensors are read from week 4 on (its 4-week window), so week 3's detections and
    # pings must drop out of its means while week 4's stay in.
    assert write_features(spark, s, [week(8)]).weeks == 1
    rebuilt = spark.read.format("delta").load(s.table_path("gold", "features"))
    fresh_home = tmp_path / "fresh"
    for t in ("unit_grid", "incidents", "reports", "video", "truck_gps", "dust", "cases_history"):
        spark.read.format("delta").load(s.table_path("silver", t)).write.format("delta") \
            .save(get_settings(fresh_home).table_path("silver", t))
    (fresh_home / "landing").symlink_to(lake / "landing")
    write_grid_week(spark, get_settings(fresh_home))
    write_features(spark, get_settings(fresh_home))
    fresh = spark.read.format("delta").load(get_settings(fresh_home).table_path("gold", "features"))
    cols = sorted(c for c in fresh.columns if c != "iso_week")
    assert rebuilt.select(cols).exceptAll(fresh.select(cols)).count() == 0
    assert fresh.select(cols).exceptAll(rebuilt.select(cols)).count() == 0
    assert rebuilt.where((F.col("cell_id") == CENTRE) & (F.col("week_start") == week(7))
                     & (F.col("problem_type") == "stall")).first()["lag_1"] == 1 + 6 % 3 + 1
    last = rebuilt.where((F.col("cell_id") == CENTRE) & (F.col("week_start") == week(8))
                         & (F.col("problem_type") == "stall")).first()
    assert last["video_cell_roll_mean_4"] == pytest.approx(2 / 4)          # week 4's two detections
    assert last["truck_dwell_min_roll_mean_4"] == pytest.approx(7.0 / 4)   # week 4's 7 slow minutes
