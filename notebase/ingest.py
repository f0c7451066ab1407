"""Putting parsed messages into the store: de-duplicated, linked, one transaction per import.

This is the hot path of a million-message import, so it works in batches with
executemany and assigns row ids itself (it holds the write lock) instead of
going through the ORM row by row.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from hashlib import blake2b
from itertools import islice
from pathlib import Path

from .db import Store
from .formats import FORMATS, detect_format, read_messages
from .links import extract_links, normalize_url
from .message import ImportFormatError, Message

BATCH = 5000


@dataclass
class ImportResult:
    file: str
    format: str
    messages: int = 0
    added: int = 0
    duplicates: int = 0
    links: int = 0
    new_links: int = 0
    note_ids: range = field(default_factory=lambda: range(0))
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.format,
            "messages": self.messages,
            "added": self.added,
            "duplicates": self.duplicates,
            "links": self.links,
        }


class _Keys:
    """Content keys: the same message imported twice gets the same key.

    Messages with a Telegram id are keyed by chat and id (edits stay one note).
    Transcript messages are keyed by author, wall-clock minute and text, plus how
    many identical messages came before in that minute, so that "ok" sent twice
    stays two notes while a re-import or an overlapping export adds nothing.
    Keys start with the minute so that chronological imports append to the
    unique index instead of scattering writes across it.
    """

    def __init__(self) -> None:
        self._minute = -1
        self._seen: dict[bytes, int] = {}

    def __call__(self, m: Message, ts: int, offset: int) -> bytes:
        minute = (ts + offset) // 60  # wall-clock minute: independent of --tz on re-import
        prefix = max(minute, 0).to_bytes(5, "big")
        if m.message_id is not None:
            return prefix + blake2b(f"tg\x1f{m.chat}\x1f{m.message_id}".encode(), digest_size=11).digest()
        if minute != self._minute:
            self._minute, self._seen = minute, {}
        base = blake2b(f"{m.part}\x1f{m.author}\x1f{m.text}".encode(), digest_size=11).digest()
        n = self._seen.get(base, 0)
        self._seen[base] = n + 1
        if n:
            base = blake2b(base + n.to_bytes(4, "little"), digest_size=11).digest()
        return prefix + base


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    tz: tzinfo,
    date_order: str | None = None,
    chat: str | None = None,
    all_chats: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one export file (or HTML export folder). All or nothing: any error rolls back."""
    path = Path(path)
    if not path.exists():
        raise ImportFormatError("no such file")
    if fmt != "auto" and fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r} (choose from auto, {', '.join(FORMATS)})")
    if date_order not in (None, "mdy", "dmy", "ymd"):
        raise ImportFormatError(f"unknown date order {date_order!r} (choose from mdy, dmy, ymd)")
    try:
        if not path.is_dir():
            path.open("rb").close()
    except OSError as exc:
        raise ImportFormatError(exc.strerror or str(exc)) from None
    started = time.perf_counter()
    fmt = detect_format(path) if fmt == "auto" else fmt
    result = ImportResult(file=str(path), format=fmt)
    messages = read_messages(path, fmt, tz=tz, date_order=date_order, chat=chat, all_chats=all_chats)
    with store.write() as conn:
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: keeps the unique index hot on big imports
        import_id = conn.execute(
            "INSERT INTO imports (file, format, imported_at) VALUES (?, ?, ?)",
            (str(path.resolve()), fmt, int(time.time())),
        ).lastrowid
        writer = _BatchWriter(conn, import_id)
        for batch in _batched(messages, BATCH):
            writer.write(batch)
            if progress:
                progress(writer.messages)
        if writer.messages == 0:
            raise ImportFormatError("no messages found")
        result.messages, result.added = writer.messages, writer.added
        result.duplicates = writer.messages - writer.added
        result.links, result.new_links = len(writer.file_links), writer.new_links
        result.note_ids = range(writer.first_id, writer.next_id)
        conn.execute(
            "UPDATE imports SET messages = ?, added = ?, duplicates = ?, links = ? WHERE id = ?",
            (result.messages, result.added, result.duplicates, result.links, import_id),
        )
        conn.execute("PRAGMA cache_size = -2000")  # SQLite's default again: the connection is reused
    result.seconds = time.perf_counter() - started
    return result


