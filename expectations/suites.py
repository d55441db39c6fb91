"""Suites as code: one per bronze and silver table, each expectation with a severity (error blocks, warn reports)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridwatch.city import UNIT_GRID_COLUMNS, load_city
from gridwatch.taxonomy import PROBLEM_TYPES
from spark_jobs.ingest.contracts import SOURCES
from spark_jobs.pii import PHONE_PATTERN
from spark_jobs.quarantine import QUARANTINE_COLUMNS, QUARANTINE_KEY
from spark_jobs.reasons import REASONS

ERROR, WARN = "error", "warn"
REPORT_SOURCES = ["hotline", "police110", "video", "cases"]
TIME_PREFIX = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}"
GRID_CODE = r"^\d{15}$"
COLUMN_ARGS = ("column", "column_A", "column_B", "column_list")  # the arguments that name a check's columns


@dataclass(frozen=True)
class Check:
    """One expectation: GX class name, its arguments, severity, and whether a missing column skips it."""

    expectation: str
    kwargs: dict = field(default_factory=dict)
    severity: str = ERROR
    optional: bool = False  # skip (and say so) when the table lacks the column

    @property
    def columns(self) -> list[str]:
        k = self.kwargs
        cols = [k[c] for c in COLUMN_ARGS if c in k and c != "column_list"]
        return cols + list(k.get("column_list", []))


def _box(margin: float = 0.05) -> tuple[float, float, float, float]:
    lon0, lat0, lon1, lat1 = load_city().bbox
    return lon0 - margin, lat0 - margin, lon1 + margin, lat1 + margin


def not_null(col: str, severity: str = ERROR, optional: bool = False, mostly: float = 1.0) -> Check:
    kw = {"column": col} | ({"mostly": mostly} if mostly < 1 else {})
    return Check("ExpectColumnValuesToNotBeNull", kw, severity, optional)


def in_set(col: str, values, severity: str = ERROR, optional: bool = False) -> Check:
    return Check("ExpectColumnValuesToBeInSet", {"column": col, "value_set": sorted(values)}, severity, optional)


def unique(cols: list[str], severity: str = ERROR, optional: bool = False) -> Check:
    if len(cols) == 1:
        return Check("ExpectColumnValuesToBeUnique", {"column": cols[0]}, severity, optional)
    return Check("ExpectCompoundColumnsToBeUnique", {"column_list": cols}, severity, optional)


def regex(col: str, pattern: str, severity: str = ERROR, optional: bool = False, mostly: float = 1.0) -> Check:
    kw = {"column": col, "regex": pattern} | ({"mostly": mostly} if mostly < 1 else {})
    return Check("ExpectColumnValuesToMatchRegex", kw, severity, optional)


def no_phone(col: str) -> Check:
    """Free text must not carry a mobile number (caller privacy)."""
    return Check("ExpectColumnValuesToNotMatchRegex", {"column": col, "regex": PHONE_PATTERN}, ERROR, True)


def between(col: str, lo=None, hi=None, severity: str = ERROR, optional: bool = False) -> Check:
    return Check("ExpectColumnValuesToBeBetween", {"column": col, "min_value": lo, "max_value": hi}, severity, optional)


def columns_exactly(cols: list[str]) -> Check:
    return Check("ExpectTableColumnsToMatchSet", {"column_set": list(cols), "exact_match": True})


def columns_include(cols: list[str], severity: str = ERROR) -> Check:
    return Check("ExpectTableColumnsToMatchSet", {"column_set": list(cols), "exact_match": False}, severity)


def _bronze(source: str) -> list[Check]:
    spec = SOURCES[source]
    time_fields = [f for f in spec.fields if f in ("call_time", "bjsj", "detected_at", "ts", "reported_at")]
    return [
        columns_exactly(spec.bronze_columns),
        *[not_null(c) for c in ("_source_file", "_line", "_batch_id", "_dt", "_ingested_at")],
        unique(["_batch_id", "_line"]),
        between("_line", 1, None),
        regex("_batch_id", rf"^{source}-\d{{8}}-[0-9a-f]{{12}}$"),
        regex("_source_file", rf"^landing/{source}/dt=\d{{4}}-\d{{2}}-\d{{2}}/"),
        # Raw values may be dirty; the silver cleaning quarantines them. Warn when many are.
        *[not_null(k, WARN, mostly=0.99) for k in spec.key],
        *[regex(t, TIME_PREFIX, WARN, mostly=0.99) for t in time_fields],
        Check("ExpectTableRowCountToBeBetween", {"min_value": 1}, WARN),
    ]


def _located(optional: bool = True) -> list[Check]:
    lon0, lat0, lon1, lat1 = _box()
    return [between("lon", lon0, lon1, optional=optional), between("lat", lat0, lat1, optional=optional),
            not_null("lon", optional=optional), not_null("lat", optional=optional),
            not_null("cell_id", optional=optional), regex("grid_code", GRID_CODE, optional=optional)]


def _silver_source(table: str, key: list[str], text_cols: list[str] = (), located: bool = True) -> list[Check]:
    checks = [
        columns_include(["batch_id", *key]),
        not_null("batch_id"), not_null("source_file", optional=True), not_null("line", optional=True),
        *[not_null(k) for k in key],
        unique(key, WARN),
        not_null("event_time", optional=True),
        in_set("problem_type", PROBLEM_TYPES, optional=True),
        *[no_phone(c) for c in text_cols],
    ]
    return checks + (_located() if located else [])


SUITES: dict[str, list[Check]] = {f"bronze_{s}": _bronze(s) for s in SOURCES}
SUITES |= {
    "silver_quarantine": [
        columns_exactly(QUARANTINE_COLUMNS),
        *[not_null(c) for c in ("source", "reason_code", "reason_text", "quarantined_at")],
        in_set("reason_code", REASONS), in_set("source", SOURCES),
        unique(QUARANTINE_KEY),
        no_phone("raw"),
    ],
    "silver_hotline": _silver_source("hotline", ["order_no"], ["content", "address"]),
    "silver_police110": _silver_source("police110", ["jjdbh"], ["bjnr", "afdd"]),
    "silver_video": _silver_source("video", ["detection_id"]),
    "silver_dust": _silver_source("dust", ["site_id", "event_time"], located=False),
    "silver_truck_gps": _silver_source("truck_gps", ["plate_token", "event_time"]),
    "silver_cases_history": _silver_source("cases_history", ["case_no", "version"], ["description"]),
    "silver_cases": [
        not_null("case_no"), unique(["case_no"]), between("version", 1, None, optional=True), *_located(),
        no_phone("description"),
    ],
    "silver_reports": [
        columns_include(["report_id", "source", "source_key", "event_time", "lon", "lat", "cell_id", "grid_code",
                         "problem_type", "minor_code", "type_origin", "text", "batch_id", "incident_id"]),
        not_null("report_id"), unique(["report_id"]), in_set("source", REPORT_SOURCES),
        not_null("event_time"), in_set("problem_type", PROBLEM_TYPES),
        in_set("type_origin", ["code", "unmapped", "text", "code_overridden"]),  # docs/ARCHITECTURE.md silver/reports
        not_null("incident_id", WARN), no_phone("text"), *_located(optional=False),
    ],
    "silver_incidents": [
        not_null("incident_id"), unique(["incident_id"]), in_set("problem_type", PROBLEM_TYPES),
        between("n_reports", 1, None), not_null("event_time"), not_null("week_start"),
        regex("iso_week", r"^\d{4}-W\d{2}$"), in_set("first_source", REPORT_SOURCES),
        Check("ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "last_time", "column_B": "event_time", "or_equal": True}),
        *_located(optional=False),
    ],
    "silver_unit_grid": [
        columns_exactly(UNIT_GRID_COLUMNS), unique(["cell_id"]), unique(["grid_code"]),
        regex("grid_code", GRID_CODE), not_null("district_code"),
    ],
}


def suite_for_table(layer: str, table: str) -> str | None:
    """The suite name of a lakehouse table, or None when it has none."""
    name = f"{layer}_{table}"
    return name if name in SUITES else None
