"""A command run inside a running Spark application shares its session and leaves it running; scoped settings."""

from __future__ import annotations

import pytest


def test_command_inside_a_running_session_leaves_it_running(spark, home):
    from gridwatch.audit import audit
    from gridwatch.settings import get_settings
    from spark_jobs.session import session_for_command

    with session_for_command("local[1]", "inner") as inner:
        assert inner is spark
    report = audit(get_settings(home))  # an empty lakehouse: nothing landed, nothing unexplained
    assert report["reconciled"] and not report["sources"]
    assert spark.range(3).count() == 3  # still running


def test_sql_conf_holds_for_the_block_and_is_restored_after(spark):
    from spark_jobs.session import sql_conf

    key, unset_key = "spark.sql.inMemoryColumnarStorage.compressed", "spark.gridwatch.test.setting"
    before = spark.conf.get(key)
    with sql_conf(spark, {key: "false" if before == "true" else "true", unset_key: "on"}):
        assert spark.conf.get(key) != before and spark.conf.get(unset_key) == "on"
    assert spark.conf.get(key) == before and spark.conf.get(unset_key, None) is None
    with pytest.raises(RuntimeError), sql_conf(spark, {unset_key: "on"}):
        raise RuntimeError("a failing block")
    assert spark.conf.get(unset_key, None) is None
