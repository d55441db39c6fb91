"""Calendar features of target weeks: Chinese public holidays, make-up workdays, school term, Spring Festival."""

from __future__ import annotations

from datetime import date

from spark_jobs.gold.calendar_weeks import calendar_frame, spring_festivals
from spark_jobs.gold.weeks import iso_label, monday, week_range


def test_national_day_week_2025_w40():
    cal = calendar_frame(week_range(date(2025, 9, 22), date(2025, 10, 13))).set_index("week_start")
    w39, w40, w41 = date(2025, 9, 22), date(2025, 9, 29), date(2025, 10, 6)
    assert iso_label(w40) == "2025-W40"
    assert cal.loc[w40, "cal_holiday_days"] == 3          # 1-3 October
    assert cal.loc[w40, "cal_days_off"] == 5              # plus the weekend
    assert cal.loc[w39, "cal_makeup_workdays"] == 1       # Sunday 28 September is worked
    assert cal.loc[w41, "cal_holiday_days"] == 3          # Mid-Autumn 6 Oct and days off 7-8 Oct
    assert cal.loc[w41, "cal_makeup_workdays"] == 1       # Saturday 11 October is worked
    assert cal.loc[w41, "cal_days_off"] == 4
    assert cal.loc[w40, "cal_week_of_year"] == 40 and cal.loc[w40, "cal_month"] == 10


def test_spring_festival_distance_and_school_term():
    assert spring_festivals([2025, 2026]) == [date(2025, 1, 29), date(2026, 2, 17)]
    cal = calendar_frame([date(2025, 1, 27), date(2025, 4, 7), date(2025, 7, 21)]).set_index("week_start")
    assert cal.loc[date(2025, 1, 27), "cal_days_to_spring_festival"] == 2
    assert cal.loc[date(2025, 4, 7), "cal_days_to_spring_festival"] == -68
    assert list(cal["cal_school_term"]) == [0, 1, 0]     # winter break, spring term, summer break


def test_other_countries_have_no_chinese_columns():
    cal = calendar_frame([monday("2012-11-21")], country="US")
    assert cal.loc[0, "cal_holiday_days"] == 1           # Thanksgiving
    assert "cal_makeup_workdays" not in cal.columns and "cal_days_to_spring_festival" not in cal.columns
