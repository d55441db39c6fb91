"""Incidents: reports of one type close in space and time merge; ids are stable; late reports join."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from gridwatch.city import load_city
from spark_jobs.incidents import (
    INCIDENT_COLUMNS,
    REPORT_COLUMNS,
    MergeRule,
    assign_incidents,
    build_incidents,
    merge_rate,
    type_reports,
)

CITY = load_city()
T0 = datetime(2026, 11, 2, 19, 0, 0)


def _at(dx: float, dy: float) -> tuple[float, float]:
    """WGS-84 point dx/dy metres from a fixed point in 东胜区 (in the grid CRS)."""
    x0, y0 = CITY.to_projected([109.958], [39.822])
    lon, lat = CITY.to_wgs84([x0[0] + dx], [y0[0] + dy])
    return float(lon[0]), float(lat[0])


def _report(spark, rows):
    recs = []
    for rid, source, minutes, dx, dy, ptype in rows:
        lon, lat = _at(dx, dy)
        recs.append(dict(report_id=f"{source}:{rid}", source=source, source_key=rid,
                         event_time=T0 + timedelta(minutes=minutes), dt=date(2026, 11, 2), lon=lon, lat=lat,
                         cell_id=1, grid_code="150602001001001", district_code="150602", street_code="001",
                         community_code="001", problem_type=ptype, minor_code="0501", type_origin="code",
                         text=None, caller_token=None, batch_id="b1", source_file="f", line=1, incident_id=None))
    pdf = pd.DataFrame(recs, columns=REPORT_COLUMNS)
    schema = ("report_id string, source string, source_key string, event_time timestamp, dt date, lon double, "
              "lat double, cell_id long, grid_code string, district_code string, street_code string, "
              "community_code string, problem_type string, minor_code string, type_origin string, text string, "
              "caller_token string, batch_id string, source_file string, line int, incident_id string")
    return spark.createDataFrame(pdf, schema)


def _ids(df) -> dict[str, str]:
    return {r.report_id: r.incident_id for r in df.select("report_id", "incident_id").collect()}


def test_three_sources_within_window_make_one_incident(spark):
    reports = _report(spark, [("A", "hotline", 0, 0, 0, "stall"), ("B", "police110", 20, 60, 40, "stall"),
                              ("C", "video", 45, -90, 80, "stall")])
    assigned = assign_incidents(reports, None, CITY.crs)
    assert set(_ids(assigned).values()) == {"inc:hotline:A"}
    inc = build_incidents(assigned).toPandas()
    assert list(inc.columns) == INCIDENT_COLUMNS and len(inc) == 1
    row = inc.iloc[0]
    assert list(row.sources) == ["hotline", "police110", "video"] and row.n_reports == 3
    assert row.first_source == "hotline" and row.event_time == pd.Timestamp(T0)
    assert row.last_time == pd.Timestamp(T0 + timedelta(minutes=45))
    assert str(row.week_start) == "2026-11-02" and row.iso_week == "2026-W45"
    assert merge_rate(assigned)["merge_rate"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("second,expected_incidents", [
    (("B", "video", 61, 0, 0, "stall"), 2),        # outside the time window
    (("B", "video", 30, 160, 0, "stall"), 2),      # outside the distance
    (("B", "video", 30, 0, 0, "parking"), 2),      # another problem type
    (("B", "video", 59, 149, 0, "stall"), 1),      # just inside both
])
def test_window_distance_and_type_limits(spark, second, expected_incidents):
    reports = _report(spark, [("A", "hotline", 0, 0, 0, "stall"), second])
    assigned = assign_incidents(reports, None, CITY.crs, MergeRule(150, 60))
    assert len(set(_ids(assigned).values())) == expected_incidents


def test_neighbouring_cells_across_a_cell_boundary(spark):
    # 120 m apart across cell edges (diagonal): different 100 m cells, still one incident.
    reports = _report(spark, [("A", "hotline", 0, 0, 0, "stall"), ("B", "video", 5, 85, 85, "stall")])
    assigned = assign_incidents(reports, None, CITY.crs)
    assert len(set(_ids(assigned).values())) == 1


def test_rerun_gives_identical_ids_and_late_report_joins_existing(spark):
    rows = [("A", "hotline", 0, 0, 0, "stall"), ("B", "police110", 10, 30, 0, "stall"),
            ("C", "video", 200, 0, 0, "stall")]
    first = assign_incidents(_report(spark, rows), None, CITY.crs)
    again = assign_incidents(_report(spark, rows), None, CITY.crs)
    assert _ids(first) == _ids(again)
    # A report landing in a later batch, 40 min after A and 50 m away, joins A's incident.
    late = assign_incidents(_report(spark, [("D", "video", 40, 50, 0, "stall")]), first, CITY.crs)
    assert _ids(late) == {"video:D": "inc:hotline:A"}
    # A late report earlier than the incident's first report also joins, and becomes its first report.
    early = assign_incidents(_report(spark, [("E", "cases", -20, 0, 20, "stall")]), first, CITY.crs)
    assert _ids(early) == {"cases:E": "inc:hotline:A"}
    inc = build_incidents(first.unionByName(early)).toPandas().set_index("incident_id")
    assert inc.loc["inc:hotline:A", "first_source"] == "cases"
    assert inc.loc["inc:hotline:A", "n_reports"] == 3 and len(inc) == 2


def test_type_reports_default_keeps_types_and_classifier_retypes(spark):
    reports = _report(spark, [("A", "hotline", 0, 0, 0, "other"), ("B", "police110", 0, 500, 0, "parking"),
                              ("C", "video", 0, 900, 0, "stall"), ("D", "hotline", 0, 1500, 0, "stall")])
    from pyspark.sql import functions as F

    reports = reports.withColumns({
        "type_origin": F.when(F.col("source_key") == "A", "unmapped").otherwise(F.col("type_origin")),
        "text": F.lit("门口有人摆摊卖水果"),
    })
    assert type_reports(reports) is reports

    def classifier(texts: pd.Series):
        return np.array(["stall"] * len(texts)), np.array([0.95] * len(texts))

    out = {r.source_key: (r.problem_type, r.type_origin, r.minor_code)
           for r in type_reports(reports, classifier, 0.8).collect()}
    assert out["A"] == ("stall", "text", "0501")
    assert out["B"] == ("stall", "code_overridden", "0501")
    assert out["C"] == ("stall", "code", "0501")   # video is not typed by text
    assert out["D"] == ("stall", "code", "0501")   # agrees with its code

    def unsure(texts: pd.Series):
        return np.array(["violation"] * len(texts)), np.array([0.5] * len(texts))

    out = {r.source_key: (r.problem_type, r.type_origin) for r in type_reports(reports, unsure, 0.8).collect()}
    assert out["A"] == ("other", "unmapped") and out["B"] == ("parking", "code")


def test_reports_from_sources_low_confidence_video_and_first_case_version(spark):
    from spark_jobs.incidents import build_reports

    common = ("timestamp'2026-11-02 10:00:00' AS event_time, date'2026-11-02' AS dt, 109.958D AS lon, 39.822D AS lat, "
              "1L AS cell_id, '150602001001001' AS grid_code, '150602' AS district_code, '001' AS street_code, "
              "'001' AS community_code, 'stall' AS problem_type, '0501' AS minor_code, 'code' AS type_origin, "
              "'b' AS batch_id, 'f' AS source_file")
    video = spark.sql(f"SELECT 'V1' AS detection_id, 0.9D AS confidence, 1 AS line, {common} UNION ALL "
                      f"SELECT 'V2', 0.4D, 2, {common}")
    cases = spark.sql(f"SELECT 'C1' AS case_no, 2L AS version, '第二版' AS description, 5 AS line, {common} UNION ALL "
                      f"SELECT 'C1', 1L, '第一版', 3, {common} UNION ALL SELECT 'C2', 1L, NULL, 4, {common}")
    out = {r.report_id: r for r in build_reports({"video": video, "cases": cases}).collect()}
    assert sorted(out) == ["cases:C1", "cases:C2", "video:V1"]
    assert out["cases:C1"].line == 3 and out["cases:C1"].text == "第一版"
    assert list(build_reports({"video": video}).columns) == REPORT_COLUMNS


def _brute_force_cluster(pdf: pd.DataFrame, rule: MergeRule, crs: str) -> dict[str, str]:
    """The merge rule read literally: every new report, in time order, against every incident's anchor."""
    from spark_jobs.crs import project_np

    window = pd.Timedelta(minutes=rule.window_min)
    x, y = project_np(pdf["lon"].to_numpy(float), pdf["lat"].to_numpy(float), crs)
    pdf = pdf.assign(X=x, Y=y, T=pd.to_datetime(pdf["event_time"]))
    anchors = {}
    for inc, g in pdf[pdf["incident_id"].notna()].sort_values(["T", "report_id"]).groupby("incident_id", sort=False):
        r = g.iloc[0]
        anchors[inc] = (r["T"], r["X"], r["Y"], r["report_id"])
    out = {}
    for r in pdf[pdf["incident_id"].isna()].sort_values(["T", "report_id"]).itertuples():
        near = [((r.X - ax) ** 2 + (r.Y - ay) ** 2, t0, inc) for inc, (t0, ax, ay, _) in anchors.items()
                if (r.X - ax) ** 2 + (r.Y - ay) ** 2 <= rule.distance_m ** 2 and abs(r.T - t0) <= window]
        if not near:
            inc = f"inc:{r.report_id}"
            anchors[inc] = (r.T, r.X, r.Y, r.report_id)
        else:
            inc = min(near)[2]
            if (r.T, r.report_id) < (anchors[inc][0], anchors[inc][3]):
                anchors[inc] = (r.T, r.X, r.Y, r.report_id)
        out[r.report_id] = inc
    return out


