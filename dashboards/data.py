"""Cached read access to the lakehouse for the app: delta-rs -> Arrow -> DuckDB, never Spark.

Each table is read once per Delta version (only the columns the app needs) and kept in memory;
queries run in DuckDB over those Arrow tables and their results are cached per filter. Public
functions apply the session's district scope before anything is read, so a district user can
never receive another district's rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import streamlit as st
from deltalake import DeltaTable

from gridwatch import deltaread
from gridwatch.settings import Settings, get_settings

log = logging.getLogger(__name__)

SCOPE_KEY = "_scope_district"  # set by the router from the access scope; None = whole city
VERSION_TTL_S = 20  # how long a table's Delta version is trusted before looking again


class TableUnavailable(Exception):
    """A table the page needs is missing or unreadable."""

    def __init__(self, table: str, error: str | None = None):
        super().__init__(table)
        self.table = table
        self.error = error


@dataclass(frozen=True)
class Table:
    layer: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.layer}/{self.name}"


UNIT_GRID = Table("silver", "unit_grid")
INCIDENTS = Table("silver", "incidents")
REPORTS = Table("silver", "reports")
QUARANTINE = Table("silver", "quarantine")
LEDGER = Table("bronze", "ingest_ledger")
GRID_WEEK = Table("gold", "grid_week")
FORECASTS = Table("gold", "forecasts")
BACKTEST = Table("gold", "backtest")
RISK_LISTS = Table("gold", "risk_lists")
LIST_SCORES = Table("gold", "list_scores")
CASE_KPIS = Table("gold", "case_kpis")


@functools.lru_cache(maxsize=8)
def _settings(home: str | None, lakehouse: str | None) -> Settings:
    return get_settings(home)


def settings() -> Settings:
    """The data home's settings (cached per GRIDWATCH_HOME / GRIDWATCH_LAKEHOUSE)."""
    return _settings(os.environ.get("GRIDWATCH_HOME"), os.environ.get("GRIDWATCH_LAKEHOUSE"))


def table_path(table: Table) -> str:
    return settings().table_path(table.layer, table.name)


@st.cache_data(ttl=VERSION_TTL_S, show_spinner=False)
def _version(path: str) -> int | None:
    """The current Delta version of a table, None if there is no table."""
    if not path.startswith(("s3", "gs", "az", "abfs")) and not (Path(path) / "_delta_log").is_dir():
        return None
    try:
        return DeltaTable(path).version()
    except Exception as exc:  # a half-written or foreign folder reads as missing
        log.warning("cannot open %s: %s", path, exc)
        return None


def version(table: Table) -> int | None:
    return _version(table_path(table))


def exists(table: Table) -> bool:
    return version(table) is not None


@st.cache_resource(max_entries=16, show_spinner=False)
def _dataset(path: str, ver: int) -> ds.Dataset:
    return deltaread.dataset(DeltaTable(path, version=ver))


@st.cache_resource(max_entries=64, show_spinner=False)
def _arrow(path: str, ver: int, columns: tuple[str, ...], encode: bool) -> pa.Table:
    """One version of a table, only the wanted columns that exist; strings dictionary-encoded if asked."""
    dataset = _dataset(path, ver)
    cols = [c for c in columns if c in dataset.schema.names] if columns else dataset.schema.names
    tbl = dataset.to_table(columns=cols)
    if encode:  # repeated codes (district, type) scan faster and weigh less as dictionaries
        for i, field in enumerate(tbl.schema):
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                tbl = tbl.set_column(i, field.name, pc.dictionary_encode(tbl.column(i)))
    return tbl


def _unavailable(table: Table, exc: Exception) -> TableUnavailable:
    return TableUnavailable(table.label, f"{type(exc).__name__}: {exc}")


def load(table: Table, columns: tuple[str, ...] = (), encode: bool = False) -> pa.Table:
    """A table held in memory as Arrow (cached per version); raises TableUnavailable when unreadable."""
    ver = version(table)
    if ver is None:
        raise TableUnavailable(table.label)
    try:
        return _arrow(table_path(table), ver, columns, encode)
    except Exception as exc:
        raise _unavailable(table, exc) from exc


