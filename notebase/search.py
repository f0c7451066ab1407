"""Finding notes: by their words (FTS5/BM25), by meaning (vectors), or both fused.

Results are always notes. A page or a chunk that matches counts for every note
linking to it, so a one-line note is found by the article it points to. Each hit
says why it matched ("note"/"page", "keyword"/"meaning").

User input never reaches FTS5 raw: `parse_query` reads words, "quoted phrases",
-exclusions and prefix* terms, and `fts_expression` writes them back as quoted
FTS5 strings, so quotes, colons, parentheses or a bare AND cannot break a query.
The keyword path needs neither numpy nor the model.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from . import fusion
from .db import Store
from .fusion import rrf
from .timeutil import iso

if TYPE_CHECKING:
    import numpy as np

    from .embeddings import Embedder

_T = TypeVar("_T")

MODES = ("hybrid", "keyword", "semantic")
MARK_OPEN, MARK_CLOSE = "«", "»"  # around matched words in snippets; [ ] would clash with Markdown links
TITLE_WEIGHT = 5.0  # bm25 weight of a page title against its body
DEPTH = 100  # candidates taken from each ranking before fusion
SNIPPET_TOKENS = 16
HYBRID_WEIGHTS = (1.0, 1.0)  # keyword, meaning: weights in the rank fusion (see bench/bench_retrieval.py)

_TOKEN_CHAR = re.compile(r"[^\W_]")  # what unicode61 indexes: letters and digits
_STOPWORDS = frozenset(  # dropped only from the OR-ed fallback query, where they would match nearly everything
    "a an and are as at be but by for from has have how i in is it its of on or that the this to was what when"  # noqa: SIM905
    " where which who why will with does do did can could should would".split()
)


class SearchError(ValueError):
    """A query with nothing to search for, or a search that cannot run; the message says why."""


class NotIndexedError(SearchError):
    """Search by meaning before anything was embedded (with this model): keyword search still works."""


@dataclass
class Query:
    """A user's query, parsed: what must, may and must not appear."""

    words: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def positive(self) -> bool:
        return bool(self.words or self.prefixes or self.phrases)

    @property
    def text(self) -> str:
        """What the model reads: the query without its syntax."""
        return " ".join([*self.phrases, *self.words, *self.prefixes])

    @property
    def highlight_words(self) -> list[str]:
        found = [w for t in [*self.words, *self.phrases] for w in re.findall(r"[^\W_]+", t)]
        found += [p for t in self.prefixes for p in re.findall(r"[^\W_]+", t)]
        content = [w for w in found if w.lower() not in _STOPWORDS]
        return content or found  # mark "that" only when it is all there is


_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(text: str, *, prefix_last: bool = False) -> Query:
    """Words, "phrases", -exclusions, prefix* terms; `prefix_last` treats the last bare word as a prefix (as-you-type).

    Raises SearchError when nothing searchable is left (empty, punctuation only, exclusions only).
    """
    q = Query()
    last_bare: tuple[list[str], int] | None = None
    for m in _TERM.finditer(text or ""):
        negate, phrase, bare = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            if _TOKEN_CHAR.search(phrase):
                (q.excluded if negate else q.phrases).append(" ".join(phrase.split()))
            continue
        term = bare
        if term.startswith("-") and len(term) > 1:
            if _TOKEN_CHAR.search(term[1:]):
                q.excluded.append(term[1:].rstrip("*"))
            continue
        if term.endswith("*"):
            term = term.rstrip("*")
            if _TOKEN_CHAR.search(term):
                q.prefixes.append(term)
            continue
        if _TOKEN_CHAR.search(term):
            q.words.append(term)
            last_bare = (q.words, len(q.words) - 1)
    if prefix_last and last_bare is not None and last_bare[1] == len(q.words) - 1 and text.rstrip() == text:
        q.prefixes.append(q.words.pop())
    if not q.positive:
        if q.excluded:
            raise SearchError("a search needs at least one word besides -exclusions")
        raise SearchError("nothing to search for: type some words")
    return q


def _string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_expression(q: Query, *, strict: bool = True) -> str | None:
    """The query as safe FTS5 syntax: every term a quoted string. `strict` ANDs all terms; loose ORs
    the bare words (phrases stay required) and drops stopwords. None when loose adds nothing."""
    required = [_string(p) for p in q.phrases]
    optional = [_string(w) for w in q.words] + [_string(p) + "*" for p in q.prefixes]
    if strict:
        expr = " AND ".join(required + optional)
    else:
        loose_words = [w for w in q.words if w.lower() not in _STOPWORDS] or q.words
        optional = [_string(w) for w in loose_words] + [_string(p) + "*" for p in q.prefixes]
        if len(optional) <= 1:
            return None
        expr = " AND ".join([*required, "(" + " OR ".join(optional) + ")"])
    if q.excluded:
        expr = f"({expr}) NOT (" + " OR ".join(_string(e) for e in q.excluded) + ")"
    return expr


