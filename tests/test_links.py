"""Links as users paste them: found in text, normalized so one page is one row."""

from __future__ import annotations

import pytest

from notebase.links import extract_links, normalize_url


def test_links_are_found_with_their_surrounding_punctuation_removed() -> None:
    text = (
        "Read https://example.org/a, then (see https://en.wikipedia.org/wiki/Foo_(bar)). "
        "[Resources](https://cursor.com/changelog)↓ and https://x.org/q?a=1."
    )
    assert extract_links(text) == [
        "https://example.org/a",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://cursor.com/changelog",
        "https://x.org/q?a=1",
    ]


def test_the_same_link_twice_in_a_note_is_one_link_and_plain_text_has_none() -> None:
    assert extract_links("https://a.org/x and again https://a.org/x") == ["https://a.org/x"]
    assert extract_links("no links here, just http: talk") == []


def test_non_http_links_are_kept_for_the_record() -> None:
    assert extract_links("open file:///home/me/notes.txt") == ["file:///home/me/notes.txt"]


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("HTTPS://Example.COM/Path?b=2&a=1#section", "https://example.com/Path?b=2&a=1"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com", "http://example.com/"),
        (
            "https://www.anthropic.com/research/building-effective-agents?utm_source=x&utm_medium=y",
            "https://www.anthropic.com/research/building-effective-agents",
        ),
        ("https://a.org/p?id=7&fbclid=abc&gclid=def&page=2", "https://a.org/p?id=7&page=2"),
        ("https://cursor.com/blog/scaling-agents#main", "https://cursor.com/blog/scaling-agents"),
        ("https://a.org/p?q=", "https://a.org/p?q="),
    ],
)
def test_normalization(written: str, normalized: str) -> None:
    assert normalize_url(written) == normalized
