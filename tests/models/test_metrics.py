"""Hotspot measures against answers computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from models import metrics


@pytest.mark.parametrize("k, n_cells, expected", [
    (1, 100, 1), (5, 100, 5), (1, 32529, 326), (5, 32529, 1627), (5, 10, 1), (1, 1, 1), (20, 7, 2), (5, 0, 0),
])
def test_flagged_cells_are_the_ceiling_of_k_percent(k, n_cells, expected):
    assert metrics.n_flagged(k, n_cells) == expected


# ten cells, scores descending by index; events: 3 in cell 0, 1 in cell 2, 2 in cell 9
SCORES = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=float)
EVENTS = np.array([3, 0, 1, 0, 0, 0, 0, 0, 0, 2], dtype=float)


@pytest.mark.parametrize("k, hr, pai, pei", [
    (10, 3 / 6, (3 / 6) / 0.1, 3 / 3),        # top 1 cell: 3 of 6 events; best single cell holds 3
    (20, 3 / 6, (3 / 6) / 0.2, 3 / 5),        # top 2: cells 0,1 -> 3; best two cells hold 3+2
    (30, 4 / 6, (4 / 6) / 0.3, 4 / 6),        # top 3: cells 0,1,2 -> 4; best three hold 6
    (100, 1.0, 1.0, 1.0),
])
def test_hit_rate_pai_and_pei_by_hand(k, hr, pai, pei):
    assert metrics.hit_rate(SCORES, EVENTS, k) == pytest.approx(hr)
    assert metrics.pai(SCORES, EVENTS, k) == pytest.approx(pai)
    assert metrics.pei_star(SCORES, EVENTS, k) == pytest.approx(pei)


def test_hit_rate_divides_by_all_events_of_the_week_when_given():
    # 4 more events fell outside the ranked universe: 3 of 10
    assert metrics.hit_rate(SCORES, EVENTS, 10, total=10) == pytest.approx(0.3)


@pytest.mark.parametrize("events, expected", [
    # all four cells tie; top 1 of 4 gets a quarter of every cell's events on average
    ([4, 0, 0, 0], 1.0 / 4),
    ([0, 0, 0, 4], 1.0 / 4),
    ([1, 1, 1, 1], 1.0 / 4),
])
def test_ties_are_shared_not_decided_by_cell_order(events, expected):
    scores = np.zeros(4)
    assert metrics.hit_rate(scores, np.array(events, float), 25) == pytest.approx(expected)


def test_tie_group_at_the_cut_gets_its_remaining_slots():
    scores = np.array([5, 3, 3, 3, 1], dtype=float)
    y = np.array([1, 0, 3, 0, 6], dtype=float)
    # top 2 of 5 (40%): cell 0 for sure, then one slot among the three cells scored 3 -> 1 + 3/3
    assert metrics.captured(scores, y, 2) == pytest.approx(2.0)
    assert metrics.hit_rate(scores, y, 40) == pytest.approx(2.0 / 10)
    # the cumulative capture curve agrees with the point value at every n
    cum = metrics.expected_cumulative_capture(scores, y)
    assert cum.tolist() == pytest.approx([0, 1, 2, 3, 4, 10])


def test_poisson_deviance_by_hand():
    y = np.array([0, 1, 2])
    mu = np.array([0.5, 1.0, 1.0])
    # 2*[ (0 - (0-0.5)), (1*log1 - 0), (2 log 2 - 1) ] / 3
    expected = 2 * (0.5 + 0 + (2 * math.log(2) - 1)) / 3
    assert metrics.poisson_deviance(y, mu) == pytest.approx(expected)


def test_deviance_floors_zero_predictions_instead_of_going_infinite():
    d = metrics.poisson_deviance(np.array([1.0]), np.array([0.0]))
    assert math.isfinite(d)
    assert d == pytest.approx(2 * (math.log(1 / metrics.DEVIANCE_FLOOR) - (1 - metrics.DEVIANCE_FLOOR)))


def test_calibration_by_decile_groups_predictions_by_rank():
    pred = np.arange(20, dtype=float)
    y = np.repeat(np.arange(10, dtype=float), 2)
    cal = metrics.calibration_by_decile(pred, y)
    assert cal["decile"].tolist() == list(range(1, 11))
    assert cal["n"].tolist() == [2] * 10
    assert cal["mean_pred"].tolist() == pytest.approx([0.5 + 2 * i for i in range(10)])
    assert cal["mean_obs"].tolist() == pytest.approx(list(range(10)))


def test_capture_curve_runs_from_zero_to_twenty_percent():
    curve = metrics.capture_curve(SCORES, EVENTS, max_area=0.2, steps=2)
    assert curve["area"].tolist() == pytest.approx([0.0, 0.1, 0.2])
    assert curve["hit_rate"].tolist() == pytest.approx([0.0, 0.5, 0.5])


@pytest.mark.parametrize("model, base, expected", [(0.3, 0.2, 1.5), (0.2, 0.0, float("nan")), (0.1, None, float("nan"))])
def test_lift(model, base, expected):
    out = metrics.lift(model, base)
    assert (math.isnan(out) and math.isnan(expected)) or out == pytest.approx(expected)


def test_week_measures_names():
    out = metrics.week_measures(SCORES, EVENTS, SCORES / 10)
    assert set(out) == {"hr@1", "pai@1", "pei@1", "hr@5", "pai@5", "pei@5", "deviance"}
    assert isinstance(pd.Series(out).sum(), float)
