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
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
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
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, int(time.time())))
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


@migration
def m002_search(conn: sqlite3.Connection) -> None:
    """Full-text indexes kept in sync by triggers, page chunks, and stored vectors.

    The FTS tables are external-content (they index notes/pages without a second
    copy of the text). Vectors live in one table for notes and chunks, each with the
    model that made it and a hash of the text it was made from, so an unchanged item
    is never embedded twice and a model change is visible per row.
    """
    conn.executescript(
        """
        CREATE VIRTUAL TABLE notes_fts USING fts5(
            text, content='notes', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3'
        );
        -- No insert trigger on notes: a per-row trigger made the million-message import
        -- three times slower, so ingest.py adds each batch with one INSERT … SELECT, and
        -- index.sync_fts repairs any row inserted some other way.
        CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
            INSERT INTO notes_fts (notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
            DELETE FROM embeddings WHERE kind = 'note' AND item_id = old.id;
        END;
        CREATE TRIGGER notes_fts_update AFTER UPDATE OF text ON notes BEGIN
            INSERT INTO notes_fts (notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO notes_fts (rowid, text) VALUES (new.id, new.text);
            DELETE FROM embeddings WHERE kind = 'note' AND item_id = new.id;  -- re-embedded by the next index run
        END;

        CREATE VIRTUAL TABLE pages_fts USING fts5(
            title, markdown, content='pages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3'
        );
        CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN
            INSERT INTO pages_fts (rowid, title, markdown) VALUES (new.id, new.title, new.markdown);
        END;
        CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN
            INSERT INTO pages_fts (pages_fts, rowid, title, markdown) VALUES ('delete', old.id, old.title, old.markdown);
        END;
        CREATE TRIGGER pages_fts_update AFTER UPDATE OF title, markdown ON pages BEGIN
            INSERT INTO pages_fts (pages_fts, rowid, title, markdown) VALUES ('delete', old.id, old.title, old.markdown);
            INSERT INTO pages_fts (rowid, title, markdown) VALUES (new.id, new.title, new.markdown);
            -- mark the page's chunks stale; the indexer re-chunks it and reuses vectors of unchanged chunks
            UPDATE chunks SET content_hash = '' WHERE page_id = new.id;
        END;

        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,              -- position in the page, from 0
            text TEXT NOT NULL,                -- page title + a piece of the page, as embedded
            content_hash TEXT NOT NULL,        -- of text; '' once the page changed (see pages_fts_update)
            UNIQUE (page_id, seq)
        );
        CREATE TRIGGER chunks_delete AFTER DELETE ON chunks BEGIN
            DELETE FROM embeddings WHERE kind = 'chunk' AND item_id = old.id;
        END;

        CREATE TABLE embeddings (
            kind TEXT NOT NULL CHECK (kind IN ('note', 'chunk')),
            item_id INTEGER NOT NULL,          -- notes.id or chunks.id
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,              -- little-endian float32, L2-normalized
            content_hash TEXT NOT NULL,        -- of the text embedded
            PRIMARY KEY (kind, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX embeddings_model ON embeddings(model);

        -- bumped on every vector write, so a process can tell its in-memory matrix is stale
        CREATE TABLE search_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO search_state (key, value) VALUES ('embeddings_version', 0);
        CREATE TRIGGER embeddings_bump_insert AFTER INSERT ON embeddings BEGIN
            UPDATE search_state SET value = value + 1 WHERE key = 'embeddings_version';
        END;
        CREATE TRIGGER embeddings_bump_update AFTER UPDATE ON embeddings BEGIN
            UPDATE search_state SET value = value + 1 WHERE key = 'embeddings_version';
        END;
        CREATE TRIGGER embeddings_bump_delete AFTER DELETE ON embeddings BEGIN
            UPDATE search_state SET value = value + 1 WHERE key = 'embeddings_version';
        END;

        -- Bulk-import tuning, measured on a million notes (FTS sync 11.4 s -> 7.3 s): a bigger
        -- in-memory term buffer and merging segments 16 at a time instead of 4.
        INSERT INTO notes_fts (notes_fts, rank) VALUES ('hashsize', 67108864);
        INSERT INTO notes_fts (notes_fts, rank) VALUES ('automerge', 16);
        INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');
        INSERT INTO pages_fts (pages_fts) VALUES ('rebuild');
        """
    )
