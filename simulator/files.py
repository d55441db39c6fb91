"""Landing files as the feeds deliver them: CSV (UTF-8, GBK or with BOM), JSON lines, Parquet; one per day."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly these bytes (re-runs leave files untouched)."""
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True



def coord_text(v: np.ndarray) -> np.ndarray:
    """Coordinates as text with six decimals; missing ones empty."""
    v = np.asarray(v, dtype=float)
    out = np.char.mod("%.6f", np.nan_to_num(v)).astype(object)
    out[np.isnan(v)] = ""
    return out


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    """CSV with a header row and minimal quoting (texts with commas, quotes and line breaks are quoted)."""
    text = df.to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, na_rep="")
    return text.encode(encoding)



def jsonl_bytes(df: pd.DataFrame) -> bytes:
    """One JSON object per line, Chinese kept readable, missing values as null."""
    if len(df) == 0:
        return b""
    text = df.to_json(orient="records", lines=True, force_ascii=False, double_precision=6)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=1_000_000)
    return buf.getvalue()