def scan(table: Table, columns: tuple[str, ...], where: ds.Expression | None = None) -> pa.Table:
    """Read only the rows and columns asked for (file statistics skip the rest); for large tables."""
    ver = version(table)
    if ver is None:
        raise TableUnavailable(table.label)
    try:
        dataset = _dataset(table_path(table), ver)
        cols = [c for c in columns if c in dataset.schema.names]
        return dataset.to_table(columns=cols, filter=where)
    except Exception as exc:
        raise _unavailable(table, exc) from exc


@st.cache_resource(show_spinner=False)
def _duck() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    return con


def sql(query: str, params: list | None = None, **tables: pa.Table) -> pd.DataFrame:
    """Run DuckDB SQL over named Arrow tables on a private cursor."""
    cur = _duck().cursor()
    try:
        for name, tbl in tables.items():
            cur.register(name, tbl)
        return cur.execute(query, params or []).df()
    finally:
        cur.close()


WARMUP_ENV = "GRIDWATCH_APP_WARMUP"
_warm = threading.Event()


def warm_up() -> None:
    """Read the tables every page needs into the shared caches (city level), so first renders are warm."""
    try:
        weeks()
        _districts(fingerprint(UNIT_GRID))
        grid_frame()
        newest = weeks()[-1] if weeks() else None
        if newest:
            _type_district_counts(fingerprint(GRID_WEEK), (newest, newest - dt.timedelta(weeks=1),
                                                           newest - dt.timedelta(weeks=52)), None)
            _weekly_series(fingerprint(GRID_WEEK), None, False)
        if exists(INCIDENTS):
            week_sorted(INCIDENTS, INC_COLS)
            _source_counts_all(fingerprint(INCIDENTS))
        if exists(FORECASTS):
            forecast_weeks()
    except Exception as exc:  # warming is a courtesy; pages report real problems themselves
        log.info("warm-up stopped early: %s", exc)


def start_warm_up() -> None:
    """Warm the caches once per server process in a background thread (GRIDWATCH_APP_WARMUP=0 turns it off)."""
    if _warm.is_set() or os.environ.get(WARMUP_ENV, "1") == "0":
        return
    _warm.set()
    threading.Thread(target=warm_up, name="gridwatch-warm-up", daemon=True).start()


def fingerprint(*tables: Table) -> tuple:
    """Locations and versions of the given tables: the cache key that makes new data show up."""
    return tuple((table_path(t), version(t)) for t in tables)


class AccessDenied(Exception):
    """The request names no known user."""


def scope_district(requested: str | None = None) -> str | None:
    """The district a query may cover: the user's own district always wins over a request."""
    if SCOPE_KEY not in st.session_state:  # the router sets it; resolve here too so no path skips the check
        from dashboards.access import resolve_scope

        scope = resolve_scope(dict(st.context.headers or {}))
        if scope.denied:
            raise AccessDenied(scope.user)
        st.session_state[SCOPE_KEY] = scope.district_code
    forced = st.session_state.get(SCOPE_KEY)
    return forced if forced else requested


def _where_district(district: str | None, col: str = "district_code") -> tuple[str, list]:
    return (f" AND {col} = ?", [district]) if district else ("", [])


# ---------------------------------------------------------------- the unit grid and districts

GRID_COLS = ("cell_id", "grid_code", "col", "row", "x", "y", "lon", "lat", "district_code", "district_zh",
             "district_en", "street_code", "street_zh", "street_en", "community_code", "community_zh")


@st.cache_data(show_spinner=False)
def _districts(fp: tuple) -> pd.DataFrame:
    grid = load(UNIT_GRID, GRID_COLS, encode=False)
    return sql("""SELECT district_code, any_value(district_zh) AS district_zh, any_value(district_en) AS district_en,
                  min(lon) AS lon0, min(lat) AS lat0, max(lon) AS lon1, max(lat) AS lat1, count(*) AS cells
                  FROM g GROUP BY district_code ORDER BY district_code""", g=grid)


