"""Parse the text Telegram Desktop produces when messages are copied.

A message is a header line `Author, [DATE TIME]` followed by body lines up to
the next header. The date format follows the copying user's locale, so a file
is read in two passes: `scan_date_order` settles month/day order for the whole
file, then `parse_transcript` streams the messages. Both take lines (see
`encoding.open_text_lines`) so a million-message file never sits in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta, tzinfo
from itertools import islice

from .encoding import TextLines, repair_mojibake
from .message import ImportFormatError, Message

DATE_ORDERS = ("mdy", "dmy", "ymd")

# The bracketed part of a header: `1/15/26 8:20 AM`, `3/4/2026, 9:05:07 p.m.`,
# `15.01.26 08:20`, `2026-01-15 08:20`. \s also covers U+202F and U+00A0.
_DAY_PATTERN = r"(\d{4}|\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{1,2}),?"
_CLOCK_PATTERN = r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?[Mm]\.?)?"
_STAMP = re.compile(_DAY_PATTERN + r"\s+" + _CLOCK_PATTERN)
_DAY = re.compile(_DAY_PATTERN)
_CLOCK = re.compile(_CLOCK_PATTERN)

_BATCH_LINES = 4096  # lines joined per block when the caller hands plain lines
_MEMO_LIMIT = 4096  # bounds the day and time-of-day memos, which fake stamps could grow
_DECISIVE_LEAD = 1000  # votes ahead after which scan_date_order stops reading
_MISSING = datetime.min  # memo sentinel; never a parsed value, since those are aware

_Triple = tuple[int, int, int]
_NO_OFFSET = timedelta(days=-1)  # memo sentinel for time-of-day lookups


def _split_header(line: str) -> tuple[str, str] | None:
    """(author, stamp) if the line has a header's shape; the stamp is unvalidated."""
    if line[-1:] != "]":
        return None
    i = line.rfind(", [")
    if i <= 0:
        return None
    return line[:i], line[i + 3 : -1]


def _ymd(first: int, second: int, third: int, order: str) -> _Triple | None:
    """(year, month, day) of the date fields read in `order`, or None if no such day."""
    if first >= 1000:
        year, month, day = first, second, third
    else:
        month, day = (first, second) if order == "mdy" else (second, first)
        year = third if third >= 100 else 2000 + third
    try:
        date(year, month, day)
    except ValueError:
        return None
    return year, month, day


def _hms(hour: int, minute: int, second: int, ampm: str | None) -> _Triple | None:
    """24-hour (hour, minute, second), or None if no such time."""
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _stamp_parts(stamp: str, order: str) -> tuple[_Triple, _Triple] | None:
    """(year, month, day) and (hour, minute, second) of a stamp read in `order`, or None."""
    m = _STAMP.fullmatch(stamp)
    if m is None:
        return None
    a, _, b, c, hh, mm, ss, ampm = m.groups()
    if order == "ymd" and len(a) < 4:  # a day- or month-first line in a ymd file
        order = "mdy" if ampm else "dmy"
    day = _ymd(int(a), int(b), int(c), order)
    clock = _hms(int(hh), int(mm), int(ss or 0), ampm)
    return None if day is None or clock is None else (day, clock)


def _valid_orders(stamp: str) -> list[str]:
    """The date orders in which `stamp` is a real day and time."""
    orders = ("ymd",) if stamp[:4].isdigit() else ("mdy", "dmy")
    return [order for order in orders if _stamp_parts(stamp, order) is not None]


