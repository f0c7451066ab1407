"""Searching notes: by words, by meaning, through the pages they link to; odd input never crashes."""

from __future__ import annotations

import contextlib

import pytest
from search_helpers import add_page, import_transcript, real_embedder, write_transcript

from notebase.db import Store
from notebase.embeddings import HashingEmbedder
from notebase.index import index_pending
from notebase.search import MARK_CLOSE, MARK_OPEN, SearchError, fts_expression, parse_query, related, search

NOTES = [
    ("1/15/26 8:20 AM", "Read later https://example.com/vdb-article"),
    ("1/15/26 8:25 AM", "Architecture review of the billing service tomorrow"),
    ("1/15/26 9:00 AM", "Buy milk and bread"),
    ("1/16/26 10:00 AM", "Architectural patterns for event sourcing"),
    ("1/16/26 11:00 AM", "The architecture of cathedrals in Europe"),
    ("1/17/26 12:00 PM", "Café notes: crème brûlée recipe"),
]
VDB_PAGE = (
    "# What is a vector database\n\n"
    "A vector database stores high-dimensional vectors produced by machine learning models and answers "
    "nearest-neighbour queries over them. Approximate indexes such as HNSW make similarity lookups fast.\n\n"
    "## Why it matters\n\nRetrieval-augmented generation keeps document vectors in such a store."
)


@pytest.fixture
def base(tmp_path) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "notebase.db")
    ids = import_transcript(store, write_transcript(tmp_path / "t.txt", NOTES))
    add_page(store, ids[0], title="Vector databases explained", markdown=VDB_PAGE)
    return store, ids


def texts(hits) -> list[str]:
    return [h.text for h in hits]


def test_keyword_search_finds_words_and_marks_them(base):
    store, ids = base
    hits = search(store, "billing", mode="keyword")
    assert [h.id for h in hits] == [ids[1]]
    assert f"{MARK_OPEN}billing{MARK_CLOSE}" in hits[0].snippet
    assert hits[0].matched == ["note", "keyword"]
    assert hits[0].to_json()["sent_at"].startswith("2026-01-15T08:25")


def test_phrase_exclusion_and_prefix(base):
    store, ids = base
    assert texts(search(store, '"billing service"', mode="keyword")) == [NOTES[1][1]]
    assert search(store, '"service billing"', mode="keyword") == []
    found = texts(search(store, "architecture -cathedrals", mode="keyword"))
    assert NOTES[1][1] in found and NOTES[4][1] not in found
    prefix = set(texts(search(store, "archi*", mode="keyword")))
    assert {NOTES[1][1], NOTES[3][1], NOTES[4][1]} <= prefix
    assert texts(search(store, "cathed", mode="keyword", prefix_last=True)) == [NOTES[4][1]]


def test_diacritics_fold(base):
    store, _ = base
    assert texts(search(store, "creme brulee", mode="keyword")) == [NOTES[5][1]]


def test_a_page_match_finds_the_note_linking_to_it(base):
    store, ids = base
    hits = search(store, "HNSW", mode="keyword")
    assert [h.id for h in hits] == [ids[0]]
    assert hits[0].matched == ["page", "keyword"]
    assert hits[0].page_title == "Vector databases explained"
    assert hits[0].url == "https://example.com/vdb-article"
    assert f"{MARK_OPEN}HNSW{MARK_CLOSE}" in hits[0].snippet


def test_title_weighs_more_than_body(tmp_path):
    store = Store(tmp_path / "n.db")
    ids = import_transcript(
        store,
        write_transcript(
            tmp_path / "t.txt",
            [("1/15/26 8:20 AM", "one https://a.example/1"), ("1/15/26 8:21 AM", "two https://b.example/2")],
        ),
    )
    add_page(
        store, ids[0], title="Notes on gardening", markdown="Tomatoes and compost. " * 5 + "Some kubernetes mention."
    )
    add_page(store, ids[1], title="Kubernetes in production", markdown="Clusters, pods and nodes. " * 5)
    assert [h.id for h in search(store, "kubernetes", mode="keyword")] == [ids[1], ids[0]]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unclosed phrase',
        "AND",
        "OR NOT",
        "a:b",
        "(x",
        "x)",
        "NEAR(a b)",
        "col:umn",
        "^start",
        "-",
        "--x y",
        "* *",
        "foo*bar",
        "'; DROP TABLE notes; --",
        "emoji 🚀 text",
        "\\",
        "{a b}",
        "a + b",
        "NOT milk",
    ],
)
def test_weird_input_never_raises_anything_but_search_error(base, query):
    store, _ = base
    with contextlib.suppress(SearchError):
        search(store, query, mode="keyword")


