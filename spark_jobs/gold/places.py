"""Static place features per cell: distance to the nearest place of each kind and count within 500 m."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from spark_jobs.crs import project_np
from spark_jobs.gold.spec import PLACE_RADIUS_M


def kind_slug(kind: str) -> str:
    """A place kind as a column-name part: lower case, non-alphanumerics to underscores."""
    return re.sub(r"[^0-9a-z]+", "_", str(kind).strip().lower()).strip("_") or "unknown"


def read_places(path: str | Path) -> pd.DataFrame | None:
    """landing/reference/places.csv (place_id, kind, name, lon, lat, crs WGS-84), or None when absent."""
    path = Path(path)
    if not path.exists():
        return None
    places = pd.read_csv(path, dtype={"place_id": str, "kind": str})
    return places.dropna(subset=["kind", "lon", "lat"])


def _kind_features(centres: np.ndarray, px: np.ndarray, py: np.ndarray,
                   radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the nearest of these places and how many are within radius_m, per cell centre."""
    if not len(px):
        return np.full(len(centres), np.nan, np.float32), np.zeros(len(centres), np.float32)
    tree = cKDTree(np.column_stack([px, py]))
    dist, _ = tree.query(centres, k=1)
    n = tree.query_ball_point(centres, r=radius_m, return_length=True)
    return dist.astype(np.float32), np.asarray(n, dtype=np.float32)


class PlaceFeatures(NamedTuple):
    """Place features per cell and epoch (a run of weeks with the same open places), and each week's epoch."""

    per_epoch: pd.DataFrame    # cell_id, place_epoch, place_dist_<kind>, place_n500_<kind>
    week_epoch: pd.DataFrame   # week_start, place_epoch

    def runs(self) -> pd.DataFrame:
        """cell_id, week_from, week_to and the features: one row per run of weeks a cell's values hold.

        Most cells keep their values when a place opens across town, so the runs are few (about one per
        cell) where cells x epochs are many: small enough to broadcast to every feature row.
        """
        pe = self.per_epoch.sort_values(["place_epoch", "cell_id"], kind="stable")
        cols = [c for c in pe.columns if c not in ("cell_id", "place_epoch")]
        cells = pe.loc[pe["place_epoch"] == pe["place_epoch"].iloc[0], "cell_id"].to_numpy("int64")
        n_epochs = int(pe["place_epoch"].max()) + 1
        values = pe[cols].to_numpy(np.float64).reshape(n_epochs, len(cells), len(cols))
        we = self.week_epoch.sort_values("week_start", kind="stable")
        weeks, epoch = we["week_start"].to_numpy(), we["place_epoch"].to_numpy(int)
        # A cell starts a run where its values differ from the week before; compared once per change of
        # epoch, not per week, so memory stays at cells x epochs.
        starts = np.zeros((len(weeks), len(cells)), bool)
        starts[0] = True
        for i in np.flatnonzero(epoch[1:] != epoch[:-1]) + 1:
            a, b = values[epoch[i - 1]], values[epoch[i]]
            starts[i] = ~((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1)
        wi, ci = np.nonzero(starts)
        order = np.lexsort((wi, ci))
        wi, ci = wi[order], ci[order]
        last_of_cell = np.r_[ci[1:] != ci[:-1], True]
        ends = np.where(last_of_cell, len(weeks) - 1, np.r_[wi[1:], 0] - 1)
        out = pd.DataFrame({"cell_id": cells[ci], "week_from": weeks[wi], "week_to": weeks[ends]})
        feats = pd.DataFrame(values[epoch[wi], ci], columns=cols).astype(np.float32)
        return pd.concat([out, feats], axis=1)


def place_features_by_week(cells: pd.DataFrame, places: pd.DataFrame, grid_crs: str,
                           weeks: Sequence[date]) -> PlaceFeatures:
    """Place features as known at each target week's Monday: a place counts from valid_from until valid_to.

    Places without validity columns (or with empty ones) count in every week, so a static reference file
    gives one epoch; a market that opens later never shows in the weeks before it opened.
    """
    slugs = places["kind"].map(kind_slug).to_numpy()
    kinds = sorted(set(slugs))
    px, py = project_np(places["lon"].to_numpy(float), places["lat"].to_numpy(float), grid_crs)
    px, py = np.asarray(px), np.asarray(py)
    centres = np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)])
    start = pd.to_datetime(places["valid_from"], errors="coerce") if "valid_from" in places else None
    end = pd.to_datetime(places["valid_to"], errors="coerce") if "valid_to" in places else None
    # A new epoch usually changes one kind (a construction zone opens): each kind's columns are
    # computed once per set of open places of that kind and reused by every epoch that has that set.
    by_kind: dict[tuple[str, tuple], tuple[np.ndarray, np.ndarray]] = {}
    epochs: dict[tuple, int] = {}
    frames, mapping = [], []
    for w in weeks:
        ts = pd.Timestamp(w)
        ok = np.ones(len(places), dtype=bool)
        if start is not None:
            ok &= (start.isna() | (start <= ts)).to_numpy()
        if end is not None:
            ok &= (end.isna() | (end > ts)).to_numpy()
        key = tuple(np.flatnonzero(ok))
        if key not in epochs:
            epochs[key] = len(epochs)
            frame = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy("int64")})
            for kind in kinds:
                idx = np.flatnonzero(ok & (slugs == kind))
                if (kind, tuple(idx)) not in by_kind:
                    by_kind[kind, tuple(idx)] = _kind_features(centres, px[idx], py[idx], PLACE_RADIUS_M)
                frame[f"place_dist_{kind}"], frame[f"place_n500_{kind}"] = by_kind[kind, tuple(idx)]
            frames.append(frame.assign(place_epoch=epochs[key]))
        mapping.append((w, epochs[key]))
    return PlaceFeatures(pd.concat(frames, ignore_index=True),
                         pd.DataFrame(mapping, columns=["week_start", "place_epoch"]))
