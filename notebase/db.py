"""The SQLite store: one file, WAL mode, foreign keys on, migrated on open.

SQLModel (SQLAlchemy) is the way in for typed reads through `Store.session()`.
Everything else uses plain sqlite3 connections: the bulk paths (a million-row
import) because the ORM row by row is far too slow there, and the everyday
commands because importing SQLAlchemy alone costs ~0.3 s, which `notebase
notes` or a keyword search should not pay. Both kinds of connection are
configured by `_configure`, so they behave the same.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .migrations import migrate

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    # Autocommit at the driver level: transactions are begun explicitly
    # (Store.write, migrations, SQLAlchemy's "begin" event) so BEGIN IMMEDIATE works.
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT on an open connection; ROLLBACK on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Store:
    """A notebase database. `Store(":memory:")` works too, for quick experiments.

    `connect()` lends a connection that no other thread holds (idle ones are kept for
    reuse: opening one and reading the schema costs ~2 ms, a tenth of a search), so
    a Store can be shared between threads — the TUI's workers read while the UI
    thread reads.
    """

    IDLE = 4  # connections kept open for reuse

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._engine: Engine | None = None
        self._idle: list[sqlite3.Connection] = []
        if self._memory:  # one in-memory database lives in one connection: share it
            self._shared = self._open()
        # Held open for the Store's life: when the last connection to a WAL database
        # closes, SQLite checkpoints and removes the log (~18 ms), which every short
        # write would otherwise pay.
        self._anchor: sqlite3.Connection | None = None if self._memory else self._open()
        with self.connect() as conn:
            if not self._memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise sqlite3.OperationalError(f"could not switch {self.path} to WAL mode")
            migrate(conn)

    def _open(self) -> sqlite3.Connection:
        return _configure(sqlite3.connect(self.path, check_same_thread=False, isolation_level=None))

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A sqlite3 connection in autocommit mode, for reads and explicit transactions."""
        if self._shared is not None:
            with self._lock:
                yield self._shared
            return
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        except BaseException:
            conn.close()  # whatever state an error left it in, it is not lent again
            raise
        if conn.in_transaction:  # a caller's unfinished BEGIN: roll it back, never lend it on
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.IDLE and self._anchor is not None:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed on success, rolled back on any error."""
        with self.connect() as conn, transaction(conn):
            yield conn

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, created on first use (its import is the expensive part)."""
        if self._engine is None:
            from sqlalchemy import create_engine, event
            from sqlalchemy.pool import NullPool, StaticPool

            if self._shared is not None:
                shared = self._shared
                engine = create_engine("sqlite://", creator=lambda: shared, poolclass=StaticPool)
            else:
                engine = create_engine("sqlite://", creator=self._open, poolclass=NullPool)
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            self._engine = engine
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A SQLModel session; commit explicitly for writes."""
        from sqlmodel import Session

        with Session(self.engine) as session:
            yield session

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._shared is not None:
            self._shared.close()
            self._shared = None
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self._anchor is not None:
            self._anchor.close()
            self._anchor = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_store(home: str | os.PathLike[str] | None = None) -> Store:
    """The user's store in the data directory (see locations.data_dir)."""
    from .locations import db_path

    return Store(db_path(home))
