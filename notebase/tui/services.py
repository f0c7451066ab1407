"""The library as the TUI sees it: one object the screens call, no SQL and no Textual here.

Every method is a plain blocking call meant for a thread worker. Pages, search,
tags, topics, the index and embeddings are separate library modules; when one is
not there (or lacks the function), `has(...)` says so and the UI hides that part
instead of pretending.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from types import ModuleType
from typing import Any

from ..db import Store
from ..notes import NoteView, authors, count_notes, get_note, list_notes
from .text import LocalClock, clean, day_title, domain, one_line

log = logging.getLogger(__name__)

# What each feature needs: (module, function names).
FEATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pages": ("pages", ("pages_for_note",)),
    "marks": ("pages", ("link_marks",)),
    "fetch": ("pages", ("fetch_links",)),
    "search": ("search", ("search",)),
    "related": ("search", ("related",)),
    "tags": ("tags", ("add_tag", "remove_tag", "note_tags", "list_tags")),
    "index": ("index", ("index_pending",)),
    "topics": ("topics", ("apply",)),
}

EMBEDDER_FACTORY_NAMES = ("get_embedder", "load_embedder", "default_embedder", "make_embedder")


@dataclass(slots=True)
class Row:
    """One note as the timeline draws it: everything precomputed, no full text kept."""

    id: int
    ts: int
    time: str
    day: Any  # datetime.date in the app's zone
    line: str
    author: str
    tags: tuple[str, ...]
    links: tuple[tuple[str, str | None], ...]  # (domain, status or None when unknown)


@dataclass
class Filters:
    tag: str | None = None
    author: str | None = None
    newest_first: bool = True

    def describe(self) -> str:
        parts = []
        if self.tag:
            parts.append(f"#{self.tag}")
        if self.author:
            parts.append(f"by {self.author}")
        return ", ".join(parts)


def as_dict(value: Any) -> dict[str, Any]:
    """A library result (dataclass with to_json, or a dict) as a dict."""
    if isinstance(value, dict):
        return value
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    return dict(getattr(value, "__dict__", {}))


class Services:
    def __init__(
        self,
        store: Store,
        *,
        tz: tzinfo,
        embedder_factory: Callable[[], Any] | None = None,
        sample_path: Path | None = None,
    ) -> None:
        self.store = store
        self.tz = tz
        self.embedder_factory = embedder_factory
        self.sample_path = sample_path
        self.embedder: Any = None
        self._modules: dict[str, ModuleType | None] = {}
        self._clock = LocalClock(tz)
        self._embedder_lock = threading.Lock()
        self._shared: dict[str, str] = {}

    # -- which parts of the library exist ---------------------------------------------------

    def module(self, name: str) -> ModuleType | None:
        if name not in self._modules:
            try:
                self._modules[name] = importlib.import_module(f"notebase.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"notebase.{name}":
                    log.warning("notebase.%s cannot be imported: %s", name, exc)
                self._modules[name] = None
            except Exception as exc:  # a half-written module must not take the UI down
                log.warning("notebase.%s failed to import: %s", name, exc)
                self._modules[name] = None
        return self._modules[name]

    def has(self, feature: str) -> bool:
        module_name, functions = FEATURES[feature]
        module = self.module(module_name)
        return module is not None and all(callable(getattr(module, f, None)) for f in functions)

    def _fn(self, feature: str, name: str) -> Callable[..., Any]:
        module = self.module(FEATURES[feature][0])
        assert module is not None, feature
        return getattr(module, name)

    @property
    def semantic_ready(self) -> bool:
        return self.embedder is not None

    # -- notes ------------------------------------------------------------------------------

    def count(self, filters: Filters | None = None) -> int:
        f = filters or Filters()
        return count_notes(self.store, tag=f.tag, author=f.author)

    def authors(self) -> list[tuple[str, int]]:
        return authors(self.store)

    def note(self, note_id: int) -> NoteView | None:
        return get_note(self.store, note_id)

    def timeline_pages(self, filters: Filters, *, first: int = 200, size: int = 2000) -> Iterator[list[Row]]:
        """All notes matching `filters` as Rows, a page at a time (keyset paging on the time)."""
        bound: int | None = None
        seen_at_bound: set[int] = set()
        limit = first
        while True:
            kwargs: dict[str, Any] = {
                "tag": filters.tag,
                "author": filters.author,
                "newest_first": filters.newest_first,
            }
            if bound is not None:
                kwargs["until" if filters.newest_first else "since"] = bound
            notes = list_notes(self.store, limit=limit + len(seen_at_bound), **kwargs)
            fresh = [n for n in notes if not (n.sent_ts == bound and n.id in seen_at_bound)]
            if not fresh:
                return
            yield self._rows(fresh)
            if len(notes) < limit + len(seen_at_bound):
                return
            last = fresh[-1].sent_ts
            seen_at_bound = {n.id for n in fresh if n.sent_ts == last} | (seen_at_bound if last == bound else set())
            bound = last
            limit = size

    def _rows(self, notes: list[NoteView]) -> list[Row]:
        marks: dict[int, list[tuple[str, str]]] = {}
        if self.has("marks"):
            marks = self._fn("marks", "link_marks")(self.store, [n.id for n in notes])
        clock = self._clock
        share = self._shared.setdefault  # authors, times, domains and tags repeat: keep one copy of each
        rows = []
        for n in notes:
            day, hhmm = clock(n.sent_ts)
            if n.id in marks:
                links = tuple((share(d, clean(d)), share(s, s)) for d, s in marks[n.id])
            else:
                links = tuple((share(d, d), None) for d in map(domain, n.links))
            tags = tuple(share(t, t) for t in n.tags)
            rows.append(
                Row(n.id, n.sent_ts, share(hhmm, hhmm), day, one_line(n.text), share(n.author, n.author), tags, links)
            )
        return rows

    # -- pages, search, tags ----------------------------------------------------------------

    def pages_for_note(self, note_id: int) -> list[dict[str, Any]]:
        return [as_dict(p) for p in self._fn("pages", "pages_for_note")(self.store, note_id)]

    def search(self, query: str, mode: str, *, limit: int = 50, tag: str | None = None) -> list[dict[str, Any]]:
        embedder = None if mode == "keyword" else self.embedder
        search = self._fn("search", "search")
        extra = {"prefix_last": True} if "prefix_last" in inspect.signature(search).parameters else {}  # as you type
        hits = search(self.store, query, mode=mode, limit=limit, tag=tag, embedder=embedder, **extra)
        return [as_dict(h) for h in hits]

    def related(self, note_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
        return [
            as_dict(h) for h in self._fn("related", "related")(self.store, note_id, limit=limit, embedder=self.embedder)
        ]

    def note_tags(self, note_id: int) -> list[tuple[str, str, float | None]]:
        return [tuple(t) for t in self._fn("tags", "note_tags")(self.store, note_id)]  # type: ignore[misc]

    def add_tag(self, note_id: int, name: str) -> None:
        self._fn("tags", "add_tag")(self.store, note_id, name)

    def remove_tag(self, note_id: int, name: str) -> None:
        self._fn("tags", "remove_tag")(self.store, note_id, name)

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(name, manual count, auto count) for every tag in use."""
        if not self.has("tags"):
            return []
        out = []
        for t in self._fn("tags", "list_tags")(self.store):
            d = as_dict(t) if not isinstance(t, tuple) else {"name": t[0], "manual": t[1], "auto": t[2]}
            out.append((d["name"], int(d.get("manual") or 0), int(d.get("auto") or 0)))
        return out

    def topic_names(self) -> list[str]:
        """The configured topics of this store's data directory (defaults when it has none)."""
        topics = self.module("topics")
        names = getattr(topics, "topic_names", None)
        if not callable(names):
            return []
        try:
            return list(names(None if self.store.path == ":memory:" else Path(self.store.path).parent))
        except Exception as exc:  # a broken topics.toml only costs completion here
            log.warning("cannot read topics: %s", exc)
            return []

    def tag_suggestions(self) -> list[str]:
        names = {name for name, _, _ in self.tag_counts()} | set(self.topic_names())
        return sorted(names, key=str.casefold)

    # -- the model and the long jobs --------------------------------------------------------

    def load_embedder(self) -> Any:
        """Load the model once: a job that needs it while the start-up load runs waits for that load."""
        with self._embedder_lock:
            if self.embedder is None and self.embedder_factory is not None:
                self.embedder = self.embedder_factory()
        return self.embedder

    def import_file(self, path: Path, progress: Callable[[int], None]) -> Any:
        from ..ingest import import_file

        return import_file(self.store, path, tz=self.tz, progress=progress)

    def fetch(self, *, retry_failed: bool, progress: Callable[..., None]) -> Any:
        return self._fn("fetch", "fetch_links")(self.store, retry_failed=retry_failed, progress=progress)

    def reindex(self, progress: Callable[..., None]) -> Any:
        return self._fn("index", "index_pending")(self.store, self._need_embedder(), progress=progress)

    def apply_topics(self) -> Any:
        return self._fn("topics", "apply")(self.store, self._need_embedder())

    def _need_embedder(self) -> Any:
        if self.embedder is None:
            self.load_embedder()
        if self.embedder is None:
            raise RuntimeError("no embedding model available")
        return self.embedder


def default_embedder_factory(home: str | None = None) -> Callable[[], Any] | None:
    """A factory for the configured model of `home`; None without an embeddings module."""
    try:
        embeddings = importlib.import_module("notebase.embeddings")
    except ModuleNotFoundError:
        return None
    configured = getattr(embeddings, "configured_model", None)
    for name in EMBEDDER_FACTORY_NAMES:
        fn = getattr(embeddings, name, None)
        if callable(fn):
            if callable(configured):
                return lambda: fn(configured(home))
            return fn
    return None


def default_sample_path() -> Path | None:
    """data/sample-export.txt beside the package (a source checkout) or inside it (an install)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "data" / "sample-export.txt", here.parents[1] / "data" / "sample-export.txt"):
        if candidate.is_file():
            return candidate
    return None


def day_label(row: Row) -> str:
    return day_title(row.day)
