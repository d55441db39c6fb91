"""How hard the simulated city is to forecast: hit rates of simple rankings against the truth's."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def hit_rate(score: np.ndarray, actual: np.ndarray, k: float) -> float:
    """Share of actual incidents in the k-share of cells ranked highest (ties at the cut-off share the slots)."""
    total = actual.sum()
    if total <= 0:
        return float("nan")
    n_top = int(np.ceil(k * len(score)))
    order = np.sort(score)[::-1]
    cut = order[n_top - 1]
    above = score > cut
    tied = score == cut
    frac = (n_top - above.sum()) / max(tied.sum(), 1)
    return float((actual[above].sum() + frac * actual[tied].sum()) / total)


def ranking_figures(counts: np.ndarray, expected: np.ndarray, origins: int = 26, min_history: int = 8) -> pd.DataFrame:
    """Mean HR@1% and HR@5% over the last `origins` weeks for long-run mean, last week, mean of 4 weeks and the oracle.

    counts and expected are weeks x cells; the forecast for week w uses weeks before w only.
    """
    n_weeks = counts.shape[0]
    first = max(min_history, n_weeks - origins)
    cum = np.cumsum(counts, axis=0)
    rows = []
    for w in range(first, n_weeks):
        actual = counts[w]
        if actual.sum() == 0:
            continue
        scores = {
            "long_run": cum[w - 1] / w,
            "last_week": counts[w - 1],
            "mean_4w": counts[max(0, w - 4):w].mean(axis=0),
            "oracle": expected[w],
        }
        for name, s in scores.items():
            rows.append({"week": w, "ranking": name, "hr@1": hit_rate(s, actual, 0.01), "hr@5": hit_rate(s, actual, 0.05)})
    if not rows:
        return pd.DataFrame(columns=["ranking", "hr@1", "hr@5"])
    return pd.DataFrame(rows).groupby("ranking")[["hr@1", "hr@5"]].mean()


def week_to_week_correlation(counts: np.ndarray) -> float:
    """Correlation of a cell's count with its count the week before, over all active cells and weeks."""
    if counts.shape[0] < 3:
        return float("nan")
    active = counts.sum(axis=0) > 0
    a, b = counts[1:, active].ravel(), counts[:-1, active].ravel()
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])
