"""Run a suite on a pandas or Spark DataFrame with GX Core 1.x's ephemeral context; plain results out."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from expectations.suites import COLUMN_ARGS, ERROR, SUITES, WARN, Check

log = logging.getLogger(__name__)
PANDAS_BELOW = 200_000  # Spark frames smaller than this are validated in pandas (much faster for GX)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class ExpectationOutcome:
    """One expectation's verdict, as shown in Dagster check metadata."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    unexpected_sample: list = field(default_factory=list)
    skipped: bool = False
    error: str | None = None


@dataclass
class SuiteResult:
    """A suite's verdict: passes unless an error-level expectation failed; warnings are reported."""

    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def failed_errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == ERROR]

    @property
    def failed_warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == WARN]

    @property
    def success(self) -> bool:
        return not self.failed_errors

    @property
    def severity(self) -> str | None:
        """'error' when an error-level expectation failed, 'warn' when only warnings did, else None."""
        return ERROR if self.failed_errors else (WARN if self.failed_warnings else None)

    def as_records(self) -> list[dict]:
        return [asdict(o) for o in self.outcomes]


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic
        log.debug("could not switch GX progress bars off")
    return ctx


def _batch(df: Any):
    ctx = _context()
    is_pandas = isinstance(df, pd.DataFrame)
    name = "gridwatch_pandas" if is_pandas else "gridwatch_spark"
    try:
        ds = ctx.data_sources.get(name)
    except (KeyError, ValueError, LookupError):
        ds = ctx.data_sources.add_pandas(name) if is_pandas else ctx.data_sources.add_spark(name)
    try:
        asset = ds.get_asset("frame")
    except LookupError:
        asset = ds.add_dataframe_asset("frame")
    try:
        bd = asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        bd = asset.add_batch_definition_whole_dataframe("whole")
    return bd.get_batch(batch_parameters={"dataframe": df})


def _expectation(check: Check):
    import great_expectations.expectations as gxe

    return getattr(gxe, check.expectation)(**check.kwargs, meta={"severity": check.severity})


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v][:20]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in list(v.items())[:20]}
    return str(v)


# Expectations that look only at the frame's schema: validated on an empty frame with the same columns, so
# the rows are read for the columns the other expectations name and no more.
SCHEMA_ONLY = frozenset({"ExpectTableColumnsToMatchSet", "ExpectTableColumnsToMatchOrderedList",
                         "ExpectTableColumnCountToEqual", "ExpectTableColumnCountToBeBetween"})


def run_suite(df: Any, suite_name: str, checks: list[Check] | None = None,
              pandas_below: int = PANDAS_BELOW) -> SuiteResult:
    """Validate a pandas or PySpark DataFrame against a named suite (or the given checks).

    A Spark frame is narrowed to the columns the expectations name (its schema checks see every column) and
    cached for the validation, then released, unless the caller cached it. GX's Spark engine caches the
    frame it validates and never releases it: in a pipeline run every checked table (two years of truck GPS:
    3.6 million bronze rows with their raw lines) stayed in the session's storage memory, crowding out the
    caches of the steps after it, until the process ended. Narrowing matters for wide tables: silver truck
    GPS carries a 64-character record hash per fix that no expectation reads (its suite: 8.8 s -> 5.7 s).
    """
    if isinstance(df, pd.DataFrame):
        return _logged(_run_suite(df, suite_name, checks, pandas_below))
    from pyspark import StorageLevel

    checks = list(checks if checks is not None else SUITES[suite_name])
    schema = [c for c in checks if c.expectation in SCHEMA_ONLY]
    rows = [c for c in checks if c.expectation not in SCHEMA_ONLY]
    named = {k for c in rows for k in c.kwargs if "column" in k}
    if df.is_cached or not named <= set(COLUMN_ARGS):  # a check naming columns some other way sees them all
        schema, rows, frame = [], checks, df
    else:
        used = {col for c in rows for col in c.columns}
        frame = df.select(*[f"`{c}`" for c in df.columns if c in used] or [f"`{df.columns[0]}`"])
    cache = not frame.is_cached
    if cache:
        frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        result = _run_suite(frame, suite_name, rows, pandas_below)
    finally:
        if cache:
            frame.unpersist()
    if schema:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in df.columns})
        result.outcomes = _run_suite(empty, suite_name, schema, pandas_below).outcomes + result.outcomes
    return _logged(result)


def _run_suite(df: Any, suite_name: str, checks: list[Check] | None, pandas_below: int) -> SuiteResult:
    import great_expectations as gx

    checks = list(checks if checks is not None else SUITES[suite_name])
    is_pandas = isinstance(df, pd.DataFrame)
    rows = len(df) if is_pandas else df.count()
    if not is_pandas and rows < pandas_below:
        df, is_pandas = df.toPandas(), True
    columns = set(df.columns)
    skipped = [c for c in checks if c.optional and not set(c.columns) <= columns]
    active = [c for c in checks if c not in skipped]
    suite = gx.ExpectationSuite(name=suite_name, expectations=[_expectation(c) for c in active])
    outcomes = []
    if active:
        result = _batch(df).validate(suite)
        for check, er in zip(active, _in_order(active, result.results), strict=False):
            res = er.result or {}
            exc = (er.exception_info or {}).get("exception_message") if er.exception_info else None
            if isinstance(er.exception_info, dict) and not exc:
                exc = next((v.get("exception_message") for v in er.exception_info.values()
                            if isinstance(v, dict) and v.get("raised_exception")), None)
            outcomes.append(ExpectationOutcome(
                check.expectation, ",".join(check.columns) or None, check.severity, bool(er.success),
                _jsonable(res.get("observed_value")), res.get("unexpected_count"),
                _jsonable(res.get("partial_unexpected_list") or [])[:5], error=exc))
    outcomes += [ExpectationOutcome(c.expectation, ",".join(c.columns), c.severity, True, skipped=True,
                                    error="column absent; optional expectation skipped") for c in skipped]
    return SuiteResult(suite_name, int(rows), outcomes)


def _logged(result: SuiteResult) -> SuiteResult:
    log.info("suite %s on %d rows: %d failed errors, %d failed warnings", result.suite, result.rows,
             len(result.failed_errors), len(result.failed_warnings))
    return result


def _in_order(checks: list[Check], results: list) -> list:
    """GX returns results in its own order; match them back to the checks by type and kwargs."""
    remaining = list(results)
    ordered = []
    for c in checks:
        want = c.expectation
        for er in remaining:
            cfg = er.expectation_config
            kw = cfg.kwargs
            if (type(cfg).__name__ == want or _snake(want) == cfg.type) and all(
                    kw.get(k) == v for k, v in c.kwargs.items() if k in ("column", "column_list", "column_A",
                                                                          "regex", "column_set", "value_set")):
                ordered.append(er)
                remaining.remove(er)
                break
        else:
            raise RuntimeError(f"no GX result for {want} {c.kwargs}")
    return ordered


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