def districts() -> pd.DataFrame:
    """Districts in the unit grid with names, extents and cell counts (scoped)."""
    d = _districts(fingerprint(UNIT_GRID))
    own = scope_district()
    return d[d["district_code"] == own].reset_index(drop=True) if own else d


@st.cache_resource(max_entries=4, show_spinner=False)
def _grid_frame(fp: tuple) -> pd.DataFrame:
    grid = load(UNIT_GRID, GRID_COLS, encode=False).to_pandas()
    return grid.set_index("cell_id", drop=False)


def grid_frame() -> pd.DataFrame:
    """The whole unit grid indexed by cell_id (not scoped: callers select cells by id)."""
    return _grid_frame(fingerprint(UNIT_GRID))


@st.cache_data(show_spinner=False)
def _grid_geometry(fp: tuple) -> tuple[float, np.ndarray]:
    from dashboards.geo import grid_jacobian

    return grid_jacobian(grid_frame())


def grid_geometry() -> tuple[float, np.ndarray]:
    """Cell size (m) and the metres -> degrees Jacobian of the grid."""
    return _grid_geometry(fingerprint(UNIT_GRID))


# ---------------------------------------------------------------- weeks and counts

GW_COLS = ("cell_id", "district_code", "week_start", "problem_type", "incidents", "reports")
INC_COLS = ("cell_id", "week_start", "problem_type", "minor_code", "district_code")


@dataclass(frozen=True)
class WeekSorted:
    """A table held sorted by week_start, so the rows of any weeks are one zero-copy slice away."""

    table: pa.Table
    days: np.ndarray  # week_start of every row, as days since 1970, ascending

    def between(self, first: dt.date, last: dt.date) -> pa.Table:
        lo = np.searchsorted(self.days, (first - dt.date(1970, 1, 1)).days, side="left")
        hi = np.searchsorted(self.days, (last - dt.date(1970, 1, 1)).days, side="right")
        return self.table.slice(lo, hi - lo)


@st.cache_resource(max_entries=8, show_spinner=False)
def _week_sorted(path: str, ver: int, columns: tuple[str, ...]) -> WeekSorted:
    tbl = _arrow(path, ver, columns, False)
    tbl = tbl.sort_by([("week_start", "ascending")])
    days = tbl.column("week_start").cast(pa.date32()).cast(pa.int32()).to_numpy()
    return WeekSorted(tbl, days)


def week_sorted(table: Table, columns: tuple[str, ...]) -> WeekSorted:
    """A weekly table in memory, sorted by week (cached per Delta version)."""
    ver = version(table)
    if ver is None:
        raise TableUnavailable(table.label)
    try:
        return _week_sorted(table_path(table), ver, columns)
    except Exception as exc:
        raise _unavailable(table, exc) from exc


@st.cache_data(show_spinner=False)
def _totals(fp: tuple) -> pd.DataFrame:
    """Incidents and reports per week, district and type: the small table overview and trends read."""
    gw = week_sorted(GRID_WEEK, GW_COLS).table
    out = sql("""SELECT week_start, district_code, problem_type, sum(incidents) AS incidents,
                 sum(reports) AS reports FROM gw GROUP BY ALL ORDER BY week_start""", gw=gw)
    out["week_start"] = pd.to_datetime(out["week_start"])
    return out


@st.cache_data(show_spinner=False)
def _weeks(fp: tuple) -> list[dt.date]:
    return sorted(_totals(fp)["week_start"].dt.date.unique())


def weeks() -> list[dt.date]:
    """Weeks (Mondays) that have counts, oldest first."""
    return _weeks(fingerprint(GRID_WEEK))


@st.cache_data(show_spinner=False)
def _type_district_counts(fp: tuple, week_starts: tuple[dt.date, ...], district: str | None) -> pd.DataFrame:
    tot = _totals(fp)
    m = tot["week_start"].isin([pd.Timestamp(w) for w in week_starts])
    if district:
        m &= tot["district_code"] == district
    return tot[m].reset_index(drop=True)


