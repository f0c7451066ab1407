"""Indexing: only new or changed text is embedded; a model change re-embeds; the schema is migrated."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from search_helpers import add_page, import_transcript, write_transcript

from notebase.db import Store
from notebase.embeddings import HashingEmbedder, from_blob, to_blob
from notebase.index import VectorIndex, index_pending, vector_index
from notebase.migrations import MIGRATIONS, _NoCommit

PAGE = (
    "# Caching\n\n"
    + "Caches keep hot data close to the reader. " * 60
    + "\n\n# Invalidation\n\n"
    + "Invalidation is hard. " * 60
)


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, counting what it was asked to embed."""

    def __init__(self, dim: int = 64) -> None:
        super().__init__(dim)
        self.texts: list[str] = []

    def encode(self, texts, *, batch_size=64):
        self.texts.extend(texts)
        return super().encode(texts, batch_size=batch_size)


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "notebase.db")
    ids = import_transcript(
        store,
        write_transcript(
            tmp_path / "t.txt",
            [
                ("1/15/26 8:20 AM", "Caching notes https://example.com/cache"),
                ("1/15/26 8:21 AM", "Buy milk"),
                ("1/15/26 8:22 AM", "   "),
            ],
        ),
    )
    add_page(store, ids[0], title="All about caching", markdown=PAGE)
    return store


def test_migrations_recorded_and_columns_exist(store):
    with store.connect() as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert names[:2] == ["m001_notes_links", "m002_search"]
        columns = {
            t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")}
            for t in ("chunks", "embeddings", "notes_fts", "pages_fts")
        }
    assert columns["chunks"] >= {"id", "page_id", "seq", "text", "content_hash"}
    assert columns["embeddings"] >= {"kind", "item_id", "model", "dim", "vector", "content_hash"}
    assert columns["notes_fts"] == {"text"} and columns["pages_fts"] == {"title", "markdown"}


def test_models_match_the_schema(store):
    from notebase.models import Chunk, Embedding

    with store.connect() as conn:
        for model in (Chunk, Embedding):
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({model.__tablename__})")}
            assert set(model.model_fields) == columns


