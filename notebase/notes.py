"""Reading notes back: listings, one note in full, and base statistics."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .db import Store
from .timeutil import iso


@dataclass
class NoteView:
    id: int
    author: str
    sent_ts: int
    utc_offset: int
    text: str
    links: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def sent_at(self) -> str:
        return iso(self.sent_ts, self.utc_offset)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "sent_at": self.sent_at,
            "text": self.text,
            "links": self.links,
            "tags": self.tags,
            "source": self.source,
        }


_SELECT = """
SELECT n.id, n.author, n.sent_ts, n.utc_offset, n.text, n.position, n.part, n.tg_chat,
       n.tg_message_id, n.extra, i.file, i.format
FROM notes n LEFT JOIN imports i ON i.id = n.import_id
"""


def list_notes(
    store: Store,
    *,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[NoteView]:
    """Notes in time order (oldest first unless asked), with links and tags; `offset` pages through."""
    where, params = _filters(since=since, until=until, author=author, tag=tag)
    order = "DESC" if newest_first else "ASC"
    sql = f"{_SELECT} {where} ORDER BY n.sent_ts {order}, n.id {order}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params.extend([-1 if limit is None else limit, offset])
    with store.connect() as conn:
        notes = [_row_to_view(row) for row in conn.execute(sql, params)]
        _attach(conn, notes)
    return notes


def iter_notes(
    store: Store,
    *,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
    page: int = 2000,
) -> Iterator[NoteView]:
    """Like list_notes (oldest first), a page at a time, so a million notes never sit in memory at once."""
    where, params = _filters(since=since, until=until, author=author, tag=tag)
    after = "(n.sent_ts > ? OR (n.sent_ts = ? AND n.id > ?))"  # keyset paging: no OFFSET rescans
    last: tuple[int, int] | None = None
    left = limit
    with store.connect() as conn:
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            clause = where
            args = list(params)
            if last is not None:
                clause = f"{where} AND {after}" if where else f"WHERE {after}"
                args += [last[0], last[0], last[1]]
            rows = conn.execute(f"{_SELECT} {clause} ORDER BY n.sent_ts, n.id LIMIT ?", [*args, size]).fetchall()
            if not rows:
                return
            notes = [_row_to_view(row) for row in rows]
            _attach(conn, notes)
            yield from notes
            last = (notes[-1].sent_ts, notes[-1].id)
            if left is not None:
                left -= len(notes)


def get_note(store: Store, note_id: int) -> NoteView | None:
    with store.connect() as conn:
        row = conn.execute(f"{_SELECT} WHERE n.id = ?", (note_id,)).fetchone()
        if row is None:
            return None
        note = _row_to_view(row)
        _attach(conn, [note])
    return note


def stats(store: Store) -> dict[str, Any]:
    with store.connect() as conn:
        notes, authors, first, last = conn.execute(
            "SELECT count(*), count(DISTINCT author), min(sent_ts), max(sent_ts) FROM notes"
        ).fetchone()
        links = conn.execute("SELECT count(*) FROM links").fetchone()[0]
        by_status = dict(conn.execute("SELECT status, count(*) FROM links GROUP BY status ORDER BY status"))
        imports = conn.execute("SELECT count(*) FROM imports").fetchone()[0]
        first_iso = last_iso = None
        if first is not None:
            first_iso = iso(
                first, conn.execute("SELECT utc_offset FROM notes WHERE sent_ts = ? LIMIT 1", (first,)).fetchone()[0]
            )
            last_iso = iso(
                last, conn.execute("SELECT utc_offset FROM notes WHERE sent_ts = ? LIMIT 1", (last,)).fetchone()[0]
            )
    return {
        "notes": notes,
        "links": links,
        "links_by_status": by_status,
        "authors": authors,
        "imports": imports,
        "first": first_iso,
        "last": last_iso,
    }


def count_notes(
    store: Store,
    *,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    tag: str | None = None,
) -> int:
    where, params = _filters(since=since, until=until, author=author, tag=tag)
    with store.connect() as conn:
        return conn.execute(f"SELECT count(*) FROM notes n {where}", params).fetchone()[0]


def authors(store: Store) -> list[tuple[str, int]]:
    """(author, note count), most prolific first."""
    with store.connect() as conn:
        return list(conn.execute("SELECT author, count(*) FROM notes GROUP BY author ORDER BY count(*) DESC, author"))


def _filters(
    *, since: int | None, until: int | None, author: str | None, tag: str | None = None
) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since is not None:
        clauses.append("n.sent_ts >= ?")
        params.append(since)
    if until is not None:
        clauses.append("n.sent_ts <= ?")
        params.append(until)
    if author:
        clauses.append("n.author = ? COLLATE NOCASE")
        params.append(author)
    if tag:
        clauses.append(
            "n.id IN (SELECT nt.note_id FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
            " WHERE t.name = ? AND nt.removed = 0)"
        )
        params.append(tag)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _row_to_view(row: tuple[Any, ...]) -> NoteView:
    note_id, author, ts, offset, text, position, part, chat, msg_id, extra, file, fmt = row
    source: dict[str, Any] = {"file": file, "format": fmt, "position": position, "part": part}
    if msg_id is not None:
        source.update(chat=chat, message_id=msg_id)
    if extra:
        source.update(json.loads(extra))
    return NoteView(note_id, author, ts, offset, text, source=source)


def _attach(conn: sqlite3.Connection, notes: list[NoteView]) -> None:
    """Fill links and tags with two set-based queries instead of two per note."""
    if not notes:
        return
    by_id = {n.id: n for n in notes}
    ids = list(by_id)
    for chunk_start in range(0, len(ids), 30000):
        chunk = ids[chunk_start : chunk_start + 30000]
        marks = ",".join("?" * len(chunk))
        for note_id, url in conn.execute(
            f"SELECT nl.note_id, l.normalized_url FROM note_links nl JOIN links l ON l.id = nl.link_id"
            f" WHERE nl.note_id IN ({marks}) ORDER BY nl.note_id, l.id",
            chunk,
        ):
            by_id[note_id].links.append(url)
        for note_id, name in conn.execute(
            f"SELECT nt.note_id, t.name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
            f" WHERE nt.note_id IN ({marks}) AND nt.removed = 0 ORDER BY nt.note_id, t.name",
            chunk,
        ):
            by_id[note_id].tags.append(name)
