"""Silver MERGEs: upsert on keys, delete what the source no longer has in scope, rewrite only touched files."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from delta.tables import DeltaTable

from spark_jobs.quarantine import QUARANTINE_SCHEMA
from spark_jobs.silver import store
from spark_jobs.silver.store import merge_by_key, merge_quarantine, narrow_to_keys, read_other_days

D1, D2 = date(2026, 9, 1), date(2026, 9, 2)


def _history(spark, path):
    return DeltaTable.forPath(spark, path).history().orderBy("version").collect()


def _rows(spark, path, *cols):
    return sorted(tuple(r) for r in spark.read.format("delta").load(path).select(*cols).collect())


@pytest.fixture
def table(spark, tmp_path):
    """Three rows over two days, one file per day."""
    path = str(tmp_path / "t")
    for rows in ([(1, D1, "a"), (2, D1, "b")], [(3, D2, "c")]):
        spark.createDataFrame(rows, "k long, dt date, v string").coalesce(1).write.format("delta").mode(
            "append").save(path)
    assert len(spark.read.format("delta").load(path).inputFiles()) == 2
    return path


def test_days_in_scope_are_replaced_and_other_days_files_are_not_rewritten(spark, table):
    new = spark.createDataFrame([(1, D1, "a"), (4, D1, "x")], "k long, dt date, v string")
    merge_by_key(spark, new, table, ["k"], delete_scope_days=[D1.isoformat()])

    assert _rows(spark, table, "k", "v") == [(1, "a"), (3, "c"), (4, "x")]  # 2 deleted, 4 inserted, 3 kept
    last = _history(spark, table)[-1]
    assert last["operation"] == "MERGE"
    metrics = last["operationMetrics"]
    assert (metrics["numTargetRowsDeleted"], metrics["numTargetRowsInserted"]) == ("1", "1")
    assert metrics["numTargetFilesRemoved"] == "1"  # only day 1's file; day 2's stays as it was

    versions = len(_history(spark, table))
    merge_by_key(spark, new, table, ["k"], delete_scope_days=[D1.isoformat()])
    assert len(_history(spark, table)) == versions  # the same input again: no commit at all


def test_delete_missing_treats_the_source_as_the_whole_table(spark, table):
    new = spark.createDataFrame([(1, D1, "a"), (2, D1, "b2")], "k long, dt date, v string")
    merge_by_key(spark, new, table, ["k"], delete_missing=True)
    assert _rows(spark, table, "k", "v") == [(1, "a"), (2, "b2")]
    metrics = _history(spark, table)[-1]["operationMetrics"]
    assert (metrics["numTargetRowsUpdated"], metrics["numTargetRowsDeleted"]) == ("1", "1")


def _q(source, file, line, reason, dt=D1, at=datetime(2026, 9, 1, 8)):
    return (source, "b1", file, line, "{}", reason, f"{reason} text", at, dt)


def test_quarantine_merge_keeps_landing_reasons_other_sources_and_unchanged_rows(spark, tmp_path):
    path = str(tmp_path / "quarantine")
    old = [_q("hotline", "f1", 1, "outside_city"), _q("hotline", "f1", 2, "bad_encoding"),
           _q("hotline", "f1", 5, "outside_city", dt=D2), _q("police110", "f2", 1, "outside_city")]
    spark.createDataFrame(old, QUARANTINE_SCHEMA).write.format("delta").partitionBy("source").save(path)

    now = datetime(2026, 9, 3, 9)
    rows = spark.createDataFrame([_q("hotline", "f1", 3, "missing_coordinates", at=now),
                                  _q("hotline", "f1", 1, "outside_city", at=now)], QUARANTINE_SCHEMA)
    merge_quarantine(spark, rows, path, "hotline", [D1.isoformat()])

    got = _rows(spark, path, "source", "line", "reason_code", "quarantined_at")
    assert got == [
        ("hotline", 1, "outside_city", datetime(2026, 9, 1, 8)),  # unchanged outcome: first time kept
        ("hotline", 2, "bad_encoding", datetime(2026, 9, 1, 8)),  # a landing reason: never touched here
        ("hotline", 3, "missing_coordinates", now),
        ("hotline", 5, "outside_city", datetime(2026, 9, 1, 8)),  # another day: out of scope
        ("police110", 1, "outside_city", datetime(2026, 9, 1, 8)),
    ]
    metrics = _history(spark, path)[-1]["operationMetrics"]
    assert metrics["numTargetFilesRemoved"] == "0"  # an insert only: no file of the table rewritten

    fixed = spark.createDataFrame([_q("hotline", "f1", 3, "missing_coordinates", at=now)], QUARANTINE_SCHEMA)
    merge_quarantine(spark, fixed, path, "hotline", [D1.isoformat()])  # line 1 is no longer rejected
    assert [r[1] for r in _rows(spark, path, "source", "line") if r[0] == "hotline"] == [2, 3, 5]
    metrics = _history(spark, path)[-1]["operationMetrics"]
    assert metrics["numTargetRowsDeleted"] == "1"

    versions = len(_history(spark, path))
    merge_quarantine(spark, fixed, path, "hotline", [D1.isoformat()])
    merge_quarantine(spark, fixed.limit(0), path, "police110", [D2.isoformat()])  # nothing there, nothing new
    assert len(_history(spark, path)) == versions


def test_narrow_to_keys_keeps_rows_whose_key_is_given(spark, monkeypatch):
    big = spark.createDataFrame([(1, "a", 10), (1, "b", 11), (2, "a", 12), (None, "a", 13)],
                                "k long, s string, v int")
    keys = spark.createDataFrame([(1, "a"), (1, "a"), (None, "a"), (9, "z")], "k long, s string")
    narrowed = narrow_to_keys(big, keys, ["k", "s"])
    assert sorted(r["v"] for r in narrowed.collect()) == [10, 13]  # null keys match null-safe
    plan = narrowed._jdf.queryExecution().executedPlan().toString()
    assert "BroadcastHashJoin" in plan and "LeftSemi" in plan  # a small key set filters `big` as it is read

    # the same table on both sides (a MERGE's diff reads the table its source came from)
    assert narrow_to_keys(big, big.where("v = 12"), ["k", "s"]).count() == 1

    monkeypatch.setattr(store, "MAX_BROADCAST_KEYS", 1)
    assert sorted(r["v"] for r in narrow_to_keys(big, keys, ["k", "s"]).collect()) == [10, 13]
    assert narrow_to_keys(big, keys, ["k", "s"], optional=True) is big  # too many keys: no extra shuffle


def test_other_days_are_read_and_none_when_there_are_none(spark, table, tmp_path):
    assert sorted(r["k"] for r in read_other_days(spark, table, [D1.isoformat()]).collect()) == [3]
    assert sorted(r["k"] for r in read_other_days(spark, table, []).collect()) == [1, 2, 3]
    assert read_other_days(spark, table, [D1.isoformat(), D2.isoformat()]) is None  # a backfill of every day
    assert read_other_days(spark, str(tmp_path / "absent"), [D1.isoformat()]) is None
