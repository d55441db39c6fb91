"""The feature panel of one problem type held as arrays, with zero rows subsampled for training.

Most cell-weeks have no incident. Training keeps every row with an incident and a fixed, hash-chosen
share of the zero rows, weighted up by the inverse share, so the Poisson fit stays unbiased while the
training set shrinks by an order of magnitude. Rows of the weeks being scored are all kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.forecaster import FEATURE_PREFIXES, feature_columns

log = logging.getLogger(__name__)
KEY_COLUMNS = ("cell_id", "week_start", "problem_type", "y")


def row_uniform(cell_id: np.ndarray, week_start: np.ndarray, seed: int = 0) -> np.ndarray:
    """A uniform number in [0, 1) per (cell, week), the same on every read (splitmix64 hash)."""
    days = (np.asarray(week_start, dtype="datetime64[D]").astype("int64")).astype(np.uint64)
    z = np.asarray(cell_id, dtype=np.int64).astype(np.uint64) * np.uint64(1_000_003) + days
    z = z + np.uint64(0x9E3779B97F4A7C15) * np.uint64(seed + 1)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


@dataclass
class TypePanel:
    """Rows (cell, week) of one problem type: features, target, training sample flag and weight."""

    problem_type: str
    features: list[str]
    X: np.ndarray          # float32 (rows, features)
    y: np.ndarray          # float64
    cell: np.ndarray       # int64
    week: np.ndarray       # datetime64[ns]
    train: np.ndarray      # bool: row belongs to the training sample
    weight: np.ndarray     # float64: 1 for incident rows, 1/neg_rate for sampled zero rows

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, problem_type: str, neg_rate: float = 0.1, seed: int = 0,
                   features: list[str] | None = None) -> TypePanel:
        """Build from a pandas panel (cell_id, week_start, y, features...) of one problem type."""
        features = features if features is not None else feature_columns(frame)
        week = pd.to_datetime(frame["week_start"]).to_numpy(dtype="datetime64[ns]")
        cell = frame["cell_id"].to_numpy(dtype="int64")
        y = frame["y"].to_numpy(dtype=float, na_value=np.nan)
        u = row_uniform(cell, week, seed)
        train = ((y > 0) | (u < neg_rate)) & ~np.isnan(y)  # the forecast week has no target yet
        weight = np.where(y > 0, 1.0, 1.0 / neg_rate)
        X = frame.reindex(columns=features).to_numpy(dtype=np.float32)
        return cls(problem_type, features, X, y, cell, week, train, weight)

    def training(self, before, weeks: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Training rows whose week is strictly before `before` (and within the last `weeks` weeks)."""
        before = np.datetime64(pd.Timestamp(before), "ns")
        m = self.train & (self.week < before)
        if weeks:
            m &= self.week >= before - np.timedelta64(7 * weeks, "D")
        return self.X[m], self.y[m], self.weight[m], self.week[m]

    def week_rows(self, week_start, cells: np.ndarray) -> np.ndarray:
        """Feature matrix of one week aligned to `cells` (a cell without a row gets missing features)."""
        w = np.datetime64(pd.Timestamp(week_start), "ns")
        idx = np.flatnonzero(self.week == w)
        pos = pd.Series(idx, index=self.cell[idx])
        pos = pos[~pos.index.duplicated()]
        take = pos.reindex(np.asarray(cells, dtype="int64")).to_numpy()
        out = np.full((len(cells), len(self.features)), np.nan, dtype=np.float32)
        ok = ~np.isnan(take)
        out[ok] = self.X[take[ok].astype(int)]
        return out

    @property
    def weeks(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(np.unique(self.week))


def read_type_panel(path: str, problem_type: str, first_week=None, score_from=None, neg_rate: float = 0.1,
                    seed: int = 0, cells: np.ndarray | None = None) -> TypePanel:
    """Read gold/features for one type from Delta, keeping all rows from `score_from` on and a sample before."""
    return read_type_panels(path, [problem_type], first_week, score_from, neg_rate, seed, cells)[problem_type]


def read_type_panels(path: str, problem_types: Sequence[str], first_week=None, score_from=None,
                     neg_rate: float = 0.1, seed: int = 0, cells: np.ndarray | None = None) -> dict[str, TypePanel]:
    """read_type_panel for several types in one scan of gold/features (its files hold every type).

    Each type's panel is the same, row for row, as reading that type alone.
    """
    from deltalake import DeltaTable

    types = list(dict.fromkeys(problem_types))
    dataset = DeltaTable(path).to_pyarrow_dataset()
    flt = pc.field("problem_type").isin(types)
    if first_week is not None:
        flt &= pc.field("week_start") >= pa.scalar(pd.Timestamp(first_week).date())
    features = [f.name for f in dataset.schema if f.name.startswith(FEATURE_PREFIXES)]
    columns = [c for c in KEY_COLUMNS if c in dataset.schema.names] + features
    score_from_ns = np.datetime64(pd.Timestamp(score_from), "ns") if score_from is not None else None
    keep_cells = pd.Index(np.asarray(cells, dtype="int64")) if cells is not None else None
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in types}
    for batch in dataset.to_batches(columns=columns, filter=flt, batch_size=262_144):
        frame = batch.to_pandas()
        if frame.empty:
            continue
        week = pd.to_datetime(frame["week_start"]).to_numpy(dtype="datetime64[ns]")
        y = frame["y"].to_numpy(dtype=float, na_value=np.nan)
        keep = (y > 0) | (row_uniform(frame["cell_id"].to_numpy(), week, seed) < neg_rate)
        if score_from_ns is not None:
            keep |= week >= score_from_ns
        if keep_cells is not None:
            keep &= frame["cell_id"].isin(keep_cells).to_numpy()
        ptype = frame["problem_type"].to_numpy()
        num = [c for c in features if c in frame.columns]
        for t in types:
            part = frame[keep & (ptype == t)]
            if len(part):
                parts[t].append(part.assign(**{c: part[c].astype(np.float32) for c in num}))
    panels = {}
    for t in types:
        frame = pd.concat(parts[t], ignore_index=True) if parts[t] else pd.DataFrame(columns=columns)
        panels[t] = TypePanel.from_frame(frame, t, neg_rate, seed, feature_columns(frame))
        log.info("panel %s: %d rows kept, %d features", t, len(panels[t].y), len(panels[t].features))
    return panels