def test_m002_indexes_rows_already_there(tmp_path):
    """An older database (m001 only) with notes gets them into full-text search on upgrade."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
    MIGRATIONS[0](_NoCommit(conn))  # type: ignore[arg-type]
    conn.execute("INSERT INTO _migrations VALUES ('m001_notes_links', 0)")
    conn.execute(
        "INSERT INTO notes (author, sent_ts, utc_offset, text, content_key) VALUES ('a', 0, 0, 'legacy zebra note', x'01')"
    )
    conn.execute("INSERT INTO pages (url, title, markdown) VALUES ('u', 'Giraffe facts', 'long necks')")
    conn.close()
    store = Store(path)
    with store.connect() as conn:
        assert conn.execute("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'zebra'").fetchall() == [(1,)]
        assert conn.execute("SELECT rowid FROM pages_fts WHERE pages_fts MATCH 'giraffe'").fetchall() == [(1,)]


def test_index_then_reindex_unchanged_embeds_nothing(store):
    embedder = CountingEmbedder()
    first = index_pending(store, embedder)
    assert first.notes_embedded == 3 and first.chunks_embedded >= 2 and first.pages_chunked == 1
    assert "" not in embedder.texts and all(t.strip() for t in embedder.texts)  # the blank note costs no model call
    embedder.texts.clear()
    again = index_pending(store, embedder)
    assert again.embedded == 0 and again.pages_chunked == 0 and embedder.texts == []
    with store.connect() as conn:
        dims = {r[0] for r in conn.execute("SELECT dim FROM embeddings")}
        blob = conn.execute("SELECT vector FROM embeddings WHERE kind = 'note' AND item_id = 1").fetchone()[0]
    assert dims == {64}
    vector = from_blob(blob)
    assert vector.dtype == np.dtype("<f4") and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert to_blob(vector) == blob


def test_changed_note_and_changed_page_are_re_embedded_sparingly(store):
    embedder = CountingEmbedder()
    index_pending(store, embedder)
    with store.write() as conn:
        conn.execute("UPDATE notes SET text = 'Buy oat milk' WHERE id = 2")
        markdown = conn.execute("SELECT markdown FROM pages").fetchone()[0]
        conn.execute("UPDATE pages SET markdown = ? ", (markdown + "\n\n# Appendix\n\nA new closing paragraph.",))
    embedder.texts.clear()
    summary = index_pending(store, embedder)
    assert summary.notes_embedded == 1 and "Buy oat milk" in embedder.texts
    assert summary.pages_chunked == 1 and summary.chunks_reused >= 1 and summary.chunks_embedded >= 1
    with store.connect() as conn:
        orphans = conn.execute(
            "SELECT count(*) FROM embeddings WHERE kind = 'chunk' AND item_id NOT IN (SELECT id FROM chunks)"
        ).fetchone()[0]
    assert orphans == 0


def test_model_change_re_embeds_and_search_uses_the_right_vectors(store):
    index_pending(store, HashingEmbedder(64))
    other = HashingEmbedder(32)
    summary = index_pending(store, other)
    assert summary.notes_embedded == 3 and summary.chunks_embedded >= 2
    index = vector_index(store, other.model_id)
    assert index.notes.shape == (3, 32)
    assert index_pending(store, other).embedded == 0


def test_rebuild_re_embeds_everything(store):
    embedder = CountingEmbedder()
    first = index_pending(store, embedder)
    assert index_pending(store, embedder, rebuild=True).embedded == first.embedded


def test_vector_cache_reloads_only_after_writes(store):
    embedder = HashingEmbedder(64)
    index_pending(store, embedder)
    a = vector_index(store, embedder.model_id)
    assert vector_index(store, embedder.model_id) is a
    with store.write() as conn:
        conn.execute("DELETE FROM notes WHERE id = 2")  # its vector goes with it (trigger)
    b = vector_index(store, embedder.model_id)
    assert b is not a and b.notes.shape[0] == 2 and 2 not in b.note_ids


def test_deleting_a_page_drops_its_chunks_and_vectors(store):
    index_pending(store, HashingEmbedder(64))
    with store.write() as conn:
        conn.execute("UPDATE links SET page_id = NULL")
        conn.execute("DELETE FROM pages")
    with store.connect() as conn:
        assert conn.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM embeddings WHERE kind = 'chunk'").fetchone()[0] == 0


def test_progress_reports_totals(store):
    seen = []
    index_pending(store, HashingEmbedder(64), progress=lambda done, total: seen.append((done, total)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 0


def _index_of(vectors: np.ndarray) -> VectorIndex:
    ids = np.arange(1, len(vectors) + 1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    return VectorIndex("m", 0, ids, vectors, empty, empty, np.zeros((0, vectors.shape[1]), dtype=np.float32))


def test_nearest_notes_match_a_full_float32_scan():
    """The float16 pre-scan may only ever speed things up: same rows, same cosines as the exact scan."""
    import torch  # noqa: F401  (the float16 path runs when torch is loaded, as after encoding a query)

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((20_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = _index_of(vectors)
    for query in vectors[:25] + 0.3 * rng.standard_normal((25, 64)).astype(np.float32):
        query = (query / np.linalg.norm(query)).astype(np.float32)
        rows, scores = index.nearest("notes", query, 100)
        sims = vectors @ query
        expected = np.argsort(-sims, kind="stable")[:100]
        assert rows.tolist() == expected.tolist()
        assert np.allclose(scores, sims[expected], rtol=0, atol=1e-6)  # float32, summed in another order
    assert "notes" in index._halves, "the float16 copy should have been used"


def test_nearest_notes_among_near_ties_fall_back_to_the_exact_scan():
    """Rows closer together than float16 can tell apart are ranked by the float32 scan."""
    import torch  # noqa: F401

    rng = np.random.default_rng(4)
    base = rng.standard_normal(64).astype(np.float32)
    vectors = np.repeat(base[None, :], 5_000, axis=0) + 1e-5 * rng.standard_normal((5_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = _index_of(vectors.astype(np.float32))
    query = vectors[123]
    rows, scores = index.nearest("notes", query, 50)
    sims = index.notes @ query
    assert np.allclose(scores, np.sort(sims)[::-1][:50], rtol=0, atol=1e-6)  # ties may come in any order
    assert np.allclose(sims[rows], scores, rtol=0, atol=1e-6)
