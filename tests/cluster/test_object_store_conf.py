"""Object storage is configuration: s3a:// adds the matching hadoop-aws jar and Delta's S3 log store, never secrets."""

from __future__ import annotations

import pytest

from spark_jobs.session import DELTA_PACKAGE, hadoop_version, object_store_conf

BASE = {"spark.jars.packages": DELTA_PACKAGE}


@pytest.mark.parametrize("lakehouse", ["", "/srv/gridwatch/lakehouse", "file:///srv/lakehouse"])
def test_local_lakehouse_needs_nothing(lakehouse):
    assert object_store_conf(lakehouse, BASE) == {}


def test_s3a_lakehouse_gets_matching_hadoop_aws_and_s3_log_store(monkeypatch):
    for var in ("GRIDWATCH_S3_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    conf = object_store_conf("s3a://bureau-lake/gridwatch", BASE)
    packages = conf["spark.jars.packages"].split(",")
    assert packages == [DELTA_PACKAGE, f"org.apache.hadoop:hadoop-aws:{hadoop_version()}"]
    assert hadoop_version().count(".") == 2
    assert conf["spark.delta.logStore.class"] == "io.delta.storage.S3SingleDriverLogStore"
    assert not any("endpoint" in k for k in conf)


def test_s3a_endpoint_and_region_from_environment_but_never_the_keys(monkeypatch):
    monkeypatch.setenv("GRIDWATCH_S3_ENDPOINT", "http://minio.bureau.local:9000")
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret-value")
    conf = object_store_conf("s3a://bureau-lake/gridwatch", BASE)
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://minio.bureau.local:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "cn-north-1"
    text = repr(conf)
    assert "AKIAEXAMPLEKEYID" not in text and "example-secret-value" not in text
