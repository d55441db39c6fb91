"""The simulated city is neither trivially concentrated nor pure noise: figures in the range real cities show."""

import datetime as dt

import numpy as np
import pytest

from simulator.events import GAMMA_SHAPE
from simulator.intensity import IntensityModel
from simulator.layout import build_layout
from simulator.randomness import stream
from simulator.realism import hit_rate, ranking_figures


@pytest.mark.parametrize("score, actual, k, expected", [
    ([3, 2, 1, 0], [1, 1, 1, 1], 0.25, 0.25),
    ([1, 1, 0, 0], [2, 0, 1, 1], 0.25, 0.25),   # two tied cells share the one slot
    ([0, 0, 0, 0], [1, 0, 0, 3], 0.5, 0.5),
    ([5, 4, 1, 0], [0, 0, 0, 2], 0.5, 0.0),
])
def test_hit_rate(score, actual, k, expected):
    assert hit_rate(np.array(score, float), np.array(actual, float), k) == pytest.approx(expected)


@pytest.fixture(scope="module")
def year_of_counts():
    """Expected counts and sampled counts for the forecast types over 60 weeks (no files written)."""
    end = dt.date(2025, 11, 30)
    layout = build_layout("ordos", 100, end - dt.timedelta(days=7 * 60 - 1), end, seed=11)
    model = IntensityModel(layout, end, 60, seed=11, scale=1.0)
    rng = stream(11, "test-counts")
    out = {}
    for t in ("stall", "parking", "violation"):
        e = np.stack([model.expected(t, w) for w in range(model.n_ref - 60, model.n_ref)])
        out[t] = (e, rng.poisson(e * rng.gamma(GAMMA_SHAPE, 1 / GAMMA_SHAPE, e.shape)))
    return out


@pytest.mark.parametrize("ptype", ["stall", "parking"])
def test_concentration_and_noise_in_realistic_ranges(year_of_counts, ptype):
    e, c = year_of_counts[ptype]
    fig = ranking_figures(c, e, origins=20)
    lr, lw, oracle = fig.loc["long_run"], fig.loc["last_week"], fig.loc["oracle"]
    assert 0.15 <= lr["hr@5"] <= 0.50
    assert 0.05 <= lr["hr@1"] <= 0.25
    assert lw["hr@5"] < 0.8 * oracle["hr@5"]          # last week does not give next week away
    assert oracle["hr@5"] > 1.1 * lr["hr@5"]          # there is something left to learn
    assert oracle["hr@5"] < 0.85                       # and the truth itself is not a handful of cells


def test_violation_concentrates_around_sites_but_is_rare(year_of_counts):
    e, c = year_of_counts["violation"]
    fig = ranking_figures(c, e, origins=20)
    assert fig.loc["oracle", "hr@5"] > fig.loc["long_run", "hr@5"]
    assert 10 <= c.sum(axis=1).mean() <= 150
