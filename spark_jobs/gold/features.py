"""gold/features: the dense cell x week x type panel with its target and strictly causal features.

One pass builds it: every weekly series (own counts, neighbour rings, other types, sensors) becomes
sparse rows keyed by (cell_id, problem_type, week_start), unioned with a zero skeleton over the cell
universe, summed once, and windowed once over (cell_id, problem_type) ordered by week. A window frame
that ends at -1 sees only earlier weeks, so the row for week W knows what a forecast made at the end of
week W-1 could know. Rebuilding some weeks reads only LOOKBACK_WEEKS of history plus a carried-in sum
for the unbounded features (long-run mean, EWMA), so it matches the full build exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from gridwatch.city import GridSpec
from gridwatch.taxonomy import FORECAST_TYPES, PROBLEM_TYPES
from spark_jobs.gold import spatial
from spark_jobs.gold.calendar_weeks import calendar_frame
from spark_jobs.gold.cases import CaseSignals
from spark_jobs.gold.places import PlaceFeatures
from spark_jobs.gold.spec import (
    EWM_HALF_LIVES,
    KEYS,
    LAGS,
    LOOKBACK_WEEKS,
    NBR_WINDOWS,
    OTHER_WINDOW,
    ROLL_WINDOWS,
    SENSOR_WINDOW,
    SYWLY_LAG,
)
from spark_jobs.gold.weeks import iso_week_label, week_range

log = logging.getLogger(__name__)


@dataclass
class FeatureSources:
    """What the feature panel is built from; a source left as None yields no features of its kind."""

    grid_week: DataFrame                     # gold/grid_week
    cells: DataFrame                         # the cell universe (universe.UNIVERSE_COLUMNS)
    grid: GridSpec
    types: tuple[str, ...] = FORECAST_TYPES  # the panel's problem types
    count_types: tuple[str, ...] = PROBLEM_TYPES  # types whose counts become other_ features
    calendar_country: str | None = "CN"
    panel_start: date | None = None          # default: first week of grid_week
    places: PlaceFeatures | None = None      # places.place_features_by_week
    video: DataFrame | None = None           # sensors.video_weekly
    truck: DataFrame | None = None           # sensors.truck_dwell_weekly
    dust: DataFrame | None = None            # sensors.dust_cell_weekly
    cases: CaseSignals | None = None         # cases.case_signals (already per target week)


def panel_bounds(grid_week: DataFrame) -> tuple[date, date]:
    """First and last week with any count in gold/grid_week."""
    row = grid_week.agg(F.min("week_start"), F.max("week_start")).first()
    if row is None or row[0] is None:
        raise ValueError("gold/grid_week is empty: no weeks to build features for")
    return row[0], row[1]


def panel_weeks(src: FeatureSources) -> tuple[list[date], date]:
    """All weeks of the panel (first week .. the week after the last data week) and the last data week."""
    first, last = panel_bounds(src.grid_week)
    return week_range(src.panel_start or first, last + timedelta(weeks=1)), last


def _series(df: DataFrame, **cols: Column) -> DataFrame:
    return df.select(F.col("cell_id").cast("long"), "problem_type", F.col("week_start").cast("date"),
                     *[c.cast("double").alias(n) for n, c in cols.items()])


def _per_type(df: DataFrame, types: Sequence[str], spark: SparkSession) -> DataFrame:
    """Cell-level weekly rows copied to every panel type."""
    return df.crossJoin(F.broadcast(spark.createDataFrame([(t,) for t in types], "problem_type string")))


def _ratio(r: float, exponent: Column) -> Column:
    return F.pow(F.lit(r), exponent)


def build_features(spark: SparkSession, src: FeatureSources, weeks: Sequence[date] | None = None) -> DataFrame:
    """Feature rows for the given target weeks (default: every panel week), y null after the last data week."""
    all_weeks, last_data = panel_weeks(src)
    start = all_weeks[0]
    targets = sorted(set(weeks) & set(all_weeks)) if weeks is not None else all_weeks
    if not targets:
        raise ValueError(f"no target week inside the panel {all_weeks[0]}..{all_weeks[-1]}")
    h0 = max(start, targets[0] - timedelta(weeks=LOOKBACK_WEEKS))
    h1 = targets[-1]
    types = list(src.types)
    in_hist = F.col("week_start").between(F.lit(h0), F.lit(h1))
    gw = src.grid_week.where(F.col("incidents") > 0)
    own = gw.where(F.col("problem_type").isin(types))

    parts: list[DataFrame] = []
    cells = src.cells.select(F.col("cell_id").cast("long"))
    skeleton = (cells.crossJoin(spark.createDataFrame([(t,) for t in types], "problem_type string"))
                .crossJoin(spark.createDataFrame([(w,) for w in week_range(h0, h1)], "week_start date")))
    parts.append(_series(skeleton, y=F.lit(0)))
    hist = own.where(in_hist)
    parts.append(_series(hist, y=F.col("incidents")))
    offsets = spatial.ring_offsets(spark, 2)
    spread = spatial.spread_to_neighbours(hist.select("cell_id", "problem_type", "week_start", "incidents"),
                                          offsets, src.grid)
    parts.append(_series(spread, nbr1=F.when(F.col("ring") == 1, F.col("incidents")), nbr2=F.col("incidents")))

    count_types = list(src.count_types)
    cell_level = gw.where(in_hist & F.col("problem_type").isin(count_types))
    parts.append(_series(_per_type(cell_level.withColumnRenamed("problem_type", "counted"), types, spark),
                         **{f"other_{t}": F.when(F.col("counted") == t, F.col("incidents")) for t in count_types}))

    if src.video is not None:
        v = src.video.where(in_hist)
        parts.append(_series(v, video_cell=F.col("detections")))
        ring1 = spatial.spread_to_neighbours(v, offsets.where("ring = 1"), src.grid)
        parts.append(_series(ring1, video_nbr1=F.col("detections")))
    if src.truck is not None:
        tr = src.truck.where(in_hist)
        parts.append(_series(_per_type(tr, types, spark), truck_cell=F.col("dwell_min")))
        ring1 = spatial.spread_to_neighbours(tr, offsets.where("ring = 1"), src.grid)
        parts.append(_series(_per_type(ring1, types, spark), truck_nbr1=F.col("dwell_min")))
    if src.dust is not None:
        parts.append(_series(_per_type(src.dust.where(in_hist), types, spark), dust_h=F.col("exceed_hours")))
    case_cols: list[str] = []
    if src.cases is not None:
        per_type = src.cases.per_type.where(F.col("week_start").isin(targets))
        per_cell = _per_type(src.cases.per_cell.where(F.col("week_start").isin(targets)), types, spark)
        for frame in (per_type, per_cell):
            cols = [c for c in frame.columns if c.startswith("case_")]
            parts.append(_series(frame, **{c: F.col(c) for c in cols}))
            case_cols += cols

    counts_pdf = (own.where(F.col("week_start").between(F.lit(targets[0] - timedelta(weeks=8)), F.lit(h1)))
                  .select("cell_id", "problem_type", "week_start", "incidents").toPandas())
    kde = spatial.kernel_density(counts_pdf, src.cells.select("cell_id").toPandas(), src.grid, types, targets)
    kde_cols = [c for c in kde.columns if c.startswith("kde_")]
    if len(kde):
        kde_schema = "cell_id long, week_start date, problem_type string, " + ", ".join(f"{c} float" for c in kde_cols)
        parts.append(_series(spark.createDataFrame(kde[["cell_id", "week_start", "problem_type", *kde_cols]], kde_schema),
                             **{c: F.col(c) for c in kde_cols}))

    carry_cols: list[str] = []
    if h0 > start:  # unbounded features: what the weeks before the window contributed, carried in at h0
        before = own.where((F.col("week_start") < F.lit(h0)) & (F.col("week_start") >= F.lit(start)))
        age = F.datediff(F.lit(h0), F.col("week_start")) / 7 - 1
        carry = {"carry_sum": F.col("incidents")}
        carry |= {f"carry_ewm{h}": F.col("incidents") * _ratio(0.5 ** (1 / h), age) for h in EWM_HALF_LIVES}
        carried = before.select("cell_id", "problem_type", *[c.alias(n) for n, c in carry.items()])
        parts.append(_series(carried.withColumn("week_start", F.lit(h0)), **{n: F.col(n) for n in carry}))
        carry_cols = list(carry)

    union = parts[0]
    for p in parts[1:]:
        union = union.unionByName(p, allowMissingColumns=True)
    metrics = [c for c in union.columns if c not in KEYS]
    # One shuffle by (cell, type): the aggregation and the window below both reuse its partitioning.
    # Signals of other types (case counts per type, ...) only feed the forecast types' own columns.
    dense = (union.where(F.col("problem_type").isin(types)).join(F.broadcast(cells), "cell_id", "left_semi")
             .repartition("cell_id", "problem_type")
             .groupBy(KEYS).agg(*[F.sum(c).alias(c) for c in metrics]))
    out = _windowed(dense, metrics, case_cols, kde_cols, carry_cols, start, h0, count_types)
    out = out.where(F.col("week_start").isin(targets))
    out = out.withColumn("y", F.when(F.col("week_start") <= F.lit(last_data), F.col("y")).cast("int"))
    for t in count_types:
        for c in (f"other_{t}_lag1", f"other_{t}_roll_mean_{OTHER_WINDOW}"):
            out = out.withColumn(c, F.when(F.col("problem_type") != t, F.col(c)))
    return _decorate(spark, out, src, targets)


def _windowed(dense: DataFrame, metrics: list[str], case_cols: list[str], kde_cols: list[str],
              carry_cols: list[str], start: date, h0: date, count_types: list[str]) -> DataFrame:
    """All windowed features in one select over (cell_id, problem_type) ordered by week."""
    w = Window.partitionBy("cell_id", "problem_type").orderBy("week_start")
    past = w.rowsBetween(Window.unboundedPreceding, -1)
    whole = w.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)

    def z(c: str) -> Column:
        return F.coalesce(F.col(c), F.lit(0.0)) if c in metrics else F.lit(0.0)

    n_before = (F.datediff(F.col("week_start"), F.lit(start)) / 7).cast("int")
    idx = (F.datediff(F.col("week_start"), F.lit(h0)) / 7).cast("int")
    # Rolling means from running sums: a sliding frame re-aggregates its k rows for every row (k up to
    # 52, for ~10 series, over ~10 million rows in the default city), a running sum costs one addition.
    # Every (cell, type) has exactly one row per week from h0 on, so the k weeks before a row are its
    # k preceding rows and a row at position idx has min(k, idx) of them.
    rolled = ["y", "nbr1", "nbr2", *[f"other_{t}" for t in count_types],
              *[m for m in ("video_cell", "video_nbr1", "truck_cell", "dust_h") if m in metrics]]
    running = w.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    dense = dense.select("*", *[F.sum(z(c)).over(running).alias(f"__cs_{c}") for c in rolled])

    def mean(c: str, k: int) -> Column:
        cs = F.col(f"__cs_{c}")
        return (F.lag(cs, 1).over(w) - F.coalesce(F.lag(cs, k + 1).over(w), F.lit(0.0))) / F.least(idx, F.lit(k))

    y = z("y")
    cols: dict[str, Column] = {"y": y}
    for k in LAGS:
        cols[f"lag_{k}"] = F.lag(y, k).over(w)
    for k in ROLL_WINDOWS:
        cols[f"roll_mean_{k}"] = mean("y", k)
    carried = F.sum(z("carry_sum")).over(whole) if carry_cols else F.lit(0.0)
    cols["longrun_mean"] = F.when(n_before > 0, (carried + F.coalesce(F.sum(y).over(past), F.lit(0.0))) / n_before)
    for h in EWM_HALF_LIVES:
        r = 0.5 ** (1 / h)
        carry_h = F.sum(z(f"carry_ewm{h}")).over(whole) if carry_cols else F.lit(0.0)
        inside = F.coalesce(F.sum(y * _ratio(r, -idx)).over(past), F.lit(0.0)) * _ratio(r, idx - 1)
        norm = (1 - _ratio(r, n_before)) / (1 - r)
        cols[f"ewm_hl{h}"] = F.when(n_before > 0, (carry_h * _ratio(r, idx) + inside) / norm)
    cols["sywly_lag52"] = F.lag(y, SYWLY_LAG).over(w)
    year_ago = w.rowsBetween(-SYWLY_LAG - 1, -SYWLY_LAG + 1)
    cols["sywly_mean3"] = F.when(F.count(y).over(year_ago) == 3, F.avg(y).over(year_ago))
    for ring in (1, 2):
        s = z(f"nbr{ring}")
        cols[f"nbr{ring}_lag1"] = F.lag(s, 1).over(w)
        for k in NBR_WINDOWS:
            cols[f"nbr{ring}_roll_mean_{k}"] = mean(f"nbr{ring}", k)
    cols["nearrep_r1_w1"] = F.lag(y + z("nbr1"), 1).over(w)
    cols["nearrep_r1_w2"] = F.sum(y + z("nbr1")).over(w.rowsBetween(-2, -1))
    cols["nearrep_r2_w2"] = F.sum(y + z("nbr2")).over(w.rowsBetween(-2, -1))
    for t in count_types:
        cols[f"other_{t}_lag1"] = F.lag(z(f"other_{t}"), 1).over(w)
        cols[f"other_{t}_roll_mean_{OTHER_WINDOW}"] = mean(f"other_{t}", OTHER_WINDOW)
    sensors = {"video_cell": "video_cell", "video_nbr1": "video_nbr1", "truck_cell": "truck_dwell_min",
               "truck_nbr1": "truck_dwell_min_nbr1", "dust_h": "dust_exceed_h"}
    for metric, name in sensors.items():
        if metric in metrics:
            cols[f"{name}_lag1"] = F.lag(z(metric), 1).over(w)
            if metric != "truck_nbr1":
                cols[f"{name}_roll_mean_{SENSOR_WINDOW}"] = mean(metric, SENSOR_WINDOW)
    for c in case_cols + kde_cols:
        cols[c] = z(c)
    return dense.select(*KEYS, *[c.alias(n) for n, c in cols.items()])


def _decorate(spark: SparkSession, out: DataFrame, src: FeatureSources, targets: list[date]) -> DataFrame:
    """Add cell attributes, places and calendar (all broadcast), iso_week; features as float."""
    attrs = F.broadcast(src.cells.select(F.col("cell_id").cast("long"), "grid_code", "district_code"))
    out = out.join(attrs, "cell_id", "inner")
    if src.places is not None:
        runs = src.places.runs()
        runs = spark.createDataFrame(runs.assign(week_from=pd.to_datetime(runs["week_from"]).dt.date,
                                                 week_to=pd.to_datetime(runs["week_to"]).dt.date))
        p = runs.alias("p")
        held = ((F.col("o.cell_id") == F.col("p.cell_id"))
                & F.col("o.week_start").between(F.col("p.week_from"), F.col("p.week_to")))
        out = (out.alias("o").join(F.broadcast(p), held, "left")
               .select("o.*", *[F.col(f"p.{c}") for c in runs.columns if c.startswith("place_")]))
    if src.calendar_country:
        out = out.join(F.broadcast(spark.createDataFrame(calendar_frame(targets, src.calendar_country))),
                       "week_start", "left")
    ids = ["cell_id", "grid_code", "district_code", "week_start", "iso_week", "problem_type", "y"]
    out = out.withColumn("iso_week", iso_week_label(F.col("week_start")))
    feats = [c for c in out.columns if c not in ids]
    return out.select(*ids, *[F.col(c).cast("float").alias(c) for c in feats])


def feature_columns(df: DataFrame) -> list[str]:
    """The feature columns of a gold/features frame (everything but ids and target)."""
    ids = {"cell_id", "grid_code", "district_code", "week_start", "iso_week", "problem_type", "y"}
    return [c for c in df.columns if c not in ids]
