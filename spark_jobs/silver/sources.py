"""What cleaning means for each source: typed columns, checks in order, key and output columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_jobs.pii import caller_token, scrub_text
from spark_jobs.silver.rules import (
    bad_number,
    blank,
    clean_str,
    flag,
    integer,
    local_time,
    number,
    satisfaction,
    satisfaction_unrated,
    time_checks,
)

CELL_OUT = ["lon", "lat", "crs", "cell_id", "grid_code", "district_code", "street_code", "community_code"]
TYPE_OUT = ["minor_code", "problem_type", "type_origin"]
# Every silver row keeps where it came from, so each batch reconciles.
META_OUT = ["batch_id", "source_file", "line", "ingested_at", "dt", "record_hash"]


@dataclass(frozen=True)
class SourceSpec:
    """Cleaning of one source: typed columns, value checks, key, crosswalk column and output columns."""

    name: str
    table: str
    key: tuple[str, ...]               # typed columns that identify a record
    time_col: str                      # raw column of the event time
    typed: Callable[[DataFrame, bytes], DataFrame]
    value_checks: Callable[[], list[tuple[str, Column]]]
    columns: tuple[str, ...]           # output columns before CELL_OUT/TYPE_OUT/META_OUT
    located: bool = True
    crs_col: str | None = "crs"
    code_col: str | None = None
    pii_names: tuple[str, ...] = ()    # raw columns with caller names, scrubbed from quarantined raw text
    required: tuple[str, ...] = ()     # columns whose absence is `missing_key` (default: key minus event_time)

    def output_columns(self) -> list[str]:
        cols = list(self.columns)
        if self.located:
            cols += [c for c in CELL_OUT if c != "crs" or self.crs_col]
        if self.code_col:
            cols += TYPE_OUT
        return cols + META_OUT


def _hotline(df: DataFrame, key: bytes) -> DataFrame:
    c = F.col
    return df.withColumns({
        "order_no": clean_str(c("order_no")),
        "event_time": local_time(c("call_time")),
        "channel": clean_str(c("channel")),
        "caller_token": caller_token(c("caller_phone"), c("caller_name"), key),
        "category_code": clean_str(c("category_code")),
        "category_name": clean_str(c("category_name")),
        "content": scrub_text(c("content"), c("caller_name")),
        "address": scrub_text(clean_str(c("address")), c("caller_name")),
        "handling_unit": clean_str(c("handling_unit")),
        "deadline_at": local_time(c("deadline")),
        "completed_at_t": local_time(c("completed_at")),
        "status": clean_str(c("status")),
        "satisfaction_n": satisfaction(c("satisfaction")),
    }).withColumnsRenamed({"completed_at": "_completed_raw", "satisfaction": "_satisfaction_raw"}) \
      .withColumnsRenamed({"completed_at_t": "completed_at", "satisfaction_n": "satisfaction"})


def _hotline_checks() -> list[tuple[str, Column]]:
    raw = F.col("_satisfaction_raw")
    return [("invalid_value", bad_number(raw, F.col("satisfaction"), 0, 10) & ~satisfaction_unrated(raw))]


def _police110(df: DataFrame, key: bytes) -> DataFrame:
    c = F.col
    return df.withColumns({
        "jjdbh": clean_str(c("jjdbh")),
        "event_time": local_time(c("bjsj")),
        "bjlbdm": clean_str(c("bjlbdm")),
        "bjlxdm": clean_str(c("bjlxdm")),
        "bjxldm": clean_str(c("bjxldm")),
        "bjnr": scrub_text(c("bjnr")),
        "afdd": scrub_text(clean_str(c("afdd"))),
        "caller_token": caller_token(c("bjdh"), F.lit(None).cast("string"), key),
        "_transferred_raw": c("transferred_to_city_mgmt"),
        "transferred_to_city_mgmt": flag(c("transferred_to_city_mgmt")),
    })


def _police110_checks() -> list[tuple[str, Column]]:
    raw = F.col("_transferred_raw")
    return [("invalid_value", ~blank(raw) & F.col("transferred_to_city_mgmt").isNull())]


def _video(df: DataFrame, key: bytes) -> DataFrame:
    c = F.col
    return df.withColumns({
        "detection_id": clean_str(c("detection_id")),
        "camera_id": clean_str(c("camera_id")),
        "event_time": local_time(c("detected_at")),
        "event_type": clean_str(c("event_type")),
        "_confidence_raw": c("confidence"),
        "confidence": number(c("confidence")),
    })


def _video_checks() -> list[tuple[str, Column]]:
    conf = F.col("confidence")
    return [("invalid_value", conf.isNull() | (conf < 0) | (conf > 1))]


_DUST_VALUES = {"pm10": 5000.0, "pm25": 3000.0, "tsp": 20000.0, "wind_speed": 75.0}  # µg/m³, m/s


def _dust(df: DataFrame, key: bytes) -> DataFrame:
    cols = {"site_id": clean_str(F.col("site_id")), "event_time": local_time(F.col("ts"))}
    for name in _DUST_VALUES:
        cols[f"_{name}_raw"] = F.col(name)
        cols[name] = number(F.col(name))
    return df.withColumns(cols)


def _dust_checks() -> list[tuple[str, Column]]:
    out = [("invalid_value", bad_number(F.col(f"_{n}_raw"), F.col(n), 0.0, hi)) for n, hi in _DUST_VALUES.items()]
    no_value = F.lit(True)
    for n in _DUST_VALUES:
        no_value = no_value & F.col(n).isNull()
    return out + [("invalid_value", no_value)]


def _truck_gps(df: DataFrame, key: bytes) -> DataFrame:
    c = F.col
    return df.withColumns({
        "plate_token": clean_str(c("plate_token")),
        "event_time": local_time(c("ts")),
        "_speed_raw": c("speed"),
        "speed": number(c("speed")),
        "_sealed_raw": c("sealed"),
        "sealed": flag(c("sealed")),
    })


def _truck_checks() -> list[tuple[str, Column]]:
    return [("invalid_value", bad_number(F.col("_speed_raw"), F.col("speed"), 0.0, 200.0)),
            ("invalid_value", ~blank(F.col("_sealed_raw")) & F.col("sealed").isNull())]


CASE_TIMES = ("reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at", "deadline")


def _cases(df: DataFrame, key: bytes) -> DataFrame:
    c = F.col
    cols = {
        "case_no": clean_str(c("case_no")),
        "_version_raw": c("version"),
        "version_n": integer(c("version")),
        "case_source": clean_str(c("source")),
        "event_major_code": clean_str(c("event_major_code")),
        "event_minor_code": clean_str(c("event_minor_code")),
        "reported_grid_code": clean_str(c("grid_code")),
        "event_time": local_time(c("reported_at")),
        "status": clean_str(c("status")),
        "_rework_raw": c("rework_count"),
        "rework_count_n": integer(c("rework_count")),
        "department": clean_str(c("department")),
        "description": scrub_text(c("description")),
    }
    for t in CASE_TIMES:
        cols[f"{t}_t"] = local_time(c(t))
    df = df.withColumns(cols).drop("grid_code", *CASE_TIMES, "version", "rework_count")
    return df.withColumnsRenamed({**{f"{t}_t": t for t in CASE_TIMES},
                                  "version_n": "version", "rework_count_n": "rework_count"})


def _cases_checks() -> list[tuple[str, Column]]:
    v = F.col("version")
    return [("invalid_case_version", v.isNull() | (v < 1)),
            ("invalid_value", bad_number(F.col("_rework_raw"), F.col("rework_count"), 0, 1000))]


SPECS: dict[str, SourceSpec] = {s.name: s for s in [
    SourceSpec("hotline", "hotline", ("order_no",), "call_time", _hotline, _hotline_checks,
               ("order_no", "event_time", "channel", "caller_token", "category_code", "category_name", "content",
                "address", "handling_unit", "deadline_at", "completed_at", "status", "satisfaction"),
               code_col="category_code", pii_names=("caller_name",)),
    SourceSpec("police110", "police110", ("jjdbh",), "bjsj", _police110, _police110_checks,
               ("jjdbh", "event_time", "bjlbdm", "bjlxdm", "bjxldm", "bjnr", "afdd", "caller_token",
                "transferred_to_city_mgmt"), code_col="bjxldm"),
    SourceSpec("video", "video", ("detection_id",), "detected_at", _video, _video_checks,
               ("detection_id", "camera_id", "event_time", "event_type", "confidence"), code_col="event_type"),
    SourceSpec("dust", "dust", ("site_id", "event_time"), "ts", _dust, _dust_checks,
               ("site_id", "event_time", "pm10", "pm25", "tsp", "wind_speed"), located=False, crs_col=None),
    SourceSpec("truck_gps", "truck_gps", ("plate_token", "event_time"), "ts", _truck_gps, _truck_checks,
               ("plate_token", "event_time", "speed", "sealed"), crs_col=None),
    SourceSpec("cases", "cases_history", ("case_no", "version"), "reported_at", _cases, _cases_checks,
               ("case_no", "version", "case_source", "event_major_code", "event_minor_code", "reported_grid_code",
                "event_time", *CASE_TIMES, "status", "rework_count", "department", "description"),
               code_col="event_minor_code", required=("case_no", "_version_raw")),
]}


def spec(source: str) -> SourceSpec:
    """The cleaning spec of a source; raises on an unknown name."""
    if source not in SPECS:
        raise ValueError(f"unknown source {source!r}; expected one of {sorted(SPECS)}")
    return SPECS[source]


def checks_for(s: SourceSpec, ingested_at: Column) -> list[tuple[str, Column]]:
    """All checks of a source in order: key, time, (location is added by the caller), values."""
    key_missing = F.lit(False)
    for k in s.required or [k for k in s.key if k != "event_time"]:
        key_missing = key_missing | blank(F.col(k).cast("string"))
    return [("missing_key", key_missing), *time_checks(F.col(s.time_col), F.col("event_time"), ingested_at)]
