"""考核 figures from a hand-made case history, against values computed by hand (see the comments)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from models.case_kpis import ALL_DEPARTMENTS, KpiConfig, case_kpis

WEEK = date(2026, 11, 9)  # Monday; the week runs to 2026-11-16 00:00
A, B = "市容科", "停车办"


def v(case_no, version, known, dept="市容科", grid="150602001001001", **times):
    row = {"case_no": case_no, "version": version, "valid_from": pd.Timestamp(known), "department": dept,
           "grid_code": grid, "rework_count": times.pop("rework", 0)}
    for t in ("reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at", "deadline"):
        row[t] = pd.Timestamp(times[t]) if times.get(t) else pd.NaT
    return row


def history() -> pd.DataFrame:
    c1 = dict(reported_at="2026-11-09 09:00", filed_at="2026-11-09 10:00", deadline="2026-11-11 10:00")
    c2 = dict(reported_at="2026-11-10 08:00", filed_at="2026-11-10 09:00", deadline="2026-11-12 09:00")
    c3 = dict(reported_at="2026-11-10 08:00", filed_at="2026-11-10 09:00", deadline="2026-11-12 09:00")
    c5 = dict(reported_at="2026-11-05 08:00", filed_at="2026-11-05 09:00")
    c7 = dict(reported_at="2026-11-09 08:00", filed_at="2026-11-09 09:00", deadline="2026-11-10 08:00")
    rows = [
        # 1: handled and closed on time
        v("C1", 1, "2026-11-09 10:00", **c1),
        v("C1", 2, "2026-11-10 18:00", **c1, handled_at="2026-11-10 15:00", closed_at="2026-11-10 18:00"),
        # 2: handled and closed a day late
        v("C2", 1, "2026-11-10 09:00", **c2),
        v("C2", 2, "2026-11-13 12:00", **c2, handled_at="2026-11-13 10:00", closed_at="2026-11-13 12:00"),
        # 3: closed on time in the week, reopened for rework after the week closed, redone late
        v("C3", 1, "2026-11-10 09:00", **c3),
        v("C3", 2, "2026-11-11 10:00", **c3, handled_at="2026-11-11 10:00"),
        v("C3", 3, "2026-11-11 16:00", **c3, handled_at="2026-11-11 10:00", closed_at="2026-11-11 16:00"),
        v("C3", 4, "2026-11-18 09:00", **c3, rework=1),
        v("C3", 5, "2026-11-19 12:00", **c3, rework=1, handled_at="2026-11-19 10:00", closed_at="2026-11-19 12:00"),
        # 4: reported, never filed
        v("C4", 1, "2026-11-11 08:00", dept=B, reported_at="2026-11-11 08:00"),
        # 5: reported the week before, deadline extended out of the week, done within the extension
        v("C5", 1, "2026-11-05 09:00", dept=B, **c5, deadline="2026-11-12 09:00"),
        v("C5", 2, "2026-11-11 09:00", dept=B, **c5, deadline="2026-11-19 09:00"),
        v("C5", 3, "2026-11-14 12:00", dept=B, **c5, deadline="2026-11-19 09:00", handled_at="2026-11-14 10:00",
          closed_at="2026-11-14 12:00"),
        # 6: filed, due next week
        v("C6", 1, "2026-11-12 09:00", dept=B, reported_at="2026-11-12 08:00", filed_at="2026-11-12 09:00",
          deadline="2026-11-20 09:00"),
        # 7 (other district): overdue, handled only the week after
        v("C7", 1, "2026-11-09 09:00", grid="150603001001001", **c7),
        v("C7", 2, "2026-11-17 09:00", grid="150603001001001", **c7, handled_at="2026-11-17 09:00"),
    ]
    return pd.DataFrame(rows)


def row(kpis: pd.DataFrame, district: str, department: str = ALL_DEPARTMENTS) -> pd.Series:
    sel = kpis[(kpis["district_code"] == district) & (kpis["department"] == department)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_week_as_known_when_it_closed():
    kpis = case_kpis(history(), WEEK, as_of=datetime(2026, 11, 16, 0, 0), config=KpiConfig.load())
    d = row(kpis, "150602")
    # reported 1,2,3,4,6; filed 1,2,3,6; due (original deadline in the week) 1,2,3,5
    assert (d.reported, d.filed, d.due) == (5, 4, 4)
    assert d.filing_rate == pytest.approx(0.8)
    assert d.handled_on_time == 3 and d.ontime_handling_rate == pytest.approx(0.75)   # 1, 3, 5 (extended)
    assert d.closed == 4 and d.closure_rate == pytest.approx(1.0)
    assert d.closed_on_time == 3 and d.ontime_closure_rate == pytest.approx(0.75)
    assert d.extended == 1 and d.extension_rate == pytest.approx(0.25)
    assert d.handled == 4 and d.reworked == 0 and d.rework_rate == pytest.approx(0.0)
    # 100 x (0.10*0.8 + 0.25*0.75 + 0.15*1 + 0.35*0.75 + 0.10*(1-0) + 0.05*(1-0.25))
    assert d.composite_score == pytest.approx(81.75)
    other = row(kpis, "150603")
    assert (other.reported, other.due, other.handled_on_time, other.handled) == (1, 1, 0, 0)
    assert pd.isna(other.rework_rate)  # nothing handled: no rework rate, its weight drops out
    assert other.composite_score == pytest.approx(100 * (0.10 * 1 + 0.05 * 1) / 0.90)


def test_recomputed_after_the_rework_became_known():
    kpis = case_kpis(history(), WEEK, as_of=datetime(2026, 11, 20, 0, 0))
    d = row(kpis, "150602")
    # case 3 was reopened (rework) and redone after its deadline: no longer on time, now reworked
    assert (d.handled_on_time, d.closed, d.closed_on_time, d.handled, d.reworked) == (2, 4, 2, 4, 1)
    assert d.rework_rate == pytest.approx(0.25)
    assert d.composite_score == pytest.approx(100 * (0.08 + 0.25 * 0.5 + 0.15 + 0.35 * 0.5 + 0.10 * 0.75 + 0.05 * 0.75))
    a, b = row(kpis, "150602", A), row(kpis, "150602", B)
    assert (a.reported, a.filed, a.due, a.handled_on_time, a.reworked) == (3, 3, 3, 1, 1)
    assert a.rework_rate == pytest.approx(1 / 3)
    assert (b.reported, b.filed, b.due, b.extended, b.handled, b.reworked) == (2, 1, 1, 1, 1, 0)
    assert b.filing_rate == pytest.approx(0.5) and b.ontime_closure_rate == pytest.approx(1.0)
    assert set(kpis["level"]) == {"district", "department"}
    assert kpis["kpi_config_version"].nunique() == 1


def test_weights_come_from_the_config(tmp_path):
    text = KpiConfig.load().kpis
    only_rework = {k: {**v, "weight": 1.0 if k == "rework_rate" else 0.0} for k, v in text.items()}
    import yaml

    path = tmp_path / "kpi.yaml"
    path.write_text(yaml.safe_dump({"kpis": only_rework, "close_grace_hours": 0}, allow_unicode=True))
    kpis = case_kpis(history(), WEEK, as_of=datetime(2026, 11, 20), config=KpiConfig.load(path))
    assert row(kpis, "150602").composite_score == pytest.approx(75.0)  # 100 x (1 - 0.25)


def test_several_weeks_at_once_equal_week_by_week():
    from datetime import timedelta

    from models.case_kpis import case_kpis_weeks

    weeks = [WEEK - timedelta(days=7), WEEK, WEEK + timedelta(days=7)]
    as_of, at = datetime(2026, 11, 20), datetime(2026, 11, 20, 1, 0)
    together = case_kpis_weeks(history(), weeks, as_of=as_of, computed_at=at)
    one_by_one = pd.concat([case_kpis(history(), w, as_of=as_of, computed_at=at) for w in weeks], ignore_index=True)
    assert set(together["iso_week"]) == {"2026-W45", "2026-W46", "2026-W47"}
    pd.testing.assert_frame_equal(together, one_by_one)
