"""Every kind of bad input ends in quarantine with the right reason, the good records survive, nothing is unexplained."""

from __future__ import annotations

import pytest

from bad_inputs.kinds import KINDS, Kind
from gridwatch.settings import get_settings
from spark_jobs.ingest import SOURCES, ingest_source
from spark_jobs.quarantine import write_quarantine
from spark_jobs.reconcile import reconcile, silver_table

try:
    from spark_jobs.silver import clean_source
except ImportError:  # the silver cleaning is not in this checkout
    clean_source = None


def test_corpus_is_big_enough_and_named_uniquely():
    names = [k.name for k in KINDS]
    assert len(names) >= 25 and len(set(names)) == len(names)
    assert {k.stage for k in KINDS} == {"landing", "silver"}


@pytest.fixture(scope="module")
def corpus(spark, tmp_path_factory):
    """All kinds landed in one data home, ingested, cleaned, and reconciled once."""
    import os

    home = tmp_path_factory.mktemp("corpus")
    os.environ.setdefault("GRIDWATCH_PII_KEY", "test-key-not-secret")
    settings = get_settings(home)
    for kind in KINDS:
        kind.write(home, kind)
    ingested = {s: ingest_source(spark, settings, s) for s in SOURCES}
    if clean_source is not None:
        for source in SOURCES:
            bronze = spark.read.format("delta").load(settings.table_path("bronze", source))
            clean, rejected = clean_source(spark, bronze, source, settings)
            clean.write.format("delta").mode("overwrite").save(settings.table_path("silver", silver_table(source)))
            write_quarantine(spark, settings, rejected)
    quarantine = spark.read.format("delta").load(settings.table_path("silver", "quarantine")).toPandas()
    return settings, ingested, quarantine, reconcile(spark, settings)


def test_every_source_ingested_without_failing(corpus):
    _, ingested, _, _ = corpus
    assert all(r.files >= 1 for r in ingested.values())


def _needs_silver(kind: Kind) -> None:
    if kind.stage == "silver" and clean_source is None:
        pytest.xfail("spark_jobs.silver.clean_source is not in this checkout")


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_bad_records_are_quarantined_with_their_reason(corpus, kind):
    _needs_silver(kind)
    _, _, quarantine, rec = corpus
    rows = quarantine[quarantine["source_file"].str.contains(f"/{kind.file_stem}.")]
    assert rows["reason_code"].value_counts().to_dict() == {kind.reason: kind.bad}
    assert rows["reason_text"].str.len().gt(0).all() and (rows["source"] == kind.source).all()
    batch = rec[rec["source_file"].str.contains(f"/{kind.file_stem}.")]
    assert len(batch) == 1
    b = batch.iloc[0]
    survivors = b["silver"] if kind.stage == "silver" else b["bronze"]
    assert survivors == kind.good
    assert b["landed"] == kind.good + kind.bad


def test_reconciliation_has_zero_unexplained_rows(corpus):
    _, _, _, rec = corpus
    if clean_source is None:
        assert (rec["unexplained_landing"] == 0).all()
        pytest.xfail("silver stage not reconciled: spark_jobs.silver.clean_source is not in this checkout")
    assert len(rec) == len(KINDS)
    assert (rec["unexplained"] == 0).all(), rec[rec["unexplained"] != 0].to_string()
    assert (rec["status"] == "ok").all(), rec[rec["status"] != "ok"].to_string()


def test_quarantined_raw_text_carries_no_caller_phone_or_name(corpus):
    _, _, quarantine, _ = corpus
    hotline = quarantine[quarantine["source"].isin(["hotline", "police110"])]
    assert len(hotline) > 0
    assert not hotline["raw"].fillna("").str.contains(r"1[3-9]\d{9}").any()
    assert not hotline["raw"].fillna("").str.contains("张伟").any()


def test_audit_reports_every_source_reconciled(corpus, spark):
    from gridwatch.audit import audit, format_audit

    settings, _, quarantine, _ = corpus
    if clean_source is None:
        pytest.xfail("spark_jobs.silver.clean_source is not in this checkout")
    report = audit(settings, spark)
    assert report["reconciled"] and report["unexplained_rows"] == 0
    assert set(report["sources"]) == set(SOURCES) and report["batches_total"] == len(KINDS)
    totals = report["totals"]
    assert totals["landed"] == sum(k.good + k.bad for k in KINDS)
    assert totals["quarantined_at_landing"] + totals["quarantined"] + totals["merged"] == len(quarantine)
    reasons = {}
    for s in report["sources"].values():
        for r, n in s["quarantined_by_reason"].items():
            reasons[r] = reasons.get(r, 0) + n
    assert reasons == quarantine["reason_code"].value_counts().to_dict()
    assert "全部对账 / everything reconciles" in format_audit(report)
