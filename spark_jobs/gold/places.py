"""Static place features per cell: distance to the nearest place of each kind and count within 500 m."""

from __future__ import annotations

import re
from pathlib import Path

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


def place_features(cells: pd.DataFrame, places: pd.DataFrame, grid_crs: str,
                   radius_m: float = PLACE_RADIUS_M) -> pd.DataFrame:
    """cell_id + place_dist_<kind> (m, from the cell centre) and place_n500_<kind> for every kind present."""
    px, py = project_np(places["lon"].to_numpy(float), places["lat"].to_numpy(float), grid_crs)
    centres = np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)])
    out = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy("int64")})
    slugs = places["kind"].map(kind_slug).to_numpy()
    for kind in sorted(set(slugs)):
        m = slugs == kind
        tree = cKDTree(np.column_stack([np.asarray(px)[m], np.asarray(py)[m]]))
        dist, _ = tree.query(centres, k=1)
        out[f"place_dist_{kind}"] = dist.astype(np.float32)
        out[f"place_n500_{kind}"] = np.array([len(n) for n in tree.query_ball_point(centres, r=radius_m)],
                                             dtype=np.float32)
    return out
