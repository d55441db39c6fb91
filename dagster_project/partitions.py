"""Partitions: daily for the sources, weekly (ISO weeks, Monday start, Asia/Shanghai) for gold and forecasts."""

from __future__ import annotations

import os

from dagster import DailyPartitionsDefinition, WeeklyPartitionsDefinition

TIMEZONE = "Asia/Shanghai"
# First day the city's feeds are kept for; a deployment sets it to the day its history starts.
START_DATE = os.environ.get("GRIDWATCH_START_DATE", "2024-11-04")

daily_partitions = DailyPartitionsDefinition(start_date=START_DATE, timezone=TIMEZONE, end_offset=0)
# day_offset=1: weeks start on Monday, so a partition key is the Monday of an ISO week.
weekly_partitions = WeeklyPartitionsDefinition(start_date=START_DATE, timezone=TIMEZONE, day_offset=1)

# Forecast and risk-list partitions are keyed by the *target* week, which is the current week:
# the list for week W is made on its Monday from data up to the end of week W-1.
forecast_partitions = WeeklyPartitionsDefinition(
    start_date=START_DATE, timezone=TIMEZONE, day_offset=1, end_offset=1
)
