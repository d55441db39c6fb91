"""How people name a spot: the nearest landmark, a road and house number, district and street."""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from simulator.layout import Layout

_LANDMARK_SUFFIX = ["", "门口", "附近", "对面", "旁边", "东侧", "西门", "南门", "北侧"]
_ROAD_SUFFIX = ["路段", "附近小区", "路口", "沿街商铺", "人行道"]


class Addresses:
    """Landmarks and addresses per cell of a layout."""

    def __init__(self, layout: Layout):
        self.layout = layout

    @cached_property
    def _nearest(self) -> tuple[np.ndarray, np.ndarray]:
        pl = self.layout.places
        tree = cKDTree(np.c_[pl["x"].to_numpy(), pl["y"].to_numpy()])
        g = self.layout.grid
        d, i = tree.query(np.c_[g["x"].to_numpy(), g["y"].to_numpy()])
        return d, pl["name"].to_numpy()[i]

    def landmarks(self, pos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A spoken place reference per event cell: '<landmark>门口' near a place, else '<road>路段'."""
        d, names = self._nearest
        road = self.layout.road_name[pos]
        near = d[pos] < 350
        lm = names[pos] + np.asarray(_LANDMARK_SUFFIX, dtype=object)[rng.integers(0, len(_LANDMARK_SUFFIX), len(pos))]
        rd = road + np.asarray(_ROAD_SUFFIX, dtype=object)[rng.integers(0, len(_ROAD_SUFFIX), len(pos))]
        return np.where(near, lm, rd).astype(object)

    def postal(self, pos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A written address: district, street, road and house number (sometimes only '附近')."""
        g = self.layout.grid
        dist = g["district_zh"].to_numpy()[pos]
        street = g["street_zh"].to_numpy()[pos]
        road = self.layout.road_name[pos]
        num = rng.integers(1, 400, len(pos))
        tail = np.where(rng.random(len(pos)) < 0.8, np.char.add(num.astype(str), "号"), "附近")
        short = np.array([d.split("（")[0] for d in dist], dtype=object)
        return (short + street + road + tail.astype(object)).astype(object)