def type_district_counts(week_starts: list[dt.date], district: str | None = None) -> pd.DataFrame:
    """Incidents and reports per week, district and problem type for the given weeks."""
    return _type_district_counts(fingerprint(GRID_WEEK), tuple(week_starts), scope_district(district))


@st.cache_data(show_spinner=False)
def _source_counts_all(fp: tuple) -> pd.DataFrame:
    inc = load(INCIDENTS, ("week_start", "district_code", "problem_type", "sources"))
    return sql("""SELECT week_start, district_code, problem_type, s AS source, count(*) AS n
                  FROM (SELECT week_start, district_code, problem_type, unnest(sources) AS s FROM inc)
                  GROUP BY ALL""", inc=inc)


def source_counts(week_start: dt.date, district: str | None = None) -> pd.DataFrame:
    """How many incidents each source reported in a week (an incident may have several sources)."""
    allc = _source_counts_all(fingerprint(INCIDENTS))
    district = scope_district(district)
    m = allc["week_start"] == pd.Timestamp(week_start)
    if district:
        m &= allc["district_code"] == district
    return allc[m].groupby("source", as_index=False)["n"].sum().sort_values("n", ascending=False)


@st.cache_data(show_spinner=False)
def _weekly_series(fp: tuple, district: str | None, by_district: bool) -> pd.DataFrame:
    tot = _totals(fp)
    if district:
        tot = tot[tot["district_code"] == district]
    keys = ["week_start", "district_code", "problem_type"] if by_district else ["week_start", "problem_type"]
    return tot.groupby(keys, as_index=False)["incidents"].sum()


def weekly_series(district: str | None = None, by_district: bool = False) -> pd.DataFrame:
    """Incidents per week and problem type (and district), for trend charts."""
    return _weekly_series(fingerprint(GRID_WEEK), scope_district(district), by_district)


@st.cache_data(show_spinner=False)
def _recurring_cells(fp: tuple, week_start: dt.date, problem_type: str | None, district: str | None,
                     min_incidents: int, top: int) -> pd.DataFrame:
    first = week_start - dt.timedelta(weeks=3)
    gw = week_sorted(GRID_WEEK, GW_COLS).between(first, week_start)
    where, params = _where_district(district)
    tw, tparams = (" AND problem_type = ?", [problem_type]) if problem_type else ("", [])
    out = sql(f"""SELECT cell_id, problem_type, sum(incidents) AS total, count(DISTINCT week_start) AS weeks_active,
                  sum(incidents) FILTER (WHERE week_start = ?) AS w0,
                  sum(incidents) FILTER (WHERE week_start = ?) AS w1,
                  sum(incidents) FILTER (WHERE week_start = ?) AS w2,
                  sum(incidents) FILTER (WHERE week_start = ?) AS w3
                  FROM gw WHERE week_start BETWEEN ? AND ? {where} {tw}
                  GROUP BY cell_id, problem_type HAVING sum(incidents) >= ?
                  ORDER BY total DESC, weeks_active DESC, cell_id LIMIT ?""",
              [first, first + dt.timedelta(weeks=1), first + dt.timedelta(weeks=2), week_start, first, week_start]
              + params + tparams + [min_incidents, top], gw=gw)
    for c in ("w0", "w1", "w2", "w3"):
        out[c] = out[c].fillna(0).astype(int)
    return out


def recurring_cells(week_start: dt.date, problem_type: str | None = None, district: str | None = None,
                    min_incidents: int = 3, top: int = 20) -> pd.DataFrame:
    """Cells with at least min_incidents in the 4 weeks ending with week_start, most first."""
    out = _recurring_cells(fingerprint(GRID_WEEK), week_start, problem_type, scope_district(district),
                           min_incidents, top)
    return with_places(out)


def with_places(df: pd.DataFrame) -> pd.DataFrame:
    """Add grid code, district, street and community names to rows that carry cell_id."""
    if df.empty:
        return df.assign(grid_code=[], district_code=[], street_zh=[], street_en=[], community_zh=[], lon=[], lat=[])
    g = grid_frame()
    cols = ["grid_code", "district_code", "district_zh", "district_en", "street_zh", "street_en", "community_zh",
            "lon", "lat"]
    extra = g.reindex(df["cell_id"].to_numpy())[cols].reset_index(drop=True)
    keep = [c for c in df.columns if c not in cols]
    return pd.concat([df[keep].reset_index(drop=True), extra], axis=1)


