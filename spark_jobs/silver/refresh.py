"""Refresh silver tables for some landing days: read bronze/silver, call the transforms, write Delta, count."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from delta.tables import DeltaTable
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.city import City, load_city, unit_grid
from gridwatch.settings import Settings
from spark_jobs.cases import case_history, latest_cases
from spark_jobs.delta_tables import delta_version, is_delta
from spark_jobs.incidents import (
    REPORT_COLUMNS,
    REPORT_SOURCES,
    Classifier,
    MergeRule,
    assign_incidents,
    build_incidents,
    build_reports,
    merge_rate,
    type_reports,
)
from spark_jobs.quarantine import quarantine_path
from spark_jobs.session import sql_conf
from spark_jobs.silver.clean import clean_source
from spark_jobs.silver.sources import spec
from spark_jobs.silver.store import (
    merge_by_key,
    merge_quarantine,
    narrow_to_keys,
    read_other_days,
    replace_days,
)

log = logging.getLogger(__name__)


@dataclass
class SilverCounts:
    """What one refresh did, for asset metadata and the reconciliation."""

    rows_in: int = 0
    rows_out: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    merged_duplicates: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def as_metadata(self) -> dict:
        q = {k: v for k, v in self.quarantined.items() if k != "duplicate_record"}
        return {"rows_in": self.rows_in, "rows_out": self.rows_out, "quarantined": sum(q.values()),
                "quarantined_by_reason": q, "merged_duplicates": self.merged_duplicates,
                "reconciled": self.rows_in == self.rows_out + sum(q.values()) + self.merged_duplicates,
                **self.extra}


def unit_grid_df(spark: SparkSession, city: City | None = None) -> DataFrame:
    """The unit grid as a Spark frame (cached per city in gridwatch.city)."""
    city = city or load_city()
    return spark.createDataFrame(unit_grid(city.name, city.cell_m))


def write_unit_grid(spark: SparkSession, settings: Settings, city: City | None = None) -> int:
    """Write silver/unit_grid (overwrite: the grid is configuration, not history)."""
    df = unit_grid_df(spark, city)
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(
        settings.table_path("silver", "unit_grid"))
    return df.count()


def read_bronze(spark: SparkSession, settings: Settings, source: str, days: list[str]) -> DataFrame | None:
    """Bronze rows of a source for some landing days (None when bronze has no table yet)."""
    path = settings.table_path("bronze", source)
    if not is_delta(spark, path):
        return None
    return spark.read.format("delta").load(path).where(F.col("_dt").cast("string").isin(days))


# The cleaning caches its typed rows and their duplicate marks for the few actions of one step, then drops
# them: storing those caches uncompressed costs memory for minutes and saves the compression of every value.
# Two years of truck GPS (1.45 million fixes), runs alternating in one JVM: 40.8 s and 39.4 s compressed,
# 38.8 s and 33.2 s not. Gold keeps the default: its feature build was no faster without compression (121 s
# and 97 s against 120 s and 93 s).
CLEANING_CONF = {"spark.sql.inMemoryColumnarStorage.compressed": "false"}


def refresh_source(spark: SparkSession, settings: Settings, source: str, days: list[str],
                   city: City | None = None) -> SilverCounts:
    """Clean a source's bronze rows of some days into silver/<table> and silver/quarantine."""
    city = city or load_city()
    bronze = read_bronze(spark, settings, source, days)
    if bronze is None:
        log.warning("bronze/%s does not exist yet; nothing to clean", source)
        return SilverCounts()
    table = spec(source).table
    with sql_conf(spark, CLEANING_CONF):
        cleaned = clean_source(spark, bronze, source, settings, city=city, grid=unit_grid_df(spark, city),
                               days=days)
        clean, quarantine = cleaned.clean.persist(), cleaned.quarantine.persist()
        try:
            counts = SilverCounts(rows_in=bronze.count(), rows_out=clean.count())
            counts.quarantined = {r["reason_code"]: int(r["n"]) for r in
                                  quarantine.groupBy("reason_code").agg(F.count("*").alias("n")).collect()}
            counts.merged_duplicates = counts.quarantined.get("duplicate_record", 0)
            # The quarantine first: its rows are checked for duplicates against the silver table, so writing
            # that table first would make Delta drop their cache and clean the whole batch again for the
            # quarantine.
            merge_quarantine(spark, quarantine, quarantine_path(settings), source, days)
            if source == "cases":
                _write_case_tables(spark, settings, clean, days)
            else:
                replace_days(spark, clean, settings.table_path("silver", table), days)
        finally:
            clean.unpersist()
            quarantine.unpersist()
            cleaned.release()
    log.info("silver/%s %s..%s: %s", table, days[0] if days else "-", days[-1] if days else "-",
             counts.as_metadata())
    return counts


