"""Spark readers for line-oriented files (JSONL, bulk CSV): one row per line with file, line number and batch."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, IntegerType, StringType, StructField, StructType

from spark_jobs.ingest.contracts import SourceContract
from spark_jobs.ingest.landing import LandedFile
from spark_jobs.ingest.text_csv import decode_bytes

BOM = b"\xef\xbb\xbf"
NON_BLANK = r"[^ \t\n\x0B\f\r]"
_QUOTED_SPLIT = r',(?=(?:[^"]*"[^"]*")*[^"]*$)'  # commas outside double quotes
_FILE_MAP = StructType([
    StructField("_abs", StringType(), False),
    StructField("_source_file", StringType(), False),
    StructField("_batch_id", StringType(), False),
    StructField("_dt", DateType(), False),
    StructField("_first_line", IntegerType(), False),
])


def count_lines(data: bytes) -> int:
    """Non-blank lines of a text file, counted from its bytes (the landed record count of a JSONL file)."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    return sum(1 for line in data.split(b"\n") if line.strip())


def spark_path(path_uri: Column) -> Column:
    """Local absolute path of a Spark file URI (file:/a/b or file:///a/b, URL-encoded)."""
    return F.url_decode(F.regexp_replace(path_uri, r"^file:(//)?", ""))


def file_map(spark: SparkSession, files: Sequence[LandedFile], first_line: dict[str, int] | None = None) -> DataFrame:
    """Small table joining a Spark file path to the file's ledger identity."""
    rows = [(str(f.path.resolve()), f.source_file, f.batch_id, f.dt, (first_line or {}).get(f.batch_id, 1))
            for f in files]
    return spark.createDataFrame(rows, _FILE_MAP)


def exploded_lines(spark: SparkSession, files: Sequence[LandedFile],
                   first_line: dict[str, int] | None = None) -> DataFrame:
    """Non-blank lines (from first_line on, per file) as _source_file, _batch_id, _dt, _line, line."""
    uris = [str(f.path.resolve()) for f in files]
    raw = spark.read.text(uris, wholetext=True).select(
        spark_path(F.col("_metadata.file_path")).alias("_abs"), "value")
    joined = raw.join(F.broadcast(file_map(spark, files, first_line)), "_abs")
    lines = joined.select(
        "_source_file", "_batch_id", "_dt", "_first_line",
        F.posexplode(F.split("value", "\n")).alias("_pos", "line"))
    line = F.regexp_replace(F.col("line"), "\r$", "")
    line = F.when(F.col("_pos") == 0, F.regexp_replace(line, "^\ufeff", "")).otherwise(line)
    return (lines.select("_source_file", "_batch_id", "_dt", (F.col("_pos") + 1).cast("int").alias("_line"),
                         line.alias("line"), "_first_line")
            .where(F.col("line").rlike(NON_BLANK) & (F.col("_line") >= F.col("_first_line")))
            .drop("_first_line"))


def bad_encoding(line: Column) -> Column:
    """Lines that held bytes UTF-8 could not decode (Spark put U+FFFD in their place)."""
    return F.instr(line, "\ufffd") > 0


def parse_jsonl(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile]) -> DataFrame:
    """JSONL lines -> contract fields as strings, the line's keys, and a landing reason when rejected."""
    lines = exploded_lines(spark, files)
    keys = F.json_object_keys("line")
    schema = StructType([StructField(f, StringType(), True) for f in spec.fields])
    known = F.array(*[F.lit(f) for f in spec.fields])
    reason = (F.when(bad_encoding(F.col("line")), "bad_encoding")
              .when(F.col("_keys").isNull(), "malformed_record")
              .when(F.size("_keys") != F.size(F.array_distinct("_keys")), "malformed_record")
              .when(F.size(F.array_intersect("_keys", known)) == 0, "schema_drift"))
    parsed = lines.select("*", keys.alias("_keys"), F.from_json("line", schema).alias("_p"))
    return parsed.select(
        *[F.col("_p")[f].alias(f) for f in spec.fields],
        "_source_file", "_line", F.col("line").alias("_raw"), "_batch_id", "_dt",
        reason.alias("_reason"),
        F.array_except("_keys", known).alias("_extra"),
    )


def csv_header(data: bytes) -> tuple[list[str], int]:
    """Header names of a CSV file and the 1-based line of its first data record."""
    text, _ = decode_bytes(data[:65536])
    for i, line in enumerate(text.split("\n")):
        if line.strip():
            names = next(csv.reader([line.rstrip("\r")]), [])
            return [n.strip().lstrip("\ufeff") for n in names], i + 2
    return [], 1


def parse_line_csv(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile],
                   header: list[str], first_line: dict[str, int]) -> DataFrame:
    """Bulk CSV files sharing one header (no newlines inside fields) -> contract fields and reasons, all in Spark."""
    lines = exploded_lines(spark, files, first_line)
    quoted = F.instr("line", '"') > 0
    tokens = F.when(quoted, F.split("line", _QUOTED_SPLIT, -1)).otherwise(F.split("line", ",", -1))

    def value(name: str) -> Column:
        if name not in header:
            return F.lit(None).cast("string")
        tok = F.get(F.col("_tok"), header.index(name))
        return F.when(quoted, F.regexp_replace(F.regexp_replace(tok, r'^\s*"(.*)"\s*$', "$1"), '""', '"')
                      ).otherwise(tok)

    drift = not set(spec.key) <= set(header)
    reason = (F.when(bad_encoding(F.col("line")), "bad_encoding")
              .when(F.lit(drift), "schema_drift")
              .when(F.size("_tok") != len(header), "malformed_record"))
    tok = lines.select("*", tokens.alias("_tok"))
    return tok.select(
        *[value(f).alias(f) for f in spec.fields],
        "_source_file", "_line", F.col("line").alias("_raw"), "_batch_id", "_dt",
        reason.alias("_reason"),
        F.array(*[F.lit(h) for h in header if h not in spec.fields]).cast("array<string>").alias("_extra"),
    )


def stamp(df: DataFrame, ingested_at: datetime) -> DataFrame:
    """Add the ingest time to parsed rows."""
    return df.withColumn("_ingested_at", F.lit(ingested_at).cast("timestamp"))