@pytest.mark.parametrize("query", ["", "   ", "!!! ???", '""', "-milk", "🚀"])
def test_nothing_to_search_for_is_a_clear_error(base, query):
    store, _ = base
    with pytest.raises(SearchError):
        search(store, query, mode="keyword")


def test_query_translation_quotes_every_term():
    q = parse_query('AND "a b" -c d* e:f')
    assert fts_expression(q) == '("a b" AND "AND" AND "e:f" AND "d"*) NOT ("c")'
    assert fts_expression(q, strict=False) == '("a b" AND ("e:f" OR "d"*)) NOT ("c")'  # stopword dropped when ORing


def test_filters_by_date_and_tag(base):
    store, ids = base
    from notebase.tags import add_tag

    add_tag(store, ids[3], "patterns")
    since = 1768521600  # 2026-01-16 UTC
    assert ids[1] not in [h.id for h in search(store, "architecture", mode="keyword", since=since)]
    assert [h.id for h in search(store, "archi*", mode="keyword", tag="patterns")] == [ids[3]]
    index_pending(store, HashingEmbedder())
    hits = search(store, "archi*", mode="hybrid", tag="patterns", embedder=HashingEmbedder())
    assert [h.id for h in hits] == [ids[3]] and hits[0].tags == ["patterns"]


def test_semantic_and_hybrid_need_an_index_and_an_embedder(base):
    store, _ = base
    with pytest.raises(SearchError, match="embedder"):
        search(store, "milk", mode="semantic")
    with pytest.raises(SearchError, match="index"):
        search(store, "milk", mode="semantic", embedder=HashingEmbedder())


def test_hybrid_with_fake_embedder_says_why(base):
    store, ids = base
    embedder = HashingEmbedder()
    index_pending(store, embedder)
    hits = search(store, "billing service", embedder=embedder)
    assert hits[0].id == ids[1]
    assert hits[0].matched == ["note", "keyword", "meaning"]
    assert search(store, "milk -bread", embedder=embedder, mode="semantic") == [] or all(
        "bread" not in h.text for h in search(store, "milk -bread", embedder=embedder, mode="semantic")
    )


@pytest.mark.slow
def test_asking_in_other_words_finds_the_note_through_its_page(base):
    """The story of the issue: the words are only in the linked page, and not even those words."""
    store, ids = base
    embedder = real_embedder()
    index_pending(store, embedder)
    hits = search(store, "embedding storage", embedder=embedder, limit=3)
    assert hits[0].id == ids[0]
    assert "page" in hits[0].matched and "meaning" in hits[0].matched
    assert hits[0].page_title == "Vector databases explained"
    semantic = search(store, "where to keep vectors for similarity search", mode="semantic", embedder=embedder, limit=1)
    assert semantic[0].id == ids[0]


@pytest.mark.slow
def test_related_notes_by_meaning(base):
    store, ids = base
    embedder = real_embedder()
    index_pending(store, embedder)
    hits = related(store, ids[1], limit=3)
    assert ids[1] not in [h.id for h in hits]
    assert hits[0].id == ids[3]  # software architecture, not groceries or cathedrals
    assert hits[0].score > 0.2
    with pytest.raises(SearchError, match="no note"):
        related(store, 999)


@pytest.mark.slow
def test_a_query_vector_is_the_vector_the_index_would_store():
    """Queries take a shortcut through the model; it must give what batched encoding gives."""
    import numpy as np

    embedder = real_embedder()
    texts = ["how should coding agents share work", "Vector databases explained", "ok"]
    batched = embedder.encode(texts * 2)[: len(texts)]  # six texts: the batched path
    for _ in range(3):  # one text: the direct path, then (from the third) the traced one
        for text, expected in zip(texts, batched, strict=True):
            alone = embedder.encode([text])[0]
            assert alone.dtype == np.float32 and abs(float(np.linalg.norm(alone)) - 1) < 1e-5
            assert float(alone @ expected) > 0.9999
    assert embedder._tracer._traced is not None, "MiniLM should take the traced path by now"
    pair = embedder.encode(texts[:2])  # two texts of different lengths, padded together
    assert float(pair[1] @ batched[1]) > 0.9999
