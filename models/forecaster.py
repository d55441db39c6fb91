"""LightGBM hotspot forecaster: a count objective (Poisson or Tweedie) or a ranking objective per problem type."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

log = logging.getLogger(__name__)

# Feature groups of gold/features, by column-name prefix (docs/ARCHITECTURE.md). A group that a city
# lacks (no sensors, no places) is simply absent from the panel and the model trains without it.
FEATURE_PREFIXES = (
    "lag_", "roll_mean_", "ewm_", "longrun_", "sywly_", "nbr1_", "nbr2_", "kde_", "nearrep_", "other_",
    "place_dist_", "place_n500_", "cal_", "video_", "dust_", "truck_", "case_",
)
VARIANTS = ("poisson", "tweedie", "lambdarank")
RANK_LABEL_CAP = 100  # counts above this rank as this; label gain is linear so gain = events captured

BASE_PARAMS: dict = {
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
DEFAULT_ROUNDS = 300


def lgb_threads() -> int:
    """LightGBM threads per fit: GRIDWATCH_LGB_THREADS, else every CPU this process may use.

    A pipeline run has the machine to itself while it fits (Spark idles then), and with `deterministic`
    the trees are the same for any thread count (2 threads: the same predictions, 1.8x faster on 2
    cores). Processes that share the cores set it lower: OpenMP threads that outnumber the cores spin
    against each other and a fit runs an order of magnitude slower (the test suite runs one per worker).
    """
    configured = os.environ.get("GRIDWATCH_LGB_THREADS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"GRIDWATCH_LGB_THREADS must be a whole number of threads, 1 or more; got {configured!r} "
                             "(LightGBM 线程数须为正整数)")
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric feature columns present in a panel, in a stable order."""
    cols = [c for c in frame.columns if c.startswith(FEATURE_PREFIXES)]
    return sorted(c for c in cols if pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))


@dataclass
class ModelSpec:
    """What to fit: the objective variant, LightGBM parameters and the number of boosting rounds."""

    variant: str = "poisson"
    params: dict = field(default_factory=dict)
    rounds: int = DEFAULT_ROUNDS

    def lgb_params(self, group_size: int | None = None) -> dict:
        p = {**BASE_PARAMS, "num_threads": lgb_threads(), **self.params}
        if self.variant == "poisson":
            p.update(objective="poisson")
        elif self.variant == "tweedie":
            p.update(objective="tweedie")
            p.setdefault("tweedie_variance_power", 1.2)
        elif self.variant == "lambdarank":
            p.update(objective="lambdarank", label_gain=list(range(RANK_LABEL_CAP + 1)))
            # pairs are weighed only near the top of each week's list; deeper truncation costs time
            # linearly and, on a shared machine, turned a fit into many minutes for little gain
            p.setdefault("lambdarank_truncation_level", int(min(60, max(30, 0.01 * (group_size or 3000)))))
        else:
            raise ValueError(f"unknown variant {self.variant!r}; expected one of {VARIANTS}")
        return p


@dataclass
class HotspotModel:
    """A fitted forecaster for one problem type: expected incidents per cell for the next week."""

    problem_type: str
    spec: ModelSpec
    features: list[str]
    booster: lgb.Booster
    calibrator: IsotonicRegression | None = None  # ranking scores -> expected counts

    def score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Ranking score (higher = more likely a hotspot)."""
        return self.booster.predict(_matrix(X, self.features))

    def expected(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Expected incidents per cell-week."""
        s = self.score(X)
        if self.calibrator is not None:
            return np.maximum(self.calibrator.predict(s), 0.0)
        return s

    def score_and_expected(self, X: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once, predicting only once."""
        s = self.score(X)
        if self.calibrator is None:
            return s, s
        return s, np.maximum(self.calibrator.predict(s), 0.0)

    def feature_importance(self) -> pd.DataFrame:
        """Gain and split importance per feature, largest gain first."""
        return pd.DataFrame({
            "feature": self.features,
            "gain": self.booster.feature_importance("gain"),
            "split": self.booster.feature_importance("split"),
        }).sort_values("gain", ascending=False, ignore_index=True)


def p_any(expected: np.ndarray) -> np.ndarray:
    """P(at least one incident) under a Poisson count: 1 - exp(-expected)."""
    return 1.0 - np.exp(-np.maximum(np.asarray(expected, dtype=float), 0.0))


def _matrix(X: pd.DataFrame | np.ndarray, features: list[str]) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        missing = [f for f in features if f not in X.columns]
        if missing:
            X = X.assign(**{f: np.nan for f in missing})
        return X[features].to_numpy(dtype=np.float32)
    return np.asarray(X, dtype=np.float32)


def fit_model(problem_type: str, X: np.ndarray, y: np.ndarray, weight: np.ndarray | None, week: np.ndarray,
              features: list[str], spec: ModelSpec) -> HotspotModel:
    """Fit one forecaster on training rows (X, y, sample weights, the week of each row).

    Training rows without a single incident (a type out of season, a new city's first weeks) carry no
    signal: count and ranking objectives both refuse them, so the model is a constant zero forecast.
    """
    if not np.any(np.asarray(y) > 0):
        log.warning("%s: no incident in %d training rows; forecasting zero everywhere", problem_type, len(y))
        ds = lgb.Dataset(X, label=np.zeros(len(y)), feature_name=features, free_raw_data=True)
        flat = {"objective": "regression", "num_threads": lgb_threads(), "verbose": -1}
        return HotspotModel(problem_type, spec, features, lgb.train(flat, ds, num_boost_round=1))
    if spec.variant != "lambdarank":
        ds = lgb.Dataset(X, label=y, weight=weight, feature_name=features, free_raw_data=True)
        booster = lgb.train(spec.lgb_params(), ds, num_boost_round=spec.rounds)
        return HotspotModel(problem_type, spec, features, booster)
    order = np.argsort(week, kind="stable")
    Xo, yo, wo = X[order], y[order], (weight[order] if weight is not None else None)
    _, sizes = np.unique(week[order], return_counts=True)
    label = np.minimum(np.rint(yo), RANK_LABEL_CAP).astype(int)
    ds = lgb.Dataset(Xo, label=label, group=sizes, feature_name=features, free_raw_data=True)
    booster = lgb.train(spec.lgb_params(int(np.median(sizes))), ds, num_boost_round=spec.rounds)
    calibrator = _calibrate(booster.predict(Xo), yo, wo)
    return HotspotModel(problem_type, spec, features, booster, calibrator)


def _calibrate(score: np.ndarray, y: np.ndarray, weight: np.ndarray | None) -> IsotonicRegression:
    """Monotone map from ranking score to expected count, fitted on the training rows."""
    iso = IsotonicRegression(increasing=True, out_of_bounds="clip", y_min=0.0)
    iso.fit(score, y, sample_weight=weight)
    return iso
