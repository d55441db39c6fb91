"""One incident per real event: reports of one problem type close in space and time merge, with stable ids."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from gridwatch.taxonomy import minor_codes
from spark_jobs.crs import project_np
from spark_jobs.silver.codes import CODE, CODE_OVERRIDDEN, TEXT, UNMAPPED

log = logging.getLogger(__name__)

REPORT_COLUMNS = [
    "report_id", "source", "source_key", "event_time", "dt", "lon", "lat", "cell_id", "grid_code",
    "district_code", "street_code", "community_code", "problem_type", "minor_code", "type_origin", "text",
    "caller_token", "batch_id", "source_file", "line", "incident_id",
]
INCIDENT_COLUMNS = [
    "incident_id", "problem_type", "minor_code", "event_time", "last_time", "lon", "lat", "cell_id", "grid_code",
    "district_code", "street_code", "community_code", "week_start", "iso_week", "sources", "report_ids",
    "n_reports", "first_source",
]
TEXT_SOURCES = ("hotline", "police110")
# Per source: (key column, text column, caller column) in its silver table.
REPORT_SOURCES = {
    "hotline": ("order_no", "content", "caller_token"),
    "police110": ("jjdbh", "bjnr", "caller_token"),
    "video": ("detection_id", None, None),
    "cases": ("case_no", "description", None),
}
# Video detections below this confidence are false alarms or brief stops: sensor signal, not incidents.
VIDEO_MIN_CONFIDENCE = 0.6
Classifier = Callable[[pd.Series], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class MergeRule:
    """When two reports are one incident: same problem type, within distance_m and window_min of its first report."""

    distance_m: float = 150.0
    window_min: float = 60.0


# ---------------------------------------------------------------- reports

def source_reports(df: DataFrame, source: str) -> DataFrame:
    """Reports (REPORT_COLUMNS, incident_id null) from one silver source table."""
    key, text, caller = REPORT_SOURCES[source]
    if source == "cases":
        # A case is one report: its first version (lowest version number that was accepted).
        first = Window.partitionBy("case_no").orderBy("version")
        df = df.withColumn("__v", F.row_number().over(first)).where(F.col("__v") == 1).drop("__v")
    if source == "video":
        df = df.where(F.col("confidence") >= VIDEO_MIN_CONFIDENCE)
    return df.select(
        F.concat(F.lit(f"{source}:"), F.col(key)).alias("report_id"),
        F.lit(source).alias("source"),
        F.col(key).alias("source_key"),
        "event_time", "dt", "lon", "lat", F.col("cell_id").cast("long").alias("cell_id"), "grid_code",
        "district_code", "street_code", "community_code", "problem_type", "minor_code", "type_origin",
        (F.col(text) if text else F.lit(None).cast("string")).alias("text"),
        (F.col(caller) if caller else F.lit(None).cast("string")).alias("caller_token"),
        "batch_id", "source_file", F.col("line").cast("int").alias("line"),
        F.lit(None).cast("string").alias("incident_id"),
    )


def build_reports(tables: dict[str, DataFrame]) -> DataFrame:
    """Every accepted hotline, 110, video and case record as one report (incident_id still null)."""
    parts = [source_reports(df, src) for src, df in tables.items() if df is not None]
    out = parts[0]
    for p in parts[1:]:
        out = out.unionByName(p)
    return out


def _default_minor() -> dict[str, str]:
    mc = minor_codes()
    return mc.drop_duplicates("problem_type").set_index("problem_type")["minor_code"].to_dict()


def type_reports(df: DataFrame, classifier: Classifier | None = None, threshold: float = 0.8) -> DataFrame:
    """Let a text classifier type hotline/110 reports whose code is unmapped or contradicts the text.

    classifier takes a pandas Series of texts and returns (problem_type, confidence) arrays; without one the
    reports keep their code-based type.
    """
    if classifier is None:
        return df
    default_minor = _default_minor()
    schema = df.schema

    def apply(batches):
        for pdf in batches:
            mask = pdf["source"].isin(TEXT_SOURCES).to_numpy() & pdf["text"].notna().to_numpy()
            if mask.any():
                types, conf = classifier(pdf.loc[mask, "text"].astype(str).reset_index(drop=True))
                types, conf = np.asarray(types, dtype=object), np.asarray(conf, dtype=float)
                idx = pdf.index[mask]
                sure = conf >= threshold
                unmapped = (pdf.loc[idx, "type_origin"] == UNMAPPED).to_numpy()
                differs = (pdf.loc[idx, "problem_type"].to_numpy() != types)
                by_text = sure & unmapped
                override = sure & ~unmapped & differs & (pdf.loc[idx, "type_origin"] == CODE).to_numpy()
                for sel, origin in ((by_text, TEXT), (override, CODE_OVERRIDDEN)):
                    rows = idx[sel]
                    pdf.loc[rows, "problem_type"] = types[sel]
                    pdf.loc[rows, "minor_code"] = [default_minor.get(t, "0999") for t in types[sel]]
                    pdf.loc[rows, "type_origin"] = origin
            yield pdf

    return df.mapInPandas(apply, schema)


# ---------------------------------------------------------------- incident assignment

def _cluster(pdf: pd.DataFrame, rule: MergeRule, crs: str) -> pd.DataFrame:
    """Assign incident ids to new reports (incident_id null) of one problem type, given existing members.

    Anchors (each incident's first report) sit in buckets of the merge distance by the merge window, so a
    report looks only at the 3 x 3 x 3 buckets around it: every match is within them, and the work stays
    proportional to the reports rather than to reports times all incidents ever seen nearby.
    """
    window = pd.Timedelta(minutes=rule.window_min)
    d2 = rule.distance_m ** 2
    size, span = rule.distance_m, window.value  # |t - t0| <= window: t0 lies in the time bucket or one beside
    x, y = project_np(pdf["lon"].to_numpy(float), pdf["lat"].to_numpy(float), crs)
    pdf = pdf.assign(__x=x, __y=y, __t=pd.to_datetime(pdf["event_time"]))
    anchors: dict[str, tuple[pd.Timestamp, float, float, str]] = {}  # id -> (t0, x, y, first report id)
    buckets: dict[tuple[int, int, int], set[str]] = {}

    def bucket(t, ax: float, ay: float) -> tuple[int, int, int]:
        return int(ax // size), int(ay // size), t.value // span

    def put(inc: str, t0, ax: float, ay: float, rid: str) -> None:
        old = anchors.get(inc)
        if old is not None:
            buckets[bucket(*old[:3])].discard(inc)
        anchors[inc] = (t0, ax, ay, rid)
        buckets.setdefault(bucket(t0, ax, ay), set()).add(inc)

    members = pdf[pdf["incident_id"].notna()].sort_values(["__t", "report_id"])
    for inc, g in members.groupby("incident_id", sort=False):
        r = g.iloc[0]
        put(inc, r["__t"], r["__x"], r["__y"], r["report_id"])
    new = pdf[pdf["incident_id"].isna()].sort_values(["__t", "report_id"])
    out_ids = []
    for rid, t, rx, ry in zip(new["report_id"], new["__t"], new["__x"], new["__y"], strict=True):
        bx, by, bt = bucket(t, rx, ry)
        best, best_key = None, None
        for i, j, k in itertools.product((-1, 0, 1), repeat=3):
            for inc in buckets.get((bx + i, by + j, bt + k), ()):
                t0, ax, ay, first = anchors[inc]
                dist2 = (rx - ax) ** 2 + (ry - ay) ** 2
                if dist2 <= d2 and abs(t - t0) <= window:
                    key = (dist2, t0, inc)
                    if best_key is None or key < best_key:
                        best, best_key = inc, key
        if best is None:
            best = f"inc:{rid}"
            put(best, t, rx, ry, rid)
        elif (t, rid) < (anchors[best][0], anchors[best][3]):
            put(best, t, rx, ry, rid)  # an earlier report (arrived late) becomes the incident's anchor
        out_ids.append(best)
    return pd.DataFrame({"report_id": pd.Series(new["report_id"].to_numpy(), dtype=object),
                         "incident_id": pd.Series(out_ids, dtype=object)})


def assign_incidents(new_reports: DataFrame, existing_reports: DataFrame | None, crs: str,
                     rule: MergeRule = MergeRule()) -> DataFrame:
    """Give each new report an incident id: join a nearby existing incident of its type, or found a new one.

    Existing reports keep their incident ids; a new report joins the incident whose first report is within
    the rule's distance and window (nearest first), else founds `inc:<report_id>`. Ids never change.
    """
    cols = ["report_id", "problem_type", "event_time", "lon", "lat", "incident_id"]
    new = new_reports.select(*cols[:-1], F.lit(None).cast("string").alias("incident_id"))
    pool = new
    if existing_reports is not None:
        bounds = new.agg(F.min("event_time").alias("lo"), F.max("event_time").alias("hi")).first()
        if bounds["lo"] is not None:
            reach = F.expr(f"INTERVAL {int(2 * rule.window_min)} MINUTES")
            near = existing_reports.where(F.col("incident_id").isNotNull()
                                          & (F.col("event_time") >= F.lit(bounds["lo"]) - reach)
                                          & (F.col("event_time") <= F.lit(bounds["hi"]) + reach))
            ids = near.select("incident_id").distinct()
            members = existing_reports.join(ids, "incident_id", "left_semi").select(*cols)
            pool = new.unionByName(members)
    schema = StructType([StructField("report_id", StringType()), StructField("incident_id", StringType())])
    assigned = pool.groupBy("problem_type").applyInPandas(lambda pdf: _cluster(pdf, rule, crs), schema)
    return new_reports.drop("incident_id").join(assigned, "report_id", "left")


# ---------------------------------------------------------------- incidents

def _iso_week(week_start: Column) -> Column:
    return F.format_string("%d-W%02d", F.year(F.date_add(week_start, 3)), F.weekofyear(week_start))


def build_incidents(reports: DataFrame) -> DataFrame:
    """Incidents (INCIDENT_COLUMNS) from reports with incident ids: first report's place and type, every source."""
    first = Window.partitionBy("incident_id").orderBy("event_time", "report_id")
    firsts = (reports.where(F.col("incident_id").isNotNull())
              .withColumn("__n", F.row_number().over(first)).where(F.col("__n") == 1)
              .select("incident_id", "problem_type", "minor_code", "event_time", "lon", "lat", "cell_id", "grid_code",
                      "district_code", "street_code", "community_code", F.col("source").alias("first_source")))
    agg = reports.where(F.col("incident_id").isNotNull()).groupBy("incident_id").agg(
        F.max("event_time").alias("last_time"),
        F.array_sort(F.collect_set("source")).alias("sources"),
        F.array_sort(F.collect_list("report_id")).alias("report_ids"),
        F.count("*").cast("int").alias("n_reports"),
    )
    # Local (Asia/Shanghai) calendar: the session time zone is set by spark_jobs.session.build_spark.
    week_start = F.date_trunc("week", F.col("event_time")).cast("date")
    return (firsts.join(agg, "incident_id")
            .withColumns({"week_start": week_start})
            .withColumn("iso_week", _iso_week(F.col("week_start")))
            .select(*INCIDENT_COLUMNS))


def merge_rate(reports: DataFrame) -> dict[str, float]:
    """Reports, incidents, and the share of reports merged into another report's incident."""
    row = reports.agg(F.count("*").alias("reports"), F.countDistinct("incident_id").alias("incidents")).first()
    n, k = int(row["reports"]), int(row["incidents"])
    return {"reports": n, "incidents": k, "merge_rate": (n - k) / n if n else 0.0}
