"""Dagster's SQLite event log, writing a batch of events in one transaction per database.

A run over a range of daily partitions records one planned and one materialization event per asset
and day: a first load of 80 weeks of daily landing files is ~7,000 events. Dagster's SQLite event log
opens an engine, a connection and a transaction for every event (~5 ms each). Dagster already groups
those events into batches and hands a batch to `store_event_batch` when DAGSTER_EVENT_BATCH_SIZE is
set (gridwatch.instance sets it), but its SQLite storage stores them one by one. This storage keeps
one connection and one transaction per shard (the run's database and the cross-run index) for the
whole batch, so a batch costs one commit per database.

If storing an event of the batch fails, both transactions roll back and Dagster stores the same
events one by one, so nothing is lost or written twice. Everything else is Dagster's own SQLite
storage, in the same files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from dagster._config import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import NullPool


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose store_event_batch uses one transaction per shard.

    base_dir defaults to $DAGSTER_HOME/history/runs, where Dagster's default SQLite storage keeps it,
    so an instance can switch between the two without losing its history.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._batch_owner: int | None = None  # set first: the parent's constructor already connects
        self._batch_stack: ExitStack | None = None
        self._batch_conns: dict[str, Any] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: dict):
        base_dir = config_value.get("base_dir")
        if not base_dir:
            if not os.environ.get("DAGSTER_HOME"):
                raise ValueError("BatchingSqliteEventLogStorage needs base_dir in its config or DAGSTER_HOME set")
            base_dir = os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    def _in_batch(self) -> bool:
        return self._batch_owner == threading.get_ident()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        if not self._in_batch():
            with super()._connect(shard) as conn:
                yield conn
            return
        conn = self._batch_conns.get(shard)
        if conn is None:
            conn = self._batch_stack.enter_context(self._open_transaction(shard))
            self._batch_conns[shard] = conn
        yield conn

    @contextmanager
    def _open_transaction(self, shard: str) -> Iterator[Any]:
        """What the parent's _connect does, minus its lock (the batch holds it): kept open for the batch."""
        engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        try:
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn
        finally:
            engine.dispose()

    def store_event_batch(self, events: Sequence[Any]) -> None:
        with self._db_lock:
            self._batch_owner = threading.get_ident()
            self._batch_stack = ExitStack()
            try:
                with self._batch_stack:  # leaving it commits every shard, or rolls all back on error
                    for event in events:
                        self.store_event(event)
            finally:
                self._batch_owner = None
                self._batch_stack = None
                self._batch_conns = {}

