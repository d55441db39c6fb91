"""Small gold tables of the delivery layer through delta-rs (no Spark): read, write once, replace a week."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from gridwatch import deltaread

log = logging.getLogger(__name__)


def exists(path: str) -> bool:
    return (Path(path) / "_delta_log").is_dir()


def read(path: str, filters: list[tuple] | None = None, columns: list[str] | None = None) -> pd.DataFrame | None:
    """A Delta table as pandas (timestamps as delta-rs gives them), or None when the table is not there."""
    if not exists(path):
        return None
    return deltaread.to_pandas(DeltaTable(path), columns=columns, filters=filters)


def version(path: str) -> int | None:
    return DeltaTable(path).version() if exists(path) else None


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def append_once(frame: pd.DataFrame, path: str, key: str, value: str) -> bool:
    """Append rows unless rows with key == value already exist (a published week is never rewritten)."""
    if exists(path):
        present = deltaread.to_pandas(DeltaTable(path), columns=[key], filters=[(key, "=", value)])
        if len(present):
            log.info("%s already holds %s=%s; not rewritten", path, key, value)
            return False
    write_deltalake(path, _arrow(frame), mode="append", schema_mode="merge")
    return True


def replace_week(frame: pd.DataFrame, path: str, key: str, value: str) -> int:
    """Replace the rows of one week (older figures stay readable by Delta time travel); returns the version."""
    return replace_weeks(frame, path, key, [value])


def replace_weeks(frame: pd.DataFrame, path: str, key: str, values: list[str]) -> int:
    """Replace the rows of some weeks in one commit (older figures stay readable by time travel); the version."""
    if not exists(path):
        write_deltalake(path, _arrow(frame), mode="append")
    else:
        quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
        write_deltalake(path, _arrow(frame), mode="overwrite", predicate=f"{key} IN ({quoted})", schema_mode="merge")
    return DeltaTable(path).version()
