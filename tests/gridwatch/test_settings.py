"""Settings: one data home, tables grouped by layer, a generated pseudonym key kept out of the tree."""

import pytest

from gridwatch.settings import get_settings, pseudonym_key


def test_paths_live_under_the_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_HOME", str(tmp_path))
    monkeypatch.delenv("GRIDWATCH_LAKEHOUSE", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # mlflow.set_tracking_uri exports it
    s = get_settings()
    assert s.table_path("silver", "incidents") == str(tmp_path / "lakehouse" / "silver" / "incidents")
    assert s.mlflow_tracking_uri.startswith("sqlite:///") and str(tmp_path) in s.mlflow_tracking_uri
    assert s.dagster_home == tmp_path / "dagster"
    with pytest.raises(ValueError):
        s.table_path("platinum", "x")


def test_lakehouse_location_is_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_LAKEHOUSE", "s3a://city-bucket/gridwatch/")
    s = get_settings(tmp_path)
    assert s.table_path("gold", "forecasts") == "s3a://city-bucket/gridwatch/gold/forecasts"


def test_generated_key_is_stable_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("GRIDWATCH_PII_KEY", raising=False)
    s = get_settings(tmp_path)
    k1, k2 = pseudonym_key(s), pseudonym_key(s)
    assert k1 == k2 and len(k1) == 64
    assert (s.home / ".gridwatch_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("GRIDWATCH_PII_KEY", "from-the-environment")
    assert pseudonym_key(s) == b"from-the-environment"
