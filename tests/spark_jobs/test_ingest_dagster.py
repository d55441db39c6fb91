"""Bronze assets materialize through Dagster with their GX and reconciliation checks; sensor and schedule."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
from bad_inputs.landing import DAY, good, land_csv, land_good_day, land_jsonl

from dagster_project.defs import bronze, quality
from dagster_project.resources import LakehouseResource, SparkResource
from spark_jobs.ingest import SOURCES


@pytest.fixture
def resources(home):
    return {"spark": SparkResource(master="local[2]"), "lakehouse": LakehouseResource(home=str(home))}


def _checks_for_bronze():
    return [c for c in quality.defs.asset_checks if all(k.asset_key in bronze.BRONZE_KEYS.values()
                                                        for k in c.check_keys)]


def test_bronze_assets_materialize_with_passing_checks(spark, home, resources):
    land_good_day(home)
    path = land_csv(home, "hotline", good("hotline", 1, order_no="X"), name="hotline_20261102_2.csv")
    path.write_bytes(path.read_bytes() + "坏,行\n".encode())
    with dg.instance_for_test() as instance:
        result = dg.materialize([*bronze.bronze_assets, *_checks_for_bronze()], resources=resources,
                                partition_key=DAY.isoformat(), instance=instance)
        assert result.success
        mats = {e.event_specific_data.materialization.asset_key.to_user_string():
                e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events()}
        assert set(mats) == {f"bronze_{s}" for s in SOURCES}
        assert mats["bronze_hotline"]["rows"].value == 4 and mats["bronze_hotline"]["quarantined"].value == 1
        assert mats["bronze_dust"]["files"].value == 1
        evals = result.get_asset_check_evaluations()
        assert len(evals) == 3 * len(SOURCES)
        assert all(e.passed for e in evals), [(e.asset_key, e.check_name, e.description) for e in evals
                                               if not e.passed]
        gx = next(e for e in evals if e.check_name == "gx_hotline")
        assert gx.metadata["rows"].value == 4 and "ExpectCompoundColumnsToBeUnique" in gx.metadata["expectations"].value

        # A late file for an earlier day: the sensor asks for exactly that partition, a range run picks it up.
        old = date(2026, 10, 31)
        land_jsonl(home, "video", good("video", 2, detection_id="late"), day=old)
        requests = bronze.late_file_requests(resources["lakehouse"], today=date(2026, 11, 20))
        assert [(r.partition_key, r.asset_selection) for r in requests] == [
            (old.isoformat(), [bronze.BRONZE_KEYS["video"]])]
        again = dg.materialize(bronze.bronze_assets, resources=resources, instance=instance,
                               tags={quality.RANGE_START: old.isoformat(), quality.RANGE_END: DAY.isoformat()})
        assert again.success
        rows = {e.event_specific_data.materialization.asset_key.to_user_string():
                e.event_specific_data.materialization.metadata["rows"].value
                for e in again.get_asset_materialization_events()}
        assert rows["bronze_video"] == 2 and sum(rows.values()) == 2
        assert bronze.late_file_requests(resources["lakehouse"], today=date(2026, 11, 20)) == []


def test_schedule_ingests_yesterday_at_one_in_shanghai():
    sched = bronze.daily_ingest_schedule
    assert sched.cron_schedule == "0 1 * * *" and sched.execution_timezone == "Asia/Shanghai"