def _stamp_reader(tz: tzinfo, order: str) -> Callable[[str], datetime | None]:
    """A stamp -> aware datetime function for one file.

    Most stamps split at their first space into a day and a time of day, each
    repeating across thousands of messages, so both are memoized: the day as
    its aware midnight, the time as an offset. Adding them is wall-clock
    arithmetic, the same as building the datetime, at a fraction of the cost.
    Anything else takes the full regex.
    """
    midnights: dict[str, datetime | None] = {}
    offsets: dict[str, timedelta | None] = {}

    def midnight_of(part: str) -> datetime | None:
        m = _DAY.fullmatch(part)
        if m is None:
            return None
        a, _, b, c = m.groups()
        if order == "ymd" and len(a) < 4:
            return None  # the order then depends on AM/PM: leave it to the full path
        day = _ymd(int(a), int(b), int(c), order)
        return None if day is None else datetime(*day, tzinfo=tz)

    def offset_of(part: str) -> timedelta | None:
        m = _CLOCK.fullmatch(part)
        if m is None:
            return None
        hh, mm, ss, ampm = m.groups()
        clock = _hms(int(hh), int(mm), int(ss or 0), ampm)
        return None if clock is None else timedelta(hours=clock[0], minutes=clock[1], seconds=clock[2])

    def read(stamp: str) -> datetime | None:
        day_part, _, clock_part = stamp.partition(" ")
        midnight = midnights.get(day_part, _MISSING)
        if midnight is _MISSING:
            if len(midnights) >= _MEMO_LIMIT:
                midnights.clear()
            midnight = midnights[day_part] = midnight_of(day_part)
        offset = offsets.get(clock_part, _NO_OFFSET)
        if offset is _NO_OFFSET:
            if len(offsets) >= _MEMO_LIMIT:
                offsets.clear()
            offset = offsets[clock_part] = offset_of(clock_part)
        if midnight is not None and offset is not None:
            return midnight + offset  # fold=0: an ambiguous wall time is its first occurrence
        parts = _stamp_parts(stamp, order)
        return None if parts is None else datetime(*parts[0], *parts[1], tzinfo=tz)

    return read


def looks_like_transcript(lines: Iterable[str]) -> bool:
    """True if any of the lines (the caller passes the first few hundred) is a header.

    Lines may come straight from a file head, so mojibake is repaired here.
    """
    for line in lines:
        parts = _split_header(repair_mojibake(line))
        if parts is not None and _valid_orders(parts[1]):
            return True
    return False


def scan_date_order(lines: Iterable[str]) -> str:
    """Pass 1: "mdy", "dmy" or "ymd" for the whole file.

    A stamp valid in only one order (a field > 12, or 2/30) votes for it; the
    majority wins, so one pasted foreign-locale header cannot flip the file.
    Without any such vote, 12-hour files are taken as US month-first.
    """
    votes = dict.fromkeys(DATE_ORDERS, 0)
    twelve_hour = False
    for block in _blocks(lines):
        text = block + "\n"
        for _, i, j in _header_candidates(text):
            stamp = text[i + 3 : j]
            orders = _valid_orders(stamp)
            if len(orders) == 1:
                votes[orders[0]] += 1
                ranked = sorted(votes.values())
                if ranked[-1] - ranked[-2] >= _DECISIVE_LEAD:
                    return orders[0]
            elif orders and not twelve_hour:
                twelve_hour = stamp.rstrip(".")[-1:] in ("M", "m")  # a valid stamp ends so only in AM/PM
    best = max(DATE_ORDERS, key=votes.__getitem__)
    if votes[best]:
        return best
    return "mdy" if twelve_hour else "dmy"


def parse_transcript(lines: Iterable[str], *, tz: tzinfo, date_order: str) -> Iterator[Message]:
    """Pass 2: the messages, in file order, with nothing dropped.

    Text before the first header becomes a "preamble" message; text after the
    first bare `---` line of the last message becomes an "appendix" message.
    """
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    return _parse_blocks(_blocks(lines), tz, date_order)


def _blocks(lines: Iterable[str]) -> Iterator[str]:
    """Whole lines joined by "\\n": straight from the file reader when it offers them."""
    if isinstance(lines, TextLines):
        try:
            return lines.blocks()
        except RuntimeError:
            pass  # some lines were already taken; go on with the rest as lines
    return _batched(iter(lines))