# A day's case versions update rows all over the history (the valid_to of a case's previous version, the
# latest state of a case reported weeks ago). With deletion vectors a MERGE marks the replaced rows instead of
# rewriting every file that holds one: at scale 4 the daily MERGE copied 980,293 rows of cases_history to
# update 154. Statistics are kept on the columns a day's read selects by; dt is the 34th column, past the 32
# Delta indexes by default, so without them every read of a day scanned the whole table.
_CASE_STATS = "case_no,version,event_time,cell_id,problem_type,status,dt"
CASE_TABLE_PROPERTIES = {
    "cases_history": {"delta.enableDeletionVectors": "true",
                      "delta.dataSkippingStatsColumns": _CASE_STATS + ",valid_from,valid_to"},
    "cases": {"delta.enableDeletionVectors": "true", "delta.dataSkippingStatsColumns": _CASE_STATS + ",updated_at"},
}


def _write_case_tables(spark: SparkSession, settings: Settings, clean: DataFrame, days: list[str]) -> None:
    """SCD2 history of the cases these days touch (a late version changes an earlier version's valid_to),
    then their latest state; cases with no version in these days keep their rows as they are.

    A case is touched when it has a version in these days, now or before this run. Its versions from other
    days are read back so its whole history is recomputed; rows of these days that are gone (a version
    quarantined on a re-run) are deleted. A case's latest-state row carries the day of its latest version,
    so a case whose every version was in these days and is gone is found by the same day scope.
    """
    hist_path = settings.table_path("silver", "cases_history")
    cases_path = settings.table_path("silver", "cases")
    older = read_other_days(spark, hist_path, days)
    versions = clean
    if older is not None:
        if is_delta(spark, cases_path):  # else (a run stopped between the two writes) rebuild every case
            before = spark.read.format("delta").load(hist_path).where(F.col("dt").isin(days)).select("case_no")
            older = narrow_to_keys(older, clean.select("case_no").union(before), ["case_no"])
        versions = older.select(*clean.columns).unionByName(clean)
    # A snapshot, not a cache: it reads rows of these days that the first MERGE deletes, and Delta recomputes
    # cached frames that read a table it has just written.
    history = case_history(versions).localCheckpoint()
    merge_by_key(spark, history, hist_path, ["case_no", "version"], delete_scope_days=days,
                 properties=CASE_TABLE_PROPERTIES["cases_history"])
    merge_by_key(spark, latest_cases(history), cases_path, ["case_no"], delete_scope_days=days,
                 properties=CASE_TABLE_PROPERTIES["cases"])


def refresh_reports(spark: SparkSession, settings: Settings, days: list[str], city: City | None = None,
                    classifier: Classifier | None = None, rule: MergeRule | None = None) -> SilverCounts:
    """Reports of some days from the silver sources, typed, each given its incident (existing ids kept)."""
    city = city or load_city()
    tables = {}
    for source in REPORT_SOURCES:
        path = settings.table_path("silver", spec(source).table)
        if is_delta(spark, path):
            df = spark.read.format("delta").load(path)
            if source == "cases":
                # A case's report belongs to the day of its first version; keep cases whose first version is here
                # (such a case has a version in these days, so only those cases are looked at).
                df = narrow_to_keys(df, df.where(F.col("dt").cast("string").isin(days)), ["case_no"], optional=True)
                first_day = df.groupBy("case_no").agg(F.min_by("dt", "version").alias("__first_dt"))
                df = df.join(first_day, "case_no").where(F.col("__first_dt").cast("string").isin(days))
                df = df.drop("__first_dt")
            else:
                df = df.where(F.col("dt").cast("string").isin(days))
            tables[source] = df
    if not tables:
        return SilverCounts()
    reports = type_reports(build_reports(tables), classifier)
    path = settings.table_path("silver", "reports")
    existing = spark.read.format("delta").load(path) if is_delta(spark, path) else None
    if existing is not None:
        known = existing.select("report_id", F.col("incident_id").alias("__known"))
        reports = reports.drop("incident_id").join(known, "report_id", "left").withColumnRenamed(
            "__known", "incident_id")
    reports = reports.persist()
    fresh = reports.where(F.col("incident_id").isNull())
    kept = reports.where(F.col("incident_id").isNotNull())
    # Counted before the MERGE: Delta recomputes cached frames that read a table it has just written, and after
    # the write every report has a known incident.
    counts = SilverCounts(rows_in=reports.count(), extra={"new_reports": fresh.count()})
    if counts.extra["new_reports"]:
        others = existing.where(~F.col("dt").cast("string").isin(days)) if existing is not None else None
        if others is not None:
            others = others.unionByName(kept.select(*others.columns))
        else:
            others = kept
        fresh = assign_incidents(fresh, others, city.crs, rule or MergeRule())
    out = kept.unionByName(fresh.select(*kept.columns)).select(*REPORT_COLUMNS).persist()
    counts.rows_out = out.count()
    merge_by_key(spark, out, path, ["report_id"], delete_scope_days=days, properties=REPORTS_PROPERTIES)
    reports.unpersist()
    out.unpersist()
    return counts


