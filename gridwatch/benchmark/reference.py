"""The gold aggregation (cell × week × type counts and their lags) in Spark and, as a reference, in DuckDB.

Both engines compute the same table from the same silver Delta tables: incidents and reports per
cell, ISO week (Monday, Asia/Shanghai) and problem type, densified over the weeks of every (cell, type)
that occurs, with lags and trailing means of the incident count. Spark uses the gold layer's own
`grid_week`; DuckDB reads the Delta tables through delta-rs as Arrow. A checksum proves they agree.
"""

from __future__ import annotations

import logging
import time

from gridwatch.settings import Settings

log = logging.getLogger(__name__)

LAGS = (1, 2, 3, 4)
MEANS = (4, 8)
RUNS = 2  # best of two: the first run of each engine also warms its caches


def spark_grid_week_lags(spark, settings: Settings):
    """Spark: gold's grid_week on silver, densified per (cell, type) over the weeks, with lags and means."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from spark_jobs.gold.grid_week import grid_week

    read = lambda t: spark.read.format("delta").load(settings.table_path("silver", t))  # noqa: E731
    gw = grid_week(read("incidents"), read("reports"))
    span = gw.agg(F.min("week_start").alias("a"), F.max("week_start").alias("b"))
    weeks = span.select(F.explode(F.sequence("a", "b", F.expr("interval 7 days"))).alias("week_start"))
    pairs = gw.select("cell_id", "problem_type").distinct()
    dense = (pairs.crossJoin(F.broadcast(weeks))
             .join(gw.select("cell_id", "problem_type", "week_start", "incidents", "reports"),
                   ["cell_id", "problem_type", "week_start"], "left")
             .fillna(0, ["incidents", "reports"]))
    w = Window.partitionBy("cell_id", "problem_type").orderBy("week_start")
    cols = [F.lag("incidents", k).over(w).alias(f"lag_{k}") for k in LAGS]
    cols += [F.avg("incidents").over(w.rowsBetween(-k, -1)).alias(f"mean_{k}") for k in MEANS]
    return dense.select("cell_id", "problem_type", "week_start", "incidents", "reports", *cols)


def duckdb_sql() -> str:
    """The same table in DuckDB SQL over `incidents` and `reports` (Arrow datasets)."""
    lags = ", ".join(f"lag(incidents, {k}) OVER w AS lag_{k}" for k in LAGS)
    means = ", ".join(f"avg(incidents) OVER (w ROWS BETWEEN {k} PRECEDING AND 1 PRECEDING) AS mean_{k}"
                      for k in MEANS)
    return f"""
    WITH inc AS (
        SELECT cell_id, problem_type, week_start, count(*) AS incidents
        FROM incidents WHERE cell_id IS NOT NULL GROUP BY ALL),
    rep AS (
        SELECT cell_id, problem_type, CAST(date_trunc('week', event_time) AS DATE) AS week_start,
               count(*) AS reports
        FROM reports WHERE cell_id IS NOT NULL GROUP BY ALL),
    gw AS (
        SELECT coalesce(i.cell_id, r.cell_id) AS cell_id, coalesce(i.problem_type, r.problem_type) AS problem_type,
               coalesce(i.week_start, r.week_start) AS week_start,
               coalesce(i.incidents, 0) AS incidents, coalesce(r.reports, 0) AS reports
        FROM inc i FULL OUTER JOIN rep r USING (cell_id, problem_type, week_start)),
    weeks AS (
        SELECT CAST(unnest(generate_series(min(week_start), max(week_start), INTERVAL 7 DAY)) AS DATE) AS week_start
        FROM gw),
    dense AS (
        SELECT p.cell_id, p.problem_type, w.week_start,
               coalesce(g.incidents, 0) AS incidents, coalesce(g.reports, 0) AS reports
        FROM (SELECT DISTINCT cell_id, problem_type FROM gw) p CROSS JOIN weeks w
        LEFT JOIN gw g USING (cell_id, problem_type, week_start))
    SELECT cell_id, problem_type, week_start, incidents, reports, {lags}, {means}
    FROM dense
    WINDOW w AS (PARTITION BY cell_id, problem_type ORDER BY week_start)
    """


def _checksum_sql(table: str) -> str:
    return (f"SELECT count(*) AS n, sum(incidents) AS inc, sum(reports) AS rep, sum(lag_1) AS lag1, "
            f"sum(lag_4) AS lag4, round(sum(mean_8), 3) AS mean8 FROM {table}")


def run_duckdb(settings: Settings, threads: int = 2) -> tuple[float, dict]:
    """Best-of-two wall seconds of the DuckDB query (reading Delta via delta-rs) and its checksum."""
    import duckdb
    from deltalake import DeltaTable

    best, checksum = float("inf"), {}
    for _ in range(RUNS):
        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")
        con.execute("SET TimeZone = 'Asia/Shanghai'")  # ISO weeks of local wall-clock time, as in Spark
        incidents = DeltaTable(settings.table_path("silver", "incidents")).to_pyarrow_dataset()  # noqa: F841
        reports = DeltaTable(settings.table_path("silver", "reports")).to_pyarrow_dataset()  # noqa: F841
        con.register("incidents", incidents)
        con.register("reports", reports)
        con.execute(f"CREATE TEMP TABLE result AS {duckdb_sql()}")
        best = min(best, time.perf_counter() - t0)
        row = con.execute(_checksum_sql("result")).fetchone()
        checksum = dict(zip(["rows", "incidents", "reports", "lag_1", "lag_4", "mean_8"], row, strict=True))
        con.close()
    return best, _plain(checksum)


def run_spark(spark, settings: Settings) -> tuple[float, dict]:
    """Best-of-two wall seconds of the Spark plan (computed in full, written to the noop sink) and its checksum."""
    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        spark_grid_week_lags(spark, settings).write.format("noop").mode("overwrite").save()
        best = min(best, time.perf_counter() - t0)
    spark_grid_week_lags(spark, settings).createOrReplaceTempView("gridwatch_bench_reference")
    row = spark.sql(_checksum_sql("gridwatch_bench_reference")).first()
    checksum = dict(zip(["rows", "incidents", "reports", "lag_1", "lag_4", "mean_8"], row, strict=True))
    return best, _plain(checksum)


def compare(spark, settings: Settings) -> dict:
    """Spark and DuckDB seconds, their ratio, and whether both computed the same table."""
    spark_s, spark_sum = run_spark(spark, settings)
    duck_s, duck_sum = run_duckdb(settings)
    same = spark_sum == duck_sum
    if not same:
        log.warning("Spark and DuckDB disagree: %s vs %s", spark_sum, duck_sum)
    return {"spark_seconds": round(spark_s, 3), "duckdb_seconds": round(duck_s, 3),
            "ratio": round(spark_s / duck_s, 2) if duck_s else None, "rows": spark_sum.get("rows"),
            "same_result": same, "spark_checksum": spark_sum, "duckdb_checksum": duck_sum}


def _plain(d: dict) -> dict:
    return {k: (round(float(v), 3) if isinstance(v, float) else (int(v) if v is not None else None))
            for k, v in d.items()}
