"""The hotline/110 text classifier: held-out accuracy per class, save/load, the silver hook."""

import mlflow
import numpy as np
import pandas as pd
import pytest

from gridwatch.settings import get_settings
from gridwatch.taxonomy import minor_codes
from models.backtest_home import setup_mlflow
from models.text_classifier import (
    TextClassifier,
    classify_missing,
    labels_from_codes,
    log_text_classifier,
    train_text_classifier,
)

PLACES = ["东胜区人民医院", "康巴什万达广场", "阿镇农贸市场", "天骄路小学", "铁西夜市", "罕台新村", "鄂尔多斯大街", "伊金霍洛旗政府"]


@pytest.fixture(scope="module")
def corpus():
    """Texts written by the city simulator from each record's true minor code, labelled through the taxonomy."""
    from simulator.texts import complaint_texts

    rng = np.random.default_rng(7)
    codes = minor_codes()
    minor = rng.choice(codes["minor_code"].to_numpy(), 1500)
    place = rng.choice(PLACES, 1500)
    texts = list(complaint_texts(rng, minor, place)) + list(complaint_texts(rng, minor[:500], place[:500], police=True))
    ptype = codes.set_index("minor_code")["problem_type"]
    labels = list(ptype.reindex(minor).to_numpy()) + list(ptype.reindex(minor[:500]).to_numpy())
    return texts, labels


@pytest.fixture(scope="module")
def clf(corpus):
    return train_text_classifier(*corpus, seed=1)


def test_held_out_precision_and_recall_per_class(clf):
    per = clf.per_class().set_index("problem_type")
    assert {"stall", "parking", "violation", "sanitation"} <= set(per.index)
    for t in ("stall", "parking", "violation"):
        assert per.loc[t, "precision"] >= 0.9, per
        assert per.loc[t, "recall"] >= 0.9, per
    assert per["support"].sum() == pytest.approx(0.2 * 2000, abs=2)  # evaluated on the 20% held out
    assert clf.report["accuracy"] >= 0.9


def test_predict_returns_types_and_confidence(clf):
    types, conf = clf.predict(["市民反映：万达广场门口有流动摊贩卖水果，堵塞人行道。", "小区楼顶有人私搭乱建彩钢房", ""])
    assert list(types[:2]) == ["stall", "violation"]
    assert conf.shape == (3,) and ((conf > 0) & (conf <= 1)).all()
    assert conf[0] > conf[2]  # an empty text is a guess


def test_save_and_load_round_trip(clf, tmp_path):
    path = clf.save(tmp_path / "clf" / "text_classifier.skops")
    again = TextClassifier.load(path)
    texts = ["路口机动车乱停放，堵住出入口", "工地扬尘很大"]
    assert list(again.predict(texts)[0]) == list(clf.predict(texts)[0])
    assert again.report["accuracy"] == clf.report["accuracy"]


def test_silver_hook_fills_missing_and_overrides_contradicted_codes(clf):
    texts = ["万达广场门口有流动摊贩卖水果，堵塞人行道", "医院门口私家车乱停乱放，造成交通拥堵", "路口车辆违停"]
    code_types = [None, "stall", "parking"]
    out, origin = classify_missing(texts, code_types, clf, threshold=0.5)
    assert list(out) == ["stall", "parking", "parking"]
    assert list(origin) == ["text", "code_overridden", "code"]


def test_labels_come_from_the_source_crosswalk():
    records = pd.DataFrame({"category_code": ["SZ0501", "SZ0505", "NOPE"]})
    assert labels_from_codes(records, "hotline").tolist()[:2] == ["stall", "parking"]
    assert pd.isna(labels_from_codes(records, "hotline").iloc[2])


def test_metrics_and_model_are_logged_to_mlflow(clf, home, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = get_settings(home)
    setup_mlflow(settings, "gridwatch-test")
    try:
        run_id = log_text_classifier(clf, home / "models" / "text_classifier.skops")
        run = mlflow.MlflowClient().get_run(run_id)
        assert run.data.metrics["accuracy"] == pytest.approx(clf.report["accuracy"])
        assert "stall.recall" in run.data.metrics
        assert [a.path for a in mlflow.MlflowClient().list_artifacts(run_id)] == ["text_classifier.skops"]
    finally:
        mlflow.set_tracking_uri(None)


def test_trained_from_the_data_home_reports_and_loaded_for_silver(corpus, home):
    from deltalake import write_deltalake

    from models.text_classifier import load_for_home, train_for_home

    settings = get_settings(home)
    texts, labels = corpus
    reports = pd.DataFrame({"source": "hotline", "text": texts, "problem_type": labels, "type_origin": "code"})
    reports.loc[::10, "type_origin"] = "text"  # typed by text before: not a label
    write_deltalake(settings.table_path("silver", "reports"), reports)
    assert load_for_home(settings) is None
    clf = train_for_home(settings)
    assert clf.per_class()["support"].sum() == pytest.approx(0.2 * 0.9 * len(texts), abs=3)
    loaded = load_for_home(settings)
    types, conf = loaded.predict(pd.Series(["小区楼顶有人私搭乱建彩钢房"]))
    assert types[0] == "violation" and conf[0] > 0.5
