"""Making note and page text safe to show: literal, single-cell-safe, no terminal control.

Text from notes and pages is never markup. Widgets build `rich.text.Text` or
`textual.content.Content` objects from these plain strings, so `[bold]` stays
those seven characters; this module removes what a terminal would otherwise
*act on*: ANSI escape sequences, C0/C1 control characters and bidi overrides.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from urllib.parse import urlsplit

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[@-Z\\-_]?"  # two-byte escapes and a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without escape sequences and control characters; newlines and tabs kept."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str, limit: int = 240) -> str:
    """The first non-blank line of `text`, cleaned, tabs as spaces, at most `limit` characters.

    Looks at the text line by line from the start: a pasted 50-page article costs
    no more than a one-liner (this runs for every row of a 100,000-note timeline).
    """
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        line = text[start : min(end, start + limit * 2)]
        if line.strip():
            line = clean(line).replace("\n", " ").replace("\t", " ").strip()
            if line:
                return line[:limit]
        start = end + 1
    return ""


def domain(url: str) -> str:
    """`example.org` for `https://www.example.org/x` ('' if the URL has no host)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return clean(host.removeprefix("www."))


def day_title(day: date) -> str:
    """`Thursday, 15 January 2026`."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


def local(ts: int, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(ts, tz)


class LocalClock:
    """(date, "HH:MM") of UTC seconds in one zone, fast: the zone's offset is looked up
    once per quarter hour (zone transitions fall on quarter hours), not per note."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._offsets: dict[int, int] = {}
        self._days: dict[int, date] = {}

    def __call__(self, ts: int) -> tuple[date, str]:
        quarter = ts // 900
        offset = self._offsets.get(quarter)
        if offset is None:
            delta = datetime.fromtimestamp(quarter * 900, self.tz).utcoffset()
            offset = self._offsets[quarter] = int(delta.total_seconds()) if delta is not None else 0
        local_ts = ts + offset
        days, seconds = divmod(local_ts, 86400)
        day = self._days.get(days)
        if day is None:
            day = self._days[days] = date.fromordinal(_EPOCH_ORDINAL + days)
        return day, f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# Link statuses (pages.fetch_links) reduced to the three marks the timeline shows.
OK_STATUSES = frozenset({"ok"})
PENDING_STATUSES = frozenset({"pending", None})


def status_kind(status: str | None) -> str:
    """'ok', 'pending' or 'failed' for a link status."""
    if status in OK_STATUSES:
        return "ok"
    if status in PENDING_STATUSES:
        return "pending"
    return "failed"


STATUS_MARK = {"ok": "✓", "pending": "·", "failed": "✗"}