# silver/reports records its changes (Delta's change data feed), so silver/incidents rebuilds only the incidents
# whose reports changed; silver/incidents keeps the reports version it reflects in this table property.
REPORTS_PROPERTIES = {"delta.enableChangeDataFeed": "true"}
REPORTS_VERSION = "gridwatch.reports.version"


def _reflected_version(spark: SparkSession, ipath: str) -> int | None:
    """The silver/reports version silver/incidents was last brought up to (None: unknown, rebuild all)."""
    if not is_delta(spark, ipath):
        return None
    props = DeltaTable.forPath(spark, ipath).detail().select("properties").first()["properties"] or {}
    value = props.get(REPORTS_VERSION)
    return int(value) if value is not None and value.isdigit() else None


def _changed_incidents(spark: SparkSession, rpath: str, start: int, end: int) -> DataFrame | None:
    """incident_id of every report inserted, updated (before and after) or deleted in reports versions
    start..end; None when the change feed cannot say (not kept for part of that range, or vacuumed)."""
    try:
        changes = (spark.read.format("delta").option("readChangeFeed", "true")
                   .option("startingVersion", start).option("endingVersion", end).load(rpath))
        ids = changes.where(F.col("incident_id").isNotNull()).select("incident_id").distinct().localCheckpoint()
    except (PySparkException, Py4JJavaError) as exc:
        log.warning("silver/reports changes %d..%d unreadable (%s); rebuilding every incident", start, end,
                    str(exc).splitlines()[0])
        return None
    return ids


def refresh_incidents(spark: SparkSession, settings: Settings) -> SilverCounts:
    """Incidents from reports (derived, so always complete), MERGEd on incident_id.

    Only incidents with a report that changed since the last refresh are rebuilt (from all their reports);
    the first refresh, or one the change feed cannot serve, rebuilds every incident.
    """
    rpath, ipath = settings.table_path("silver", "reports"), settings.table_path("silver", "incidents")
    if not is_delta(spark, rpath):
        return SilverCounts()
    version = delta_version(spark, rpath)
    reports = spark.read.format("delta").option("versionAsOf", version).load(rpath)
    done = _reflected_version(spark, ipath)
    counts = SilverCounts(extra={"rebuilt": "none", "incidents_rebuilt": 0})
    if done != version:
        changed = _changed_incidents(spark, rpath, done + 1, version) if done is not None and done < version else None
        if changed is None:
            incidents = build_incidents(reports).persist()
            merge_by_key(spark, incidents, ipath, ["incident_id"], delete_missing=True)
        else:
            incidents = build_incidents(narrow_to_keys(reports, changed, ["incident_id"])).persist()
            merge_by_key(spark, incidents, ipath, ["incident_id"], delete_scope_keys=changed)
        counts.extra = {"rebuilt": "all" if changed is None else "changed", "incidents_rebuilt": incidents.count()}
        incidents.unpersist()
        spark.sql(f"ALTER TABLE delta.`{ipath}` SET TBLPROPERTIES ('{REPORTS_VERSION}' = '{version}')")
    rate = merge_rate(reports)
    table = spark.read.format("delta").load(ipath)
    counts.rows_in, counts.rows_out = rate["reports"], rate["incidents"]
    by_source = {r["first_source"]: int(r["n"]) for r in
                 table.groupBy("first_source").agg(F.count("*").alias("n")).collect()}
    counts.extra.update({"merge_rate": round(rate["merge_rate"], 4),
                         "multi_source_incidents": table.where(F.size("sources") > 1).count(),
                         "first_source": by_source})
    return counts
