"""Landing -> bronze exactly once: re-runs, a run killed between bronze and ledger, late files for old days."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from bad_inputs.landing import DAY, good, land_csv, land_good_day, land_jsonl

from gridwatch.settings import get_settings
from spark_jobs.ingest import SOURCES, ingest_source, pending_files, read_ledger
from spark_jobs.reconcile import reconcile


def _table(spark, settings, layer: str, name: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A Delta table's content as a sorted frame (order-independent comparison)."""
    df = spark.read.format("delta").load(settings.table_path(layer, name)).toPandas()
    df = df.drop(columns=[c for c in drop if c in df.columns])
    df = df.astype(str)
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _ingest_all(spark, settings, dates=None) -> dict:
    return {s: ingest_source(spark, settings, s, dates) for s in SOURCES}


@pytest.fixture
def settings(home):
    return get_settings(home)


def test_every_source_lands_in_bronze_with_metadata(spark, settings):
    landed = land_good_day(settings.home)
    results = _ingest_all(spark, settings)
    for source, n in landed.items():
        assert (results[source].files, results[source].records, results[source].rows) == (1, n, n), source
        bronze = spark.read.format("delta").load(settings.table_path("bronze", source)).toPandas()
        assert list(bronze.columns) == SOURCES[source].bronze_columns
        assert sorted(bronze["_line"]) == ([2, 3, 4] if source in ("hotline", "dust") else [1, 2, 3])
        assert (bronze["_dt"].astype(str) == DAY.isoformat()).all()
        assert bronze["_source_file"].str.startswith(f"landing/{source}/dt={DAY.isoformat()}/").all()
        key = SOURCES[source].key[0]
        assert set(bronze[key]) == {r[key] for r in good(source, n)}
    ledger = read_ledger(settings)
    assert sorted(ledger["source"]) == sorted(SOURCES) and (ledger["status"] == "committed").all()
    assert (ledger["records"] == 3).all() and (ledger["bronze_rows"] == 3).all()
    rec = reconcile(spark, settings)
    assert (rec["unexplained_landing"] == 0).all() and len(rec) == len(SOURCES)


def test_three_reruns_leave_every_table_identical(spark, settings):
    land_good_day(settings.home)
    bad = good("hotline", 2, call_time="2026-11-02 10:00:00")
    path = land_csv(settings.home, "hotline", bad, name="hotline_20261102_2.csv")
    path.write_bytes(path.read_bytes() + "GD-x,2026-11-02 11:00:00,电话,多余,列\n".encode())
    _ingest_all(spark, settings)
    tables = [("bronze", s) for s in SOURCES] + [("bronze", "ingest_ledger"), ("silver", "quarantine")]
    first = {t: _table(spark, settings, *t) for t in tables}
    assert len(first[("silver", "quarantine")]) == 1
    for _ in range(2):
        again = _ingest_all(spark, settings)
        assert all(r.files == 0 and r.skipped_files >= 1 for r in again.values())
    for t in tables:
        pd.testing.assert_frame_equal(_table(spark, settings, *t), first[t], obj=str(t))


def test_run_killed_between_bronze_and_ledger_leaves_no_duplicates(spark, settings, monkeypatch):
    import spark_jobs.ingest.run as run

    path = land_csv(settings.home, "hotline", good("hotline", 4))
    path.write_bytes(path.read_bytes() + b"broken,row\n")

    def crash(*args, **kwargs):
        raise RuntimeError("killed before the ledger commit")

    monkeypatch.setattr(run, "commit_files", crash)
    with pytest.raises(RuntimeError):
        ingest_source(spark, settings, "hotline")
    half = spark.read.format("delta").load(settings.table_path("bronze", "hotline")).count()
    assert half == 4 and read_ledger(settings).empty
    assert len(pending_files(settings, "hotline")) == 1

    monkeypatch.undo()
    result = ingest_source(spark, settings, "hotline")
    assert (result.files, result.rows, result.quarantined) == (1, 4, 1)
    bronze = _table(spark, settings, "bronze", "hotline")
    assert len(bronze) == 4 and not bronze.duplicated(["_source_file", "_line"]).any()
    assert len(_table(spark, settings, "silver", "quarantine")) == 1
    assert len(read_ledger(settings)) == 1
    assert reconcile(spark, settings, "hotline")["unexplained_landing"].tolist() == [0]


def test_late_file_for_an_old_day_lands_in_its_partition(spark, settings):
    old_day, today = date(2026, 10, 30), DAY
    land_jsonl(settings.home, "police110", good("police110", 2), day=today)
    first = ingest_source(spark, settings, "police110")
    assert first.files == 1
    late = good("police110", 3, bjsj="2026-10-30 22:00:00")
    for r in late:
        r["jjdbh"] += "-late"
    land_jsonl(settings.home, "police110", late, day=old_day)
    land_jsonl(settings.home, "police110", good("police110", 1, jjdbh="J-second"), day=today,
               name="police110_20261102_2.jsonl")
    pending = pending_files(settings, "police110")
    assert sorted((f.dt, f.source_file.rsplit("/", 1)[1]) for f in pending) == [
        (old_day, "police110_20261030.jsonl"), (today, "police110_20261102_2.jsonl")]
    only_old = ingest_source(spark, settings, "police110", [old_day])
    assert (only_old.files, only_old.rows, only_old.dates) == (1, 3, [old_day])
    rest = ingest_source(spark, settings, "police110")
    assert (rest.files, rest.rows) == (1, 1)
    bronze = spark.read.format("delta").load(settings.table_path("bronze", "police110")).toPandas()
    by_day = bronze.groupby(bronze["_dt"].astype(str)).size().to_dict()
    assert by_day == {"2026-10-30": 3, "2026-11-02": 3}
    assert ingest_source(spark, settings, "police110").files == 0


def test_ingest_metadata_gives_the_landing_days_as_a_range(spark, tmp_path):
    settings = get_settings(tmp_path)
    for day in (date(2026, 10, 30), DAY, date(2026, 10, 31)):
        land_jsonl(settings.home, "police110", good("police110", 1, jjdbh=f"J-{day}"), day=day)
    meta = ingest_source(spark, settings, "police110").metadata()
    assert (meta["files"], meta["rows"]) == (3, 3)
    assert (meta["days"], meta["first_day"], meta["last_day"]) == (3, "2026-10-30", DAY.isoformat())
    assert "dates" not in meta
    again = ingest_source(spark, settings, "police110").metadata()
    assert (again["days"], again["first_day"], again["last_day"], again["skipped_files"]) == (0, None, None, 3)
