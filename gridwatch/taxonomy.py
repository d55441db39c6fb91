"""Problem types, minor event codes and per-source crosswalks, kept as data in gridwatch/reference."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).parent / "reference"

PROBLEM_TYPES = ("stall", "parking", "violation", "sanitation", "dust", "other")
FORECAST_TYPES = ("stall", "parking", "violation")
OTHER_MINOR_CODE = "0999"

# Which source column each crosswalk keys on.
CROSSWALK_KEYS = {
    "hotline": "category_code",
    "police110": "bjxldm",
    "video": "event_type",
    "cases": "event_minor_code",
}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def minor_codes() -> pd.DataFrame:
    """minor_code -> problem_type, Chinese and English names."""
    return _read("minor_codes.csv")


@lru_cache(maxsize=1)
def problem_types() -> pd.DataFrame:
    """problem_type -> Chinese and English names, and whether it is forecast."""
    return _read("problem_types.csv")


@lru_cache(maxsize=8)
def crosswalk(source: str) -> pd.DataFrame:
    """A source's own code -> national minor code -> problem type."""
    cw = _read(f"crosswalk_{source}.csv")
    return cw.merge(minor_codes()[["minor_code", "problem_type"]], on="minor_code", how="left")


def type_name(problem_type: str, lang: str = "zh") -> str:
    """Display name of a problem type in Chinese ('zh') or English ('en')."""
    row = problem_types().set_index("problem_type").loc[problem_type]
    return row["name_zh"] if lang == "zh" else row["name_en"]
