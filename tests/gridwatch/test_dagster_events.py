"""The batching SQLite event log records a partition-range run exactly as Dagster's own storage does."""

from __future__ import annotations

from collections import Counter

import dagster as dg
import pytest

from gridwatch.dagster_events import BatchingSqliteEventLogStorage
from gridwatch.instance import _EARLIER_YAML, DAGSTER_YAML, prepare_dagster_home
from gridwatch.settings import get_settings

DAYS = 40
DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")
RANGE = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-02-09"}


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run())
def landed(context) -> None:
    context.add_output_metadata({"days": len(context.partition_keys)})


@dg.asset(partitions_def=DAILY, backfill_policy=dg.BackfillPolicy.single_run(), deps=[landed])
def cleaned(context) -> None:
    pass


@dg.asset_check(asset=cleaned)
def cleaned_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


JOB = dg.Definitions(assets=[landed, cleaned], asset_checks=[cleaned_ok]).resolve_implicit_global_asset_job_def()


@pytest.fixture
def env(monkeypatch):
    """prepare_dagster_home writes to os.environ; monkeypatch puts it back."""
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return monkeypatch


def _run(home) -> tuple[set[str], set[str], Counter, str]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = JOB.execute_in_process(instance=instance, tags=RANGE)
        assert result.success
        records = instance.get_records_for_run(result.run_id, limit=100_000).records
        types = Counter(r.event_log_entry.dagster_event_type.value for r in records if r.event_log_entry.is_dagster_event)
        return (instance.get_materialized_partitions(dg.AssetKey("landed")),
                instance.get_materialized_partitions(dg.AssetKey("cleaned")), types,
                type(instance.event_log_storage).__name__)


def test_batched_storage_records_what_dagster_default_records(tmp_path, env):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "dagster.yaml").write_text(_EARLIER_YAML)
    expected = _run(plain)  # Dagster's own SQLite storage, batching off

    calls: list[int] = []
    original = BatchingSqliteEventLogStorage.store_event_batch

    def counted(self, events):
        calls.append(len(events))
        return original(self, events)

    env.setattr(BatchingSqliteEventLogStorage, "store_event_batch", counted)
    prepare_dagster_home(get_settings(tmp_path / "batched"))
    got = _run(tmp_path / "batched" / "dagster")

    assert got[3] == "BatchingSqliteEventLogStorage" and expected[3] == "SqliteEventLogStorage"
    assert len(got[0]) == len(got[1]) == DAYS
    assert got[:3] == expected[:3]
    assert got[2]["ASSET_MATERIALIZATION"] == got[2]["ASSET_MATERIALIZATION_PLANNED"] == 2 * DAYS
    assert sum(calls) >= 4 * DAYS and max(calls) >= DAYS  # the partition events went in batches


def test_a_failing_batch_is_stored_once_event_by_event(tmp_path, env):
    prepare_dagster_home(get_settings(tmp_path))
    original = BatchingSqliteEventLogStorage.store_event
    failed: list[bool] = []

    def flaky(self, event):
        if self._in_batch() and not failed and event.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            failed.append(True)
            raise OSError("disk hiccup")
        return original(self, event)

    env.setattr(BatchingSqliteEventLogStorage, "store_event", flaky)
    landed_parts, cleaned_parts, types, _ = _run(tmp_path / "dagster")
    assert failed == [True]
    assert len(landed_parts) == len(cleaned_parts) == DAYS
    assert types["ASSET_MATERIALIZATION"] == 2 * DAYS  # the rolled-back batch was stored once, not twice


def test_earlier_default_config_is_brought_up_to_date_and_an_edited_one_kept(tmp_path, env):
    dagster_home = tmp_path / "a" / "dagster"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text(_EARLIER_YAML)
    prepare_dagster_home(get_settings(tmp_path / "a"))
    assert (dagster_home / "dagster.yaml").read_text() == DAGSTER_YAML

    edited = tmp_path / "b" / "dagster"
    edited.mkdir(parents=True)
    (edited / "dagster.yaml").write_text(_EARLIER_YAML + "retention: {}\n")
    prepare_dagster_home(get_settings(tmp_path / "b"))
    assert (edited / "dagster.yaml").read_text() == _EARLIER_YAML + "retention: {}\n"
