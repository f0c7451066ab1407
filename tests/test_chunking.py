"""Pages become model-sized chunks: split at headings and paragraphs, overlapping a little, titled."""

from notebase.chunking import chunk_page, clean_for_embedding
from notebase.embeddings import approx_tokens


def test_every_chunk_fits_and_starts_with_the_title():
    paragraphs = [f"Paragraph {i}. " + "Vector databases store embeddings for search. " * 12 for i in range(12)]
    chunks = chunk_page("Vector databases", "\n\n".join(paragraphs), max_tokens=200)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.startswith("Vector databases\n\n")
        assert approx_tokens(chunk) <= 200 + 10


def test_headings_start_new_chunks():
    md = "# Intro\n\n" + "intro words here. " * 40 + "\n\n## Details\n\n" + "detail words there. " * 40
    chunks = chunk_page("T", md, max_tokens=200)
    assert any(c.split("\n\n", 1)[1].startswith("## Details") for c in chunks)


def test_long_paragraph_split_with_overlap():
    sentences = [f"Sentence number {i} talks about caching." for i in range(80)]
    chunks = chunk_page("Caching", " ".join(sentences), max_tokens=120, overlap_tokens=20)
    assert len(chunks) >= 3
    second = chunks[1].split("\n\n", 1)[1]
    assert second.startswith("… ")  # carries the end of the previous chunk
    tail_words = second[2:].split()[:3]
    assert " ".join(tail_words) in chunks[0]


def test_empty_and_title_only_pages():
    assert chunk_page(None, "") == []
    assert chunk_page("Only a title", "   ") == ["Only a title"]
    assert chunk_page(None, "short body") == ["short body"]


def test_uses_the_given_token_counter():
    words = lambda s: len(s.split())  # noqa: E731
    chunks = chunk_page("t", "word " * 400, max_tokens=60, overlap_tokens=10, count_tokens=words)
    assert len(chunks) > 5
    assert all(words(c) <= 60 for c in chunks)


def test_links_and_urls_are_tidied_for_the_model():
    text = "See [the guide](https://example.com/guide?x=1) and https://www.chatgpt.com/c/6968-abc#main ![img](a.png)\n```python\nx = 1\n```"
    assert clean_for_embedding(text) == "See the guide and chatgpt.com img\n\nx = 1"