# ---------------------------------------------------------------- map layers

@st.cache_data(show_spinner=False, max_entries=256)
def _cell_counts(fp: tuple, week_start: dt.date, problem_type: str, district: str | None) -> pd.DataFrame:
    gw = week_sorted(GRID_WEEK, GW_COLS).between(week_start, week_start)
    where, params = _where_district(district)
    return sql(f"""SELECT cell_id, sum(incidents) AS incidents, sum(reports) AS reports FROM gw
                   WHERE week_start = ? AND problem_type = ? {where} GROUP BY cell_id""",
               [week_start, problem_type] + params, gw=gw)


def cell_counts(week_start: dt.date, problem_type: str, district: str | None = None) -> pd.DataFrame:
    """Incidents and reports per non-zero cell in one week for one problem type."""
    return _cell_counts(fingerprint(GRID_WEEK), week_start, problem_type, scope_district(district))


@st.cache_data(show_spinner=False, max_entries=256)
def _cell_minor_codes(fp: tuple, week_start: dt.date, problem_type: str, district: str | None) -> pd.DataFrame:
    inc = week_sorted(INCIDENTS, INC_COLS).between(week_start, week_start)
    where, params = _where_district(district)
    return sql(f"""SELECT cell_id, minor_code, count(*) AS n FROM inc
                   WHERE week_start = ? AND problem_type = ? {where} GROUP BY ALL""",
               [week_start, problem_type] + params, inc=inc)


def cell_minor_codes(week_start: dt.date, problem_type: str, district: str | None = None) -> pd.DataFrame:
    """Incidents per cell and minor event code in one week (for 'top reasons' in the hover)."""
    if not exists(INCIDENTS):
        return pd.DataFrame(columns=["cell_id", "minor_code", "n"])
    return _cell_minor_codes(fingerprint(INCIDENTS), week_start, problem_type, scope_district(district))


FC_COLS = ("cell_id", "expected", "p_any")


@st.cache_data(show_spinner=False)
def _forecast_weeks(fp: tuple) -> list[dt.date]:
    weeks = pc.unique(scan(FORECASTS, ("target_week_start",)).column("target_week_start"))
    return sorted(pd.to_datetime(weeks.to_pandas()).dt.date.tolist())


def forecast_weeks() -> list[dt.date]:
    """Target weeks that have forecasts, oldest first."""
    return _forecast_weeks(fingerprint(FORECASTS))


@st.cache_data(show_spinner=False, max_entries=64)
def _week_forecasts(fp: tuple, week_start: dt.date, problem_type: str, district: str | None) -> pd.DataFrame:
    """All cells' forecasts of one target week and type (a filtered scan, not the whole table)."""
    where = (ds.field("target_week_start") == pa.scalar(week_start, pa.date32())) & (
        ds.field("problem_type") == problem_type)
    fc = scan(FORECASTS, FC_COLS, where).to_pandas()
    if district:  # by the grid's cells: cheaper than reading a string column of every forecast row
        fc = fc[np.isin(fc["cell_id"].to_numpy(), district_cells(district))]
    return fc


@st.cache_data(show_spinner=False, max_entries=64)
def _district_cells(fp: tuple, district: str) -> np.ndarray:
    g = grid_frame()
    return g.loc[g["district_code"] == district, "cell_id"].to_numpy()


def district_cells(district: str) -> np.ndarray:
    """Cell ids of one district."""
    return _district_cells(fingerprint(UNIT_GRID), district)


@st.cache_data(show_spinner=False, max_entries=128)
def _cell_forecasts(fp: tuple, week_start: dt.date, problem_type: str, district: str | None,
                    top: int | None) -> pd.DataFrame:
    fc = _week_forecasts(fp, week_start, problem_type, district)
    order = np.lexsort((fc["cell_id"].to_numpy(), -fc["expected"].to_numpy()))
    return fc.iloc[order[:top] if top else order].reset_index(drop=True)


