"""Reading several types' panels in one scan of gold/features gives each type's panel exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
from deltalake import write_deltalake

from models.panel import read_type_panel, read_type_panels, row_uniform

TYPES = ["stall", "parking", "violation"]


def _features(path) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    weeks = pd.date_range("2026-01-05", periods=12, freq="7D")
    rows = pd.MultiIndex.from_product([weeks, np.arange(400, dtype="int64"), TYPES],
                                      names=["week_start", "cell_id", "problem_type"]).to_frame(index=False)
    rows = rows.sample(frac=1.0, random_state=3).reset_index(drop=True)  # types interleaved within each file
    rows["y"] = rng.poisson(0.2, len(rows)).astype("float64")
    rows.loc[rows["week_start"] == weeks[-1], "y"] = np.nan  # the forecast week: no target yet
    rows["lag_1"] = rng.random(len(rows)).astype("float32")
    rows["kde_300m_4w"] = rng.random(len(rows)).astype("float32")
    rows["week_start"] = rows["week_start"].dt.date
    for _, part in rows.groupby("week_start", sort=True):  # one commit per week: several files
        write_deltalake(str(path), part, mode="append")
    return rows


def test_one_scan_gives_every_type_its_own_panel(tmp_path):
    rows = _features(tmp_path / "features")
    args = {"first_week": pd.Timestamp("2026-01-19"), "score_from": pd.Timestamp("2026-03-09"), "neg_rate": 0.25}
    together = read_type_panels(str(tmp_path / "features"), TYPES, **args)
    assert list(together) == TYPES
    for t in TYPES:
        alone = read_type_panel(str(tmp_path / "features"), t, **args)
        for field in ("X", "y", "cell", "week", "train", "weight"):
            assert np.array_equal(getattr(together[t], field), getattr(alone, field), equal_nan=True), (t, field)
        # what the panel keeps: its type from first_week on; every incident, every row from score_from,
        # and the hash-chosen share of the other zero rows
        want = rows[(rows["problem_type"] == t) & (pd.to_datetime(rows["week_start"]) >= args["first_week"])]
        week = pd.to_datetime(want["week_start"]).to_numpy("datetime64[ns]")
        kept = ((want["y"] > 0).to_numpy() | (week >= np.datetime64(args["score_from"], "ns"))
                | (row_uniform(want["cell_id"].to_numpy(), week) < args["neg_rate"]))
        assert len(together[t].y) == int(kept.sum()) > 0
        assert set(together[t].cell) <= set(want["cell_id"])
