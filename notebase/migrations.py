"""Numbered schema migrations, each applied once and recorded in `_migrations`.

A migration is a function `mNNN_name(conn)` taking a sqlite3 connection inside a
transaction. Append new ones at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_notes_links(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            format TEXT NOT NULL,
            imported_at INTEGER NOT NULL,
            messages INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            links INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            author TEXT NOT NULL,
            sent_ts INTEGER NOT NULL,          -- UTC seconds
            utc_offset INTEGER NOT NULL,       -- seconds east of UTC the note was written in
            text TEXT NOT NULL,
            content_key BLOB NOT NULL UNIQUE,  -- de-duplication key, see ingest.content_key
            import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
            position INTEGER,                  -- header line (transcript) or index in the export
            part TEXT NOT NULL DEFAULT 'message',
            tg_chat TEXT,
            tg_message_id INTEGER,
            extra TEXT                         -- JSON: forwarded_from, reply_to, attachments …
        );
        CREATE INDEX notes_sent ON notes(sent_ts);
        CREATE INDEX notes_author ON notes(author);
        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,                 -- as first written
            normalized_url TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',  -- pending ok no-content gone blocked failed unsupported
            http_status INTEGER,
            final_url TEXT,                    -- after redirects
            content_type TEXT,
            content_length INTEGER,
            error TEXT,                        -- last error, for failed/blocked/…
            attempts INTEGER NOT NULL DEFAULT 0,
            fetched_at INTEGER,
            content_hash TEXT,                 -- of the fetched body; --refetch compares it
            changed INTEGER,                   -- 1 when a refetch found different content
            page_id INTEGER REFERENCES pages(id) ON DELETE SET NULL
        );
        CREATE INDEX links_status ON links(status);
        CREATE INDEX links_page ON links(page_id);
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,          -- normalized canonical (else final) URL: links ending here share the page
            final_url TEXT,
            canonical_url TEXT,
            title TEXT,
            site TEXT,
            author TEXT,
            published TEXT,                    -- ISO-8601 as found in the page
            language TEXT,
            word_count INTEGER NOT NULL DEFAULT 0,
            markdown TEXT NOT NULL,
            content_type TEXT,
            content_hash TEXT,
            fetched_at INTEGER
        );
        CREATE TABLE note_links (
            note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
            link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
            url TEXT NOT NULL,                 -- as written in this note
            PRIMARY KEY (note_id, link_id)
        ) WITHOUT ROWID;
        CREATE INDEX note_links_link ON note_links(link_id);
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE
        );
        CREATE TABLE note_tags (
            note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            origin TEXT NOT NULL CHECK (origin IN ('manual', 'auto')),
            score REAL,                        -- auto tags: similarity that earned the tag
            removed INTEGER NOT NULL DEFAULT 0, -- a manual removal; keeps auto tagging from re-adding it
            PRIMARY KEY (note_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX note_tags_tag ON note_tags(tag_id);
        """
    )


def applied(conn: sqlite3.Connection) -> list[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)"
    )
    return [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; returns their names."""
    done = set(applied(conn))
    ran = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would COMMIT first; run the statements inside our transaction.
            fn(_NoCommit(conn))  # type: ignore[arg-type]
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, int(time.time()))
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        ran.append(fn.__name__)
    return ran


class _NoCommit:
    """A connection proxy whose executescript runs statement by statement in the open transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def executescript(self, script: str) -> None:
        for statement in _split_sql(script):
            self._conn.execute(statement)

    def __getattr__(self, name: str):  # execute, executemany, …
        return getattr(self._conn, name)


def _split_sql(script: str) -> list[str]:
    """Split a script into complete statements (handles triggers' BEGIN … END bodies)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        stripped = line.split("--", 1)[0] if "'" not in line else line
        buf += stripped
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