def cell_forecasts(week_start: dt.date, problem_type: str, district: str | None = None,
                   top: int | None = None) -> pd.DataFrame:
    """Forecast per cell for a target week and type, highest expected first."""
    return _cell_forecasts(fingerprint(FORECASTS), week_start, problem_type, scope_district(district), top)


@st.cache_data(show_spinner=False, max_entries=128)
def _capture(fp: tuple, week_start: dt.date, problem_type: str, district: str | None) -> dict:
    fc = _week_forecasts(fp[:1], week_start, problem_type, district)[["cell_id", "expected"]]
    actual = _cell_counts(fp[1:], week_start, problem_type, district)[["cell_id", "incidents"]]
    df = fc.merge(actual, on="cell_id", how="left").rename(columns={"incidents": "actual"})
    df["actual"] = df["actual"].fillna(0)
    n, total = len(df), float(df["actual"].sum()) if len(df) else 0.0
    out = {"cells": n, "incidents": total, "curve": pd.DataFrame(), "hr": {}}
    if n == 0:
        return out
    in_forecast_order = df.sort_values(["expected", "cell_id"], ascending=[False, True])["actual"].to_numpy()
    model_cum = np.cumsum(in_forecast_order)
    oracle_cum = np.cumsum(np.sort(in_forecast_order)[::-1])
    k = np.unique(np.clip(np.round(np.geomspace(1, n, 120)).astype(int), 1, n))
    denom = total if total > 0 else 1.0
    out["curve"] = pd.DataFrame({"k": k / n, "model": model_cum[k - 1] / denom, "oracle": oracle_cum[k - 1] / denom,
                                 "random": k / n})
    for pct in (1, 5, 10):
        m = max(1, int(round(n * pct / 100)))
        out["hr"][pct] = (model_cum[m - 1] / total if total else float("nan"),
                          oracle_cum[m - 1] / total if total else float("nan"))
    return out


def capture(week_start: dt.date, problem_type: str, district: str | None = None) -> dict:
    """Capture curve and hit rates of the forecast for one past week against what happened."""
    return _capture(fingerprint(FORECASTS, GRID_WEEK), week_start, problem_type, scope_district(district))


@st.cache_data(show_spinner=False)
def _backtest(fp: tuple, problem_type: str) -> pd.DataFrame:
    bt = load(BACKTEST, ("method", "problem_type", "origin_week_start", "metric", "value"))
    return sql("SELECT method, origin_week_start, metric, value FROM bt WHERE problem_type = ? ORDER BY 2",
               [problem_type], bt=bt)


def backtest(problem_type: str) -> pd.DataFrame:
    """Backtest metrics of the model and the baselines per origin week (city level)."""
    return _backtest(fingerprint(BACKTEST), problem_type)


# ---------------------------------------------------------------- risk lists, list scores, case KPIs

def _frame(table: Table, district: str | None) -> pd.DataFrame:
    df = load(table).to_pandas()
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype(str)
    if district and "district_code" in df.columns:
        df = df[df["district_code"].astype(str) == district]
    return df.reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _table_frame(fp: tuple, table: Table, district: str | None) -> pd.DataFrame:
    return _frame(table, district)


def risk_lists(district: str | None = None) -> pd.DataFrame:
    """The published risk lists (every week), scoped."""
    return _table_frame(fingerprint(RISK_LISTS), RISK_LISTS, scope_district(district))


def list_scores(district: str | None = None) -> pd.DataFrame:
    """How published lists did one week later, scoped."""
    return _table_frame(fingerprint(LIST_SCORES), LIST_SCORES, scope_district(district))


def case_kpis(district: str | None = None) -> pd.DataFrame:
    """Case assessment rates per district, department and week, scoped."""
    return _table_frame(fingerprint(CASE_KPIS), CASE_KPIS, scope_district(district))


