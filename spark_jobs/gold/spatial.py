"""Spatial signals on the square grid: neighbour rings by offset joins, Gaussian kernel density on dense arrays.

Neighbour sums are a sparse Spark explode (each non-zero count feeds its 8 or 24 neighbours). The kernel
density runs on a dense numpy array per week: a 1 km Gaussian on 100 m cells touches about 3,700
neighbours per cell, which as Spark joins would multiply the rows by that much, while
scipy.ndimage.gaussian_filter does a whole city-week in milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from scipy.ndimage import gaussian_filter

from gridwatch.city import GridSpec
from spark_jobs.gold.spec import KDE_SPECS, KDE_TRUNCATE

log = logging.getLogger(__name__)
KDE_CHUNK_WEEKS = 32


def ring_offsets(spark: SparkSession, max_ring: int) -> DataFrame:
    """(dx, dy, ring) for every offset within `max_ring` cells (Chebyshev distance), centre excluded."""
    rows = [(dx, dy, max(abs(dx), abs(dy))) for dx in range(-max_ring, max_ring + 1)
            for dy in range(-max_ring, max_ring + 1) if (dx, dy) != (0, 0)]
    return spark.createDataFrame(rows, "dx int, dy int, ring int")


def spread_to_neighbours(df: DataFrame, offsets: DataFrame, grid: GridSpec) -> DataFrame:
    """Each row copied to the cells around it: cell_id becomes the neighbour's id; adds `ring`."""
    col = F.col("cell_id") % F.lit(grid.ncols) + F.col("dx")
    row = F.floor(F.col("cell_id") / F.lit(grid.ncols)) + F.col("dy")
    inside = (col >= 0) & (col < grid.ncols) & (row >= 0) & (row < grid.nrows)
    return (df.crossJoin(F.broadcast(offsets)).where(inside)
              .withColumn("cell_id", (row * F.lit(grid.ncols) + col).cast("long"))
              .drop("dx", "dy"))


def kde_column(bandwidth_m: int, weeks: int) -> str:
    """Feature name of one kernel-density variant."""
    return f"kde_{bandwidth_m}m_{weeks}w"


def kernel_density(counts: pd.DataFrame, cells: pd.DataFrame, grid: GridSpec, types: Sequence[str],
                   targets: Sequence[date], specs: Sequence[tuple[int, int]] = KDE_SPECS) -> pd.DataFrame:
    """Gaussian-smoothed mean weekly count of the weeks before each target week, at every universe cell.

    counts: cell_id, problem_type, week_start, incidents (any cells); cells: cell_id (the universe).
    The kernel is the normalised discrete Gaussian of scipy (cut at KDE_TRUNCATE sigma); a cell's value
    is the expected incidents per week that the smoothed surface puts on it.
    """
    targets = sorted(targets)
    names = [kde_column(bw, k) for bw, k in specs]
    max_k = max(k for _, k in specs)
    margin = int(np.ceil(KDE_TRUNCATE * max(bw for bw, _ in specs) / grid.cell_m)) + 1
    u_col = (cells["cell_id"].to_numpy() % grid.ncols).astype(np.int64)
    u_row = (cells["cell_id"].to_numpy() // grid.ncols).astype(np.int64)
    c0, r0 = u_col.min() - margin, u_row.min() - margin
    nc, nr = u_col.max() + margin - c0 + 1, u_row.max() + margin - r0 + 1
    first = targets[0] - timedelta(weeks=max_k)
    n_weeks = (targets[-1] - first).days // 7  # weeks first .. last target - 1
    out = []
    for t in types:
        sub = counts[counts["problem_type"] == t]
        col = (sub["cell_id"].to_numpy() % grid.ncols) - c0
        row = (sub["cell_id"].to_numpy() // grid.ncols) - r0
        wk = ((pd.to_datetime(sub["week_start"]) - pd.Timestamp(first)).dt.days // 7).to_numpy()
        keep = (col >= 0) & (col < nc) & (row >= 0) & (row < nr) & (wk >= 0) & (wk < n_weeks)
        dense = np.zeros((n_weeks + 1, nr, nc), dtype=np.float32)  # index 0 stays zero (cumsum base)
        np.add.at(dense, (wk[keep] + 1, row[keep], col[keep]), sub["incidents"].to_numpy()[keep])
        cum = np.cumsum(dense, axis=0)
        t_idx = np.array([(w - first).days // 7 for w in targets])  # target i sums weeks [idx-k, idx)
        for start in range(0, len(targets), KDE_CHUNK_WEEKS):
            idx = t_idx[start:start + KDE_CHUNK_WEEKS]
            part = {"cell_id": np.tile(cells["cell_id"].to_numpy(), len(idx)),
                    "week_start": np.repeat(np.array(targets[start:start + KDE_CHUNK_WEEKS], dtype="datetime64[D]"),
                                            len(cells))}
            for (bw, k), name in zip(specs, names, strict=True):
                window = (cum[idx] - cum[np.maximum(idx - k, 0)]) / k
                sigma = bw / grid.cell_m
                smooth = gaussian_filter(window, sigma=sigma, axes=(1, 2), truncate=KDE_TRUNCATE, mode="constant")
                part[name] = smooth[:, u_row - r0, u_col - c0].ravel().astype(np.float32)
            frame = pd.DataFrame(part)
            frame["problem_type"] = t
            out.append(frame[(frame[names] > 1e-6).any(axis=1)])
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["cell_id", "week_start", "problem_type", *names])
    result["week_start"] = pd.to_datetime(result["week_start"]).dt.date
    log.info("kernel density: %d non-zero rows for %d target weeks", len(result), len(targets))
    return result
