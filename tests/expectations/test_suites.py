"""GX suites pass good tables and catch broken ones, with the right severity."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from expectations import run_suite
from expectations.suites import SUITES, Check
from spark_jobs.ingest.contracts import SOURCES
from spark_jobs.quarantine import QUARANTINE_COLUMNS

NOW = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def bronze_frame(n: int = 3) -> pd.DataFrame:
    spec = SOURCES["video"]
    rows = []
    for i in range(n):
        rec = {f: "x" for f in spec.fields} | {"detection_id": f"V{i}", "detected_at": "2026-11-02 10:00:00"}
        rec |= {"_source_file": "landing/video/dt=2026-11-02/video_20261102.jsonl", "_line": i + 1,
                "_raw": "{}", "_ingested_at": NOW, "_batch_id": "video-20261102-0123456789ab",
                "_dt": date(2026, 11, 2)}
        rows.append(rec)
    return pd.DataFrame(rows)[spec.bronze_columns]


def quarantine_frame() -> pd.DataFrame:
    return pd.DataFrame([{"source": "hotline", "batch_id": "b1", "source_file": "f", "line": 2, "raw": "a,b",
                          "reason_code": "malformed_record", "reason_text": "t", "quarantined_at": NOW,
                          "dt": date(2026, 11, 2)}])[QUARANTINE_COLUMNS]


def test_every_bronze_and_silver_table_has_a_suite():
    assert {f"bronze_{s}" for s in SOURCES} <= set(SUITES)
    assert {"silver_quarantine", "silver_reports", "silver_incidents", "silver_cases", "silver_cases_history",
            "silver_unit_grid", "silver_hotline", "silver_truck_gps"} <= set(SUITES)


def test_good_bronze_table_passes():
    result = run_suite(bronze_frame(), "bronze_video")
    assert result.success and result.severity is None, result.as_records()
    assert result.rows == 3 and all(o.success for o in result.outcomes)


@pytest.mark.parametrize("breakage,failing", [
    (lambda df: df.assign(_line=[1, 1, 2]), "ExpectCompoundColumnsToBeUnique"),
    (lambda df: df.assign(_batch_id=[None, "video-20261102-0123456789ab", "b"]), "ExpectColumnValuesToNotBeNull"),
    (lambda df: df.assign(_batch_id="hotline-20261102-0123456789ab"), "ExpectColumnValuesToMatchRegex"),
    (lambda df: df.drop(columns=["_raw"]), "ExpectTableColumnsToMatchSet"),
])
def test_broken_bronze_table_fails_with_error(breakage, failing):
    result = run_suite(breakage(bronze_frame()), "bronze_video")
    assert not result.success and result.severity == "error"
    assert failing in {o.expectation for o in result.failed_errors}


def test_dirty_raw_values_only_warn():
    df = bronze_frame(4).assign(detected_at=["昨天", "2026-11-02 10:00:00", None, "x"])
    result = run_suite(df, "bronze_video")
    assert result.success and result.severity == "warn"
    assert [o.expectation for o in result.failed_warnings] == ["ExpectColumnValuesToMatchRegex"]
    bad = result.failed_warnings[0]
    assert bad.unexpected_count == 2


def test_quarantine_suite_catches_unknown_reason_and_phone_numbers():
    assert run_suite(quarantine_frame(), "silver_quarantine").success
    broken = quarantine_frame().assign(reason_code="lost_somewhere", raw="张伟,13912345678")
    failed = {o.expectation for o in run_suite(broken, "silver_quarantine").failed_errors}
    assert failed == {"ExpectColumnValuesToBeInSet", "ExpectColumnValuesToNotMatchRegex"}


def test_spark_frame_is_validated_too(spark):
    sdf = spark.createDataFrame(bronze_frame().assign(_line=[1, 1, 2]))
    result = run_suite(sdf, "bronze_video", pandas_below=0)  # force GX's Spark engine
    assert {o.expectation for o in result.failed_errors} == {"ExpectCompoundColumnsToBeUnique"}


def test_spark_frame_is_cached_only_while_it_is_validated(spark):
    sdf = spark.createDataFrame(bronze_frame().assign(_line=[1, 1, 2]))
    for below in (0, 10**9):  # GX's Spark engine, and the small-frame path through pandas
        result = run_suite(sdf, "bronze_video", pandas_below=below)
        assert result.rows == 3 and not result.success
        # storageLevel asks the session's cache for this plan: GX's own cache of the frame is gone too
        assert not sdf.is_cached and not sdf.storageLevel.useMemory and not sdf.storageLevel.useDisk
    mine = sdf.persist()  # a frame the caller cached stays cached
    assert not run_suite(mine, "bronze_video", pandas_below=0).success
    assert mine.is_cached and mine.storageLevel.useMemory
    mine.unpersist()


def test_spark_frame_schema_and_rows_are_both_checked(spark):
    """The rows are validated on the columns the expectations name; the column set still sees every column."""
    sdf = spark.createDataFrame(bronze_frame().assign(_line=[1, 1, 2], extra="x"))
    for below in (0, 10**9):
        result = run_suite(sdf, "bronze_video", pandas_below=below)
        assert {o.expectation for o in result.failed_errors} == {"ExpectCompoundColumnsToBeUnique",
                                                                 "ExpectTableColumnsToMatchSet"}
        assert [o.expectation for o in result.outcomes] == [c.expectation for c in SUITES["bronze_video"]]
        columns = next(o for o in result.outcomes if o.expectation == "ExpectTableColumnsToMatchSet")
        assert "extra" in columns.observed and "_raw" in columns.observed
        assert result.rows == 3


def test_optional_checks_are_skipped_when_the_column_is_absent():
    checks = [Check("ExpectColumnValuesToNotBeNull", {"column": "cell_id"}, optional=True)]
    result = run_suite(pd.DataFrame({"a": [1]}), "adhoc", checks)
    assert result.success and result.outcomes[0].skipped


@pytest.mark.parametrize("engine", ["pandas", "spark"])
def test_phone_check_ignores_digits_inside_longer_numbers(spark, engine):
    """A 17-digit case number holds 11 digits that look like a mobile number; a re-run of a day failed on it."""
    raw = ['{"case_no":"20261506020166478","lon":109.880384}', "0.13812345678", "dust-20241125-a14290168192"]
    frame = pd.concat([quarantine_frame()] * 3, ignore_index=True).assign(raw=raw, line=[1, 2, 3])
    phone = frame.assign(raw=["来电13912345678反映", "tel: 13912345678", raw[0]])
    if engine == "spark":
        frame, phone = spark.createDataFrame(frame), spark.createDataFrame(phone)
    below = 0 if engine == "spark" else 10**9
    assert run_suite(frame, "silver_quarantine", pandas_below=below).success
    bad = [o for o in run_suite(phone, "silver_quarantine", pandas_below=below).failed_errors
           if o.expectation == "ExpectColumnValuesToNotMatchRegex"]
    assert len(bad) == 1 and bad[0].unexpected_count == 2