@dataclass
class SearchHit:
    id: int
    score: float
    sent_ts: int
    utc_offset: int
    text: str
    snippet: str
    matched: list[str]
    page_title: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def sent_at(self) -> str:
        return iso(self.sent_ts, self.utc_offset)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 6),
            "sent_at": self.sent_at,
            "text": self.text,
            "snippet": self.snippet,
            "matched": self.matched,
            "page_title": self.page_title,
            "url": self.url,
            "tags": self.tags,
        }


@dataclass
class _Why:
    """Per-note evidence gathered from the rankings, turned into a SearchHit at the end."""

    sources: set[str] = field(default_factory=set)  # note, page
    methods: set[str] = field(default_factory=set)  # keyword, meaning
    kw_note: bool = False  # the note's own text matched the words
    kw_page: int | None = None  # this linked page matched the words
    page_id: int | None = None
    page_title: str | None = None
    chunk_text: str | None = None


def search(
    store: Store,
    query: str,
    *,
    mode: str = "hybrid",
    limit: int = 10,
    tag: str | None = None,
    since: int | None = None,
    until: int | None = None,
    embedder: Embedder | None = None,
    prefix_last: bool = False,
    depth: int = DEPTH,
) -> list[SearchHit]:
    """Notes matching `query`, best first. Keyword mode needs no embedder; the others do."""
    if mode not in MODES:
        raise SearchError(f"unknown search mode {mode!r} (choose from {', '.join(MODES)})")
    if limit <= 0:
        return []
    q = parse_query(query, prefix_last=prefix_last)
    if mode != "keyword" and embedder is None:
        raise SearchError(f"{mode} search needs an embedder")
    depth = max(depth, limit)
    why: dict[int, _Why] = {}
    with store.connect() as conn:
        allowed = _allowed_notes(conn, tag=tag, since=since, until=until)
        index, vector = None, None
        if mode != "keyword":
            assert embedder is not None
            index = _loaded_index(store, embedder)
            # The model reads the query in another thread while SQLite ranks by words (both
            # release the GIL). The vector scan waits for both: it uses every core itself.
            vector = _in_background(embedder.encode, [q.text])
        rankings: list[list[int]] = []
        if mode in ("keyword", "hybrid"):
            rankings.append(_keyword_ranking(conn, q, depth, allowed, why))
        if vector is not None:
            # Its own evidence, merged after: a keyword page match keeps its title and snippet.
            sem_why: dict[int, _Why] = {}
            nearest = _nearest_to(index, vector.result(), depth, allowed)
            rankings.append(_attach_nearest(conn, nearest, depth, allowed, sem_why))
            _merge_why(why, sem_why)
        fused = rrf(rankings, k=fusion.RRF_K, weights=HYBRID_WEIGHTS if len(rankings) == 2 else None)
        if q.excluded and mode != "keyword":
            fused = _drop_excluded(conn, q, fused, why)
        fused = fused[:limit]
        return _hits(conn, fused, why, q)


def _merge_why(into: dict[int, _Why], other: dict[int, _Why]) -> None:
    """Add the meaning evidence to the keyword evidence; a keyword page match keeps its title."""
    for note_id, w in other.items():
        mine = into.setdefault(note_id, _Why())
        mine.sources |= w.sources
        mine.methods |= w.methods
        if mine.kw_page is None and w.page_id is not None:
            mine.page_id, mine.page_title, mine.chunk_text = w.page_id, w.page_title, w.chunk_text


def _allowed_notes(
    conn: sqlite3.Connection, *, tag: str | None, since: int | None, until: int | None
) -> set[int] | None:
    """Ids of notes passing the filters, or None when there are no filters."""
    if tag is None and since is None and until is None:
        return None
    from .notes import _filters  # the same filter semantics as `notebase notes`

    where, params = _filters(since=since, until=until, author=None, tag=tag)
    return {row[0] for row in conn.execute(f"SELECT n.id FROM notes n {where}", params)}