def _batched(items: Iterable[Message], size: int) -> Iterator[list[Message]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class _BatchWriter:
    def __init__(self, conn: sqlite3.Connection, import_id: int) -> None:
        self.conn = conn
        self.import_id = import_id
        self.keys = _Keys()
        self.first_id = self.next_id = (conn.execute("SELECT max(id) FROM notes").fetchone()[0] or 0) + 1
        self.next_link_id = (conn.execute("SELECT max(id) FROM links").fetchone()[0] or 0) + 1
        self.link_ids: dict[str, int] = {}
        self.file_links: set[str] = set()
        self.messages = self.added = self.new_links = 0

    def write(self, batch: list[Message]) -> None:
        stamps = [_stamp(m) for m in batch]
        keys = [self.keys(m, ts, offset) for m, (ts, offset) in zip(batch, stamps, strict=True)]
        existing = self._existing_keys(keys)
        rows, link_rows = [], []
        for m, key, (ts, offset) in zip(batch, keys, stamps, strict=True):
            urls = _links_of(m)
            self.file_links.update(urls)
            if key in existing:
                continue
            existing.add(key)  # a repeat inside the file is a duplicate too
            note_id = self.next_id
            self.next_id += 1
            rows.append(
                (
                    note_id,
                    m.author,
                    ts,
                    offset,
                    m.text,
                    key,
                    self.import_id,
                    m.position,
                    m.part,
                    m.chat if m.message_id is not None else None,
                    m.message_id,
                    json.dumps(m.extra, ensure_ascii=False, default=str) if m.extra else None,
                )
            )
            for normalized, written in urls.items():
                link_rows.append((note_id, normalized, written))
        self.messages += len(batch)
        self.added += len(rows)
        self.conn.executemany(
            "INSERT INTO notes (id, author, sent_ts, utc_offset, text, content_key, import_id,"
            " position, part, tg_chat, tg_message_id, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        if rows:  # full-text index, set-based per batch (see migrations.m002_search)
            self.conn.execute(
                "INSERT INTO notes_fts (rowid, text) SELECT id, text FROM notes WHERE id >= ? AND id < ?",
                (rows[0][0], self.next_id),
            )
        if link_rows:
            first_written: dict[str, str] = {}
            for _, normalized, written in link_rows:
                first_written.setdefault(normalized, written)
            ids = self._link_ids(first_written)
            self.conn.executemany(
                "INSERT OR IGNORE INTO note_links (note_id, link_id, url) VALUES (?, ?, ?)",
                [(note_id, ids[normalized], written) for note_id, normalized, written in link_rows],
            )

    def _existing_keys(self, keys: list[bytes]) -> set[bytes]:
        # Keys start with the minute, so a batch spans a narrow key range. When the store
        # has nothing in that range (a first import, or new messages appended to an old
        # export) one index probe answers for the whole batch instead of 5,000 lookups.
        if (
            self.conn.execute(
                "SELECT 1 FROM notes WHERE content_key BETWEEN ? AND ? LIMIT 1", (min(keys), max(keys))
            ).fetchone()
            is None
        ):
            return set()
        marks = ",".join("?" * len(keys))
        return {
            row[0] for row in self.conn.execute(f"SELECT content_key FROM notes WHERE content_key IN ({marks})", keys)
        }

    def _link_ids(self, wanted: dict[str, str]) -> dict[str, int]:
        """Ids for normalized URLs, creating link rows for new ones."""
        missing = [u for u in wanted if u not in self.link_ids]
        if missing:
            marks = ",".join("?" * len(missing))
            for link_id, normalized in self.conn.execute(
                f"SELECT id, normalized_url FROM links WHERE normalized_url IN ({marks})", missing
            ):
                self.link_ids[normalized] = link_id
            new = [u for u in missing if u not in self.link_ids]
            rows = []
            for normalized in new:
                self.link_ids[normalized] = self.next_link_id
                rows.append((self.next_link_id, wanted[normalized], normalized))
                self.next_link_id += 1
            self.conn.executemany("INSERT INTO links (id, url, normalized_url) VALUES (?, ?, ?)", rows)
            self.new_links += len(rows)
        if len(self.link_ids) > 200_000:  # bound memory on huge imports; the index answers misses
            self.link_ids = {u: self.link_ids[u] for u in wanted}
        return self.link_ids


def _stamp(m: Message) -> tuple[int, int]:
    offset = m.sent_at.utcoffset()
    if offset is None:
        raise ImportFormatError(f"message at position {m.position} has no time zone")
    return int(m.sent_at.timestamp()), int(offset.total_seconds())


def _links_of(m: Message) -> dict[str, str]:
    """normalized URL → URL as written, for the text's links and the export's own."""
    found: dict[str, str] = {}
    for url in (*extract_links(m.text), *m.links):
        found.setdefault(normalize_url(url), url)
    return found
