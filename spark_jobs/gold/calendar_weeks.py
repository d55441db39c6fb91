"""Calendar of target weeks: week of year, month, public holidays, make-up workdays, school term, Spring Festival."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

import holidays
import pandas as pd

# Approximate Chinese primary/secondary school breaks: summer 8 Jul - 31 Aug, winter about
# three and a half weeks either side of the Spring Festival.
SUMMER_BREAK = ((7, 8), (8, 31))
WINTER_BREAK_DAYS = 24


@lru_cache(maxsize=16)
def _holidays(country: str, years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=list(years))


def spring_festivals(years: Sequence[int]) -> list[date]:
    """First day of the Spring Festival (春节) in each year."""
    cn = _holidays("CN", tuple(sorted(set(years))))
    firsts: dict[int, date] = {}
    for d, name in sorted(cn.items()):
        if "Spring Festival" in name and d.year not in firsts:
            firsts[d.year] = d
    return [firsts[y] for y in sorted(firsts)]


def _in_school_term(d: date, festival: date) -> bool:
    (sm, sd), (em, ed) = SUMMER_BREAK
    if date(d.year, sm, sd) <= d <= date(d.year, em, ed):
        return False
    return abs((d - festival).days) > WINTER_BREAK_DAYS


def calendar_frame(weeks: Sequence[date], country: str = "CN") -> pd.DataFrame:
    """One row per Monday with the cal_ features of that target week (China adds make-up days, term, festival)."""
    years = tuple(range(min(weeks).year - 1, max(weeks).year + 2))
    hol = _holidays(country, years)
    makeup = set(getattr(hol, "weekend_workdays", set()) or set())
    festivals = spring_festivals(years) if country == "CN" else []
    rows = []
    for ws in weeks:
        days = [ws + timedelta(days=i) for i in range(7)]
        working = [(d.weekday() < 5 and d not in hol) or d in makeup for d in days]
        thursday = days[3]
        row = {
            "week_start": ws,
            "cal_week_of_year": ws.isocalendar()[1],
            "cal_month": thursday.month,
            "cal_holiday_days": sum(d in hol for d in days),
            "cal_days_off": 7 - sum(working),
        }
        if country == "CN":
            nearest = min(festivals, key=lambda f: abs((f - ws).days))
            row["cal_makeup_workdays"] = sum(d in makeup for d in days)
            row["cal_school_term"] = int(_in_school_term(days[2], nearest))
            row["cal_days_to_spring_festival"] = (nearest - ws).days
        rows.append(row)
    return pd.DataFrame(rows)
