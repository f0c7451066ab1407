"""The SQLite store: one file, WAL mode, foreign keys on, migrated on open.

SQLModel (SQLAlchemy) is the way in for typed reads; bulk paths such as the
million-row import use the same pooled sqlite3 connections directly, because
the ORM row by row is two orders of magnitude too slow there.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool, StaticPool

from .migrations import migrate

if TYPE_CHECKING:
    from sqlmodel import Session


def _configure(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Autocommit at the driver level: transactions are begun explicitly (below and
    # in Store.write), which is what makes SAVEPOINTs and BEGIN IMMEDIATE behave.
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA busy_timeout = 10000")
    dbapi_conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
    dbapi_conn.execute("PRAGMA temp_store = MEMORY")


class Store:
    """A notebase database. `Store(":memory:")` works too, for quick experiments."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        self.engine = create_engine(
            "sqlite://" if memory else f"sqlite:///{Path(self.path)}",
            connect_args={"check_same_thread": False},
            # In memory there is one database per connection, so share one;
            # on disk every checkout is a fresh connection (cheap for SQLite, thread-safe).
            poolclass=StaticPool if memory else NullPool,
        )
        event.listen(self.engine, "connect", _configure)
        event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        with self.connect() as conn:
            if not memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise sqlite3.OperationalError(f"could not switch {self.path} to WAL mode")
            migrate(conn)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A raw sqlite3 connection in autocommit mode, for reads and explicit transactions."""
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert isinstance(conn, sqlite3.Connection)
            yield conn
        finally:
            raw.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed on success, rolled back on any error."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A SQLModel session; commit explicitly for writes."""
        from sqlmodel import Session

        with Session(self.engine) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(home: str | os.PathLike[str] | None = None) -> Store:
    """The user's store in the data directory (see locations.data_dir)."""
    from .locations import db_path

    return Store(db_path(home))
