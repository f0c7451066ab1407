"""Helpers for the search, index, tag and topic tests: transcripts, pages, and the real model once per run."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from notebase.db import Store


@lru_cache(maxsize=1)
def real_embedder():
    """The packaged all-MiniLM-L6-v2, loaded once per test process (seconds)."""
    from notebase.embeddings import load_embedder

    return load_embedder()


def write_transcript(path: Path, messages: list[tuple[str, str]], author: str = "Alex") -> Path:
    """A copied-messages transcript: (time like '1/15/26 8:20 AM', text) per message."""
    path.write_text("".join(f"{author}, [{when}]\n{text}\n\n" for when, text in messages), encoding="utf-8")
    return path


def import_transcript(store: Store, path: Path) -> list[int]:
    from datetime import UTC

    from notebase.ingest import import_file

    return list(import_file(store, path, tz=UTC).note_ids)


def add_page(store: Store, note_id: int, *, title: str, markdown: str) -> int:
    """A fetched page for the note's first link, written the way the fetcher would (fetching is not tested here)."""
    with store.write() as conn:
        link_id, url = conn.execute(
            "SELECT l.id, l.normalized_url FROM note_links nl JOIN links l ON l.id = nl.link_id WHERE nl.note_id = ? ORDER BY l.id LIMIT 1",
            (note_id,),
        ).fetchone()
        page_id = conn.execute(
            "INSERT INTO pages (url, title, markdown, word_count) VALUES (?, ?, ?, ?)",
            (url, title, markdown, len(markdown.split())),
        ).lastrowid
        conn.execute("UPDATE links SET status = 'ok', page_id = ? WHERE id = ?", (page_id, link_id))
    return page_id
