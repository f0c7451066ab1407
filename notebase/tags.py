"""Tags on notes, by hand (manual) or by topic suggestion (auto), where the hand always wins.

A tag row remembers its origin. Removing a tag by hand leaves a tombstone
(removed = 1, origin manual), so auto tagging never brings it back; adding the
same tag by hand later revives it as manual. Accepting an auto tag is `add_tag`,
rejecting it is `remove_tag`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .db import Store


class TagError(ValueError):
    """An unknown note, an empty tag name, or removing a tag the note does not have."""


@dataclass(frozen=True)
class TagCount:
    name: str
    manual: int
    auto: int

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "manual": self.manual, "auto": self.auto}


def clean_tag(name: str) -> str:
    """A tag name as stored: no leading '#', inner whitespace as single dashes."""
    cleaned = "-".join(name.strip().lstrip("#").split())
    if not cleaned:
        raise TagError("a tag needs a name")
    if len(cleaned) > 64:
        raise TagError("a tag name is at most 64 characters")
    return cleaned


def add_tag(store: Store, note_id: int, name: str) -> None:
    """Tag a note by hand (also accepts an auto tag, or revives one removed by hand)."""
    name = clean_tag(name)
    with store.write() as conn:
        _check_note(conn, note_id)
        tag_id = _tag_id(conn, name)
        conn.execute(
            "INSERT INTO note_tags (note_id, tag_id, origin, score, removed) VALUES (?, ?, 'manual', NULL, 0)"
            " ON CONFLICT (note_id, tag_id) DO UPDATE SET origin = 'manual', score = NULL, removed = 0",
            (note_id, tag_id),
        )


def remove_tag(store: Store, note_id: int, name: str) -> None:
    """Remove a tag by hand; it stays removed (auto tagging will not re-add it)."""
    name = clean_tag(name)
    with store.write() as conn:
        _check_note(conn, note_id)
        row = conn.execute(
            "SELECT nt.tag_id FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
            " WHERE nt.note_id = ? AND t.name = ? AND nt.removed = 0",
            (note_id, name),
        ).fetchone()
        if row is None:
            raise TagError(f"note {note_id} has no tag {name!r}")
        conn.execute(
            "UPDATE note_tags SET removed = 1, origin = 'manual', score = NULL WHERE note_id = ? AND tag_id = ?",
            (note_id, row[0]),
        )


def note_tags(store: Store, note_id: int) -> list[tuple[str, str, float | None]]:
    """(name, origin, score) of the note's live tags, by name."""
    with store.connect() as conn:
        _check_note(conn, note_id)
        return [
            (name, origin, score)
            for name, origin, score in conn.execute(
                "SELECT t.name, nt.origin, nt.score FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
                " WHERE nt.note_id = ? AND nt.removed = 0 ORDER BY t.name COLLATE NOCASE",
                (note_id,),
            )
        ]


def list_tags(store: Store) -> list[TagCount]:
    """Every tag in use with how many notes carry it by hand and automatically, most used first."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT t.name, sum(nt.origin = 'manual'), sum(nt.origin = 'auto') FROM tags t"
            " JOIN note_tags nt ON nt.tag_id = t.id AND nt.removed = 0"
            " GROUP BY t.id ORDER BY count(*) DESC, t.name COLLATE NOCASE"
        ).fetchall()
    return [TagCount(name, int(manual), int(auto)) for name, manual, auto in rows]


def _check_note(conn: sqlite3.Connection, note_id: int) -> None:
    if conn.execute("SELECT 1 FROM notes WHERE id = ?", (note_id,)).fetchone() is None:
        raise TagError(f"no note with id {note_id}")


def _tag_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
    if row:
        return int(row[0])
    cur = conn.execute("INSERT INTO tags (name) VALUES (?)", (name,))
    assert cur.lastrowid is not None
    return cur.lastrowid
