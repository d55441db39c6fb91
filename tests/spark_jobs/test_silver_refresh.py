"""Silver refresh on a real lakehouse folder: writes, reconciliation, idempotent re-runs, late batches."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from silver_frames import CENTRE, bronze, gcj

from gridwatch.settings import get_settings
from spark_jobs.silver.refresh import refresh_incidents, refresh_reports, refresh_source, write_unit_grid

D1, D2 = date(2026, 11, 2), date(2026, 11, 3)
AT1, AT2, AT3 = datetime(2026, 11, 3, 1), datetime(2026, 11, 4, 1), datetime(2026, 11, 5, 1)
G = gcj(*CENTRE)
W = (str(CENTRE[0]), str(CENTRE[1]))


def _hot(no, time, **kw):
    rec = dict(order_no=no, call_time=time, caller_name="王芳", caller_phone="13712345678", category_code="SZ0501",
               content=f"王芳反映有人摆摊，电话13712345678 ({no})", lon=G[0], lat=G[1], crs="GCJ-02")
    rec.update(kw)
    return rec


def _append(spark, settings, source, df):
    df.write.format("delta").mode("append").partitionBy("_dt").save(settings.table_path("bronze", source))


def _table(spark, settings, name, order):
    df = spark.read.format("delta").load(settings.table_path("silver", name)).toPandas()
    arrays = [c for c in df.columns if df[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any()]
    for c in arrays:
        df[c] = df[c].map(lambda v: ",".join(v))
    return df.sort_values(order).reset_index(drop=True)


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("silver_lake")
    os.environ["GRIDWATCH_PII_KEY"] = "test-key-not-secret"
    settings = get_settings(home)
    write_unit_grid(spark, settings)
    _append(spark, settings, "hotline", bronze(spark, "hotline", [
        _hot("H1", "2026-11-02 19:00:00"), _hot("H1", "2026-11-02 19:00:00"), _hot("H2", "bad time"),
        _hot("H3", "2026-11-02 23:50:00")], batch="h1", day=D1, ingested_at=AT1))
    _append(spark, settings, "police110", bronze(spark, "police110", [
        dict(jjdbh="J1", bjsj="2026-11-02 19:20:00", bjxldm="110501", bjnr="路边摆摊", lon=W[0], lat=W[1],
             crs="WGS-84", bjdh="13812345678")], batch="p1", day=D1, ingested_at=AT1))
    _append(spark, settings, "video", bronze(spark, "video", [
        dict(detection_id="V1", camera_id="C9", detected_at="2026-11-02 19:40:00", event_type="street_vendor",
             confidence="0.93", lon=W[0], lat=W[1], crs="WGS-84")], batch="v1", day=D1, ingested_at=AT1))
    # Day 2: a hotline call 30 min after H3 near it (crosses midnight), and an identical resend of H1.
    _append(spark, settings, "hotline", bronze(spark, "hotline", [
        _hot("H4", "2026-11-03 00:20:00"), _hot("H1", "2026-11-02 19:00:00")], batch="h2", day=D2, ingested_at=AT2))

    def run(days):
        counts = {s: refresh_source(spark, settings, s, days) for s in ("hotline", "police110", "video")}
        counts["reports"] = refresh_reports(spark, settings, days)
        counts["incidents"] = refresh_incidents(spark, settings)
        return counts

    first = {"d1": run([str(D1)]), "d2": run([str(D2)])}
    return settings, run, first


def test_counts_reconcile_per_source(lake):
    _, _, first = lake
    h1 = first["d1"]["hotline"].as_metadata()
    assert (h1["rows_in"], h1["rows_out"], h1["merged_duplicates"]) == (4, 2, 1)
    assert h1["quarantined_by_reason"] == {"unparseable_time": 1} and h1["reconciled"]
    h2 = first["d2"]["hotline"].as_metadata()
    assert (h2["rows_in"], h2["rows_out"], h2["merged_duplicates"]) == (2, 1, 1) and h2["reconciled"]
    # day 1: H1, H3, J1 and V1 are new reports; day 2 adds H4 (the resent H1 is a duplicate, not a report)
    r1, r2 = first["d1"]["reports"], first["d2"]["reports"]
    assert (r1.rows_in, r1.rows_out, r1.extra["new_reports"]) == (4, 4, 4)
    assert (r2.rows_in, r2.rows_out, r2.extra["new_reports"]) == (1, 1, 1)


def test_cross_source_incident_and_midnight_join(lake, spark):
    settings, _, _ = lake
    inc = _table(spark, settings, "incidents", ["incident_id"]).set_index("incident_id")
    assert inc.loc["inc:hotline:H1", "sources"] == "hotline,police110,video"
    assert inc.loc["inc:hotline:H1", "n_reports"] == 3
    assert inc.loc["inc:hotline:H3", "report_ids"] == "hotline:H3,hotline:H4"  # joined from a later day
    assert len(inc) == 2
    reports = _table(spark, settings, "reports", ["report_id"])
    assert reports["incident_id"].notna().all() and len(reports) == 5


def test_rerun_leaves_every_table_identical(lake, spark):
    settings, run, _ = lake
    names = {"hotline": ["order_no"], "police110": ["jjdbh"], "video": ["detection_id"], "reports": ["report_id"],
             "incidents": ["incident_id"], "quarantine": ["source", "source_file", "line"]}
    before = {n: _table(spark, settings, n, o) for n, o in names.items()}
    again = run([str(D1), str(D2)])
    assert (again["reports"].rows_in, again["reports"].extra["new_reports"]) == (5, 0)  # every report known
    assert again["incidents"].extra["rebuilt"] == "none"  # no report changed, so no incident is rebuilt
    for n, o in names.items():
        pd.testing.assert_frame_equal(before[n], _table(spark, settings, n, o), obj=n)


def test_late_file_for_an_old_day_joins_the_existing_incident(lake, spark):
    settings, run, _ = lake
    _append(spark, settings, "video", bronze(spark, "video", [
        dict(detection_id="V7", camera_id="C9", detected_at="2026-11-02 19:50:00", event_type="street_vendor",
             confidence="0.88", lon=W[0], lat=W[1], crs="WGS-84")], batch="v-late", day=D1, ingested_at=AT3))
    run([str(D1)])
    inc = _table(spark, settings, "incidents", ["incident_id"]).set_index("incident_id")
    assert inc.loc["inc:hotline:H1", "n_reports"] == 4 and len(inc) == 2
    q = _table(spark, settings, "quarantine", ["source", "source_file", "line"])
    assert set(q["reason_code"]) == {"duplicate_record", "unparseable_time"}
    assert not q["raw"].str.contains("13712345678|王芳").any()


def test_incidents_follow_the_reports_changes_and_equal_a_full_build(lake, spark):
    from spark_jobs.incidents import build_incidents

    settings, run, first = lake
    assert first["d1"]["incidents"].extra["rebuilt"] == "all"  # no incidents yet
    # day 2's one new report (H4) joined H3's incident: only that incident was rebuilt
    assert (first["d2"]["incidents"].extra["rebuilt"], first["d2"]["incidents"].extra["incidents_rebuilt"]) == (
        "changed", 1)

    # Day 2 lands again without H4: its report is deleted, and H3's incident must lose it.
    (bronze(spark, "hotline", [_hot("H1", "2026-11-02 19:00:00")], batch="h2", day=D2, ingested_at=AT2)
     .write.format("delta").mode("overwrite").option("replaceWhere", f"_dt = '{D2}'")
     .save(settings.table_path("bronze", "hotline")))
    counts = run([str(D2)])["incidents"]
    assert (counts.extra["rebuilt"], counts.extra["incidents_rebuilt"]) == ("changed", 1)
    inc = _table(spark, settings, "incidents", ["incident_id"])
    assert inc.set_index("incident_id").loc["inc:hotline:H3", "report_ids"] == "hotline:H3"

    full = build_incidents(spark.read.format("delta").load(settings.table_path("silver", "reports")))
    full_pd = full.toPandas()
    for c in ("sources", "report_ids"):
        full_pd[c] = full_pd[c].map(lambda v: ",".join(v))
    pd.testing.assert_frame_equal(inc, full_pd.sort_values("incident_id").reset_index(drop=True))
