"""Which export a path holds, and the messages in it, whatever the format."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from datetime import tzinfo
from itertools import islice
from pathlib import Path

from .message import ImportFormatError, Message

FORMATS = ("telegram-text", "telegram-json", "telegram-html")
_SNIFF_BYTES = 64 * 1024


def _head_text(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise ImportFormatError("file is empty")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    if b"\x00" in head:
        raise ImportFormatError("binary file (contains NUL bytes), not a Telegram export")
    return head.decode("utf-8", errors="ignore")


def detect_format(path: Path) -> str:
    """Decide from content, not the file name: exports get renamed."""
    from .telegram_html import html_pages, looks_like_telegram_html
    from .transcript import looks_like_transcript

    if path.is_dir():
        if html_pages(path):
            return "telegram-html"
        raise ImportFormatError("is a directory without Telegram HTML pages (messages.html …)")
    head = _head_text(path)
    start = head.lstrip()[:1]
    if start in ("{", "["):
        return "telegram-json"
    if looks_like_telegram_html(head):
        return "telegram-html"
    if start == "<":
        raise ImportFormatError("HTML or XML that is not a Telegram Desktop export")
    if looks_like_transcript(islice(head.splitlines(), 500)):
        return "telegram-text"
    raise ImportFormatError("not a Telegram export (no 'Name, [date time]' message header found)")


def read_messages(
    path: Path,
    fmt: str,
    *,
    tz: tzinfo,
    date_order: str | None = None,
    chat: str | None = None,
    all_chats: bool = False,
) -> Iterator[Message]:
    """Messages of `path` in `fmt`; errors surface as ImportFormatError while iterating."""
    if fmt == "telegram-text":
        from .encoding import open_text_lines
        from .transcript import parse_transcript, scan_date_order

        if path.is_dir():
            raise ImportFormatError("is a directory, not a transcript file")
        order = date_order or scan_date_order(open_text_lines(path))
        return parse_transcript(open_text_lines(path), tz=tz, date_order=order)
    if fmt == "telegram-json":
        from .telegram_json import parse_telegram_json

        return parse_telegram_json(_load_json(path), tz=tz, chat=chat, all_chats=all_chats)
    if fmt == "telegram-html":
        from .telegram_html import html_pages, parse_telegram_html

        pages = html_pages(path) if path.is_dir() else [path]
        if not pages:
            raise ImportFormatError("no Telegram HTML pages (messages.html …) in this directory")
        return parse_telegram_html((_read_utf8(page) for page in pages), tz=tz)
    raise ImportFormatError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def _read_utf8(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:_SNIFF_BYTES] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFormatError("binary file (contains NUL bytes)")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"not UTF-8 text (invalid byte at offset {exc.start})") from None


def _load_json(path: Path) -> dict:
    text = _read_utf8(path)
    if not text.strip():
        raise ImportFormatError("file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ImportFormatError("JSON is not a Telegram export (expected an object with 'messages' or 'chats')")
    return data
