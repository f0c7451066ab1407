"""The search commands as a user types them (with the fast fake model via NOTEBASE_MODEL=hash)."""

from __future__ import annotations

import json

import pytest
from search_helpers import write_transcript


@pytest.fixture
def imported(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBASE_MODEL", "hash")
    path = write_transcript(
        tmp_path / "t.txt",
        [
            ("1/15/26 8:20 AM", "Architecture review of the billing service"),
            ("1/15/26 8:21 AM", "Buy milk and bread"),
            ("1/16/26 9:00 AM", "Billing service architecture diagram"),
        ],
    )
    result = cli("import", str(path), "--tz", "UTC")
    assert "indexed 3 items with hash-256" in result.stderr  # import embeds new notes unless --no-embed
    return cli


def test_search_index_related_and_topics(imported):
    cli = imported
    hits = cli.json("search", "billing architecture")
    assert {h["id"] for h in hits[:2]} == {1, 3}
    assert set(hits[0]) == {"id", "score", "sent_at", "text", "snippet", "matched", "page_title", "url", "tags"}
    assert "keyword" in hits[0]["matched"] and "meaning" in hits[0]["matched"]
    assert [h["id"] for h in cli.json("search", "billing", "--mode", "keyword", "--until", "2026-01-15")] == [1]
    assert cli.json("index")["notes_embedded"] == 0
    assert cli.json("index", "--rebuild")["notes_embedded"] == 3
    assert cli.json("related", "1", "-n", "1")[0]["id"] == 3
    assert isinstance(cli.json("topics", "suggest"), list)
    assert "topic tags" in cli("topics", "apply").stdout
    text = cli("search", "milk").stdout
    assert "«milk»" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "?!"], "nothing to search for"),
        (["search", "--mode", "keyword", "--", "-milk"], "besides -exclusions"),
        (["related", "42"], "no note with id 42"),
        (["search", "x", "--model", "/nonexistent/model"], "cannot load model"),
    ],
)
def test_mistakes_are_one_line_errors(imported, args, message):
    result = imported(*args, ok=False)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_before_indexing_hybrid_search_falls_back_to_keywords(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBASE_MODEL", "hash")
    path = write_transcript(tmp_path / "t.txt", [("1/15/26 8:20 AM", "Billing service architecture")])
    cli("import", str(path), "--tz", "UTC", "--no-embed")
    result = cli("search", "billing", "--json")
    assert "nothing is indexed yet" in result.stderr and "keyword matches only" in result.stderr
    assert [h["matched"] for h in json.loads(result.stdout)] == [["note", "keyword"]]
    semantic = cli("search", "billing", "--mode", "semantic", ok=False)
    assert semantic.exit_code == 2 and "run: notebase index" in semantic.stderr
