"""Splitting pages into pieces the embedding model can read whole, and tidying text for it.

MiniLM reads 256 word pieces and silently drops the rest, so a page is cut into
chunks of about 200 tokens: at headings first, then paragraphs, then sentences,
with a small overlap so a thought split across a boundary is still found. Every
chunk starts with the page title, which carries much of a page's meaning.
Pure functions over strings; the token counter is passed in (a real tokenizer or
the word-based estimate).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .embeddings import approx_tokens

MAX_TOKENS = 200
OVERLAP_TOKENS = 30

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*\)")
_URL = re.compile(r"\bhttps?://([^/\s?#]+)[^\s)\]]*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def clean_for_embedding(text: str) -> str:
    """Markdown and note text as a model should read it: link text without URLs, bare URLs as their host.

    A note like "Understand architecture https://chatgpt.com/c/6968…" is about
    architecture, not about a hex id; the host still says where it points.
    """
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(lambda m: m.group(1).removeprefix("www."), text)
    text = re.sub(r"^\s*```.*$", "", text, flags=re.MULTILINE)  # fence lines, not the code
    text = re.sub(r"[ \t\u00a0\u202f]+", " ", text)
    text = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", text)
    return text.strip()


def chunk_page(
    title: str | None,
    markdown: str,
    *,
    max_tokens: int = MAX_TOKENS,
    overlap_tokens: int = OVERLAP_TOKENS,
    count_tokens: Callable[[str], int] = approx_tokens,
) -> list[str]:
    """The page as chunks of at most about `max_tokens`, each starting with the title."""
    title = " ".join((title or "").split())
    body = clean_for_embedding(markdown or "")
    head = f"{title}\n\n" if title else ""
    budget = max(32, max_tokens - count_tokens(head))
    # Pieces leave room for the overlap that may precede them in a chunk.
    piece_budget = budget - overlap_tokens if budget > 2 * overlap_tokens else budget
    pieces = [p for section in _sections(body) for p in _fit(section, piece_budget, count_tokens)]
    if not pieces:
        return [title] if title else []
    chunks: list[list[str]] = []
    size = 0
    for heading_start, piece in pieces:
        n = count_tokens(piece)
        # A heading starts a new chunk unless the current one is still small.
        if chunks and (size + n > budget or (heading_start and size > budget // 3)):
            tail = _tail(chunks[-1], overlap_tokens, count_tokens) if not heading_start else ""
            chunks.append([tail] if tail else [])
            size = count_tokens(tail) if tail else 0
        if not chunks:
            chunks.append([])
        chunks[-1].append(piece)
        size += n
    return [head + "\n\n".join(p for p in parts if p) for parts in chunks if any(parts)]


def _sections(body: str) -> list[list[str]]:
    """Paragraphs grouped under their headings."""
    sections: list[list[str]] = [[]]
    for paragraph in re.split(r"\n\s*\n", body):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if _HEADING.match(paragraph) and sections[-1]:
            sections.append([])
        sections[-1].append(paragraph)
    return [s for s in sections if s]


def _fit(section: list[str], budget: int, count: Callable[[str], int]) -> list[tuple[bool, str]]:
    """(starts a section, piece) with every piece within budget: long paragraphs split by sentence, then words.

    Token counts are summed per sentence or word rather than recounted for every
    growing buffer, which keeps a real tokenizer linear in the page length.
    """
    out: list[tuple[bool, str]] = []
    for i, paragraph in enumerate(section):
        first = i == 0
        if count(paragraph) <= budget:
            out.append((first, paragraph))
            continue
        buf: list[str] = []
        size = 0
        for sentence in _SENTENCE_END.split(paragraph):
            for part, n in _split_words(sentence, budget, count):
                if buf and size + n > budget:
                    out.append((first, " ".join(buf)))
                    first, buf, size = False, [], 0
                buf.append(part)
                size += n
        if buf:
            out.append((first, " ".join(buf)))
    return out


def _split_words(sentence: str, budget: int, count: Callable[[str], int]) -> list[tuple[str, int]]:
    """The sentence, or pieces of it within budget, with their token counts."""
    n = count(sentence)
    if n <= budget:
        return [(sentence, n)]
    parts: list[tuple[str, int]] = []
    buf: list[str] = []
    size = 0
    for word in sentence.split():
        w = count(word)
        if buf and size + w > budget:
            parts.append((" ".join(buf), size))
            buf, size = [], 0
        buf.append(word)
        size += w
    if buf:
        parts.append((" ".join(buf), size))
    return parts


def _tail(parts: list[str], overlap: int, count: Callable[[str], int]) -> str:
    """The last words of a chunk, about `overlap` tokens, to repeat at the start of the next."""
    if overlap <= 0 or not parts:
        return ""
    words = parts[-1].split()
    # Word by word from the end, adding up counts: word pieces never span a space, and
    # recounting the growing tail was most of the time of indexing a page.
    room = overlap - count("…")
    tail: list[str] = []
    while words:
        n = count(words[-1])
        if n > room:
            break
        room -= n
        tail.insert(0, words.pop())
    return ("… " + " ".join(tail)) if tail and words else ""