def _keyword_ranking(
    conn: sqlite3.Connection, q: Query, depth: int, allowed: set[int] | None, why: dict[int, _Why]
) -> list[int]:
    """Notes by BM25 over their text, fused (RRF) with notes whose linked pages match."""
    note_hits = _fts(conn, "notes_fts", None, q, depth, allowed)
    ranking_notes = []
    for note_id, _ in note_hits:
        w = why.setdefault(note_id, _Why())
        w.sources.add("note")
        w.methods.add("keyword")
        w.kw_note = True
        ranking_notes.append(note_id)
    page_hits = _fts(conn, "pages_fts", f"bm25({TITLE_WEIGHT}, 1.0)", q, depth, None, extra="title")
    ranking_pages: list[int] = []
    if page_hits:
        linked = _notes_linking(conn, [pid for pid, _ in page_hits], cap=depth, allowed=allowed)
        for page_id, title in page_hits:
            for note_id in linked.get(page_id, []):
                w = why.setdefault(note_id, _Why())
                if "page" not in w.sources:
                    w.sources.add("page")
                    w.page_id, w.page_title, w.kw_page = page_id, title, page_id
                w.methods.add("keyword")
                ranking_pages.append(note_id)
    if q.excluded and ranking_pages:  # a page hit must not bring back a note whose own text is excluded
        bad = _notes_matching(conn, [_string(e) for e in q.excluded], ranking_pages)
        ranking_pages = [n for n in ranking_pages if n not in bad]
    if not ranking_pages:
        return ranking_notes
    if not ranking_notes:
        return list(dict.fromkeys(ranking_pages))
    return [note_id for note_id, _ in rrf([ranking_notes, ranking_pages])]


def _fts(
    conn: sqlite3.Connection,
    table: str,
    rank: str | None,
    q: Query,
    depth: int,
    allowed: set[int] | None,
    extra: str | None = None,
) -> list[tuple[int, str | None]]:
    """(rowid, extra column) best first: all terms first, then any term to fill up to depth.

    Ordering by FTS5's own `rank` column lets it sort inside the index; snippets are
    made later for the few final hits only (making them for every match was most of
    the time of a common-word query).
    """
    found: dict[int, tuple[int, str | None]] = {}
    rank_clause = f" AND rank MATCH '{rank}'" if rank else ""
    for strict in (True, False):
        expr = fts_expression(q, strict=strict)
        if expr is None or len(found) >= depth:
            continue
        # Filtered note searches rank only the notes that pass (a short list goes into the SQL).
        scope, scope_params = "", []
        if allowed is not None and table == "notes_fts" and len(allowed) <= 30000:
            scope, scope_params = f" AND rowid IN ({','.join('?' * len(allowed))})", sorted(allowed)
        fetch = depth * 4 if allowed is not None and not scope else depth
        sql = (
            f"SELECT rowid, {extra or 'NULL'} FROM {table} WHERE {table} MATCH ?{rank_clause}{scope}"
            f" ORDER BY rank LIMIT ?"
        )
        try:
            rows = conn.execute(sql, (expr, *scope_params, fetch + len(found))).fetchall()
        except sqlite3.OperationalError as exc:  # should not happen with quoted terms; never a traceback
            raise SearchError(f"cannot search for that: {exc}") from None
        for rowid, more in rows:
            if rowid in found or (allowed is not None and table == "notes_fts" and rowid not in allowed):
                continue
            found[rowid] = (rowid, more)
            if len(found) >= depth:
                break
    return list(found.values())


def _notes_linking(
    conn: sqlite3.Connection,
    page_ids: Sequence[int],
    *,
    cap: int,
    allowed: set[int] | None = None,
    exclude: int | None = None,
) -> dict[int, list[int]]:
    """Notes linking to each page, pages taken best first until `cap` notes are found.

    A popular page can be linked from thousands of notes; the ranking needs only `cap`.
    """
    out: dict[int, list[int]] = {}
    total = 0
    for page_id in page_ids:
        notes = [
            n
            for (n,) in conn.execute(
                "SELECT nl.note_id FROM links l JOIN note_links nl ON nl.link_id = l.id WHERE l.page_id = ?"
                " ORDER BY nl.note_id LIMIT ?",
                (page_id, cap if allowed is None else cap * 20),
            )
            if n != exclude and (allowed is None or n in allowed)
        ][: cap - total]
        if notes:
            out[page_id] = notes
            total += len(notes)
        if total >= cap:
            break
    return out


