"""Case history: SCD2 over versions (also out of order), latest state with lifecycle, state as of any time."""

from __future__ import annotations

from datetime import datetime

from spark_jobs.cases import case_history, cases_as_of, latest_cases

SCHEMA = ("case_no string, version long, status string, event_time timestamp, reported_at timestamp, "
          "filed_at timestamp, dispatched_at timestamp, handled_at timestamp, verified_at timestamp, "
          "closed_at timestamp, rework_count long, dt date")


def _t(h: int, m: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 11, day, h, m)


def _versions(spark, order):
    rows = {
        1: ("C1", 1, "上报", _t(8), _t(8), None, None, None, None, None, 0),
        2: ("C1", 2, "立案", _t(8), _t(8), _t(9), None, None, None, None, 0),
        3: ("C1", 3, "处置", _t(8), _t(8), _t(9), _t(10), _t(12), None, None, 0),
        4: ("C1", 4, "返工", _t(8), _t(8), _t(9), _t(10), None, None, None, 1),
        5: ("C1", 5, "结案", _t(8), _t(8), _t(9), _t(10), _t(15), _t(16), _t(17), 1),
        6: ("C2", 1, "上报", _t(11), _t(11), None, None, None, None, None, 0),
    }
    from datetime import date

    import pandas as pd

    # version 4 (rework) has no timestamp later than version 3: valid_from must not go back in time.
    cols = [c.split()[0] for c in SCHEMA.split(", ")]
    pdf = pd.DataFrame([rows[v] + (date(2026, 11, 2),) for v in order], columns=cols)
    return spark.createDataFrame(pdf, SCHEMA)  # pandas wall-clock times are read in the session time zone


def test_scd2_intervals_are_contiguous_and_ordered_by_version(spark):
    hist = case_history(_versions(spark, [5, 3, 1, 6, 2, 4])).toPandas().sort_values(["case_no", "version"])
    c1 = hist[hist.case_no == "C1"]
    assert list(c1.version) == [1, 2, 3, 4, 5]
    assert list(c1.valid_from.dt.hour) == [8, 9, 12, 12, 17]
    assert list(c1.valid_to.iloc[:-1]) == list(c1.valid_from.iloc[1:])
    assert c1.valid_to.isna().tolist() == [False] * 4 + [True]
    assert c1.is_current.tolist() == [False] * 4 + [True]
    assert hist[hist.case_no == "C2"].is_current.tolist() == [True]


def test_out_of_order_arrival_gives_the_same_history(spark):
    a = case_history(_versions(spark, [1, 2, 3, 4, 5, 6])).toPandas().sort_values(["case_no", "version"])
    b = case_history(_versions(spark, [6, 5, 4, 3, 2, 1])).toPandas().sort_values(["case_no", "version"])
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))


def test_latest_state_carries_lifecycle_and_rework(spark):
    latest = latest_cases(case_history(_versions(spark, [1, 2, 3, 4, 5, 6]))).toPandas().set_index("case_no")
    c1 = latest.loc["C1"]
    assert c1.version == 5 and c1.status == "结案" and c1.versions == 5
    assert c1.filed_at.hour == 9 and c1.closed_at.hour == 17 and c1.handled_at.hour == 15
    assert c1.first_handled_at.hour == 12
    assert bool(c1.reworked) and c1.rework_count == 1
    assert not bool(latest.loc["C2", "reworked"]) and latest.loc["C2", "versions"] == 1


def test_cases_as_of_any_past_time(spark):
    hist = case_history(_versions(spark, [1, 2, 3, 4, 5, 6]))

    def state(when):
        when = when if isinstance(when, str) else when.strftime("%Y-%m-%d %H:%M:%S")  # local wall clock
        return {r.case_no: (r.version, r.status) for r in cases_as_of(hist, when).collect()}

    assert state(_t(7)) == {}
    assert state(_t(8, 30)) == {"C1": (1, "上报")}
    assert state(_t(11)) == {"C1": (2, "立案"), "C2": (1, "上报")}
    assert state(_t(13)) == {"C1": (4, "返工"), "C2": (1, "上报")}  # v3 and v4 share 12:00: v4 wins
    assert state(_t(17)) == {"C1": (5, "结案"), "C2": (1, "上报")}
    assert state("2026-11-03 00:00:00")["C1"] == (5, "结案")
