"""A command run inside a running Spark application shares its session and leaves it running."""

from __future__ import annotations


def test_command_inside_a_running_session_leaves_it_running(spark, home):
    from gridwatch.audit import audit
    from gridwatch.settings import get_settings
    from spark_jobs.session import session_for_command

    with session_for_command("local[1]", "inner") as inner:
        assert inner is spark
    report = audit(get_settings(home))  # an empty lakehouse: nothing landed, nothing unexplained
    assert report["reconciled"] and not report["sources"]
    assert spark.range(3).count() == 3  # still running
