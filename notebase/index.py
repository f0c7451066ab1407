"""Keeping vectors up to date: notes embedded whole, pages as chunks, only what changed.

`index_pending` finds what has no vector for the current model (new notes, new or
changed pages, everything after a model change), embeds it in large length-sorted
groups and stores normalized float32 blobs with a content hash. Change detection
is set-based SQL plus triggers (m002_search), so an unchanged base costs a few
queries, not a pass over every text.

`VectorIndex` is the read side: one process-wide numpy matrix per store and model,
reloaded only when the embeddings table has changed since it was loaded.
"""

from __future__ import annotations

import sqlite3
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .chunking import chunk_page, clean_for_embedding
from .db import Store
from .embeddings import BATCH_SIZE, Embedder, content_hash, to_blob

if TYPE_CHECKING:
    import numpy as np

# Bound on |float16 cosine - float32 cosine| of unit vectors: rounding both to float16 moves
# their product by at most 2 * 2**-11 (Cauchy-Schwarz), the float16 result by 2**-12 more;
# torch accumulates in float32. Measured: at most 3e-4 on 100k MiniLM vectors.
HALF_ERROR = 2e-3
GROUP = BATCH_SIZE * 64  # texts per encode call and per write transaction
Progress = Callable[[int, int], None]  # (embedded so far, total to embed)


@dataclass
class IndexSummary:
    model: str
    notes_embedded: int = 0
    chunks_embedded: int = 0
    pages_chunked: int = 0
    chunks_reused: int = 0  # unchanged chunks of a changed page: vector kept
    fts_repaired: int = 0
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return self.notes_embedded + self.chunks_embedded

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "notes_embedded": self.notes_embedded,
            "chunks_embedded": self.chunks_embedded,
            "pages_chunked": self.pages_chunked,
            "chunks_reused": self.chunks_reused,
            "seconds": round(self.seconds, 3),
        }


def index_pending(
    store: Store, embedder: Embedder, *, rebuild: bool = False, progress: Progress | None = None
) -> IndexSummary:
    """Embed every note and page chunk that has no current vector; `rebuild` re-chunks and re-embeds all."""
    started = time.perf_counter()
    summary = IndexSummary(model=embedder.model_id)
    with store.write() as conn:
        summary.fts_repaired = sync_fts(conn)
    pending_chunks = _rechunk_pages(store, embedder, summary, rebuild=rebuild)
    with store.connect() as conn:
        if rebuild:
            pending_notes = conn.execute("SELECT id, text FROM notes").fetchall()
        else:
            # EXCEPT over two covering indexes: ~12x faster than NOT EXISTS probing the blob table.
            pending_notes = conn.execute(
                "SELECT n.id, n.text FROM notes n WHERE n.id IN (SELECT id FROM notes"
                " EXCEPT SELECT item_id FROM embeddings WHERE kind = 'note' AND model = ?)",
                (embedder.model_id,),
            ).fetchall()
    # (kind, id, text to embed, hash of the stored text)
    items = [("note", i, clean_for_embedding(t), content_hash(t)) for i, t in pending_notes]
    items += [("chunk", i, t, h) for i, t, h in pending_chunks]
    # Length-sorted groups pad little, which is what keeps us near raw encode speed.
    items.sort(key=lambda item: len(item[2]))
    total, done = len(items), 0
    if progress:
        progress(0, total)
    for start in range(0, total, GROUP):
        group = items[start : start + GROUP]
        vectors = _encode(embedder, [item[2] for item in group])
        rows = [
            (kind, item_id, embedder.model_id, embedder.dim, to_blob(vector), digest)
            for (kind, item_id, _, digest), vector in zip(group, vectors, strict=False)
        ]
        with store.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (kind, item_id, model, dim, vector, content_hash) VALUES (?,?,?,?,?,?)",
                rows,
            )
        summary.notes_embedded += sum(1 for item in group if item[0] == "note")
        summary.chunks_embedded += sum(1 for item in group if item[0] == "chunk")
        done += len(group)
        if progress:
            progress(done, total)
    summary.seconds = time.perf_counter() - started
    return summary


def sync_fts(conn: sqlite3.Connection) -> int:
    """Add notes missing from the full-text index (inserted other than through ingest); returns how many."""
    notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    indexed = conn.execute("SELECT count(*) FROM notes_fts_docsize").fetchone()[0]
    if notes == indexed:
        return 0
    cur = conn.execute(
        "INSERT INTO notes_fts (rowid, text) SELECT id, text FROM notes WHERE id NOT IN (SELECT id FROM notes_fts_docsize)"
    )
    return cur.rowcount


