"""The cell universe is fixed without the weeks being scored (DESIGN.md section 7)."""

import numpy as np
import pandas as pd
import pytest
from forecast_city import synthetic_city

from models.backtest import BacktestConfig, run_backtest
from models.history import count_histories
from models.panel import TypePanel
from models.universe import LeakyUniverseError, causal_universe, cells_with_history

WEEKS = pd.date_range("2024-01-01", periods=10, freq="7D")
FIRST_ORIGIN = WEEKS[6]


def _counts(rows):
    return pd.DataFrame(rows, columns=["cell_id", "week_start", "problem_type", "y"])


def _sparse_city():
    """20 cells; cells 1-3 have history, cells 10-16 have events only in the scored weeks."""
    rows = [(c, WEEKS[w], "sanitation", 1) for c, w in [(1, 0), (2, 3), (3, 5), (1, 6), (2, 8)]]
    rows += [(c, WEEKS[7 + c % 3], "sanitation", 1) for c in range(10, 17)]
    return count_histories(_counts(rows), np.arange(20), WEEKS)


def test_history_rule_sees_only_weeks_before_the_first_origin():
    seen = {}

    def rule(histories):
        seen["last"] = max(h.weeks.max() for h in histories.values())
        return cells_with_history(histories)

    cells = causal_universe(rule, _sparse_city(), FIRST_ORIGIN)
    assert seen["last"] < FIRST_ORIGIN
    assert cells.tolist() == [1, 2, 3]


def test_universe_does_not_change_when_the_scored_weeks_change():
    h = _sparse_city()
    before = causal_universe(cells_with_history, h, FIRST_ORIGIN)
    for hist in h.values():
        hist.matrix[:, 6:] += np.random.default_rng(0).poisson(2.0, hist.matrix[:, 6:].shape)
    after = causal_universe(cells_with_history, h, FIRST_ORIGIN)
    assert before.tolist() == after.tolist()


def test_a_universe_chosen_with_future_events_is_refused():
    h = _sparse_city()
    every_cell_with_an_event = np.flatnonzero(h["sanitation"].matrix.sum(axis=1) > 0)
    with pytest.raises(LeakyUniverseError):
        causal_universe(every_cell_with_an_event, h, FIRST_ORIGIN)


def test_a_fixed_grid_with_empty_cells_is_accepted():
    h = _sparse_city()
    assert len(causal_universe(np.arange(20), h, FIRST_ORIGIN)) == 20


def test_backtest_refuses_a_leaky_universe():
    city = synthetic_city(ncols=12, nrows=12, weeks=30, types=("stall",), seed=5, mean_rate=0.01)
    panel = city["panel"]
    panels = {"stall": TypePanel.from_frame(panel, "stall")}
    hist = count_histories(panel, city["cells"])
    leaky = panel.loc[panel["y"] > 0, "cell_id"].unique()
    config = BacktestConfig(origins=12, variants=("poisson",), tune=False, n_boot=10)
    first = city["weeks"][-12]
    seen_before = panel.loc[(panel["week_start"] < first) & (panel["y"] > 0), "cell_id"].unique()
    assert len(set(leaky) - set(seen_before)) >= 5  # the leak has cells to give away
    with pytest.raises(LeakyUniverseError):
        run_backtest(panels, hist, leaky, config=config)
    ok = run_backtest(panels, hist, cells_with_history, config=config)
    assert pd.Timestamp(ok.weekly["origin_week_start"].min()) == first
    early = panel[(panel["week_start"] < first) & (panel["y"] > 0)]["cell_id"].unique()
    assert sorted(ok.universe.tolist()) == sorted(early.tolist())
