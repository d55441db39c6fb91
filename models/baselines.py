"""The simple forecasts every model is measured against, from the count history strictly before the origin."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.ndimage import gaussian_filter

# JSON order of the baselines (issue 4); "ewma" is the long-run rate with recent weeks weighted up.
BASELINE_NAMES = ("last_week", "mean_4w", "long_run", "ewma", "same_week_last_year", "kde")
WEEKS_PER_YEAR = 52


def last_week(past: np.ndarray) -> np.ndarray | None:
    """Counts of the week before the origin."""
    return past[:, -1].copy() if past.shape[1] >= 1 else None


def mean_last_weeks(past: np.ndarray, weeks: int = 4) -> np.ndarray | None:
    """Mean of the last `weeks` weeks (fewer when the history is shorter)."""
    return past[:, -weeks:].mean(axis=1) if past.shape[1] >= 1 else None


def long_run(past: np.ndarray) -> np.ndarray | None:
    """Mean over all weeks before the origin."""
    return past.mean(axis=1) if past.shape[1] >= 1 else None


def ewma(past: np.ndarray, halflife: float = 8.0) -> np.ndarray | None:
    """Exponentially weighted mean, the last week weighted 1, a week `halflife` earlier 1/2."""
    n = past.shape[1]
    if n == 0:
        return None
    w = 0.5 ** (np.arange(n)[::-1] / halflife)
    return past @ w / w.sum()


def same_week_last_year(past: np.ndarray) -> np.ndarray | None:
    """Counts 52 weeks before the target week; None when no year of history exists."""
    return past[:, -WEEKS_PER_YEAR].copy() if past.shape[1] >= WEEKS_PER_YEAR else None


def grid_positions(col: np.ndarray, row: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Cell positions shifted to start at 0, and the raster shape that holds them."""
    c = np.asarray(col, dtype=int) - int(np.min(col))
    r = np.asarray(row, dtype=int) - int(np.min(row))
    return c, r, (int(r.max()) + 1, int(c.max()) + 1)


def spatial_smooth(values: np.ndarray, col: np.ndarray, row: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian kernel (sigma in cells) over neighbouring cells; cells outside the universe count 0."""
    c, r, shape = grid_positions(col, row)
    raster = np.zeros(shape, dtype=float)
    np.add.at(raster, (r, c), values)
    smooth = gaussian_filter(raster, sigma=sigma, mode="constant", truncate=3.0)
    return smooth[r, c]


def kde(past: np.ndarray, col: np.ndarray | None, row: np.ndarray | None, weeks: int = 6,
        sigma: float = 1.0) -> np.ndarray | None:
    """Kernel density of the last `weeks` weeks: Gaussian over neighbouring cells, in events per cell-week."""
    if col is None or row is None or past.shape[1] == 0:
        return None
    return spatial_smooth(past[:, -weeks:].mean(axis=1), col, row, sigma)


def baseline_forecasts(past: np.ndarray, col: np.ndarray | None = None, row: np.ndarray | None = None,
                       names: tuple[str, ...] = BASELINE_NAMES) -> dict[str, np.ndarray]:
    """Every baseline that can be computed from `past` (cells x weeks before the origin)."""
    makers: dict[str, Callable[[], np.ndarray | None]] = {
        "last_week": lambda: last_week(past),
        "mean_4w": lambda: mean_last_weeks(past, 4),
        "long_run": lambda: long_run(past),
        "ewma": lambda: ewma(past),
        "same_week_last_year": lambda: same_week_last_year(past),
        "kde": lambda: kde(past, col, row),
    }
    out = {}
    for name in names:
        pred = makers[name]()
        if pred is not None:
            out[name] = pred
    return out
