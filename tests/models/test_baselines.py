"""Baselines from the count history strictly before the origin, checked by hand."""

import numpy as np
import pandas as pd
import pytest

from models import baselines
from models.history import count_histories

# 3 cells x 6 weeks
PAST = np.array([
    [0, 1, 2, 3, 4, 5],
    [1, 1, 1, 1, 1, 1],
    [6, 0, 0, 0, 0, 0],
], dtype=float)


def test_last_week_mean_and_long_run():
    assert baselines.last_week(PAST).tolist() == [5, 1, 0]
    assert baselines.mean_last_weeks(PAST, 4).tolist() == pytest.approx([3.5, 1, 0])
    assert baselines.long_run(PAST).tolist() == pytest.approx([2.5, 1, 1])


def test_ewma_weights_recent_weeks_up():
    w = 0.5 ** (np.arange(6)[::-1] / 2.0)
    assert baselines.ewma(PAST, halflife=2.0).tolist() == pytest.approx((PAST @ w / w.sum()).tolist())
    assert baselines.ewma(PAST)[0] > baselines.long_run(PAST)[0]  # a rising cell


def test_same_week_last_year_needs_a_year():
    assert baselines.same_week_last_year(PAST) is None
    past = np.arange(2 * 60, dtype=float).reshape(2, 60)
    # target week is column 60; a year before is column 8
    assert baselines.same_week_last_year(past).tolist() == [8.0, 68.0]


def test_kde_spreads_counts_to_neighbours_and_keeps_their_sum():
    cols, rows = np.meshgrid(np.arange(7), np.arange(7))
    col, row = cols.ravel(), rows.ravel()
    centre = 3 * 7 + 3
    past = np.zeros((49, 4))
    past[centre, -1] = 4.0  # the centre cell had 4 events last week: 1 per week over 4 weeks
    k = baselines.kde(past, col, row, weeks=4, sigma=0.8)
    assert k.argmax() == centre
    n, e, s, w = centre - 7, centre + 1, centre + 7, centre - 1
    assert k[n] == pytest.approx(k[e]) == pytest.approx(k[s]) == pytest.approx(k[w])
    assert k[centre - 8] < k[n] < k[centre]
    assert k.sum() == pytest.approx(1.0)  # the kernel (3 sigma) fits inside the grid: nothing is lost
    assert baselines.kde(past, None, None) is None


def test_baseline_forecasts_leave_out_what_cannot_be_computed():
    out = baselines.baseline_forecasts(PAST)
    assert set(out) == {"last_week", "mean_4w", "long_run", "ewma"}


def test_baselines_never_see_the_target_week():
    """Changing the target week's counts changes none of the forecasts for it."""
    frame = pd.DataFrame({
        "cell_id": [1, 2, 1, 2, 1, 2],
        "week_start": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-08"] * 2 + ["2024-01-15"] * 2),
        "problem_type": "stall", "y": [1, 0, 2, 1, 0, 0],
    })
    h = count_histories(frame, np.array([1, 2]))["stall"]
    before = baselines.baseline_forecasts(h.before("2024-01-15"))
    frame.loc[frame["week_start"] == "2024-01-15", "y"] = 50
    h2 = count_histories(frame, np.array([1, 2]))["stall"]
    after = baselines.baseline_forecasts(h2.before("2024-01-15"))
    for name in before:
        assert before[name].tolist() == after[name].tolist()
    assert before["last_week"].tolist() == [2, 1]


def test_count_histories_fill_missing_cell_weeks_with_zero():
    frame = pd.DataFrame({"cell_id": [5], "week_start": [pd.Timestamp("2024-01-15")], "problem_type": ["parking"],
                          "y": [3]})
    weeks = pd.date_range("2024-01-01", periods=3, freq="7D")
    h = count_histories(frame, np.array([4, 5, 6]), weeks)["parking"]
    assert h.matrix.tolist() == [[0, 0, 0], [0, 0, 3], [0, 0, 0]]
