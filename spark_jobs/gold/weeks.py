"""ISO weeks as Spark columns and Python dates: Monday week starts and `YYYY-Www` labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pyspark.sql import Column
from pyspark.sql import functions as F


def week_start_of(ts: Column) -> Column:
    """The Monday (date) of the ISO week of a timestamp or date, in the session time zone."""
    return F.to_date(F.date_trunc("week", ts))


def iso_week_label(week_start: Column) -> Column:
    """`YYYY-Www` of a Monday date."""
    return F.format_string("%d-W%02d", F.extract(F.lit("YEAROFWEEK"), week_start), F.weekofyear(week_start))


def monday(d: date | datetime | str) -> date:
    """The Monday of the ISO week containing a date."""
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    if isinstance(d, datetime):
        d = d.date()
    return d - timedelta(days=d.weekday())


def week_range(first: date, last: date) -> list[date]:
    """Every Monday from first to last, inclusive."""
    first, last = monday(first), monday(last)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def iso_label(week_start: date) -> str:
    """`YYYY-Www` of a Monday."""
    y, w, _ = week_start.isocalendar()
    return f"{y}-W{w:02d}"


def as_mondays(weeks: Iterable[date | datetime | str]) -> list[date]:
    """Sorted distinct Mondays of the given days."""
    return sorted({monday(w) for w in weeks})
