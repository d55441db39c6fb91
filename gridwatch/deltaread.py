"""Reading Delta tables without Spark (delta-rs): the same Arrow whether or not a table has deletion vectors.

delta-rs makes lazy pyarrow datasets (filtered file by file) only of tables without deletion vectors. A
table with them (silver/cases and silver/cases_history, whose daily MERGE marks replaced rows rather than
rewriting files) is read through delta-rs's own scan, which leaves the deleted rows out, and served from
memory with the same column types.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import DeltaTable


def has_deletion_vectors(table: DeltaTable) -> bool:
    """Whether readers of the table must apply deletion vectors."""
    return "deletionVectors" in (table.protocol().reader_features or [])


def _plain(tbl: pa.Table) -> pa.Table:
    """String and binary views as plain strings and binaries (what pyarrow datasets of Delta tables give)."""
    types = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
    fields = [pa.field(f.name, types.get(f.type, f.type), f.nullable) for f in tbl.schema]
    return tbl.cast(pa.schema(fields)) if fields != list(tbl.schema) else tbl


def dataset(table: DeltaTable, columns: list[str] | None = None) -> ds.Dataset:
    """The table's live rows as a pyarrow dataset (only `columns`, when given, for a table read into memory)."""
    if not has_deletion_vectors(table):
        return table.to_pyarrow_dataset()
    reader = pa.RecordBatchReader.from_stream(table.scan(columns=columns))
    return ds.dataset(_plain(reader.read_all()))


def to_pandas(table: DeltaTable, columns: list[str] | None = None,
              filters: list[tuple] | None = None) -> pd.DataFrame:
    """DeltaTable.to_pandas for any table: some columns, DNF filters as delta-rs takes them."""
    if not has_deletion_vectors(table):
        return table.to_pandas(columns=columns, filters=filters or None)
    expr = pq.filters_to_expression(filters) if filters else None
    return dataset(table).to_table(columns=columns, filter=expr).to_pandas()


def live_rows(table: DeltaTable) -> int:
    """Rows a reader sees: the files' record counts, less deleted rows when the table has deletion vectors."""
    if has_deletion_vectors(table):
        first = table.schema().fields[0].name
        return pa.RecordBatchReader.from_stream(table.scan(columns=[first])).read_all().num_rows
    actions = pa.table(table.get_add_actions(flatten=True))
    return int(pc.sum(actions["num_records"]).as_py() or 0) if actions.num_rows else 0
