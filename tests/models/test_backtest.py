"""The rolling backtest on a small synthetic city whose true intensity is known."""

import os

import numpy as np
import pandas as pd
import pytest
from forecast_city import synthetic_city

from models.backtest import WEEKLY_COLUMNS, BacktestConfig, run_backtest
from models.forecaster import ModelSpec, fit_model
from models.history import count_histories
from models.panel import TypePanel
from models.summary import SUMMARY_METRICS, block_bootstrap_indices

CONFIG = BacktestConfig(origins=6, refit_every=3, train_weeks=30, variants=("poisson",), tune=False, n_boot=200)


@pytest.fixture(scope="module")
def city():
    return synthetic_city(ncols=20, nrows=20, weeks=40, types=("stall", "parking"), seed=3, mean_rate=0.3)


@pytest.fixture(scope="module")
def result(city):
    panels = {t: TypePanel.from_frame(g, t, neg_rate=0.3) for t, g in city["panel"].groupby("problem_type")}
    hist = count_histories(city["panel"], city["cells"])
    return run_backtest(panels, hist, city["cells"], city["coords"], city["truth"], CONFIG, profile="synthetic")


def test_weekly_table_has_every_method_type_origin_and_metric(result, city):
    w = result.weekly
    assert list(w.columns) == WEEKLY_COLUMNS
    origins = sorted(w["origin_week_start"].unique())
    assert len(origins) == 6
    assert pd.Timestamp(origins[-1]) == city["weeks"][-1]
    assert set(w["method"]) == {"model", "last_week", "mean_4w", "long_run", "ewma", "kde", "oracle"}
    per = w.groupby(["method", "problem_type"])["origin_week_start"].nunique()
    assert (per == 6).all()
    assert set(SUMMARY_METRICS) <= set(w["metric"])


def test_summary_has_the_issue_json_shape(result, city):
    s = result.summary
    assert {"profile", "cells", "weeks", "origins", "types"} <= set(s)
    assert (s["profile"], s["cells"], s["weeks"], s["origins"]) == ("synthetic", 400, 40, 6)
    for ptype in ("stall", "parking"):
        e = s["types"][ptype]
        assert set(e["model"]) == set(SUMMARY_METRICS)
        # no prior year in 40 weeks: that baseline is left out, not zero
        assert set(e["baselines"]) == {"last_week", "mean_4w", "long_run", "ewma", "kde"}
        assert set(e["oracle"]) == set(SUMMARY_METRICS)
        assert e["events"] == int(city["panel"].loc[city["panel"]["problem_type"] == ptype, "y"].sum())
        assert e["ratios"]["model/oracle"]["hr@5"] == pytest.approx(e["model"]["hr@5"] / e["oracle"]["hr@5"], rel=1e-3)


def test_model_learns_the_hotspots(result):
    """With a persistent intensity the model beats last week and comes near the oracle."""
    for e in result.summary["types"].values():
        assert e["model"]["hr@5"] > e["baselines"]["last_week"]["hr@5"]
        assert e["model"]["deviance"] < e["baselines"]["last_week"]["deviance"]
        assert e["oracle"]["deviance"] < e["baselines"]["last_week"]["deviance"]
        assert e["ratios"]["model/oracle"]["hr@5"] > 0.7


def test_intervals_contain_the_mean(result):
    iv = result.intervals[result.intervals["method"] == "model"]
    assert not iv.empty
    ok = iv.dropna()
    assert ((ok["lo"] <= ok["mean"] + 1e-12) & (ok["mean"] <= ok["hi"] + 1e-12)).all()


def test_calibration_and_capture_are_kept(result):
    cal = result.calibration[(result.calibration["method"] == "oracle")]
    assert set(cal["decile"]) <= set(range(1, 11)) and len(cal) >= 5
    # the true intensity is calibrated: observed tracks predicted in the top decile within 30%
    top = cal.sort_values("decile").iloc[-1]
    assert top["mean_obs"] == pytest.approx(top["mean_pred"], rel=0.3)
    curve = result.capture[(result.capture["method"] == "model")]
    assert curve["area"].max() == pytest.approx(0.2)
    assert curve.groupby("problem_type")["hit_rate"].apply(lambda s: s.is_monotonic_increasing).all()


def test_forecast_for_a_week_ignores_that_week_and_later(city):
    """Training and prediction for week W use no target of W or later: changing them changes nothing."""
    stall = city["panel"][city["panel"]["problem_type"] == "stall"].copy()
    week = city["weeks"][30]
    cells = city["cells"]

    def predict(frame):
        p = TypePanel.from_frame(frame, "stall", neg_rate=0.3)
        X, y, w, wk = p.training(week, 20)
        m = fit_model("stall", X, y, w, wk, p.features, ModelSpec("poisson", rounds=50))
        return m.expected(p.week_rows(week, cells))

    before = predict(stall)
    changed = stall.copy()
    later = changed["week_start"] >= week
    changed.loc[later, "y"] = changed.loc[later, "y"] + 7  # targets from W on are not known at the origin
    assert np.allclose(before, predict(changed))


