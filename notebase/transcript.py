"""Parse the text Telegram Desktop produces when messages are copied.

A message is a header line `Author, [DATE TIME]` followed by body lines up to
the next header. The date format follows the copying user's locale, so a file
is read in two passes: `scan_date_order` settles month/day order for the whole
file, then `parse_transcript` streams the messages. Both take lines (see
`encoding.open_text_lines`) so a million-message file never sits in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo

from .encoding import repair_mojibake
from .message import ImportFormatError, Message

DATE_ORDERS = ("mdy", "dmy", "ymd")

# The bracketed part of a header: `1/15/26 8:20 AM`, `3/4/2026, 9:05:07 p.m.`,
# `15.01.26 08:20`, `2026-01-15 08:20`. \s also covers U+202F and U+00A0.
_STAMP = re.compile(
    r"(\d{4}|\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{1,2}),?\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?[Mm]\.?)?"
)

_CACHE_LIMIT = 4096  # stamps repeat within a minute; a bounded memo keeps memory flat
_DECISIVE_LEAD = 1000  # votes ahead after which scan_date_order stops reading
_MISSING = datetime.min  # memo sentinel; never a parsed value, since those are aware

_Fields = tuple[int, int, int, int, int, int, str]  # first, second, third field, H, M, S, "a"/"p"/""


def _split_header(line: str) -> tuple[str, str] | None:
    """(author, stamp) if the line has a header's shape; the stamp is unvalidated."""
    if line[-1:] != "]":
        return None
    i = line.rfind(", [")
    if i <= 0:
        return None
    return line[:i], line[i + 3 : -1]


def _stamp_fields(stamp: str) -> _Fields | None:
    m = _STAMP.fullmatch(stamp)
    if m is None:
        return None
    a, _, b, c, hh, mm, ss, ampm = m.groups()
    return int(a), int(b), int(c), int(hh), int(mm), int(ss or 0), (ampm or "").lower()


def _build(fields: _Fields, order: str, tz: tzinfo | None) -> datetime | None:
    """The aware datetime the fields denote in `order`, or None if no such time."""
    a, b, c, hour, minute, second, ampm = fields
    if a >= 1000:
        year, month, day = a, b, c
    else:
        if order == "ymd":  # a day-first or month-first line in a ymd file
            order = "mdy" if ampm else "dmy"
        month, day = (a, b) if order == "mdy" else (b, a)
        year = c if c >= 100 else 2000 + c
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)  # fold=0 for repeated times
    except ValueError:
        return None


def _valid_orders(fields: _Fields) -> list[str]:
    if fields[0] >= 1000:
        return ["ymd"] if _build(fields, "ymd", None) else []
    return [order for order in ("mdy", "dmy") if _build(fields, order, None)]


def looks_like_transcript(lines: Iterable[str]) -> bool:
    """True if any of the lines (the caller passes the first few hundred) is a header.

    Lines may come straight from a file head, so mojibake is repaired here.
    """
    for line in lines:
        parts = _split_header(repair_mojibake(line))
        if parts is not None:
            fields = _stamp_fields(parts[1])
            if fields is not None and _valid_orders(fields):
                return True
    return False


def scan_date_order(lines: Iterable[str]) -> str:
    """Pass 1: "mdy", "dmy" or "ymd" for the whole file.

    A stamp valid in only one order (a field > 12, or 2/30) votes for it; the
    majority wins, so one pasted foreign-locale header cannot flip the file.
    Without any such vote, 12-hour files are taken as US month-first.
    """
    votes = {"mdy": 0, "dmy": 0, "ymd": 0}
    twelve_hour = False
    for line in lines:
        if line[-1:] != "]" or ", [" not in line:
            continue
        parts = _split_header(line)
        fields = _stamp_fields(parts[1]) if parts else None
        if fields is None:
            continue
        orders = _valid_orders(fields)
        if len(orders) == 1:
            votes[orders[0]] += 1
            ranked = sorted(votes.values())
            if ranked[-1] - ranked[-2] >= _DECISIVE_LEAD:
                break
        elif orders:
            twelve_hour = twelve_hour or bool(fields[6])
    best = max(DATE_ORDERS, key=lambda order: votes[order])
    if votes[best]:
        return best
    return "mdy" if twelve_hour else "dmy"


def _body_text(body: list[str]) -> str:
    """Body lines joined, without leading and trailing blank lines."""
    end = len(body)
    while end and not body[end - 1].strip():
        end -= 1
    start = 0
    while start < end and not body[start].strip():
        start += 1
    return "\n".join(body[start:end])


def parse_transcript(lines: Iterable[str], *, tz: tzinfo, date_order: str) -> Iterator[Message]:
    """Pass 2: the messages, in file order, with nothing dropped.

    Text before the first header becomes a "preamble" message; text after the
    first bare `---` line of the last message becomes an "appendix" message.
    """
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    stamps: dict[str, datetime | None] = {}  # raw stamp -> datetime, or None if invalid
    author: str | None = None
    sent_at = _MISSING
    header_at = 0
    body: list[str] = []
    position = 0
    # The loop is the hot path of a million-message import: header detection is
    # inlined and the stamp memo is consulted before any regex runs.
    for position, line in enumerate(lines, 1):
        if line[-1:] == "]":
            i = line.rfind(", [")
            if i > 0:
                stamp = line[i + 3 : -1]
                when = stamps.get(stamp, _MISSING)
                if when is _MISSING:
                    fields = _stamp_fields(stamp)
                    when = _build(fields, date_order, tz) if fields else None
                    if len(stamps) >= _CACHE_LIMIT:
                        stamps.clear()
                    stamps[stamp] = when
                if when is not None:
                    if author is not None:
                        yield Message(author, sent_at, _body_text(body), header_at)
                    else:
                        preamble = _body_text(body)
                        if preamble:
                            yield Message(line[:i].strip(), when, preamble, 1, "preamble")
                    author = line[:i].strip()
                    sent_at = when
                    header_at = position
                    body = []
                    continue
        body.append(line)

    if author is None:
        if _body_text(body):
            raise ImportFormatError("not a Telegram transcript (no 'Name, [date time]' message header found)")
        return
    yield from _last_message(author, sent_at, header_at, body)


def _last_message(author: str, sent_at: datetime, header_at: int, body: list[str]) -> Iterator[Message]:
    """The last message, split at its first bare `---` line into message and appendix."""
    try:
        rule = body.index("---")
    except ValueError:
        yield Message(author, sent_at, _body_text(body), header_at)
        return
    yield Message(author, sent_at, _body_text(body[:rule]), header_at)
    start, end = rule + 1, len(body)
    while start < end and body[start].strip() in ("", "---"):
        start += 1
    while end > start and body[end - 1].strip() in ("", "---"):
        end -= 1
    if start < end:
        # Body line k sits on file line header_at + 1 + k.
        yield Message(author, sent_at, "\n".join(body[start:end]), header_at + rule + 2, "appendix")
