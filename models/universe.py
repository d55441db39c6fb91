"""The causal cell universe: the cells that are ranked, fixed without looking at the weeks being scored."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from models.history import CountHistory

UniverseRule = Callable[[Mapping[str, CountHistory]], np.ndarray]


class LeakyUniverseError(ValueError):
    """The cell universe looks chosen with knowledge of the weeks being scored."""


def truncate(histories: Mapping[str, CountHistory], before) -> dict[str, CountHistory]:
    """The histories cut strictly before a week: all a universe rule may see."""
    out = {}
    for t, h in histories.items():
        j = h.week_index(before) if pd.Timestamp(before) in h.weeks else int((h.weeks < pd.Timestamp(before)).sum())
        out[t] = CountHistory(t, h.cells.copy(), h.weeks[:j], h.matrix[:, :j].copy())
    return out


def cells_with_history(histories: Mapping[str, CountHistory], min_events: int = 1) -> np.ndarray:
    """Cells with at least `min_events` events of any type in the given histories."""
    cells = next(iter(histories.values())).cells
    total = sum(h.matrix.sum(axis=1) for h in histories.values())
    return np.sort(cells[total >= min_events])


def causal_universe(rule: UniverseRule | np.ndarray, histories: Mapping[str, CountHistory],
                    first_origin) -> np.ndarray:
    """Apply a universe rule to the history before the first scored week only (or take a fixed cell list)."""
    if callable(rule):
        cells = np.asarray(rule(truncate(histories, first_origin)), dtype="int64")
    else:
        cells = np.asarray(rule, dtype="int64")
    assert_causal(cells, histories, first_origin)
    return np.sort(np.unique(cells))


def assert_causal(cells: np.ndarray, histories: Mapping[str, CountHistory], first_origin,
                  min_suspects: int = 5) -> None:
    """Refuse a universe whose cells without prior history all turn out to have events later.

    A universe fixed in advance (a unit grid, a boundary) holds many cells that stay empty; one picked
    from future events holds new cells that are exactly the ones about to have events (DESIGN.md s.7).
    """
    h0 = next(iter(histories.values()))
    pos = pd.Series(np.arange(len(h0.cells)), index=h0.cells).reindex(cells).dropna().astype(int).to_numpy()
    j = int((h0.weeks < pd.Timestamp(first_origin)).sum())
    before = sum(h.matrix[pos, :j].sum(axis=1) for h in histories.values())
    after = sum(h.matrix[pos, j:].sum(axis=1) for h in histories.values())
    new = before == 0
    if new.sum() >= min_suspects and np.all(after[new] > 0):
        raise LeakyUniverseError(
            f"{int(new.sum())} cells of the universe have no event before {pd.Timestamp(first_origin).date()} "
            "and every one of them has events later: the universe was chosen with future data")
