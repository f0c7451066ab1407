"""Tags by hand and by topic: the hand always wins, and a removal sticks."""

from __future__ import annotations

import pytest
from search_helpers import import_transcript, write_transcript

from notebase.db import Store
from notebase.embeddings import HashingEmbedder
from notebase.index import index_pending
from notebase.tags import TagError, add_tag, list_tags, note_tags, remove_tag
from notebase.topics import Topic, apply, suggest

# The fake embedder matches on shared words, so these topics catch notes by their words.
TOPICS = [
    Topic(
        "cooking", "cooking recipes pasta sauce oven", ["bake bread in the oven", "pasta with tomato sauce"], min_z=2.0
    ),
    Topic("travel", "travel trip flight hotel", ["book a flight and a hotel"], min_z=2.0),
]


@pytest.fixture
def base(tmp_path):
    store = Store(tmp_path / "notebase.db")
    ids = import_transcript(
        store,
        write_transcript(
            tmp_path / "t.txt",
            [
                ("1/15/26 8:20 AM", "pasta with tomato sauce tonight, oven at 200"),
                ("1/15/26 8:21 AM", "book the flight and the hotel for the trip"),
                ("1/15/26 8:22 AM", "xyzzy plugh"),
            ],
        ),
    )
    index_pending(store, HashingEmbedder())
    return store, ids


def test_add_list_and_remove_by_hand(base):
    store, ids = base
    add_tag(store, ids[0], "#Dinner")
    add_tag(store, ids[1], "dinner")  # same tag, any case
    assert note_tags(store, ids[0]) == [("Dinner", "manual", None)]
    assert [t.to_json() for t in list_tags(store)] == [{"name": "Dinner", "manual": 2, "auto": 0}]
    remove_tag(store, ids[0], "dinner")
    assert note_tags(store, ids[0]) == []
    assert list_tags(store)[0].manual == 1


def test_clear_errors(base):
    store, ids = base
    with pytest.raises(TagError, match="no note with id 99"):
        add_tag(store, 99, "x")
    with pytest.raises(TagError, match="no note"):
        note_tags(store, 99)
    with pytest.raises(TagError, match="needs a name"):
        add_tag(store, ids[0], "  # ")
    with pytest.raises(TagError, match="has no tag"):
        remove_tag(store, ids[0], "never-there")


def test_topics_tag_automatically_and_the_hand_wins(base):
    store, ids = base
    found = {(s.note_id, s.topic) for s in suggest(store, HashingEmbedder(), topics=TOPICS)}
    assert found == {(ids[0], "cooking"), (ids[1], "travel")}
    assert apply(store, HashingEmbedder(), topics=TOPICS) == 2
    ((name, origin, score),) = note_tags(store, ids[0])
    assert (name, origin) == ("cooking", "auto") and score > 0
    assert apply(store, HashingEmbedder(), topics=TOPICS) == 0  # nothing new

    remove_tag(store, ids[0], "cooking")  # rejecting the suggestion
    assert (ids[0], "cooking") not in {(s.note_id, s.topic) for s in suggest(store, HashingEmbedder(), topics=TOPICS)}
    apply(store, HashingEmbedder(), topics=TOPICS)
    assert note_tags(store, ids[0]) == []  # stays removed

    add_tag(store, ids[0], "cooking")  # changed their mind: back, as manual
    apply(store, HashingEmbedder(), topics=TOPICS)
    assert note_tags(store, ids[0]) == [("cooking", "manual", None)]

    add_tag(store, ids[1], "travel")  # accepting the suggestion makes it manual
    assert note_tags(store, ids[1]) == [("travel", "manual", None)]
    counts = {t.name: (t.manual, t.auto) for t in list_tags(store)}
    assert counts == {"cooking": (1, 0), "travel": (1, 0)}


def test_auto_tags_that_no_longer_fit_are_dropped(base):
    store, ids = base
    apply(store, HashingEmbedder(), topics=TOPICS)
    apply(store, HashingEmbedder(), topics=TOPICS[1:])  # the user deleted the cooking topic
    assert note_tags(store, ids[0]) == []
    assert note_tags(store, ids[1])[0][:2] == ("travel", "auto")


def test_cli_tag_commands(cli, tmp_path):
    path = write_transcript(tmp_path / "t.txt", [("1/15/26 8:20 AM", "hello")])
    cli("import", str(path), "--tz", "UTC", "--no-embed")
    cli("tag", "add", "1", "greeting")
    assert cli.json("tags") == [{"name": "greeting", "manual": 1, "auto": 0}]
    cli("tag", "rm", "1", "greeting")
    assert cli.json("tags") == []
    bad = cli("tag", "add", "7", "x", ok=False)
    assert bad.exit_code == 2 and "no note with id 7" in bad.stderr
