"""Days and weeks of a simulation: Chinese holidays, make-up workdays, school terms, seasons."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd


def day_table(start: dt.date, n_days: int) -> pd.DataFrame:
    """One row per day: week index, weekday, holiday, make-up workday, school day, season factors."""
    days = pd.date_range(start, periods=n_days, freq="D")
    years = sorted({d.year for d in days})
    cn = holidays.China(years=years)
    makeup = {d for d in cn.weekend_workdays if d.year in years}
    date = days.date
    weekday = days.weekday.to_numpy()
    holiday = np.array([d in cn for d in date])
    makeup_day = np.array([d in makeup for d in date])
    off = (weekday >= 5) & ~makeup_day | holiday
    doy = days.dayofyear.to_numpy()
    month = days.month.to_numpy()
    # Ordos school terms: spring term Mar-early Jul, autumn term Sep-mid Jan; summer and winter breaks.
    md = month * 100 + days.day.to_numpy()
    in_term = ((md >= 301) & (md <= 710)) | (md >= 901) | (md <= 115)
    school_day = in_term & ~off
    spring_festival = np.array([("Spring Festival" in cn.get(d, "")) or ("New Year's Eve" in cn.get(d, ""))
                                for d in date])
    # The fortnight before the Spring Festival: New-Year goods markets swell.
    sf_dates = [d for d, ok in zip(date, spring_festival, strict=False) if ok]
    pre_festival = np.zeros(n_days, dtype=bool)
    for d0 in sf_dates:
        pre_festival |= (date >= d0 - dt.timedelta(days=14)) & (date < d0)
    # Warmth: 0 in mid-January, 1 in mid-July (Ordos: -10 C vs 23 C monthly means).
    warmth = 0.5 - 0.5 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    # Night-market season: May to September, full in July-August.
    night_season = np.clip((warmth - 0.55) / 0.35, 0, 1)
    # Construction season April-October, stopped by frost the rest of the year.
    construction = np.clip((warmth - 0.35) / 0.3, 0, 1)
    # Spring wind and sand (March-May) lift dust.
    windy = np.exp(-0.5 * ((doy - 105) / 28.0) ** 2)
    return pd.DataFrame({
        "date": date, "week": np.arange(n_days) // 7, "weekday": weekday,
        "holiday": holiday, "makeup_workday": makeup_day, "day_off": off, "school_day": school_day,
        "spring_festival": spring_festival, "pre_festival": pre_festival,
        "warmth": warmth, "night_season": night_season, "construction": construction, "windy": windy,
    })