def _notes_matching(conn: sqlite3.Connection, terms: list[str], note_ids: Iterable[int]) -> set[int]:
    ids = list(set(note_ids))
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {
        r[0]
        for r in conn.execute(
            f"SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? AND rowid IN ({marks})", [" OR ".join(terms), *ids]
        )
    }


def _loaded_index(store: Store, embedder: Embedder) -> Any:
    """The vectors made with this embedder's model; NotIndexedError if there are none."""
    from .index import vector_index

    index = vector_index(store, embedder.model_id)
    if len(index.note_ids) == 0 and len(index.chunk_ids) == 0:
        with store.connect() as conn:
            other = conn.execute("SELECT model FROM embeddings LIMIT 1").fetchone()
        if other:
            raise NotIndexedError(
                f"the index was built with model {other[0]!r}; run: notebase index --model {embedder.model_id}"
            )
        raise NotIndexedError("nothing is indexed yet; run: notebase index")
    return index


_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _in_background(fn: Callable[..., _T], *args: Any) -> Future[_T]:
    """Run fn in the search thread (one per process, started on first use)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notebase-search")
    return _worker.submit(fn, *args)


@dataclass
class _Nearest:
    """The vector side of a search before SQL: best notes and best pages by cosine."""

    notes: list[tuple[int, float]]  # (note id, cosine), best first
    pages: list[tuple[int, float, int]]  # (page id, best chunk's cosine, chunk id), best first


def _nearest_to(
    index: Any, queries: np.ndarray, depth: int, allowed: set[int] | None, exclude: int | None = None
) -> _Nearest:
    """Pure numpy: the `depth` notes and pages nearest to any of the query vectors."""
    import numpy as np

    from .index import top_rows

    notes: list[tuple[int, float]] = []
    if len(index.note_ids):
        if len(queries) == 1 and allowed is None and exclude is None:
            rows, best = index.nearest("notes", queries[0], depth)
        else:
            sims = index.notes @ queries[0] if len(queries) == 1 else (index.notes @ queries.T).max(axis=1)
            keep = np.isin(index.note_ids, list(allowed)) if allowed is not None else np.ones(len(sims), dtype=bool)
            if exclude is not None:
                keep &= index.note_ids != exclude
            sims = np.where(keep, sims, -np.inf)
            rows = top_rows(sims, depth)
            best = sims[rows]
        for note_id, score in zip(index.note_ids[rows].tolist(), best.tolist(), strict=True):
            if score > 0:  # orthogonal, opposite or filtered out (-inf): not similar at all
                notes.append((note_id, score))
    pages: list[tuple[int, float, int]] = []
    if len(index.chunk_ids):
        if len(queries) == 1:
            rows, best = index.nearest("chunks", queries[0], depth * 4)
        else:
            sims = (index.chunks @ queries.T).max(axis=1)
            rows = top_rows(sims, depth * 4)
            best = sims[rows]
        seen: set[int] = set()
        for page_id, score, chunk_id in zip(
            index.chunk_pages[rows].tolist(), best.tolist(), index.chunk_ids[rows].tolist(), strict=True
        ):
            if score <= 0 or len(seen) >= depth:
                break
            if page_id not in seen:
                seen.add(page_id)
                pages.append((page_id, score, chunk_id))
    return _Nearest(notes, pages)


def _attach_nearest(
    conn: sqlite3.Connection,
    nearest: _Nearest,
    depth: int,
    allowed: set[int] | None,
    why: dict[int, _Why],
    exclude: int | None = None,
) -> list[int]:
    """Notes by cosine similarity: of the note itself, or of the best chunk of a page it links to."""
    scores: dict[int, float] = {}
    for note_id, score in nearest.notes:
        scores[note_id] = score
        w = why.setdefault(note_id, _Why())
        w.sources.add("note")
        w.methods.add("meaning")
    if nearest.pages:
        page_ids = [page_id for page_id, _, _ in nearest.pages]
        linked = _notes_linking(conn, page_ids, cap=depth, allowed=allowed, exclude=exclude)
        marks = ",".join("?" * len(page_ids))
        titles = dict(conn.execute(f"SELECT id, title FROM pages WHERE id IN ({marks})", page_ids).fetchall())
        chunk_text: dict[int, str | None] = {}
        for page_id, score, chunk_id in nearest.pages:
            for note_id in linked.get(page_id, []):
                if note_id == exclude or (allowed is not None and note_id not in allowed):
                    continue
                w = why.setdefault(note_id, _Why())
                w.sources.add("page")
                w.methods.add("meaning")
                if score > scores.get(note_id, float("-inf")):
                    scores[note_id] = score
                    if chunk_id not in chunk_text:
                        row = conn.execute("SELECT text FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
                        chunk_text[chunk_id] = row[0] if row else None
                    w.page_id, w.page_title = page_id, titles.get(page_id)
                    w.chunk_text = chunk_text[chunk_id]
    return [note_id for note_id, _ in sorted(scores.items(), key=lambda kv: -kv[1])][:depth]


def _drop_excluded(
    conn: sqlite3.Connection, q: Query, fused: list[tuple[int, float]], why: dict[int, _Why]
) -> list[tuple[int, float]]:
    terms = [_string(e) for e in q.excluded]
    bad = _notes_matching(conn, terms, [n for n, _ in fused])
    page_ids = {w.page_id for n, w in why.items() if w.page_id is not None}
    if page_ids:
        marks = ",".join("?" * len(page_ids))
        bad_pages = {
            r[0]
            for r in conn.execute(
                f"SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? AND rowid IN ({marks})",
                [" OR ".join(terms), *page_ids],
            )
        }
        bad |= {n for n, w in why.items() if w.page_id in bad_pages and "note" not in w.sources}
    return [(n, s) for n, s in fused if n not in bad]


def _hits(conn: sqlite3.Connection, fused: list[tuple[int, float]], why: dict[int, _Why], q: Query) -> list[SearchHit]:
    if not fused:
        return []
    ids = [n for n, _ in fused]
    marks = ",".join("?" * len(ids))
    rows = {
        r[0]: r for r in conn.execute(f"SELECT id, sent_ts, utc_offset, text FROM notes WHERE id IN ({marks})", ids)
    }
    tags: dict[int, list[str]] = {}
    for note_id, name in conn.execute(
        f"SELECT nt.note_id, t.name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
        f" WHERE nt.note_id IN ({marks}) AND nt.removed = 0 ORDER BY t.name",
        ids,
    ):
        tags.setdefault(note_id, []).append(name)
    urls: dict[int, dict[int | None, str]] = {}
    for note_id, page_id, url in conn.execute(
        f"SELECT nl.note_id, l.page_id, nl.url FROM note_links nl JOIN links l ON l.id = nl.link_id"
        f" WHERE nl.note_id IN ({marks}) ORDER BY l.id",
        ids,
    ):
        per = urls.setdefault(note_id, {})
        per.setdefault(page_id, url)
        per.setdefault(-1, url)  # the note's first link
    note_snips, page_snips = _snippets(
        conn,
        q,
        [n for n in ids if why.get(n, _Why()).kw_note],
        {w.kw_page for n in ids if (w := why.get(n, _Why())).kw_page is not None},
    )
    hits = []
    for note_id, score in fused:
        row = rows.get(note_id)
        if row is None:
            continue
        w = why.get(note_id, _Why())
        matched: list[str] = [s for s in ("note", "page") if s in w.sources]
        matched += [m for m in ("keyword", "meaning") if m in w.methods]
        if note_id in note_snips or w.kw_page in page_snips:  # FTS5's own snippet, from the note or the page
            snippet = note_snips.get(note_id) or page_snips[w.kw_page]  # type: ignore[index]
        elif w.chunk_text:  # found by meaning through a page: show the passage that matched
            snippet = excerpt(w.chunk_text, q.highlight_words)
        else:
            snippet = excerpt(row[3], q.highlight_words)
        per = urls.get(note_id, {})
        url = per.get(w.page_id) if w.page_id is not None else None
        hits.append(
            SearchHit(
                id=note_id,
                score=score,
                sent_ts=row[1],
                utc_offset=row[2],
                text=row[3],
                snippet=snippet,
                matched=matched,
                page_title=w.page_title if "page" in w.sources else None,
                url=url or per.get(-1),
                tags=tags.get(note_id, []),
            )
        )
    return hits


def _snippets(
    conn: sqlite3.Connection, q: Query, note_ids: list[int], page_ids: set[int | None]
) -> tuple[dict[int, str], dict[int, str]]:
    """FTS5 snippets, matched words marked, for the final hits only."""
    expr = fts_expression(q, strict=False) or fts_expression(q, strict=True) if q.positive else None
    notes: dict[int, str] = {}
    pages: dict[int, str] = {}
    if expr is None:
        return notes, pages
    marks = f"'{MARK_OPEN}', '{MARK_CLOSE}', '…', {SNIPPET_TOKENS}"
    for table, column, ids, out in (
        ("notes_fts", 0, note_ids, notes),
        ("pages_fts", -1, [p for p in page_ids if p is not None], pages),
    ):
        if ids:
            for rowid, snip in conn.execute(
                f"SELECT rowid, snippet({table}, {column}, {marks}) FROM {table} WHERE {table} MATCH ?"
                f" AND rowid IN ({','.join('?' * len(ids))})",
                [expr, *ids],
            ):
                out[rowid] = " ".join(snip.split())
    return notes, pages


def excerpt(text: str, words: Sequence[str], width: int = 160) -> str:
    """About `width` characters of text around the first query word, query words marked «like this»."""
    flat = " ".join(text.split())
    stems = [w.lower() for w in words if w]
    pattern = (
        re.compile(
            r"(?<![^\W_])(" + "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)) + r")[^\W_]*",
            re.IGNORECASE,
        )
        if stems
        else None
    )
    start = 0
    if pattern:
        m = pattern.search(flat)
        if m and m.start() > width // 3:
            start = flat.rfind(" ", 0, m.start() - width // 4) + 1
    piece = flat[start : start + width]
    if start + width < len(flat):
        piece = piece.rsplit(" ", 1)[0] + "…"
    if start:
        piece = "…" + piece
    return pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", piece) if pattern else piece


def related(store: Store, note_id: int, *, limit: int = 10, embedder: Embedder | None = None) -> list[SearchHit]:
    """Other notes nearest to this one, by its own vector and the chunks of the pages it links to."""
    import numpy as np

    from .index import vector_index

    with store.connect() as conn:
        if conn.execute("SELECT 1 FROM notes WHERE id = ?", (note_id,)).fetchone() is None:
            raise SearchError(f"no note with id {note_id}")
        stored = conn.execute("SELECT model FROM embeddings WHERE kind = 'note' AND item_id = ?", (note_id,)).fetchone()
    model = embedder.model_id if embedder is not None else (stored[0] if stored else None)
    if model is None:
        raise SearchError(f"note {note_id} is not indexed yet; run: notebase index")
    index = vector_index(store, model)
    vector = index.note_vector(note_id)
    if vector is None:
        if embedder is None:
            raise SearchError(f"note {note_id} is not indexed yet; run: notebase index")
        from .chunking import clean_for_embedding

        with store.connect() as conn:
            text = conn.execute("SELECT text FROM notes WHERE id = ?", (note_id,)).fetchone()[0]
        vector = embedder.encode([clean_for_embedding(text)])[0]
    with store.connect() as conn:
        pages = {
            r[0]
            for r in conn.execute(
                "SELECT l.page_id FROM note_links nl JOIN links l ON l.id = nl.link_id WHERE nl.note_id = ? AND l.page_id IS NOT NULL",
                (note_id,),
            )
        }
        queries = [vector[None, :]]
        if pages and len(index.chunk_ids):
            page_vectors = index.page_vectors(pages)
            if len(page_vectors):
                queries.append(page_vectors[:32])
        matrix = np.vstack(queries).astype(np.float32)
        why: dict[int, _Why] = {}
        depth = max(limit, 20)
        nearest = _nearest_to(index, matrix, depth, None, exclude=note_id)
        ranked = _attach_nearest(conn, nearest, depth, None, why, exclude=note_id)
        # Scores are cosines here, not fused ranks: say how close, not how high.
        sims = _similarities(index, matrix, ranked, conn)
        fused = [(n, sims.get(n, 0.0)) for n in ranked][:limit]
        return _hits(conn, fused, why, Query())


def _similarities(index: Any, queries: np.ndarray, note_ids: list[int], conn: sqlite3.Connection) -> dict[int, float]:
    """Best cosine of each note (or a chunk of a page it links to) against the queries."""
    import numpy as np

    out: dict[int, float] = {}
    rows = {int(n): i for i, n in enumerate(index.note_ids)}
    for n in note_ids:
        if n in rows:
            out[n] = float((index.notes[rows[n]] @ queries.T).max())
    if len(index.chunk_ids) and note_ids:
        marks = ",".join("?" * len(note_ids))
        for n, page_id in conn.execute(
            f"SELECT nl.note_id, l.page_id FROM note_links nl JOIN links l ON l.id = nl.link_id"
            f" WHERE nl.note_id IN ({marks}) AND l.page_id IS NOT NULL",
            note_ids,
        ):
            mask = index.chunk_pages == page_id
            if mask.any():
                out[n] = max(out.get(n, -1.0), float((index.chunks[mask] @ queries.T).max()))
    return {k: float(np.round(v, 6)) for k, v in out.items()}
