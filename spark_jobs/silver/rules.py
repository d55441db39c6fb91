"""Column rules the per-source cleaning shares: local times, numbers, flags, reason chains."""

from __future__ import annotations

import os

from pyspark.sql import Column
from pyspark.sql import functions as F

from spark_jobs.reasons import REASONS

# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset parses local wall-clock
# strings independently of the Spark session's time zone.
LOCAL_OFFSET = "+08:00"
TIME_FORMATS = ("yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm", "yyyy-M-d H:m:s",
                "yyyyMMddHHmmss")
FUTURE_TOLERANCE_MINUTES = 10  # clocks of the sending systems drift a little
DEFAULT_HISTORY_START = "2000-01-01"
_TRUE = ("1", "true", "t", "yes", "y", "是")
_FALSE = ("0", "false", "f", "no", "n", "否")


def history_start() -> str:
    """Earliest plausible event time (GRIDWATCH_HISTORY_START, default 2000-01-01), local date."""
    return os.environ.get("GRIDWATCH_HISTORY_START", DEFAULT_HISTORY_START)


def blank(c: Column) -> Column:
    """True when a raw value is null or only whitespace."""
    return c.isNull() | (F.trim(c) == "")


def clean_str(c: Column) -> Column:
    """Trimmed string, null when blank."""
    return F.when(~blank(c), F.trim(c))


def local_time(c: Column) -> Column:
    """Parse a local Asia/Shanghai wall-clock string (several layouts) into a timestamp; null if unparseable."""
    s = F.regexp_replace(F.regexp_replace(F.trim(c), "/", "-"), "T", " ")
    parsed = [F.try_to_timestamp(F.concat(s, F.lit(" " + LOCAL_OFFSET)), F.lit(f + " XXX")) for f in TIME_FORMATS]
    return F.when(~blank(c), F.coalesce(*parsed))


def number(c: Column) -> Column:
    """A finite double, or null (also for NaN and infinities)."""
    d = F.trim(c).try_cast("double")
    return F.when(~F.isnan(d) & (F.abs(d) < F.lit(float("inf"))), d)


def integer(c: Column) -> Column:
    """A whole number (accepts '3' and '3.0'), or null."""
    d = number(c)
    return F.when(d == F.floor(d), d.cast("long"))


# 12345 exports give the caller's satisfaction as a score or, more often, as the return-visit label.
# Labels map onto the 0-10 scale (满意 top, 基本满意 the middle, 不满意 bottom); "not rated" is no value.
SATISFACTION_LABELS = {"非常满意": 10, "满意": 10, "基本满意": 6, "一般": 5, "不满意": 0, "非常不满意": 0,
                       "satisfied": 10, "basically satisfied": 6, "dissatisfied": 0}
NOT_RATED = ("未评价", "未回访", "不评价", "无", "not rated")


def satisfaction(c: Column) -> Column:
    """A 0-10 satisfaction score from a number or a return-visit label; null when not rated or unknown."""
    label = F.lower(F.trim(c))
    mapped = F.create_map(*[x for k, v in SATISFACTION_LABELS.items() for x in (F.lit(k), F.lit(v).cast("long"))])
    return F.coalesce(integer(c), mapped[label])


def satisfaction_unrated(c: Column) -> Column:
    """True for the labels that say the caller gave no rating."""
    return F.lower(F.trim(c)).isin(*NOT_RATED)


def flag(c: Column) -> Column:
    """A boolean from the usual spellings (1/0, true/false, yes/no, 是/否), or null."""
    s = F.lower(F.trim(c))
    return F.when(s.isin(*_TRUE), F.lit(True)).when(s.isin(*_FALSE), F.lit(False))


def bad_number(raw: Column, value: Column, lo: float | None = None, hi: float | None = None) -> Column:
    """True when a present raw value is unparseable or outside [lo, hi]."""
    out = ~blank(raw) & value.isNull()
    if lo is not None:
        out = out | (value < lo)
    if hi is not None:
        out = out | (value > hi)
    return F.coalesce(out, F.lit(False))


def time_checks(raw: Column, parsed: Column, ingested_at: Column) -> list[tuple[str, Column]]:
    """The checks every event time gets: present and parseable, not in the future, not before history."""
    late = ingested_at + F.expr(f"INTERVAL {FUTURE_TOLERANCE_MINUTES} MINUTES")
    start = F.to_timestamp(F.lit(f"{history_start()} 00:00:00 {LOCAL_OFFSET}"), "yyyy-MM-dd HH:mm:ss XXX")
    return [
        ("unparseable_time", parsed.isNull()),
        ("future_time", parsed > late),
        ("time_out_of_range", parsed < start),
    ]


def first_reason(checks: list[tuple[str, Column]]) -> Column:
    """The code of the first failing check (checks are (code, is_bad) in order), or null when all pass."""
    out = F.lit(None).cast("string")
    for code, bad in reversed(checks):
        if code not in REASONS:
            raise KeyError(f"unknown quarantine reason {code!r}; add it to spark_jobs/reasons.py")
        out = F.when(F.coalesce(bad, F.lit(False)), F.lit(code)).otherwise(out)
    return out


def reason_text_col(code: Column) -> Column:
    """Readable text for a reason-code column."""
    return F.element_at(F.create_map(*[F.lit(x) for kv in REASONS.items() for x in kv]), code)
