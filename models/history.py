"""Count history as a cells x weeks matrix per problem type, the common input of baselines and the backtest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def week_range(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Every Monday from first to last inclusive."""
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="7D")


@dataclass
class CountHistory:
    """Weekly counts of one problem type: matrix[i, j] = events in cells[i] during weeks[j]."""

    problem_type: str
    cells: np.ndarray          # cell_id, int64, the row order
    weeks: pd.DatetimeIndex    # consecutive Mondays, the column order
    matrix: np.ndarray         # float64, shape (len(cells), len(weeks))

    def week_index(self, week_start) -> int:
        """Column of a week (KeyError when outside the history)."""
        return int(self.weeks.get_loc(pd.Timestamp(week_start)))

    def before(self, week_start) -> np.ndarray:
        """Columns strictly before a week: what a forecast for that week may know."""
        return self.matrix[:, : self.week_index(week_start)]


def count_histories(counts: pd.DataFrame, cells: np.ndarray, weeks: pd.DatetimeIndex | None = None,
                    value: str = "y") -> dict[str, CountHistory]:
    """Pivot long counts (cell_id, week_start, problem_type, value) into one matrix per type.

    Cells outside `cells` are ignored; missing cell-weeks are 0 (sparse input works).
    """
    frame = counts[["cell_id", "week_start", "problem_type", value]].copy()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    if weeks is None:
        weeks = week_range(frame["week_start"].min(), frame["week_start"].max())
    cells = np.asarray(cells, dtype="int64")
    cell_pos = pd.Series(np.arange(len(cells)), index=cells)
    week_pos = pd.Series(np.arange(len(weeks)), index=weeks)
    out: dict[str, CountHistory] = {}
    for ptype, part in frame.groupby("problem_type", sort=True):
        i = cell_pos.reindex(part["cell_id"].to_numpy()).to_numpy()
        j = week_pos.reindex(part["week_start"].to_numpy()).to_numpy()
        keep = ~(np.isnan(i) | np.isnan(j))
        m = np.zeros((len(cells), len(weeks)), dtype=float)
        np.add.at(m, (i[keep].astype(int), j[keep].astype(int)), part[value].to_numpy(dtype=float)[keep])
        out[str(ptype)] = CountHistory(str(ptype), cells, weeks, m)
    return out


def events_per_week(counts: pd.DataFrame, value: str = "y") -> pd.DataFrame:
    """Total events per (problem_type, week_start) over all cells, the honest hit-rate denominator."""
    frame = counts[["week_start", "problem_type", value]].copy()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    return frame.groupby(["problem_type", "week_start"], as_index=False)[value].sum().rename(
        columns={value: "events"})
