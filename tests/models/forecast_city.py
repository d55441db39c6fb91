"""A small synthetic city for forecaster tests: a known weekly intensity per cell, Poisson counts, features."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

FIRST_WEEK = pd.Timestamp("2024-01-01")  # a Monday


def _past_mean(Y: np.ndarray, window: int) -> np.ndarray:
    """mean of Y[:, j-window:j] for every j (0 where no past)."""
    c = np.concatenate([np.zeros((Y.shape[0], 1)), np.cumsum(Y, axis=1)], axis=1)
    j = np.arange(Y.shape[1])
    lo = np.maximum(j - window, 0)
    n = np.maximum(j - lo, 1)
    return (c[:, j] - c[:, lo]) / n


def _neighbour_sum(values: np.ndarray, col: np.ndarray, row: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    raster = np.zeros(shape + values.shape[1:])
    raster[row, col] = values
    out = np.zeros_like(raster)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                out += np.roll(np.roll(raster, dr, axis=0), dc, axis=1)
    return out[row, col]


def synthetic_city(ncols: int = 30, nrows: int = 30, weeks: int = 80, types=("stall", "parking"),
                   seed: int = 0, mean_rate: float = 0.08, first_week: str | None = None) -> dict:
    """Counts, truth, feature panel and cell coordinates of a made-up city with a known intensity."""
    rng = np.random.default_rng(seed)
    cols, rows = np.meshgrid(np.arange(ncols), np.arange(nrows))
    col, row = cols.ravel(), rows.ravel()
    n = len(col)
    cell_id = (row * ncols + col).astype("int64") + 1000
    week_starts = pd.date_range(pd.Timestamp(first_week) if first_week else FIRST_WEEK, periods=weeks, freq="7D")
    market = gaussian_filter(rng.normal(size=(nrows, ncols)), 2.0)[row, col]
    market = (market - market.mean()) / market.std()
    truth, panels = [], []
    for ti, ptype in enumerate(types):
        field_ = gaussian_filter(rng.normal(size=(nrows, ncols)), 1.5)[row, col]
        field_ = (field_ - field_.mean()) / field_.std()
        drift = np.zeros((n, weeks))
        for j in range(1, weeks):  # slowly moving hotspots
            drift[:, j] = 0.92 * drift[:, j - 1] + rng.normal(0, 0.25, n)
        season = 0.3 * np.sin(2 * np.pi * (np.arange(weeks) + 13 * ti) / 52)
        log_mu = 1.2 * field_[:, None] + 0.6 * market[:, None] + drift + season[None, :]
        mu = np.exp(log_mu)
        mu *= mean_rate / mu.mean()
        Y = rng.poisson(mu).astype(float)
        feats = {
            "lag_1": np.c_[np.zeros(n), Y[:, :-1]],
            "roll_mean_4": _past_mean(Y, 4),
            "roll_mean_12": _past_mean(Y, 12),
            "longrun_mean": _past_mean(Y, weeks),
            "nbr1_roll_mean_4": _neighbour_sum(_past_mean(Y, 4), col, row, (nrows, ncols)) / 8,
            "nbr1_longrun_mean": _neighbour_sum(_past_mean(Y, weeks), col, row, (nrows, ncols)) / 8,
            "place_n500_market": np.repeat(market[:, None], weeks, axis=1),
            "cal_week_of_year": np.repeat(week_starts.isocalendar().week.to_numpy(dtype=float)[None, :], n, axis=0),
        }
        frame = pd.DataFrame({
            "cell_id": np.repeat(cell_id, weeks),
            "week_start": np.tile(week_starts, n),
            "problem_type": ptype,
            "y": Y.ravel(),
            **{k: v.ravel().astype(np.float32) for k, v in feats.items()},
        })
        panels.append(frame)
        truth.append(frame[["cell_id", "week_start", "problem_type"]].assign(expected=mu.ravel()))
    panel = pd.concat(panels, ignore_index=True)
    return {
        "panel": panel,
        "truth": pd.concat(truth, ignore_index=True),
        "coords": pd.DataFrame({"cell_id": cell_id, "col": col, "row": row}),
        "cells": cell_id,
        "weeks": week_starts,
    }
