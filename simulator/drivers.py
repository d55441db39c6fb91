"""What drives each problem type: spatial fields, daily rhythm, hour of day and minor codes, as data."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Mean real incidents per week at scale 1, per problem type (about 1,100 a week in all).
WEEKLY_TARGET = {"stall": 385.0, "parking": 330.0, "violation": 55.0, "sanitation": 220.0, "dust": 55.0,
                 "other": 55.0}


def _f(d: pd.DataFrame, name: str) -> np.ndarray:
    return d[name].to_numpy(dtype=float)


# Daily factor of each driver: a function of the day table (calendar.day_table).
DAILY = {
    "stall_street": lambda d: (0.2 + 0.8 * _f(d, "warmth")) * (1 + 0.35 * _f(d, "day_off")) * (1 + 0.3 * _f(d, "holiday"))
    * (1 + 1.0 * _f(d, "pre_festival")) * (1 - 0.6 * _f(d, "spring_festival")),
    "stall_market": lambda d: (0.5 + 0.5 * _f(d, "warmth")) * (1 + 1.5 * _f(d, "pre_festival"))
    * (1 - 0.7 * _f(d, "spring_festival")) * (1 + 0.2 * _f(d, "day_off")),
    "night": lambda d: _f(d, "night_season") * (1 + 0.6 * _f(d, "day_off")),
    "stall_school": lambda d: _f(d, "school_day") * (0.3 + 0.7 * _f(d, "warmth")),
    "stall_hospital": lambda d: 0.6 + 0.4 * _f(d, "warmth"),
    "stall_mall": lambda d: (0.4 + 0.6 * _f(d, "warmth")) * (1 + 0.8 * _f(d, "day_off")) * (1 + 0.5 * _f(d, "holiday")),
    "stall_park": lambda d: _f(d, "warmth") ** 2 * (1 + 1.2 * _f(d, "day_off")) * (1 + 0.8 * _f(d, "holiday")),
    "stall_spot": lambda d: 0.2 + 0.8 * _f(d, "warmth"),
    "park_street": lambda d: (1 + 0.25 * (1 - _f(d, "day_off"))) * (1 - 0.4 * _f(d, "spring_festival")),
    "park_school": lambda d: _f(d, "school_day"),
    "park_hospital": lambda d: 1 + 0.25 * (1 - _f(d, "day_off")),
    "park_mall": lambda d: (1 + 1.0 * _f(d, "day_off")) * (1 + 0.6 * _f(d, "holiday")) * (1 + 0.8 * _f(d, "pre_festival")),
    "park_market": lambda d: (0.8 + 0.2 * _f(d, "warmth")) * (1 + 1.0 * _f(d, "pre_festival")),
    "park_residential": lambda d: (1 + 0.5 * (1 - _f(d, "warmth"))) * (1 + 0.3 * _f(d, "day_off")),
    "park_transit": lambda d: (1 + 1.5 * _f(d, "holiday")) * (1 + 1.0 * np.maximum(_f(d, "pre_festival"), _f(d, "spring_festival"))),
    "flat": lambda d: np.ones(len(d)),
    "build": lambda d: (0.3 + 0.7 * _f(d, "construction")) * (1 - 0.8 * _f(d, "spring_festival")),
    "build_zone": lambda d: _f(d, "construction") * (1 - 0.8 * _f(d, "spring_festival")),
    "sanit_general": lambda d: (0.7 + 0.3 * _f(d, "warmth") + 0.3 * _f(d, "windy")) * (1 + 0.5 * _f(d, "spring_festival")),
    "sanit_market": lambda d: 1 + 0.5 * _f(d, "pre_festival"),
    "dust_zone": lambda d: (0.1 + _f(d, "construction")) * (1 + 1.5 * _f(d, "windy")),
    "dust_road": lambda d: (0.5 + 0.5 * _f(d, "construction")) * (1 + 1.5 * _f(d, "windy")),
    "dust_village": lambda d: 1 + _f(d, "windy"),
    "other": lambda d: 1 + 0.2 * _f(d, "day_off"),
}

# Per problem type: (driver name, spatial field, annual share, daily rhythm, hour profile, {minor: prob}).
DRIVERS: dict[str, list[tuple[str, str, float, str, str, dict[str, float]]]] = {
    "stall": [
        ("street", "street", 0.20, "stall_street", "street", {"0501": 0.5, "0504": 0.35, "0510": 0.15}),
        ("market", "market", 0.12, "stall_market", "market", {"0501": 0.6, "0504": 0.4}),
        ("night_market", "night_market", 0.14, "night", "evening", {"0510": 0.5, "0501": 0.5}),
        ("school", "school", 0.08, "stall_school", "school", {"0501": 1.0}),
        ("hospital", "hospital", 0.04, "stall_hospital", "daytime", {"0501": 0.7, "0504": 0.3}),
        ("mall", "mall", 0.04, "stall_mall", "street", {"0504": 0.6, "0501": 0.4}),
        ("park", "park", 0.12, "stall_park", "evening", {"0501": 0.7, "0510": 0.3}),
        ("new_spot", "stall_spots", 0.26, "stall_spot", "street", {"0501": 0.8, "0504": 0.2}),
        ("scattered", "built_up", 0.45, "stall_street", "street", {"0501": 0.6, "0504": 0.3, "0510": 0.1}),
    ],
    "parking": [
        ("street", "street", 0.24, "park_street", "commute", {"0505": 0.8, "0506": 0.2}),
        ("school", "school", 0.18, "park_school", "school", {"0505": 0.7, "0506": 0.3}),
        ("hospital", "hospital", 0.10, "park_hospital", "daytime", {"0505": 0.9, "0506": 0.1}),
        ("mall", "mall", 0.12, "park_mall", "daytime", {"0505": 0.7, "0506": 0.3}),
        ("market", "market", 0.07, "park_market", "market", {"0505": 0.7, "0506": 0.3}),
        ("residential", "old_neighbourhood", 0.12, "park_residential", "night", {"0505": 0.85, "0506": 0.15}),
        ("transit", "transit_hub", 0.04, "park_transit", "daytime", {"0505": 0.7, "0506": 0.3}),
        ("new_spot", "parking_spots", 0.12, "flat", "commute", {"0505": 1.0}),
        ("scattered", "built_up", 0.35, "park_street", "commute", {"0505": 0.75, "0506": 0.25}),
    ],
    "violation": [
        ("old_town", "old_neighbourhood", 0.28, "build", "work", {"0101": 1.0}),
        ("village", "urban_village", 0.22, "build", "work", {"0101": 1.0}),
        ("new_zone", "construction_violation", 0.38, "build_zone", "work", {"0101": 1.0}),
        ("scattered", "built_up", 0.2, "build", "work", {"0101": 1.0}),
    ],
    "sanitation": [
        ("general", "population", 0.45, "sanit_general", "daytime", {"0102": 0.5, "0103": 0.2, "0104": 0.3}),
        ("market", "market", 0.13, "sanit_market", "market", {"0102": 0.7, "0104": 0.3}),
        ("night_market", "night_market", 0.08, "night", "evening", {"0102": 0.6, "0104": 0.4}),
        ("old_town", "old_neighbourhood", 0.16, "flat", "daytime", {"0102": 0.6, "0103": 0.4}),
        ("village", "urban_village", 0.12, "flat", "daytime", {"0102": 0.5, "0103": 0.5}),
        ("site", "construction_active", 0.06, "build_zone", "work", {"0103": 0.7, "0104": 0.3}),
        ("scattered", "built_up", 0.3, "sanit_general", "daytime", {"0102": 0.5, "0103": 0.2, "0104": 0.3}),
    ],
    "dust": [
        ("site", "construction_active", 0.55, "dust_zone", "work", {"0302": 0.65, "0303": 0.35}),
        ("road", "street", 0.30, "dust_road", "night", {"0303": 0.7, "0302": 0.3}),
        ("village", "urban_village", 0.15, "dust_village", "daytime", {"0302": 1.0}),
    ],
    "other": [
        ("general", "population", 0.8, "other", "daytime", {"0999": 1.0}),
        ("old_town", "old_neighbourhood", 0.2, "other", "daytime", {"0999": 1.0}),
    ],
}


def _profile(peaks: list[tuple[float, float, float]], floor: float = 0.05) -> np.ndarray:
    h = np.arange(24) + 0.5
    w = np.full(24, floor)
    for centre, width, height in peaks:
        w += height * np.exp(-0.5 * ((h - centre) / width) ** 2)
    return w / w.sum()


HOURS = {
    "street": _profile([(11, 2.5, 0.6), (19, 2.5, 1.0)]),
    "market": _profile([(8, 1.8, 1.0), (17.5, 1.5, 0.6)]),
    "evening": _profile([(20.5, 1.8, 1.0), (23.5, 1.0, 0.3)], 0.02),
    "school": _profile([(7.5, 0.7, 0.8), (11.8, 0.8, 0.5), (17, 1.0, 1.0)]),
    "daytime": _profile([(10, 2.0, 1.0), (15, 2.5, 0.9)]),
    "commute": _profile([(8, 1.0, 1.0), (12, 1.5, 0.4), (18, 1.2, 0.9)]),
    "night": _profile([(21, 2.0, 1.0), (1, 2.0, 0.5)]),
    "work": _profile([(10, 2.0, 1.0), (15, 2.0, 0.9)], 0.02),
}
