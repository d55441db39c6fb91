"""A small hand-made city for the delivery tests: two districts, weekly counts, features, a real LightGBM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import lightgbm as lgb
import numpy as np
import pandas as pd

from gridwatch.city import City, build_unit_grid
from models.reasons import shap_contributions, top_reasons
from models.risk_list import iso_week_label

TYPES = ("parking", "stall")
FEATURES = ["lag_1", "roll_mean_4", "nbr1_lag_1", "place_dist_market", "share_weekend_night", "mystery_index"]
CATALOGUE = {"mystery_index": {"zh": "神秘指数", "en": "mystery index"}}
FIRST_WEEK = date(2026, 6, 1)  # a Monday


def mini_city() -> City:
    """Two districts of about 2 km x 2 km near Kangbashi, each with two streets."""
    return City(name="mini", name_zh="小城", timezone="Asia/Shanghai", cell_m=100, crs="EPSG:32649", districts=[
        {"code": "150603", "name_zh": "康巴什区", "name_en": "Kangbashi", "box": [109.76, 39.59, 109.785, 39.608],
         "streets": [{"code": "001", "name_zh": "哈巴格希街道", "centre": [109.765, 39.60]},
                     {"code": "002", "name_zh": "青春山街道", "centre": [109.78, 39.60]}]},
        {"code": "150627", "name_zh": "阿勒腾席热镇", "name_en": "Altanxiret", "box": [109.73, 39.55, 109.755, 39.568],
         "streets": [{"code": "100", "name_zh": "阿勒腾席热镇", "centre": [109.742, 39.559],
                      "communities": ["园林", "通格朗", "纳林高勒"]}]},
    ])


@dataclass
class World:
    grid: pd.DataFrame
    counts: pd.DataFrame      # dense: cell_id, week_start, problem_type, incidents
    features: pd.DataFrame    # cell_id, week_start, problem_type, FEATURES..., y
    weeks: list[date]

    @property
    def grid_week(self) -> pd.DataFrame:
        """Sparse gold/grid_week rows (only cells with incidents), as the gold table holds them."""
        g = self.counts[self.counts["incidents"] > 0].merge(self.grid[["cell_id", "grid_code", "district_code"]],
                                                           on="cell_id")
        g["iso_week"] = [iso_week_label(w) for w in g["week_start"]]
        return g.assign(reports=g["incidents"])


def make_world(n_weeks: int = 24, seed: int = 7) -> World:
    """Poisson counts around a few persistent hotspots (markets), plus the features a forecaster would see."""
    rng = np.random.default_rng(seed)
    grid = build_unit_grid(mini_city())
    n = len(grid)
    weeks = [FIRST_WEEK + timedelta(weeks=i) for i in range(n_weeks)]
    markets = grid.sample(6, random_state=seed)[["x", "y"]].to_numpy()
    d_market = np.sqrt(((grid[["x", "y"]].to_numpy()[:, None, :] - markets[None]) ** 2).sum(-1)).min(1)
    night = rng.beta(2, 5, n)
    frames, feats = [], []
    for t_i, ptype in enumerate(TYPES):
        base = 0.02 + 1.6 * np.exp(-d_market / (250 + 100 * t_i)) + 0.3 * night
        counts = np.stack([rng.poisson(base * rng.gamma(4, 0.25)) for _ in weeks], axis=1)
        frames.append(pd.DataFrame({
            "cell_id": np.repeat(grid["cell_id"].to_numpy(), len(weeks)),
            "week_start": np.tile(weeks, n), "problem_type": ptype, "incidents": counts.ravel()}))
        nbr = _neighbour_sum(grid, counts)
        for j in range(4, len(weeks)):
            feats.append(pd.DataFrame({
                "cell_id": grid["cell_id"].to_numpy(), "week_start": weeks[j], "problem_type": ptype,
                "lag_1": counts[:, j - 1], "roll_mean_4": counts[:, j - 4:j].mean(1),
                "nbr1_lag_1": nbr[:, j - 1], "place_dist_market": d_market,
                "share_weekend_night": night, "mystery_index": rng.normal(0, 1, n), "y": counts[:, j]}))
    return World(grid, pd.concat(frames, ignore_index=True), pd.concat(feats, ignore_index=True), weeks)


def _neighbour_sum(grid: pd.DataFrame, counts: np.ndarray) -> np.ndarray:
    pos = {(c, r): i for i, (c, r) in enumerate(zip(grid["col"], grid["row"], strict=True))}
    out = np.zeros_like(counts)
    for i, (c, r) in enumerate(zip(grid["col"], grid["row"], strict=True)):
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                j = pos.get((c + dc, r + dr))
                if (dc or dr) and j is not None:
                    out[i] += counts[j]
    return out


def train(world: World, ptype: str, before: date) -> lgb.LGBMRegressor:
    """A small Poisson LightGBM on the feature rows before a week."""
    f = world.features[(world.features["problem_type"] == ptype) & (world.features["week_start"] < before)]
    model = lgb.LGBMRegressor(objective="poisson", n_estimators=40, num_leaves=15, learning_rate=0.1,
                              min_child_samples=20, verbose=-1, n_jobs=1, random_state=0)
    return model.fit(f[FEATURES], f["y"])


def forecasts_and_explainer(world: World, week: date):
    """gold/forecasts rows for a target week from real models, and the explain(problem_type, rows) function."""
    models, rows = {}, []
    for ptype in TYPES:
        models[ptype] = train(world, ptype, week)
        f = world.features[(world.features["problem_type"] == ptype) & (world.features["week_start"] == week)]
        mu = models[ptype].predict(f[FEATURES])
        rows.append(pd.DataFrame({
            "target_week_start": week, "target_iso_week": iso_week_label(week), "cell_id": f["cell_id"].to_numpy(),
            "problem_type": ptype, "expected": mu, "p_any": 1 - np.exp(-mu),
            "model_name": "lgbm_poisson", "model_version": "3", "data_version": "gold_features@v12"}))
    fc = pd.concat(rows, ignore_index=True).merge(world.grid[["cell_id", "grid_code", "district_code"]], on="cell_id")

    def explain(ptype: str, listed: pd.DataFrame) -> pd.DataFrame:
        f = world.features[(world.features["problem_type"] == ptype) & (world.features["week_start"] == week)]
        X = f.set_index("cell_id").loc[listed["cell_id"], FEATURES]
        X.index = listed.index
        contrib = shap_contributions(models[ptype], X)
        return top_reasons(contrib, X, ptype, catalogue=CATALOGUE)

    return fc, explain
