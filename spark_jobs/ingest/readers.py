"""Read landed files of any format into one parsed frame: contract fields, ingest metadata, landing reason."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DateType, IntegerType, StringType, StructField, StructType

from spark_jobs.ingest import lines as L
from spark_jobs.ingest.contracts import SourceContract
from spark_jobs.ingest.landing import LandedFile
from spark_jobs.ingest.text_csv import parse_csv

log = logging.getLogger(__name__)
PARSED_META = ["_source_file", "_line", "_raw", "_batch_id", "_dt", "_reason", "_extra", "_detail"]


@dataclass
class FileRead:
    """What the reader learnt about one file before Spark counts: landed records, encoding, extra fields."""

    records: int
    encoding: str | None = None
    extra_fields: list[str] = field(default_factory=list)


def parsed_schema(spec: SourceContract) -> StructType:
    return StructType([StructField(f, StringType(), True) for f in spec.fields] + [
        StructField("_source_file", StringType(), False),
        StructField("_line", IntegerType(), True),
        StructField("_raw", StringType(), True),
        StructField("_batch_id", StringType(), False),
        StructField("_dt", DateType(), False),
        StructField("_reason", StringType(), True),
        StructField("_extra", ArrayType(StringType()), True),
        StructField("_detail", StringType(), True),
    ])


def _with_detail(df: DataFrame) -> DataFrame:
    return df.withColumn("_detail", F.lit(None).cast("string"))


def read_text_csv(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile],
                  info: dict[str, FileRead]) -> DataFrame:
    """Small CSV files with quirks (GBK, quoted newlines), decoded and split per file in Python."""
    cols: dict[str, list] = {c: [] for c in [*spec.fields, *PARSED_META]}
    for f in files:
        parsed = parse_csv(f.path.read_bytes(), spec.fields, spec.key, spec.pii_names)
        info[f.batch_id] = FileRead(len(parsed.records), parsed.encoding, parsed.extra_fields)
        for rec in parsed.records:
            values = rec.values or {}
            for name in spec.fields:
                cols[name].append(values.get(name))
            for name, v in (("_source_file", f.source_file), ("_line", rec.line), ("_raw", rec.raw),
                            ("_batch_id", f.batch_id), ("_dt", f.dt), ("_reason", rec.reason),
                            ("_extra", None), ("_detail", rec.detail)):
                cols[name].append(v)
    return spark.createDataFrame(pd.DataFrame(cols), parsed_schema(spec))


def read_jsonl(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile],
               info: dict[str, FileRead]) -> DataFrame:
    """JSONL files parsed in Spark; records counted from the bytes beforehand."""
    for f in files:
        info[f.batch_id] = FileRead(L.count_lines(f.path.read_bytes()), "utf-8")
    return _with_detail(L.parse_jsonl(spark, spec, files))


def read_line_csv(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile],
                  info: dict[str, FileRead]) -> DataFrame:
    """Bulk CSV files (sensor feeds) parsed in Spark, grouped by header."""
    groups: dict[tuple[str, ...], list[LandedFile]] = defaultdict(list)
    first_line: dict[str, int] = {}
    for f in files:
        data = f.path.read_bytes()
        header, first = L.csv_header(data)
        first_line[f.batch_id] = first
        records = max(L.count_lines(data) - (1 if header else 0), 0)
        info[f.batch_id] = FileRead(records, "utf-8", [h for h in header if h not in spec.fields])
        groups[tuple(header)].append(f)
    frames = [_with_detail(L.parse_line_csv(spark, spec, g, list(h), first_line)) for h, g in groups.items()]
    return _union(spark, spec, frames)


def read_parquet(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile],
                 info: dict[str, FileRead]) -> DataFrame:
    """Parquet files read by Spark, grouped by schema; row counts from the footers; unreadable files rejected."""
    groups: dict[tuple, list[LandedFile]] = defaultdict(list)
    broken: list[tuple] = []
    for f in files:
        try:
            meta = pq.read_metadata(f.path)
            schema = meta.schema.to_arrow_schema()
        except Exception as exc:  # not a Parquet file, truncated footer, ...
            info[f.batch_id] = FileRead(1, "parquet")
            broken.append((*[None] * len(spec.fields), f.source_file, 0, f"unreadable parquet: {exc}"[:2000],
                           f.batch_id, f.dt, "malformed_record", None, "Parquet 文件无法读取 / unreadable Parquet file"))
            continue
        names = [n for n in schema.names]
        info[f.batch_id] = FileRead(meta.num_rows, "parquet", [n for n in names if n not in spec.fields])
        groups[tuple((n, str(schema.field(n).type)) for n in names)].append(f)
    frames = [spark.createDataFrame(broken, parsed_schema(spec))] if broken else []
    for sig, group in groups.items():
        names = [n for n, _ in sig]
        drift = not set(spec.key) <= set(names)
        df = spark.read.parquet(*[str(g.path.resolve()) for g in group])
        df = df.select("*", L.spark_path(F.col("_metadata.file_path")).alias("_abs"),
                       (F.col("_metadata.row_index") + 1).cast("int").alias("_line"))
        df = df.join(F.broadcast(L.file_map(spark, group).drop("_first_line")), "_abs")
        raw = F.to_json(F.struct(*[F.col(f"`{n}`") for n in names])) if drift else F.lit(None).cast("string")
        frames.append(df.select(
            *[(F.col(f"`{f}`").cast("string") if f in names else F.lit(None).cast("string")).alias(f)
              for f in spec.fields],
            "_source_file", "_line", raw.alias("_raw"), "_batch_id", "_dt",
            (F.lit("schema_drift") if drift else F.lit(None).cast("string")).alias("_reason"),
            F.lit(None).cast("array<string>").alias("_extra"), F.lit(None).cast("string").alias("_detail")))
    return _union(spark, spec, frames)


def _union(spark: SparkSession, spec: SourceContract, frames: list[DataFrame]) -> DataFrame:
    if not frames:
        return spark.createDataFrame([], parsed_schema(spec))
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def read_files(spark: SparkSession, spec: SourceContract, files: Sequence[LandedFile]
               ) -> tuple[DataFrame, dict[str, FileRead]]:
    """All files of one source, by format, as one parsed frame plus per-file landed facts (by batch id)."""
    info: dict[str, FileRead] = {}
    by_reader: dict[str, list[LandedFile]] = defaultdict(list)
    for f in files:
        if f.suffix == ".parquet":
            by_reader["parquet"].append(f)
        elif f.suffix in (".jsonl", ".json"):
            by_reader["jsonl"].append(f)
        elif spec.reader == "text_csv":
            by_reader["text_csv"].append(f)
        else:
            by_reader["line_csv"].append(f)
    readers = {"text_csv": read_text_csv, "jsonl": read_jsonl, "line_csv": read_line_csv, "parquet": read_parquet}
    frames = [readers[r](spark, spec, group, info) for r, group in by_reader.items()]
    return _union(spark, spec, frames), info
