"""Names and windows of the gold layer, defined once: tables, feature windows, bandwidths, thresholds."""

from __future__ import annotations

GRID_WEEK = "grid_week"
FEATURES = "features"

KEYS = ["cell_id", "problem_type", "week_start"]
ID_COLUMNS = ["cell_id", "grid_code", "district_code", "week_start", "iso_week", "problem_type", "y"]

LAGS = (1, 2, 3, 4)
ROLL_WINDOWS = (4, 8, 13, 26, 52)
EWM_HALF_LIVES = (2, 8, 26)            # weeks
NBR_WINDOWS = (4, 13)                  # neighbour rolling means, besides last week
OTHER_WINDOW = 4
SENSOR_WINDOW = 4
KDE_SPECS = ((300, 4), (300, 8), (600, 8), (1000, 8))   # (bandwidth m, weeks)
KDE_TRUNCATE = 3.0                     # kernel cut at 3 sigma
SYWLY_LAG = 52
# Windowed features need at most this many weeks before a target week (same week last year +-1).
LOOKBACK_WEEKS = max(max(ROLL_WINDOWS), SYWLY_LAG + 1)

PLACE_RADIUS_M = 500.0
DUST_RADIUS_M = 500.0
# Hourly PM10 above this counts as an exceedance hour (GB 3095-2012 grade II 24-hour limit, ug/m3).
DUST_PM10_LIMIT = 150.0
# A truck ping is "slow" under this speed (km/h); its dwell is the time to its next ping in the same cell.
TRUCK_SLOW_KMH = 5.0
TRUCK_MAX_GAP_MIN = 10.0
CASE_REWORK_WEEKS = 13

# Place kinds the catalogue names in Chinese; other kinds in places.csv still get features.
PLACE_KINDS = {
    "market": ("农贸市场", "market"),
    "night_market": ("夜市", "night market"),
    "school": ("学校", "school"),
    "hospital": ("医院", "hospital"),
    "mall": ("商场", "shopping mall"),
    "old_neighbourhood": ("老旧小区", "old neighbourhood"),
    "construction": ("建筑工地", "construction zone"),
}