def _batched(lines: Iterator[str]) -> Iterator[str]:
    while batch := list(islice(lines, _BATCH_LINES)):
        yield "\n".join(batch)


def _header_candidates(text: str) -> Iterator[tuple[int, int, int]]:
    """(line start, index of ", [", index of "]") of each line shaped like a header.

    `text` ends with a newline. Only the date then decides; looking for "]"
    at line ends with str.find skips body lines at C speed.
    """
    j = text.find("]\n")
    while j >= 0:
        start = text.rfind("\n", 0, j) + 1
        i = text.rfind(", [", start, j)
        if i > start:
            yield start, i, j
        j = text.find("]\n", j + 2)


def _parse_blocks(blocks: Iterable[str], tz: tzinfo, date_order: str) -> Iterator[Message]:
    """parse_transcript over blocks of whole lines; a message may span blocks."""
    read_stamp = _stamp_reader(tz, date_order)
    author: str | None = None
    sent_at = _MISSING
    header_at = 0  # line number of the current header
    line_no = 1  # line number at text[body_from]
    pieces: list[str] = []  # the current body from earlier blocks: whole lines, each ending "\n"
    # The hot path of a million-message import: nothing runs per body line, and
    # _header_candidates is inlined, since its generator overhead would show.
    # (A memo of whole stamps was tried: with most minutes distinct it cost more
    # than it saved over the day and time-of-day memos in read_stamp.)
    for block in blocks:
        text = block + "\n"
        body_from = 0
        j = text.find("]\n")
        while j >= 0:
            start = text.rfind("\n", 0, j) + 1
            i = text.rfind(", [", start, j)
            if i > start:
                when = read_stamp(text[i + 3 : j])
                if when is not None:
                    raw = text[body_from:start]
                    if pieces:
                        pieces.append(raw)
                        raw = "".join(pieces)
                        pieces = []
                    line_no += raw.count("\n")
                    body = raw.strip("\n")
                    if body[:1].isspace() or body[-1:].isspace():
                        body = _trim(body)
                    if author is not None:
                        yield Message(author, sent_at, body, header_at)
                    elif body:
                        yield Message(text[start:i].strip(), when, body, 1, "preamble")
                    author = text[start:i].strip()
                    sent_at = when
                    header_at = line_no
                    line_no += 1
                    body_from = j + 2
            j = text.find("]\n", j + 2)
        pieces.append(text[body_from:])

    raw = "".join(pieces)
    if author is None:
        if raw.strip():
            raise ImportFormatError("not a Telegram transcript (no 'Name, [date time]' message header found)")
        return
    yield from _last_message(author, sent_at, header_at, raw)


def _trim(raw: str) -> str:
    """Body text without leading and trailing blank lines, otherwise untouched."""
    text = raw.strip("\n")
    if text[:1].isspace() or text[-1:].isspace():  # rare: indentation, or whitespace-only lines
        lines = text.split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        first = 0
        while first < len(lines) and not lines[first].strip():
            first += 1
        text = "\n".join(lines[first:])
    return text


def _last_message(author: str, sent_at: datetime, header_at: int, raw: str) -> Iterator[Message]:
    """The last message, split at its first bare `---` line into message and appendix."""
    rule = raw.find("\n---\n") + 1  # index of the rule line; raw is whole lines, each ending "\n"
    if raw.startswith("---\n"):
        rule = 0
    elif not rule:
        yield Message(author, sent_at, _trim(raw), header_at)
        return
    yield Message(author, sent_at, _trim(raw[:rule]), header_at)
    rule_line = header_at + 1 + raw.count("\n", 0, rule)
    lines = raw[rule:].split("\n")
    first, end = 1, len(lines)
    while first < end and lines[first].strip() in ("", "---"):
        first += 1
    while end > first and lines[end - 1].strip() in ("", "---"):
        end -= 1
    if first < end:
        yield Message(author, sent_at, "\n".join(lines[first:end]), rule_line + 1, "appendix")
