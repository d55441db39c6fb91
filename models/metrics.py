"""Hotspot measures (DESIGN.md section 7): hit rate, PAI, PEI*, Poisson deviance, calibration, capture curve.

Ties in the scores are broken fairly and deterministically by taking the expectation over all
orderings of a tied group: when the top n cells end inside a group of equally scored cells, each
cell of that group counts with the share of the group's slots that remain. This equals the mean
over every random tie-break, so neither cell order nor a seed decides a metric.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DEVIANCE_FLOOR = 1e-3  # a prediction of 0 with an event would make the deviance infinite


def n_flagged(k: float, n_cells: int) -> int:
    """Number of cells in the top k% of a universe: ceil(k/100 x universe size)."""
    if n_cells <= 0:
        return 0
    return min(n_cells, int(math.ceil(k / 100.0 * n_cells - 1e-9)))


def captured(scores: np.ndarray, y: np.ndarray, n: int) -> float:
    """Expected events in the n highest-scored cells, ties shared fairly."""
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=float)
    if n <= 0 or len(scores) == 0:
        return 0.0
    if n >= len(scores):
        return float(y.sum())
    threshold = np.partition(scores, len(scores) - n)[len(scores) - n]  # n-th largest score
    above = scores > threshold
    tied = scores == threshold
    slots = n - int(above.sum())
    return float(y[above].sum() + slots / int(tied.sum()) * y[tied].sum())


def hit_rate(scores: np.ndarray, y: np.ndarray, k: float, total: float | None = None) -> float:
    """HR@k: share of the week's events in the top k% of cells (total: events to divide by, default sum(y))."""
    total = float(np.sum(y)) if total is None else float(total)
    if total <= 0:
        return float("nan")
    return captured(scores, y, n_flagged(k, len(scores))) / total


def pai(scores: np.ndarray, y: np.ndarray, k: float, total: float | None = None) -> float:
    """PAI@k = HR@k / area share of the flagged cells (n/N, which is k/100 up to rounding)."""
    n = n_flagged(k, len(scores))
    if n == 0:
        return float("nan")
    return hit_rate(scores, y, k, total) / (n / len(scores))


def pei_star(scores: np.ndarray, y: np.ndarray, k: float) -> float:
    """PEI*@k: events captured by the flagged cells / events in the n cells that in hindsight had the most."""
    n = n_flagged(k, len(scores))
    best = float(np.sort(np.asarray(y, dtype=float))[::-1][:n].sum())
    if best <= 0:
        return float("nan")
    return captured(scores, y, n) / best


def poisson_deviance(y: np.ndarray, mu: np.ndarray, floor: float = DEVIANCE_FLOOR) -> float:
    """Mean Poisson deviance per cell-week: 2 * (y log(y/mu) - (y - mu)), predictions floored."""
    y = np.asarray(y, dtype=float)
    mu = np.maximum(np.asarray(mu, dtype=float), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.mean(2.0 * (term - (y - mu))))


def calibration_by_decile(pred: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed vs. predicted mean per decile of the prediction (deciles by rank, ties kept together)."""
    pred = np.asarray(pred, dtype=float)
    y = np.asarray(y, dtype=float)
    ranks = pd.Series(pred).rank(method="average").to_numpy()
    decile = np.minimum((ranks - 1) * bins // len(pred), bins - 1).astype(int) + 1 if len(pred) else ranks
    frame = pd.DataFrame({"decile": decile, "pred": pred, "obs": y})
    out = frame.groupby("decile").agg(mean_pred=("pred", "mean"), mean_obs=("obs", "mean"), n=("obs", "size"))
    return out.reset_index()


def expected_cumulative_capture(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Expected events captured by the top n cells for every n = 0..N, ties shared fairly."""
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(-scores, kind="stable")
    s, v = scores[order], y[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    group_mean = np.add.reduceat(v, starts) / np.diff(np.r_[starts, len(s)]) if len(s) else v
    v = np.repeat(group_mean, np.diff(np.r_[starts, len(s)])) if len(s) else v
    return np.r_[0.0, np.cumsum(v)]


def capture_curve(scores: np.ndarray, y: np.ndarray, max_area: float = 0.20, steps: int = 40,
                  total: float | None = None) -> pd.DataFrame:
    """Hit rate against the share of area flagged, from 0 to max_area (a share, 0.20 = 20%)."""
    areas = np.linspace(0.0, max_area, steps + 1)
    total = float(np.sum(y)) if total is None else float(total)
    cum = expected_cumulative_capture(scores, y)
    n = [n_flagged(a * 100, len(scores)) for a in areas]
    rates = cum[n] / total if total > 0 else np.full(len(areas), np.nan)
    return pd.DataFrame({"area": areas, "hit_rate": rates})


def lift(model_value: float, baseline_value: float) -> float:
    """Model's value over the baseline's (NaN when the baseline is 0 or missing)."""
    if baseline_value is None or not np.isfinite(baseline_value) or baseline_value == 0:
        return float("nan")
    return float(model_value) / float(baseline_value)


def week_measures(scores: np.ndarray, y: np.ndarray, mu: np.ndarray | None = None,
                  ks: tuple[float, ...] = (1, 5), total: float | None = None) -> dict[str, float]:
    """All ranking measures for one week and method (keys hr@1, pai@1, pei@1, ..., deviance)."""
    out: dict[str, float] = {}
    for k in ks:
        kk = f"{k:g}"
        out[f"hr@{kk}"] = hit_rate(scores, y, k, total)
        out[f"pai@{kk}"] = pai(scores, y, k, total)
        out[f"pei@{kk}"] = pei_star(scores, y, k)
    if mu is not None:
        out["deviance"] = poisson_deviance(y, mu)
    return out