def risk_list_files(iso_week: str, district_code: str) -> list[Path]:
    """Published files of one district's list in the outbox (CSV, Excel, HTML, PDF)."""
    own = scope_district()
    if own and district_code != own:
        return []
    folder = settings().outbox / "risk_lists" / iso_week / district_code
    if not folder.is_dir():
        return []
    order = {".csv": 0, ".xlsx": 1, ".pdf": 2, ".html": 3}
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in order),
                  key=lambda p: (order[p.suffix.lower()], p.name))


# ---------------------------------------------------------------- data health (city level)

@st.cache_data(show_spinner=False)
def _freshness(fp: tuple) -> pd.DataFrame:
    led = load(LEDGER, ("source", "source_file", "dt", "records", "status", "ingested_at"))
    return sql("""SELECT source, max(dt) AS last_dt, max(ingested_at) AS last_ingested, count(*) AS files,
                  sum(records) AS records FROM led GROUP BY source ORDER BY source""", led=led)


def freshness() -> pd.DataFrame:
    """Per source: newest data day, last ingest, files and records landed."""
    return _freshness(fingerprint(LEDGER))


@st.cache_data(show_spinner=False)
def _quarantine_counts(fp: tuple) -> pd.DataFrame:
    q = load(QUARANTINE, ("source", "reason_code", "reason_text"))
    return sql("""SELECT source, reason_code, any_value(reason_text) AS reason_text, count(*) AS n FROM q
                  GROUP BY source, reason_code ORDER BY n DESC""", q=q)


def quarantine_counts() -> pd.DataFrame:
    """Quarantined records per source and reason."""
    return _quarantine_counts(fingerprint(QUARANTINE))


ACCEPTED_TABLES = {"cases": "cases_history"}


def _accepted_by_batch(source: str) -> pd.DataFrame | None:
    name = ACCEPTED_TABLES.get(source, source)
    tbl = Table("silver", name)
    if exists(tbl):
        t = load(tbl, ("batch_id", "_batch_id"))
        if t.num_columns:
            col = t.column_names[0]
            return sql(f"SELECT {col} AS batch_id, count(*) AS n FROM t GROUP BY 1", t=t)
    if exists(REPORTS):
        r = load(REPORTS, ("source", "batch_id"))
        if "batch_id" in r.column_names:
            return sql("SELECT batch_id, count(*) AS n FROM r WHERE source = ? GROUP BY 1", [source], r=r)
    return None


@st.cache_data(show_spinner=False)
def _reconciliation(fp: tuple) -> pd.DataFrame:
    led = load(LEDGER, ("source", "batch_id", "records"))
    q = load(QUARANTINE, ("source", "batch_id")) if exists(QUARANTINE) else pa.table(
        {"source": pa.array([], pa.string()), "batch_id": pa.array([], pa.string())})
    rows = []
    for source in sql("SELECT DISTINCT source FROM led ORDER BY 1", led=led)["source"]:
        acc = _accepted_by_batch(str(source))
        per = sql("""SELECT l.batch_id, sum(l.records) AS landed,
                     coalesce(any_value(qq.n), 0) AS quarantined FROM led l
                     LEFT JOIN (SELECT batch_id, count(*) AS n FROM q WHERE source = ? GROUP BY 1) qq USING (batch_id)
                     WHERE l.source = ? GROUP BY l.batch_id""", [str(source), str(source)], led=led, q=q)
        if acc is not None:
            per = per.merge(acc.rename(columns={"n": "accepted"}), on="batch_id", how="left")
            per["accepted"] = per["accepted"].fillna(0)
        else:
            per["accepted"] = np.nan
        per["difference"] = per["landed"] - per["accepted"] - per["quarantined"]
        rows.append({"source": source, "batches": len(per), "landed": per["landed"].sum(),
                     "accepted": per["accepted"].sum(min_count=1), "quarantined": per["quarantined"].sum(),
                     "difference": per["difference"].sum(min_count=1),
                     "unbalanced_batches": int((per["difference"].fillna(0) != 0).sum()) if acc is not None else None})
    return pd.DataFrame(rows)


def reconciliation() -> pd.DataFrame:
    """Per source: landed records against accepted plus quarantined, and unbalanced batches."""
    return _reconciliation(fingerprint(LEDGER, QUARANTINE, REPORTS))
