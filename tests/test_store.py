"""The store: migrations recorded once, WAL and foreign keys, and the SQLModel classes agree with the schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select

from notebase import models  # noqa: F401  (registers the tables)
from notebase.db import Store
from notebase.migrations import MIGRATIONS


def test_migrations_are_recorded_once_in_order(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    Store(db).close()
    Store(db).close()  # reopening applies nothing twice
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert names == [fn.__name__ for fn in MIGRATIONS]
    assert names[0] == "m001_notes_links"
    assert all(n[:4] == f"m{i + 1:03d}" for i, n in enumerate(names))


def test_every_model_column_exists_in_the_migrated_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    with store.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")}
            assert columns, f"table {table.name} missing"
            assert {c.name for c in table.columns} <= columns, table.name


def test_wal_mode_and_foreign_keys_are_on(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    with store.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO note_links (note_id, link_id, url) VALUES (999, 999, 'x')")


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO tags (name) VALUES ('architecture')")
        raise RuntimeError("boom")
    with store.session() as session:
        assert session.exec(select(models.Tag)).all() == []


def test_a_failed_migration_is_rolled_back_and_not_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "n.db"
    Store(db).close()

    def m999_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr("notebase.migrations.MIGRATIONS", [*MIGRATIONS, m999_broken])
    with pytest.raises(sqlite3.OperationalError):
        Store(db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM _migrations WHERE name = 'm999_broken'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_reused_connections_see_new_writes_and_never_carry_a_transaction(tmp_path: Path) -> None:
    """Connections are kept for reuse: a reader must still see every commit, and a
    connection a caller left mid-transaction (holding the write lock) must not come back."""
    store = Store(tmp_path / "n.db")
    with store.connect() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with store.connect() as reader:
        assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    with store.write() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    with store.connect() as reader:  # possibly the same connection as the first reader
        assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    with store.connect() as careless:
        careless.execute("BEGIN IMMEDIATE")
        careless.execute("INSERT INTO t VALUES (2)")
    with store.connect() as conn:
        assert not conn.in_transaction
        conn.execute("PRAGMA busy_timeout = 100")
        conn.execute("INSERT INTO t VALUES (3)")  # the write lock was released with the careless one
        assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    store.close()
