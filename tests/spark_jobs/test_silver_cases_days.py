"""silver/cases_history and silver/cases day by day: a later day's version closes an earlier one, a re-landed
day that loses a version or a whole case puts the history back, and other cases are left alone."""

from __future__ import annotations

from datetime import date

import pandas as pd
from delta.tables import DeltaTable
from silver_frames import CENTRE, bronze

from gridwatch import deltaread
from gridwatch.settings import get_settings
from spark_jobs.silver.refresh import refresh_source

D1, D2 = date(2026, 11, 2), date(2026, 11, 3)


def _case(no: str, version: str, reported: str, **kw) -> dict:
    return dict(case_no=no, version=version, reported_at=reported, event_minor_code="05-05", lon=str(CENTRE[0]),
                lat=str(CENTRE[1]), crs="WGS-84", rework_count="0", **kw)


def _land(spark, settings, *frames) -> None:
    df = frames[0]
    for f in frames[1:]:
        df = df.unionByName(f)
    df.write.format("delta").mode("overwrite").save(settings.table_path("bronze", "cases"))


def _read(spark, settings, table: str) -> pd.DataFrame:
    return spark.read.format("delta").load(settings.table_path("silver", table)).toPandas()


def test_cases_refreshed_day_by_day(spark, home):
    settings = get_settings(home)
    day1 = bronze(spark, "cases", [_case("C1", "1", "2026-11-02 08:00:00"),
                                   _case("C2", "1", "2026-11-02 09:00:00")], batch="b1", day=D1)
    day2 = bronze(spark, "cases", [_case("C1", "2", "2026-11-02 08:00:00", filed_at="2026-11-03 01:00:00"),
                                   _case("C3", "1", "2026-11-03 00:30:00")], batch="b2", day=D2)
    _land(spark, settings, day1, day2)
    refresh_source(spark, settings, "cases", [D1.isoformat()])
    refresh_source(spark, settings, "cases", [D2.isoformat()])

    hist = _read(spark, settings, "cases_history").sort_values(["case_no", "version"]).set_index(["case_no", "version"])
    assert list(hist.index) == [("C1", 1), ("C1", 2), ("C2", 1), ("C3", 1)]
    assert hist.loc[("C1", 1), "valid_to"] == hist.loc[("C1", 2), "valid_from"] == pd.Timestamp("2026-11-03 01:00")
    assert hist["is_current"].tolist() == [False, True, True, True]
    latest = _read(spark, settings, "cases").set_index("case_no")
    assert sorted(latest.index) == ["C1", "C2", "C3"]
    assert (latest.loc["C1", "version"], latest.loc["C1", "versions"]) == (2, 2)
    c2_before = _read(spark, settings, "cases").set_index("case_no").loc["C2"]

    # Day 2 changed C1's first version: the MERGE marked it deleted instead of rewriting its file (with C2 in it).
    hist_path = settings.table_path("silver", "cases_history")
    merge = DeltaTable.forPath(spark, hist_path).history(1).first()
    assert merge["operation"] == "MERGE"
    assert merge["operationMetrics"]["numTargetRowsCopied"] == "0"
    assert int(merge["operationMetrics"]["numTargetDeletionVectorsAdded"]) == 1
    # readers without Spark (delivery, dashboards) see the live rows only
    from deltalake import DeltaTable as RsTable

    c1 = deltaread.to_pandas(RsTable(hist_path), columns=["version", "is_current"], filters=[("case_no", "=", "C1")])
    assert sorted(zip(c1["version"], c1["is_current"], strict=True)) == [(1, False), (2, True)]
    assert deltaread.live_rows(RsTable(hist_path)) == 4

    # Day 2 lands again: C1's second version is now unreadable (quarantined) and C3 is not there at all.
    _land(spark, settings, day1, bronze(spark, "cases", [_case("C1", "x", "2026-11-02 08:00:00")], batch="b2",
                                        day=D2))
    refresh_source(spark, settings, "cases", [D2.isoformat()])

    hist = _read(spark, settings, "cases_history").sort_values(["case_no", "version"]).set_index(["case_no", "version"])
    assert list(hist.index) == [("C1", 1), ("C2", 1)]
    assert bool(hist.loc[("C1", 1), "is_current"]) and pd.isna(hist.loc[("C1", 1), "valid_to"])
    latest = _read(spark, settings, "cases").set_index("case_no")
    assert sorted(latest.index) == ["C1", "C2"]
    assert (latest.loc["C1", "version"], latest.loc["C1", "versions"]) == (1, 1)
    pd.testing.assert_series_equal(latest.loc["C2"], c2_before)  # a case of another day is left as it was
