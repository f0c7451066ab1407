"""Topic tagging on real notes with the real model: on-topic notes get their topic, errands get none."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_helpers import import_transcript, real_embedder

from notebase.db import Store
from notebase.index import index_pending
from notebase.topics import DEFAULT_TOPICS_TOML, TopicsError, apply, load_topics, parse_topics, suggest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "telegram-notes.txt"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-export.txt"


def topics_by_note(store: Store, embedder) -> dict[str, set[str]]:
    """First line of each note → its suggested topics."""
    by_id: dict[int, set[str]] = {}
    for s in suggest(store, embedder):
        by_id.setdefault(s.note_id, set()).add(s.topic)
    with store.connect() as conn:
        return {text: by_id.get(i, set()) for i, text in conn.execute("SELECT id, text FROM notes")}


def topics_of(found: dict[str, set[str]], start: str) -> set[str]:
    matches = [t for text, t in found.items() if text.startswith(start)]
    assert len(matches) == 1, f"expected one note starting {start!r}"
    return matches[0]


def test_default_topics_file_is_written_once_and_user_topics_are_read(tmp_path):
    path = tmp_path / "topics.toml"
    topics = load_topics(path)
    assert [t.name for t in topics] == ["architecture", "agents", "inspiration"]
    assert path.read_text(encoding="utf-8") == DEFAULT_TOPICS_TOML
    assert all(t.description and len(t.examples) >= 3 for t in topics)
    path.write_text(
        DEFAULT_TOPICS_TOML + '\n[topics.cooking]\ndescription = "Recipes and cooking"\nmin_z = 5\n', encoding="utf-8"
    )
    assert load_topics(path)[-1].name == "cooking" and load_topics(path)[-1].min_z == 5
    with pytest.raises(TopicsError):
        parse_topics("[topics.bad]\nexamples = 3\n", "x")
    with pytest.raises(TopicsError):
        parse_topics("not toml = = =", "x")


@pytest.mark.slow
def test_the_users_export_gets_the_right_topics(tmp_path):
    if not SEEDS.is_file():
        pytest.skip("the user's export is not on this machine")
    store = Store(tmp_path / "notebase.db")
    import_transcript(store, SEEDS)
    embedder = real_embedder()
    index_pending(store, embedder)
    found = topics_by_note(store, embedder)
    for start in (
        "Understand Architecture",
        "Architecture deliverables",
        "Absolutely, Fira. Let’s explore the deliverables",
    ):
        assert topics_of(found, start) == {"architecture"}, start
    for start in ("Cursor Claude code", "Compare cc and codex", "summarzing this"):
        assert topics_of(found, start) == {"agents"}, start
    assert topics_of(found, "Inspiration: why might maimai players die soon") == {"inspiration"}
    assert topics_of(found, "Have lunch alone.") == set()
    assert topics_of(found, "Finish reading youth comedy book") == set()


@pytest.mark.slow
def test_the_bundled_sample_gets_sensible_topics(tmp_path):
    if not SAMPLE.is_file():
        pytest.skip("data/sample-export.txt is not there yet")
    store = Store(tmp_path / "notebase.db")
    import_transcript(store, SAMPLE)
    embedder = real_embedder()
    assert apply(store, embedder) > 10  # works without an index too (vectors computed on the fly)
    found = topics_by_note(store, embedder)
    assert topics_of(found, "Hexagonal architecture") == {"architecture"}
    assert topics_of(found, "Microservices vs modular monolith") == {"architecture"}
    assert topics_of(found, "Claude Code vs Codex") == {"agents"}
    assert topics_of(found, "LLM tool use") == {"agents"}
    assert topics_of(found, "“What I cannot create, I do not understand.”") == {"inspiration"}
    for errand in (
        "Buy milk and oat bread",
        "Call mom about Sunday",
        "Pay the electricity bill",
        "Water the plants",
        "Gym: legs",
    ):
        assert topics_of(found, errand) == set(), errand