def test_bucketed_clustering_equals_the_rule_read_literally():
    from spark_jobs.incidents import _cluster

    rng = np.random.default_rng(7)
    rule = MergeRule()
    n = 1500  # hot spots and scattered reports over three days, ~1.2 km across
    hot = rng.integers(0, 6, n)
    dx = np.where(hot < 4, hot * 300.0 + rng.normal(0, 60, n), rng.uniform(-600, 1200, n))
    dy = np.where(hot < 4, rng.normal(0, 60, n), rng.uniform(-600, 600, n))
    minutes = rng.uniform(0, 3 * 24 * 60, n)
    ll = [_at(a, b) for a, b in zip(dx, dy, strict=True)]
    pdf = pd.DataFrame({"report_id": [f"r{i:04d}" for i in range(n)], "problem_type": "stall",
                        "event_time": [T0 + timedelta(minutes=float(m)) for m in minutes],
                        "lon": [p[0] for p in ll], "lat": [p[1] for p in ll], "incident_id": None})
    # the first two thirds are already assigned (existing incidents); the rest are new, some older than them
    seen = pdf.index < 2 * n // 3
    first = _cluster(pdf[seen].reset_index(drop=True), rule, CITY.crs)
    assert dict(zip(first["report_id"], first["incident_id"], strict=True)) == _brute_force_cluster(
        pdf[seen].reset_index(drop=True), rule, CITY.crs)
    pdf.loc[seen, "incident_id"] = pdf.loc[seen, "report_id"].map(dict(zip(first["report_id"], first["incident_id"],
                                                                         strict=True)))
    got = _cluster(pdf, rule, CITY.crs)
    want = _brute_force_cluster(pdf, rule, CITY.crs)
    assert dict(zip(got["report_id"], got["incident_id"], strict=True)) == want
    assert 50 < len(set(want.values())) < n - 2 * n // 3  # some new reports joined, some founded incidents
