"""Telegram Desktop HTML exports: messages.html, messages2.html, … of one chat.

The parser is pure over the text of each page so the caller owns the disk.
Pages are parsed in order with state carried across them, because a page may
start with a "joined" message whose sender is named on the previous page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import lxml.html
from lxml.etree import ParserError

from notebase.message import ImportFormatError, Message

_PAGE_NAME = re.compile(r"messages(\d*)\.html")
_TITLE_TIME = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})"
    r"(?: UTC([+-])(\d{1,2}):?(\d{2}))?"
)
_MESSAGE_ID = re.compile(r"message(\d+)$")
_REPLY_TARGET = re.compile(r"go_to_message(\d+)")
UNKNOWN = "Unknown"


def html_pages(folder: Path) -> list[Path]:
    """The export's message pages in reading order (messages10 after messages9)."""
    numbered: list[tuple[int, str, Path]] = []
    for path in folder.glob("messages*.html"):
        match = _PAGE_NAME.fullmatch(path.name)
        if match and path.is_file():
            numbered.append((int(match.group(1) or 1), path.name, path))
    return [path for _, _, path in sorted(numbered)]


def looks_like_telegram_html(head: str) -> bool:
    """Whether the start of a file looks like a Telegram Desktop chat page."""
    has_messages = 'class="message' in head
    has_frame = 'class="page_wrap"' in head or 'class="history"' in head
    return has_frame and (has_messages or 'class="history"' in head)


@dataclass(slots=True)
class _Carry:
    """What one message lends the next: joined messages omit sender and forward source."""

    chat: str | None = None
    author: str | None = None
    forwarded_from: str | None = None
    position: int = 0


def parse_telegram_html(pages: Iterable[str], *, tz: tzinfo) -> Iterator[Message]:
    """Yield every `div.message.default` of the pages, in order.

    Service messages and date dividers are skipped. Times carrying
    ` UTC+hh:mm` keep that offset; older exports' bare times are read in `tz`.
    """
    carry = _Carry()
    for number, page in enumerate(pages, start=1):
        try:
            doc = lxml.html.document_fromstring(page)
        except ParserError:
            raise ImportFormatError(f"HTML page {number} is empty") from None
        carry.chat = _chat_name(doc) or carry.chat
        for div in doc.find_class("message"):
            if "default" in div.get("class", "").split():
                yield _message(div, carry, tz=tz)


def _chat_name(doc: Any) -> str | None:
    for header in doc.find_class("page_header"):
        for el in header.find_class("bold"):
            if _has_class(el, "text"):
                name = el.text_content().strip()
                return name or None
    return None


def _message(div: Any, carry: _Carry, *, tz: tzinfo) -> Message:
    html_id = div.get("id", "")
    body = _kids(div).get("body")
    if body is None:
        raise ImportFormatError(f"Telegram HTML message {html_id or '?'} has no body")
    kids = _kids(body)
    date = kids.get("date")
    sent_at = _parse_title_time(date.get("title", "") if date is not None else "", tz=tz)
    if sent_at is None:
        raise ImportFormatError(f"Telegram HTML message {html_id or '?'} has no time")

    extra: dict[str, Any] = {}
    from_name = kids.get("from_name")
    if from_name is not None:
        name, via_bot = _sender(from_name)
        carry.author = name or UNKNOWN
        if via_bot:
            extra["via_bot"] = via_bot
    elif carry.author is None or not _has_class(div, "joined"):
        carry.author = UNKNOWN

    content = kids
    forwarded = kids.get("forwarded body")  # not "forwarded userpic_wrap"
    if forwarded is not None:
        content = _kids(forwarded)
        forwarded_name = content.get("from_name")
        if forwarded_name is not None:
            carry.forwarded_from = _sender(forwarded_name)[0] or UNKNOWN
        extra["forwarded_from"] = carry.forwarded_from or UNKNOWN
    else:
        carry.forwarded_from = None

    reply_to = kids.get("reply_to")
    if reply_to is not None:
        for a in reply_to.iter("a"):
            target = _REPLY_TARGET.search(a.get("href", ""))
            if target:
                extra["reply_to_message_id"] = int(target.group(1))
                break

    text_div = content.get("text", kids.get("text"))
    text, links = _text_and_links(text_div) if text_div is not None else ("", ())
    media = content.get("media_wrap", kids.get("media_wrap"))
    attachments = _attachments(media) if media is not None else []
    if attachments:
        extra["attachments"] = attachments
    if carry.chat:
        extra["chat_name"] = carry.chat

    carry.position += 1
    id_match = _MESSAGE_ID.search(html_id)
    return Message(
        author=carry.author,
        sent_at=sent_at,
        text=text,
        position=carry.position,
        message_id=int(id_match.group(1)) if id_match else None,
        chat=carry.chat,
        links=links,
        extra=extra,
    )


def _has_class(el: Any, name: str) -> bool:
    return name in el.get("class", "").split()


def _kids(parent: Any) -> dict[str, Any]:
    """Direct children by each class token and by their whole class list.

    Only direct children, so a media block's inner `div.body` never passes for
    the message body; one pass per element keeps a megabyte page fast.
    """
    found: dict[str, Any] = {}
    for el in parent:
        tokens = (el.get("class") or "").split() if isinstance(el.tag, str) else []
        for key in (*tokens, " ".join(tokens)):
            found.setdefault(key, el)
    return found


def _sender(from_name: Any) -> tuple[str, str | None]:
    """The name before any `<span class="details">` (a forward's date, a bot's "via")."""
    name = (from_name.text or "").strip()
    via_bot = None
    for span in from_name:
        detail = span.text_content().strip()
        if detail.startswith("via "):
            via_bot = detail[4:].strip()
    if not name:  # some exports wrap the name itself in an element
        name = " ".join(s.text_content().strip() for s in from_name if not _has_class(s, "details")).strip()
    return name, via_bot


def _parse_title_time(title: str, *, tz: tzinfo) -> datetime | None:
    """`13.09.2019 22:39:19`, read in `tz`, or `… UTC+03:00` with its own offset."""
    match = _TITLE_TIME.search(title)
    if not match:
        return None
    day, month, year, hour, minute, second = (int(g) for g in match.groups()[:6])
    sign, off_h, off_m = match.groups()[6:]
    try:
        wall = datetime(year, month, day, hour, minute, second)
        if sign is None:
            return wall.replace(tzinfo=tz)
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        return wall.replace(tzinfo=timezone(-offset if sign == "-" else offset))
    except ValueError:
        return None


def _text_and_links(text_div: Any) -> tuple[str, tuple[str, ...]]:
    """Visible text with <br> as newline, and the hrefs of its links in order.

    Empty and in-page hrefs (mention names, hashtags, bot commands) are not links.
    """
    for br in text_div.iter("br"):
        br.tail = "\n" + (br.tail or "")
    links: dict[str, None] = {}
    for a in text_div.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith("#"):
            links[href] = None
    return text_div.text_content().strip(), tuple(links)


def _attachments(media_wrap: Any) -> list[str]:
    """One name per attachment: the file's path when exported, else its title."""
    names: list[str] = []
    for el in media_wrap:
        if not isinstance(el.tag, str):
            continue
        href = (el.get("href") or "").strip()
        if href:
            names.append(href)
            continue
        inner = {
            token: sub
            for sub in reversed(list(el.iter("div")))  # reversed: the first one wins
            for token in (sub.get("class") or "").split()
        }
        if "question" in inner:
            names.append(f"poll: {inner['question'].text_content().strip()}")
        elif "title" in inner:
            names.append(inner["title"].text_content().strip())
    return [n for n in names if n]