def _encode(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Vectors for texts; empty texts get a zero vector (similar to nothing) without a model call."""
    import numpy as np

    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    wanted = [i for i, t in enumerate(texts) if t.strip()]
    if wanted:
        out[wanted] = embedder.encode([texts[i] for i in wanted], batch_size=BATCH_SIZE)
    return out


def _rechunk_pages(
    store: Store, embedder: Embedder, summary: IndexSummary, *, rebuild: bool
) -> list[tuple[int, str, str]]:
    """Chunk new and changed pages; returns (chunk id, text, hash) of chunks that need a vector.

    A changed page keeps the vectors of chunks whose text did not change (same hash, same model).
    """
    with store.connect() as conn:
        if rebuild:
            page_ids = [r[0] for r in conn.execute("SELECT id FROM pages")]
        else:
            page_ids = [
                r[0]
                for r in conn.execute(
                    "SELECT p.id FROM pages p WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.page_id = p.id)"
                    " OR EXISTS (SELECT 1 FROM chunks c WHERE c.page_id = p.id AND c.content_hash = '')"
                )
            ]
        # Chunks whose stored vector is missing or from another model also need one.
        stale = (
            []
            if rebuild
            else conn.execute(
                "SELECT c.id, c.text, c.content_hash FROM chunks c WHERE c.content_hash != '' AND NOT EXISTS"
                " (SELECT 1 FROM embeddings e WHERE e.kind = 'chunk' AND e.item_id = c.id AND e.model = ?"
                " AND e.content_hash = c.content_hash)",
                (embedder.model_id,),
            ).fetchall()
        )
    # Disjoint from page_ids: those pages have no chunks or only stale ('') ones.
    pending: list[tuple[int, str, str]] = [(r[0], r[1], r[2]) for r in stale]
    count = _token_counter(embedder)
    for start in range(0, len(page_ids), 200):
        batch = page_ids[start : start + 200]
        marks = ",".join("?" * len(batch))
        with store.connect() as conn:
            pages = conn.execute(f"SELECT id, title, markdown FROM pages WHERE id IN ({marks})", batch).fetchall()
        chunked = {pid: chunk_page(title, markdown or "", count_tokens=count) for pid, title, markdown in pages}
        with store.write() as conn:
            old_vectors: dict[tuple[int, str], bytes] = {}
            if not rebuild:
                for pid, digest, vector in conn.execute(
                    f"SELECT c.page_id, e.content_hash, e.vector FROM chunks c JOIN embeddings e"
                    f" ON e.kind = 'chunk' AND e.item_id = c.id WHERE c.page_id IN ({marks}) AND e.model = ?",
                    [*batch, embedder.model_id],
                ):
                    old_vectors[(pid, digest)] = vector
            conn.execute(f"DELETE FROM chunks WHERE page_id IN ({marks})", batch)  # trigger drops their vectors
            for pid, texts in chunked.items():
                summary.pages_chunked += 1
                for seq, text in enumerate(texts):
                    digest = content_hash(text)
                    chunk_id = conn.execute(
                        "INSERT INTO chunks (page_id, seq, text, content_hash) VALUES (?, ?, ?, ?)",
                        (pid, seq, text, digest),
                    ).lastrowid
                    assert chunk_id is not None
                    kept = old_vectors.get((pid, digest))
                    if kept is not None:
                        conn.execute(
                            "INSERT INTO embeddings (kind, item_id, model, dim, vector, content_hash) VALUES ('chunk', ?, ?, ?, ?, ?)",
                            (chunk_id, embedder.model_id, embedder.dim, kept, digest),
                        )
                        summary.chunks_reused += 1
                    else:
                        pending.append((chunk_id, text, digest))
    return pending


def _token_counter(embedder: Embedder) -> Callable[[str], int]:
    """The model's tokenizer when it has one (chunks then fit exactly), else the word estimate."""
    return embedder.count_tokens


class VectorIndex:
    """All vectors of one model as float32 matrices, for exact cosine search by matrix product."""

    def __init__(
        self,
        model: str,
        version: int,
        note_ids: np.ndarray,
        notes: np.ndarray,
        chunk_ids: np.ndarray,
        chunk_pages: np.ndarray,
        chunks: np.ndarray,
    ) -> None:
        self.model = model
        self.version = version
        self.note_ids, self.notes = note_ids, notes
        self.chunk_ids, self.chunk_pages, self.chunks = chunk_ids, chunk_pages, chunks
        self._note_row: dict[int, int] | None = None
        self._halves: dict[str, Any] = {}  # torch float16 copies, see nearest

    @property
    def nbytes(self) -> int:
        return int(
            self.notes.nbytes
            + self.chunks.nbytes
            + self.note_ids.nbytes
            + self.chunk_ids.nbytes
            + self.chunk_pages.nbytes
        )

    def nearest(self, kind: str, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosines of the n rows of `kind` ("notes" or "chunks") nearest to `query`, best first: exact.

        Scanning 100k float32 rows reads 150 MB, which is all the time of the scan.
        Where torch is loaded (it is whenever a query was just encoded) a float16 copy
        is scanned first, half the bytes, and the best 4n rows are scored again in
        float32. A float16 cosine is within HALF_ERROR of the float32 one, so when
        every row left out scores below the n-th best by more than that, the answer
        is the exact one; otherwise it scans in float32. With torch loaded, both scans
        run on torch's threads, the model's: numpy's BLAS threads, spinning after a
        product, slowed the next query's encoding by a third on two cores.
        """
        import sys

        import numpy as np

        matrix = self.notes if kind == "notes" else self.chunks
        if "torch" not in sys.modules or not matrix.flags.writeable:
            sims = matrix @ query  # no model in this process: plain numpy
        else:
            import torch

            query = np.ascontiguousarray(query, dtype=np.float32)
            q = torch.from_numpy(query)
            if len(matrix) > 8 * n:
                approx = torch.mv(self._half(kind), q.to(torch.float16)).float().numpy()
                wide = 4 * n
                part = np.argpartition(-approx, wide)
                candidates, cut = part[:wide], approx[part[wide]]  # no row left out scores above `cut`
                exact = np.einsum("ij,j->i", matrix[candidates], query)
                order = np.argsort(-exact, kind="stable")[:n]
                if len(order) == n and exact[order[-1]] > cut + HALF_ERROR:
                    return candidates[order], exact[order]
            sims = torch.mv(torch.from_numpy(matrix), q).numpy()
        rows = top_rows(sims, n)
        return rows, sims[rows]

    def _half(self, kind: str) -> Any:
        """A float16 torch copy of the notes or chunks matrix, made on first use."""
        if kind not in self._halves:
            import numpy as np
            import torch

            self._halves[kind] = torch.from_numpy((self.notes if kind == "notes" else self.chunks).astype(np.float16))
        return self._halves[kind]

    def note_vector(self, note_id: int) -> np.ndarray | None:
        if self._note_row is None:
            self._note_row = {int(i): row for row, i in enumerate(self.note_ids)}
        row = self._note_row.get(note_id)
        return None if row is None else self.notes[row]

    def page_vectors(self, page_ids: set[int]) -> np.ndarray:
        import numpy as np

        mask = np.isin(self.chunk_pages, list(page_ids))
        return self.chunks[mask]


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Row indices of the n best scores, best first (argpartition: no full sort of 100k rows)."""
    import numpy as np

    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, n)[:n]
    return part[np.argsort(-scores[part], kind="stable")]


_CACHE: weakref.WeakKeyDictionary[Store, dict[str, VectorIndex]] = weakref.WeakKeyDictionary()


def vector_index(store: Store, model: str) -> VectorIndex:
    """The store's vectors for `model`, loaded once per process and reloaded after any vector write."""
    with store.connect() as conn:
        version = conn.execute("SELECT value FROM search_state WHERE key = 'embeddings_version'").fetchone()[0]
        per_store = _CACHE.setdefault(store, {})
        cached = per_store.get(model)
        if cached is not None and cached.version == version:
            return cached
        index = _load(conn, model, version)
    per_store.clear()  # one model at a time is enough; frees the old matrix
    per_store[model] = index
    return index


def _load(conn: sqlite3.Connection, model: str, version: int) -> VectorIndex:
    import numpy as np

    rows = conn.execute(
        "SELECT item_id, dim, vector FROM embeddings WHERE kind = 'note' AND model = ? ORDER BY item_id", (model,)
    ).fetchall()
    note_ids, notes = _matrix(rows)
    rows = conn.execute(
        "SELECT e.item_id, e.dim, e.vector, c.page_id FROM embeddings e JOIN chunks c ON c.id = e.item_id"
        " WHERE e.kind = 'chunk' AND e.model = ? ORDER BY e.item_id",
        (model,),
    ).fetchall()
    chunk_ids, chunks = _matrix([r[:3] for r in rows], dim=notes.shape[1] if len(note_ids) else None)
    chunk_pages = np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))
    if len(note_ids) and len(chunk_ids) and notes.shape[1] != chunks.shape[1]:
        chunks = np.zeros((0, notes.shape[1]), dtype=np.float32)
        chunk_ids = chunk_pages = np.zeros(0, dtype=np.int64)
    return VectorIndex(model, version, note_ids, notes, chunk_ids, chunk_pages, chunks)


def _matrix(rows: list[tuple[int, int, bytes]], dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dim or 0), dtype=np.float32)
    dim = rows[0][1]
    rows = [r for r in rows if r[1] == dim]
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    # bytearray: a writable buffer, so torch can share it without a copy (see VectorIndex.nearest)
    matrix = (
        np.frombuffer(bytearray().join(r[2] for r in rows), dtype="<f4")
        .astype(np.float32, copy=False)
        .reshape(len(rows), dim)
    )
    return ids, matrix
