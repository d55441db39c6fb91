"""Caller privacy: HMAC tokens equal Python's hmac, and text scrubbing removes phones, ID numbers and names."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from spark_jobs import pii

KEY_SHORT = b"test-key-not-secret"
KEY_LONG = b"k" * 100  # longer than the SHA-256 block: RFC 2104 hashes it first


@pytest.mark.parametrize("phone,name,ident", [
    ("13912345678", "张伟", "tel:13912345678"),
    ("139-1234-5678", "张伟", "tel:13912345678"),
    ("+86 139 1234 5678", None, "tel:13912345678"),
    ("", "王芳", "name:王芳"),
    (None, None, None),
])
def test_caller_token_py_uses_normalised_identity(phone, name, ident):
    got = pii.caller_token_py(phone, name, KEY_SHORT)
    want = None if ident is None else hmac.new(KEY_SHORT, ident.encode(), hashlib.sha256).hexdigest()
    assert got == want


@pytest.mark.parametrize("key", [KEY_SHORT, KEY_LONG, b""])
def test_spark_hmac_equals_python_hmac(spark, key):
    from pyspark.sql import functions as F

    msgs = ["tel:13912345678", "name:王芳", "", "x" * 200]
    df = spark.createDataFrame([(m,) for m in msgs] + [(None,)], "m string")
    out = {r.m: r.h for r in df.select("m", pii.hmac_sha256(F.col("m"), key).alias("h")).collect()}
    for m in msgs:
        assert out[m] == hmac.new(key, m.encode("utf-8"), hashlib.sha256).hexdigest()
    assert out[None] is None


def test_spark_caller_token_matches_python_twin(spark):
    from pyspark.sql import functions as F

    rows = [("139-1234-5678", "张伟"), ("13912345678", "李娜"), (None, "王芳"), ("", ""), (None, None)]
    df = spark.createDataFrame(rows, "phone string, name string")
    got = [r.t for r in df.select(pii.caller_token(F.col("phone"), F.col("name"), KEY_SHORT).alias("t")).collect()]
    assert got == [pii.caller_token_py(p, n, KEY_SHORT) for p, n in rows]
    assert got[0] == got[1]  # same phone, same caller, whatever name was given


@pytest.mark.parametrize("text,name,expected", [
    ("我是张伟，电话13912345678，门口有摊贩", "张伟", "我是某某，电话[电话]，门口有摊贩"),
    ("联系 139 1234 5678 或 +86-13812345678", None, "联系 [电话] 或 [电话]"),
    ("身份证150602199001011234，座机0477-8581234", None, "身份证[身份证]，座机[电话]"),
    ("身份证15060219900101123X号", None, "身份证[身份证]号"),
    ("订单号20241104123456789012不是电话", None, "订单号20241104123456789012不是电话"),
    ("张先生反映占道经营", "张", "张先生反映占道经营"),
    ("报警人孙立称车辆乱停，回拨18800001111", None, "报警人某某车辆乱停，回拨[电话]"),
    ("我叫王芳，姓名：李娜", None, "我叫某某，姓名：某某"),
])
def test_scrub_text_py(text, name, expected):
    assert pii.scrub_text_py(text, name) == expected


def test_spark_scrub_matches_python_twin(spark):
    from pyspark.sql import functions as F

    rows = [("我是张伟，电话13912345678，门口有摊贩", "张伟"), ("身份证150602199001011234", None),
            ("报警人孙立称车辆乱停", None),
            ("联系 139 1234 5678", "李娜"), (None, "王芳")]
    df = spark.createDataFrame(rows, "t string, n string")
    got = [r.s for r in df.select(pii.scrub_text(F.col("t"), F.col("n")).alias("s")).collect()]
    assert got == [pii.scrub_text_py(t, n) for t, n in rows]
