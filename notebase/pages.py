"""Links and the pages behind them: fetching pending links into the store, and reading them back.

This is where fetch.py (network) meets clean.py (pure extraction) and the store:
each result is cleaned off the event loop and written in its own short
transaction as it arrives, so an interrupted run keeps everything it finished.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .db import Store, transaction
from .links import normalize_url, url_host

if TYPE_CHECKING:  # httpx and lxml load only when fetching: `show` and `links` stay quick
    from .clean import Article
    from .fetch import FetchResult

STATUSES = ("pending", "ok", "no-content", "gone", "blocked", "failed", "unsupported")
_FAILURES = ("failed", "blocked", "gone")


@dataclass
class FetchProgress:
    """Sent after every link: how far the run is, and what the last link gave."""

    done: int
    total: int
    ok: int
    failed: int  # everything that is not ok
    url: str
    status: str


@dataclass
class FetchSummary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES if s != "pending"})
    changed: int = 0
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)  # failed, blocked, gone: url, status, error

    def to_json(self) -> dict[str, Any]:
        # Counts sit at the top level so a one-line description reads "total 9, ok 7, …".
        return {
            "total": self.total,
            **self.counts,
            "changed": self.changed,
            "seconds": round(self.seconds, 2),
            "failures": self.failures,
        }


@dataclass
class LinkView:
    id: int
    url: str
    normalized_url: str
    status: str
    http_status: int | None
    final_url: str | None
    title: str | None
    site: str | None
    error: str | None
    attempts: int
    fetched_at: int | None
    note_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "normalized_url": self.normalized_url,
            "status": self.status,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "title": self.title,
            "site": self.site,
            "error": self.error,
            "attempts": self.attempts,
            "fetched_at": _iso(self.fetched_at),
            "note_ids": self.note_ids,
        }


@dataclass
class PageView:
    url: str  # as written in the note
    status: str
    title: str | None
    site: str | None
    author: str | None
    published: str | None
    word_count: int | None
    markdown: str | None  # only when the link is ok

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "title": self.title,
            "site": self.site,
            "author": self.author,
            "published": self.published,
            "word_count": self.word_count,
            "markdown": self.markdown,
        }


# ---------------------------------------------------------------- fetching


def fetch_links(
    store: Store,
    *,
    retry_failed: bool = False,
    refetch: bool = False,
    concurrency: int = 16,
    per_host: int = 4,
    timeout: float = 30.0,
    max_bytes: int = 10_000_000,
    progress: Callable[[FetchProgress], None] | None = None,
) -> FetchSummary:
    """Fetch and clean the pending links (and failed ones with retry_failed, all with refetch).

    Blocking: runs its own event loop. From inside a running loop use `afetch_links`.
    """
    return asyncio.run(
        afetch_links(
            store,
            retry_failed=retry_failed,
            refetch=refetch,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            max_bytes=max_bytes,
            progress=progress,
        )
    )


async def afetch_links(
    store: Store,
    *,
    retry_failed: bool = False,
    refetch: bool = False,
    concurrency: int = 16,
    per_host: int = 4,
    timeout: float = 30.0,
    max_bytes: int = 10_000_000,
    progress: Callable[[FetchProgress], None] | None = None,
) -> FetchSummary:
    """The async form of fetch_links."""
    from .fetch import FetchOptions, fetch_many

    started = time.perf_counter()
    links = _links_to_fetch(store, retry_failed=retry_failed, refetch=refetch)
    summary = FetchSummary(total=len(links))
    if not links:
        return summary
    by_url = {link.normalized_url: link for link in links}
    options = FetchOptions(concurrency=concurrency, per_host=per_host, timeout=timeout, max_bytes=max_bytes)
    loop = asyncio.get_running_loop()
    done = ok = 0
    # One connection for the whole run, a short transaction per link on it. Through
    # store.write() every link would open and close a connection, and closing the last
    # one checkpoints the WAL with an fsync: ~18 ms a link instead of ~0.2 ms.
    if progress is not None:
        progress(FetchProgress(0, len(links), 0, 0, "", "pending"))
    pool, workers = _cleaning_pool(len(links))
    with store.connect() as conn, pool:
        cleaning: set[asyncio.Task[None]] = set()
        room = asyncio.Semaphore(2 * workers)  # bodies in cleaning; beyond that the fetcher waits

        async def finish(result: FetchResult) -> None:
            nonlocal done, ok
            link = by_url[result.url]
            article = None
            if result.status == "ok" and result.body is not None:
                try:
                    article = await loop.run_in_executor(pool, _extract, result)
                except Exception as exc:  # a page that breaks the cleaner must not end the run
                    result.status, result.error = "failed", f"could not extract the page: {type(exc).__name__}: {exc}"
            status = _save(conn, link, result, article)
            summary.counts[status] = summary.counts.get(status, 0) + 1
            if status in _FAILURES:
                summary.failures.append(
                    {"url": link.url, "status": status, "http_status": result.http_status, "error": result.error}
                )
            done += 1
            ok += status == "ok"
            if progress is not None:
                progress(FetchProgress(done, len(links), ok, done - ok, link.url, status))

        async def clean_and_finish(result: FetchResult) -> None:
            try:
                await finish(result)
            finally:
                room.release()

        def check(tasks: set[asyncio.Task[None]]) -> None:
            """Raise the first error of a finished cleaning task (a full disk, a failing callback)."""
            for task in [t for t in tasks if t.done()]:
                tasks.discard(task)
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]

        try:
            async for result in fetch_many(by_url, options):
                check(cleaning)
                if result.status == "ok":
                    await room.acquire()
                    cleaning.add(asyncio.create_task(clean_and_finish(result)))
                else:
                    await finish(result)
            while cleaning:
                await asyncio.wait(cleaning, return_when=asyncio.FIRST_COMPLETED)
                check(cleaning)
        finally:
            for task in cleaning:
                task.cancel()
            await asyncio.gather(*cleaning, return_exceptions=True)
    summary.changed = _changed_count(store, [link.id for link in links]) if refetch else 0
    summary.seconds = time.perf_counter() - started
    return summary


def _cleaning_pool(links: int) -> tuple[Executor, int]:
    """Where pages are cleaned: CPU work (lxml, readability) that must not stall the downloads.

    Big runs use worker processes, so cleaning runs on other cores instead of taking
    the GIL from the event loop (1,000 pages: ~2x faster on two cores). Small runs
    clean in a thread: starting the workers (~0.5 s, spawned to be safe beside the
    TUI's threads) would cost more than it saves.
    """
    cores = os.cpu_count() or 1
    if links < _PROCESS_POOL_FROM or cores < 2:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="notebase-clean"), 1
    workers = min(4, cores - 1)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init), workers


_PROCESS_POOL_FROM = 100


def _worker_init() -> None:
    # Ctrl-C is the parent's to handle; workers end when their pool shuts down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import clean  # noqa: F401  (import lxml and readability once, before the first page)


@dataclass
class _Link:
    id: int
    url: str
    normalized_url: str
    content_hash: str | None


def _links_to_fetch(store: Store, *, retry_failed: bool, refetch: bool) -> list[_Link]:
    if refetch:
        where, params = "", []
    else:
        wanted = ["pending", "failed"] if retry_failed else ["pending"]
        where, params = f"WHERE status IN ({','.join('?' * len(wanted))})", wanted
    with store.connect() as conn:
        rows = conn.execute(
            f"SELECT id, url, normalized_url, content_hash FROM links {where} ORDER BY id", params
        ).fetchall()
    return [_Link(*row) for row in rows]


def _extract(result: FetchResult) -> Article:
    from .clean import extract

    return extract(result.body or b"", result.final_url or result.url, result.content_type, result.charset)


def _content_hash(markdown: str) -> str:
    # Of the cleaned text, not the raw body: ads, nonces and timestamps change every
    # fetch of the same article, and --refetch should only report real changes.
    return hashlib.blake2b(markdown.encode("utf-8"), digest_size=16).hexdigest()


def _page_url(final_url: str, canonical: str | None) -> str:
    """The key pages share: the canonical URL when the page's own site vouches for it, else the final URL.

    A canonical on another host (syndication) or pointing at the site's front page
    from an article (a common template bug) would merge unrelated pages.
    """
    if canonical:
        final_host = url_host(final_url).removeprefix("www.")
        canon_host = url_host(canonical).removeprefix("www.")
        canon_path = urlsplit(canonical).path.strip("/")
        if canon_host == final_host and (canon_path or not urlsplit(final_url).path.strip("/")):
            return normalize_url(canonical)
    return normalize_url(final_url)


def _save(conn: sqlite3.Connection, link: _Link, result: FetchResult, article: Article | None) -> str:
    """Write one link's outcome (and its page) in a short transaction; returns the final status."""
    status, error = result.status, result.error
    page_id = content_hash = None
    if article is not None:
        if article.no_content:
            status, error = "no-content", article.no_content
        else:
            content_hash = _content_hash(article.markdown)
    elif status == "ok":  # an ok result always carries a body; be safe anyway
        status, error = "no-content", "empty response"
    final_url = _text(result.final_url, 4000)
    changed = None
    if content_hash is not None and link.content_hash is not None:
        changed = int(content_hash != link.content_hash)
    fetched_at = int(result.fetched_at or time.time())
    with transaction(conn):
        if status == "ok" and article is not None:
            page_id = _upsert_page(conn, result, article, content_hash, fetched_at)
        conn.execute(
            "UPDATE links SET status = ?, http_status = ?, final_url = ?, content_type = ?, content_length = ?,"
            " error = ?, attempts = attempts + ?, fetched_at = ?, content_hash = coalesce(?, content_hash),"
            " changed = CASE WHEN ? IS NULL THEN changed ELSE ? END, page_id = coalesce(?, page_id) WHERE id = ?",
            (
                status,
                result.http_status,
                final_url,
                _text(result.content_type, 200),
                result.content_length,
                _text(error, 1000),
                result.attempts,
                fetched_at,
                content_hash,
                content_hash,
                changed,
                page_id,
                link.id,
            ),
        )
    return status


def _upsert_page(
    conn: sqlite3.Connection, result: FetchResult, article: Article, content_hash: str | None, fetched_at: int
) -> int:
    final_url = result.final_url or result.url
    row = conn.execute(
        "INSERT INTO pages (url, final_url, canonical_url, title, site, author, published, language, word_count,"
        " markdown, content_type, content_hash, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(url) DO UPDATE SET final_url = excluded.final_url, canonical_url = excluded.canonical_url,"
        " title = excluded.title, site = excluded.site, author = excluded.author, published = excluded.published,"
        " language = excluded.language, word_count = excluded.word_count, markdown = excluded.markdown,"
        " content_type = excluded.content_type, content_hash = excluded.content_hash, fetched_at = excluded.fetched_at"
        " RETURNING id",
        (
            _page_url(final_url, article.canonical_url),
            _text(final_url, 4000),
            article.canonical_url,
            article.title,
            article.site,
            article.author,
            article.published,
            article.language,
            article.word_count,
            article.markdown,
            _text(result.content_type, 200),
            content_hash,
            fetched_at,
        ),
    ).fetchone()
    return int(row[0])


def _changed_count(store: Store, ids: list[int]) -> int:
    with store.connect() as conn:
        return conn.execute(
            "SELECT count(*) FROM links WHERE changed = 1 AND id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchone()[0]


def _text(value: str | None, limit: int) -> str | None:
    """A value from the network as we store it: no terminal control characters, bounded."""
    from .clean import strip_control

    return strip_control(value)[:limit] if value else value


def _iso(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts is not None else None


# ---------------------------------------------------------------- reading back


def list_links(store: Store, status: str | None = None) -> list[LinkView]:
    """Every link (or those with `status`), oldest first, with its page's title and the notes citing it."""
    where, params = ("WHERE l.status = ?", [status]) if status else ("", [])
    with store.connect() as conn:
        links = [
            LinkView(*row)
            for row in conn.execute(
                "SELECT l.id, l.url, l.normalized_url, l.status, l.http_status, l.final_url, p.title, p.site,"
                f" l.error, l.attempts, l.fetched_at FROM links l LEFT JOIN pages p ON p.id = l.page_id {where} ORDER BY l.id",
                params,
            )
        ]
        by_id = {link.id: link for link in links}
        sub = f"SELECT id FROM links l {where}" if status else "SELECT id FROM links"
        for link_id, note_id in conn.execute(
            f"SELECT link_id, note_id FROM note_links WHERE link_id IN ({sub}) ORDER BY note_id", params
        ):
            if link_id in by_id:
                by_id[link_id].note_ids.append(note_id)
    return links


def pages_for_note(store: Store, note_id: int) -> list[PageView]:
    """One entry per link of the note, in the note's link order; Markdown only for ok links."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT nl.url, l.status, p.title, p.site, p.author, p.published, p.word_count, p.markdown"
            " FROM note_links nl JOIN links l ON l.id = nl.link_id LEFT JOIN pages p ON p.id = l.page_id"
            " WHERE nl.note_id = ? ORDER BY l.id",
            (note_id,),
        ).fetchall()
    views = []
    for url, status, title, site, author, published, words, markdown in rows:
        views.append(PageView(url, status, title, site, author, published, words, markdown if status == "ok" else None))
    return views


def link_marks(store: Store, note_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """note id → [(domain, status)] for the timeline, in one query however many notes."""
    marks: dict[int, list[tuple[str, str]]] = {}
    if not note_ids:
        return marks
    with store.connect() as conn:
        for note_id, url, status in conn.execute(
            "SELECT nl.note_id, l.normalized_url, l.status FROM note_links nl JOIN links l ON l.id = nl.link_id"
            " WHERE nl.note_id IN (SELECT value FROM json_each(?)) ORDER BY nl.note_id, l.id",
            (json.dumps(list(note_ids)),),
        ):
            marks.setdefault(note_id, []).append((url_host(url).removeprefix("www.") or url.split(":", 1)[0], status))
    return marks


def pending_count(store: Store) -> int:
    """How many links wait for a first fetch."""
    with store.connect() as conn:
        return conn.execute("SELECT count(*) FROM links WHERE status = 'pending'").fetchone()[0]
