"""Readers for the simulator's landing files, shared by its tests."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq


def read_hotline(path) -> pd.DataFrame:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gbk"):
        try:
            return pd.read_csv(io.StringIO(raw.decode(enc)), dtype=str, keep_default_na=False)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GBK")


def read_source(settings, source: str) -> pd.DataFrame:
    files = sorted((settings.landing / source).glob("dt=*/*"))
    if source == "hotline":
        frames = [read_hotline(f) for f in files]
    elif source == "dust":
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    elif source == "truck_gps":
        frames = [pq.read_table(f).to_pandas() for f in files]
    else:
        frames = [pd.DataFrame([json.loads(x) for x in f.read_text("utf-8").splitlines()]) for f in files]
    frames = [f.assign(_file=p.name, _dt=p.parent.name[3:]) for f, p in zip(frames, files, strict=False) if len(f)]
    return pd.concat(frames, ignore_index=True)