def test_block_bootstrap_draws_consecutive_weeks():
    idx = block_bootstrap_indices(10, 4, 50, seed=1)
    assert idx.shape == (50, 10)
    assert idx.min() >= 0 and idx.max() <= 9
    assert (np.diff(idx[:, :4], axis=1) == 1).all()  # the first block is consecutive


def test_tuning_prefers_the_calibrated_objective_on_a_near_tie(monkeypatch):
    """Within 1% of the best HR@5 the lowest deviance wins; a clear HR@5 winner wins outright."""
    from models import tuning

    scores = {"poisson": {"hr@5": 0.480, "deviance": 0.090}, "lambdarank": {"hr@5": 0.484, "deviance": 0.095},
              "tweedie": {"hr@5": 0.470, "deviance": 0.080}}
    monkeypatch.setattr(tuning, "CANDIDATES", (({}, 10),))
    monkeypatch.setattr(tuning, "evaluate_spec", lambda panel, spec, *a: scores[spec.variant])
    panel = TypePanel.from_frame(pd.DataFrame({"cell_id": [1], "week_start": [pd.Timestamp("2024-01-01")], "y": [0]}),
                                 "stall")
    spec, trials = tuning.tune(panel, ("poisson", "tweedie", "lambdarank"), [pd.Timestamp("2024-01-01")], None, {},
                               None, 1e9)
    assert spec.variant == "poisson" and len(trials) == 3
    scores["lambdarank"]["hr@5"] = 0.50
    spec, _ = tuning.tune(panel, ("poisson", "tweedie", "lambdarank"), [pd.Timestamp("2024-01-01")], None, {},
                          None, 1e9)
    assert spec.variant == "lambdarank"


def test_tuning_stops_after_the_trial_count(monkeypatch):
    """A trial count bounds the search whatever the time box: the first candidates in order, no more."""
    from models import tuning

    tried = []

    def evaluate(panel, spec, *args):
        tried.append((spec.variant, spec.rounds))
        return {"hr@5": 0.4, "deviance": 0.1}

    monkeypatch.setattr(tuning, "evaluate_spec", evaluate)
    panel = TypePanel.from_frame(pd.DataFrame({"cell_id": [1], "week_start": [pd.Timestamp("2024-01-01")], "y": [0]}),
                                 "stall")
    variants = ("poisson", "tweedie", "lambdarank")
    _, trials = tuning.tune(panel, variants, [pd.Timestamp("2024-01-01")], None, {}, None, 1e9, max_trials=4)
    assert len(trials) == 4
    assert [v for v, _ in tried] == ["poisson", "tweedie", "lambdarank", "poisson"]
    assert trials["params"].iloc[3] == tuning.CANDIDATES[1][0]
    tried.clear()
    _, trials = tuning.tune(panel, variants, [pd.Timestamp("2024-01-01")], None, {}, None, 1e9)
    assert len(trials) == len(tuning.CANDIDATES) * len(variants)


@pytest.mark.parametrize("variant", ["poisson", "lambdarank"])
def test_thread_count_does_not_change_the_model(monkeypatch, variant):
    """lgb_threads follows GRIDWATCH_LGB_THREADS, and one or two threads grow the same trees."""
    from models import forecaster

    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 4)).astype(np.float32)
    y = rng.poisson(np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1] - 1.0)).astype(float)
    week = np.repeat(np.arange(6), 500)
    names = ["lag_1", "roll_mean_4", "nbr1_lag1", "kde_150m_4w"]
    preds = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("GRIDWATCH_LGB_THREADS", threads)
        assert forecaster.lgb_threads() == int(threads)
        model = fit_model("stall", X, y, None, week, names, ModelSpec(variant, rounds=40))
        assert model.booster.params["num_threads"] == int(threads)
        preds[threads] = model.score(X)
    assert np.array_equal(preds["1"], preds["2"])
    assert preds["1"].std() > 0  # a model that learned something, not a constant
    monkeypatch.delenv("GRIDWATCH_LGB_THREADS")
    assert forecaster.lgb_threads() == len(os.sched_getaffinity(0))
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("GRIDWATCH_LGB_THREADS", bad)
        with pytest.raises(ValueError, match="GRIDWATCH_LGB_THREADS"):
            forecaster.lgb_threads()


@pytest.mark.parametrize("variant", ["poisson", "tweedie", "lambdarank"])
def test_training_rows_without_incidents_give_a_zero_forecast(variant):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    week = np.repeat(np.arange(4), 100)
    model = fit_model("violation", X, np.zeros(400), None, week, ["lag_1", "roll_mean_4", "nbr1_lag1"],
                      ModelSpec(variant))
    assert np.all(model.expected(X) == 0.0)
    assert model.feature_importance()["gain"].sum() == 0.0
