"""Rolling-origin backtest: one origin per week, the model beside every baseline and the oracle.

An origin is named by the week it forecasts (`origin_week_start` = the Monday of the target week);
the forecast may use everything up to the end of the week before. Training rows are those whose
week lies strictly before the target week, so their targets are known at the origin.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models import metrics
from models.baselines import baseline_forecasts
from models.forecaster import HotspotModel, ModelSpec, fit_model
from models.history import CountHistory
from models.panel import TypePanel
from models.summary import bootstrap_intervals, summarize
from models.tuning import tune
from models.universe import UniverseRule, causal_universe

log = logging.getLogger(__name__)
WEEKLY_COLUMNS = ["method", "problem_type", "origin_week_start", "metric", "value"]


@dataclass
class BacktestConfig:
    """How the backtest runs: origins, refits, training window, objectives, tuning, intervals."""

    origins: int = 26
    refit_every: int = 4              # 0: fit once at the first origin and keep the model frozen
    train_weeks: int | None = 52      # training window in weeks before the origin; None: all
    min_train_weeks: int = 8
    variants: tuple[str, ...] = ("poisson", "tweedie", "lambdarank")
    report_variants: bool = True      # also score every variant on the held-out origins
    tune: bool = True
    tune_weeks: int = 6               # weeks just before the first origin used for choosing
    tune_budget_s: float = 120.0
    tune_trials: int | None = None    # at most this many candidates per type (None: as many as the budget allows)
    ks: tuple[float, ...] = (1, 5)
    block: int = 4                    # block length (weeks) of the bootstrap
    n_boot: int = 1000
    seed: int = 0


@dataclass
class BacktestResult:
    """Week-by-week values, pooled calibration, capture curves, intervals, the summary and last models."""

    weekly: pd.DataFrame
    calibration: pd.DataFrame
    capture: pd.DataFrame
    intervals: pd.DataFrame
    summary: dict
    specs: dict[str, ModelSpec] = field(default_factory=dict)
    models: dict[str, HotspotModel] = field(default_factory=dict)
    tuning: pd.DataFrame = field(default_factory=pd.DataFrame)
    universe: np.ndarray = field(default_factory=lambda: np.array([], dtype="int64"))


def choose_origins(panels: dict[str, TypePanel], histories: dict[str, CountHistory], config: BacktestConfig,
                   last_week=None) -> list[pd.Timestamp]:
    """The last `origins` weeks that have panel rows and counts, leaving room for training and tuning."""
    weeks = None
    for t, p in panels.items():
        w = p.weeks.intersection(histories[t].weeks)
        weeks = w if weeks is None else weeks.intersection(w)
    weeks = weeks.sort_values()
    if last_week is not None:
        weeks = weeks[weeks <= pd.Timestamp(last_week)]
    room = config.min_train_weeks + (config.tune_weeks if config.tune else 0)
    usable = weeks[room:]
    if len(usable) < config.origins:
        log.warning("only %d origins possible (asked for %d)", len(usable), config.origins)
    return list(usable[-config.origins:])


def run_backtest(panels: dict[str, TypePanel], histories: dict[str, CountHistory],
                 universe: UniverseRule | np.ndarray, coords: pd.DataFrame | None = None,
                 truth: pd.DataFrame | None = None, config: BacktestConfig | None = None,
                 last_week=None, profile: str = "") -> BacktestResult:
    """Score the model, the baselines and (when truth is given) the oracle over rolling weekly origins.

    panels: TypePanel per forecast type; histories: counts over all known cells (the hit-rate
    denominator counts events outside the universe too); universe: fixed cell ids or a rule applied to
    the history before the first origin; coords: cell_id, col, row for the kernel-density baseline;
    truth: cell_id, week_start, problem_type, expected (simulated cities).
    """
    config = config or BacktestConfig()
    t0 = time.monotonic()
    origins = choose_origins(panels, histories, config, last_week)
    if not origins:
        raise ValueError("not enough weeks for a backtest")
    cells = causal_universe(universe, histories, origins[0])
    col, row = _coords(coords, cells)
    rows, calib, capture, tuning_logs = [], [], [], []
    specs, models = {}, {}
    for ptype, panel in panels.items():
        hist = histories[ptype]
        ui = _positions(hist.cells, cells)
        y_by_week = {w: hist.matrix[ui, hist.week_index(w)] for w in hist.weeks}
        spec, trials = _choose_spec(panel, origins[0], cells, y_by_week, config)
        specs[ptype] = spec
        if not trials.empty:
            tuning_logs.append(trials.assign(problem_type=ptype))
        methods = _model_methods(spec, config)
        fitted: dict[str, HotspotModel] = {}
        truth_t = _truth_by_week(truth, ptype, cells)
        for i, week in enumerate(origins):
            if not fitted or (config.refit_every and i % config.refit_every == 0):
                X, y, w, wk = panel.training(week, config.train_weeks)
                by_variant = {v: fit_model(ptype, X, y, w, wk, panel.features, s) for v, s in methods.items()}
                fitted = {"model": by_variant[spec.variant]}
                if len(by_variant) > 1:
                    fitted.update({f"model_{v}": m for v, m in by_variant.items()})
            Xw = panel.week_rows(week, cells)
            j = hist.week_index(week)
            y_true = hist.matrix[ui, j]
            total = float(hist.matrix[:, j].sum())
            scored = {name: m.score_and_expected(Xw) for name, m in fitted.items()}
            for name, pred in baseline_forecasts(hist.matrix[ui, :j], col, row).items():
                scored[name] = (pred, pred)
            if truth_t is not None and pd.Timestamp(week) in truth_t:
                exp = truth_t[pd.Timestamp(week)]
                scored["oracle"] = (exp, exp)
            for name, (score, mu) in scored.items():
                vals = metrics.week_measures(score, y_true, mu, config.ks, total)
                vals["events"] = total
                vals["calib_ratio"] = float(mu.sum() / y_true.sum()) if y_true.sum() > 0 else float("nan")
                rows += [(name, ptype, pd.Timestamp(week), k, v) for k, v in vals.items()]
                calib.append((name, ptype, mu, y_true))
                curve = metrics.capture_curve(score, y_true, total=total)
                capture.append(curve.assign(method=name, problem_type=ptype))
        models[ptype] = fitted["model"]
        log.info("backtest %s done after %.0fs", ptype, time.monotonic() - t0)
    weekly = pd.DataFrame(rows, columns=WEEKLY_COLUMNS)
    calibration = _pooled_calibration(calib)
    capture_df = (pd.concat(capture).groupby(["method", "problem_type", "area"], as_index=False)["hit_rate"].mean()
                  if capture else pd.DataFrame())
    intervals = bootstrap_intervals(weekly, config.block, config.n_boot, config.seed)
    n_weeks = len(next(iter(histories.values())).weeks)
    events = {t: float(h.matrix.sum()) for t, h in histories.items() if t in panels}
    summary = summarize(weekly, intervals, profile=profile, cells=len(cells), weeks=n_weeks,
                        origins=len(origins), events=events, specs=specs)
    log.info("backtest finished in %.0fs", time.monotonic() - t0)
    return BacktestResult(weekly, calibration, capture_df, intervals, summary, specs, models,
                          pd.concat(tuning_logs, ignore_index=True) if tuning_logs else pd.DataFrame(), cells)


def _choose_spec(panel: TypePanel, first_origin, cells, y_by_week, config) -> tuple[ModelSpec, pd.DataFrame]:
    if not config.tune or config.tune_weeks <= 0:
        return ModelSpec(config.variants[0]), pd.DataFrame()
    weeks = [w for w in panel.weeks if w < pd.Timestamp(first_origin)][-config.tune_weeks:]
    if len(weeks) < config.tune_weeks:
        return ModelSpec(config.variants[0]), pd.DataFrame()
    return tune(panel, config.variants, weeks, cells, y_by_week, config.train_weeks, config.tune_budget_s,
                config.tune_trials)


def _model_methods(spec: ModelSpec, config: BacktestConfig) -> dict[str, ModelSpec]:
    """Specs to fit at each refit, by variant: the chosen one, and the others when they are reported."""
    methods = {spec.variant: spec}
    if config.report_variants:
        for v in config.variants:
            methods.setdefault(v, ModelSpec(v, dict(spec.params), spec.rounds))
    return methods


def _positions(all_cells: np.ndarray, cells: np.ndarray) -> np.ndarray:
    pos = pd.Series(np.arange(len(all_cells)), index=all_cells).reindex(cells)
    if pos.isna().any():
        raise ValueError(f"{int(pos.isna().sum())} universe cells are missing from the count history")
    return pos.to_numpy(dtype=int)


def _coords(coords: pd.DataFrame | None, cells: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    if coords is None or not {"col", "row"} <= set(coords.columns):
        return None, None
    c = coords.drop_duplicates("cell_id").set_index("cell_id").reindex(cells)
    if c[["col", "row"]].isna().any().any():
        return None, None
    return c["col"].to_numpy(dtype=int), c["row"].to_numpy(dtype=int)


def _truth_by_week(truth: pd.DataFrame | None, ptype: str, cells: np.ndarray) -> dict | None:
    if truth is None or truth.empty:
        return None
    part = truth[truth["problem_type"] == ptype]
    out = {}
    for week, g in part.groupby(pd.to_datetime(part["week_start"])):
        out[pd.Timestamp(week)] = g.set_index("cell_id")["expected"].reindex(cells).fillna(0.0).to_numpy(dtype=float)
    return out


def _pooled_calibration(calib: list) -> pd.DataFrame:
    by: dict[tuple, list] = {}
    for name, ptype, mu, y in calib:
        by.setdefault((name, ptype), []).append((mu, y))
    parts = []
    for (name, ptype), pairs in by.items():
        mu = np.concatenate([p[0] for p in pairs])
        y = np.concatenate([p[1] for p in pairs])
        parts.append(metrics.calibration_by_decile(mu, y).assign(method=name, problem_type=ptype))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
