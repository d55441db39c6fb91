"""Source codes to national minor codes and problem types, through the crosswalks kept as data."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from gridwatch.taxonomy import OTHER_MINOR_CODE, crosswalk

# type_origin values: the code decided; the code was not in the crosswalk (typed `other`); text decided.
CODE, UNMAPPED, TEXT, CODE_OVERRIDDEN = "code", "unmapped", "text", "code_overridden"


def map_codes(spark: SparkSession, df: DataFrame, source: str, code_col: str) -> DataFrame:
    """Add minor_code, problem_type and type_origin; an unknown or missing code becomes `other` (unmapped)."""
    cw = crosswalk(source)
    key = cw.columns[0]
    lookup = spark.createDataFrame(cw[[key, "minor_code", "problem_type"]].astype(str)).select(
        F.col(key).alias("__code"), F.col("minor_code").alias("__minor"), F.col("problem_type").alias("__type"))
    out = df.join(F.broadcast(lookup), F.upper(F.col(code_col)) == F.upper(F.col("__code")), "left")
    known = F.col("__minor").isNotNull()
    return out.withColumns({
        "minor_code": F.when(known, F.col("__minor")).otherwise(F.lit(OTHER_MINOR_CODE)),
        "problem_type": F.when(known, F.col("__type")).otherwise(F.lit("other")),
        "type_origin": F.when(known, F.lit(CODE)).otherwise(F.lit(UNMAPPED)),
    }).drop("__code", "__minor", "__type")
