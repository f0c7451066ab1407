"""The timeline: every note, grouped under day headers, drawn line by line.

A Line API widget (ScrollView + render_line): only the visible lines are ever
rendered, so 100,000 notes scroll like 100. Rows arrive in pages from a thread
worker (keyset pages through `notes.list_notes`); the first page paints at once
and the rest stream in behind it while the scrollbar grows.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from ..services import Filters, Row, Services
from ..text import STATUS_MARK, day_title, status_kind


@dataclass(frozen=True, slots=True)
class DayHeader:
    day: date


Line = Row | DayHeader


class Timeline(ScrollView, can_focus=True):
    """Notes newest (or oldest) first, one line each, under day headers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "open", "Open", show=True),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--day",
        "timeline--time",
        "timeline--text",
        "timeline--domain",
        "timeline--ok",
        "timeline--pending",
        "timeline--failed",
        "timeline--tag",
        "timeline--author",
        "timeline--cursor",
        "timeline--message",
    }

    DEFAULT_CSS = """
    Timeline {
        overflow-x: hidden;
        background: $surface;
        & > .timeline--day { color: $text-primary; text-style: bold; background: $boost; }
        & > .timeline--time { color: $text-muted; }
        & > .timeline--text { color: $text; }
        & > .timeline--domain { color: $text-secondary; }
        & > .timeline--ok { color: $success; }
        & > .timeline--pending { color: $text-muted; }
        & > .timeline--failed { color: $error; }
        & > .timeline--tag { color: $text-accent; }
        & > .timeline--author { color: $text-muted; text-style: italic; }
        & > .timeline--cursor { background: $block-cursor-blurred-background; }
        & > .timeline--message { color: $text-muted; text-style: italic; }
        &:focus > .timeline--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    }
    """

    class NoteHighlighted(Message):
        """The cursor moved to a note."""

        def __init__(self, note_id: int) -> None:
            self.note_id = note_id
            super().__init__()

    class NoteSelected(Message):
        """The user opened a note (Enter or a second click)."""

        def __init__(self, note_id: int) -> None:
            self.note_id = note_id
            super().__init__()

    class Loaded(Message):
        """All notes for the current filters are in."""

        def __init__(self, total: int) -> None:
            self.total = total
            super().__init__()

    class _Page(Message):
        """A page of rows from the loader (internal)."""

        def __init__(self, generation: int, rows: list[Row], total: int | None, done: bool) -> None:
            self.generation, self.rows, self.total, self.done = generation, rows, total, done
            super().__init__()

    def __init__(self, services: Services, *, show_authors: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services
        self.show_authors = show_authors
        self.filters = Filters()
        self.lines: list[Line] = []
        self.note_lines: list[int] = []  # line index of each note, in display order
        self.cursor = -1  # line index of the highlighted note
        self.total: int | None = None
        self.is_loading = False
        self._generation = 0
        self._keep: int | None = None
        self._pending_jump: date | None = None
        self._pending_last = False  # End pressed while notes were still loading
        self._strips: dict[tuple[int, int, bool, bool], Strip] = {}
        self._styles: dict[str, Style] = {}

    # -- loading ---------------------------------------------------------------------------

    def load(self, filters: Filters, *, keep: int | None = None) -> None:
        """(Re)load every note matching `filters`; keep the cursor on note `keep` if it is there."""
        self.filters = filters
        self._generation += 1
        self._keep = keep
        self.is_loading = True
        self._reset()
        self._load(self._generation, filters)

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline")
    def _load(self, generation: int, filters: Filters) -> None:
        worker = get_current_worker()
        pages = self.services.timeline_pages(filters)
        # The first page goes out before anything else (even the count): that is the first paint.
        self.post_message(self._Page(generation, next(pages, []), None, done=False))
        self.post_message(self._Page(generation, [], self.services.count(filters), done=False))
        for rows in pages:
            if worker.is_cancelled:
                return
            self.post_message(self._Page(generation, rows, None, done=False))
            time.sleep(0.002)  # let the UI thread have the GIL between pages
        self.post_message(self._Page(generation, [], None, done=True))

    def _on_timeline__page(self, message: _Page) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        if message.total is not None:
            self.total = message.total
        self._append(message.rows)
        if message.done:
            self.is_loading = False
            self.total = len(self.note_lines)
        self._resize()
        if self.cursor < 0 and self.note_lines:
            self._move_to(self._initial_cursor())
        if self._keep is not None and self.cursor >= 0 and self._row(self.cursor).id != self._keep:
            self._try_keep()
        if self._pending_jump is not None:
            self._try_jump(self._pending_jump, final=message.done)
        if self._pending_last and message.done:
            self._pending_last = False
            self.action_last()
        self.refresh()
        if message.done:
            self._keep = None
            self.post_message(self.Loaded(len(self.note_lines)))

    def _reset(self) -> None:
        self.lines, self.note_lines, self.cursor, self.total = [], [], -1, None
        self._pending_last = False
        self._strips.clear()
        self.scroll_to(0, 0, animate=False)
        self._resize()
        self.refresh()

    def _append(self, rows: list[Row]) -> None:
        last_day = None
        if self.note_lines:
            last_day = self._row(self.note_lines[-1]).day
        for row in rows:
            if row.day != last_day:
                self.lines.append(DayHeader(row.day))
                last_day = row.day
            self.note_lines.append(len(self.lines))
            self.lines.append(row)

    def _resize(self) -> None:
        remaining = max(0, (self.total or 0) - len(self.note_lines)) if self.is_loading else 0
        self.virtual_size = Size(self.scrollable_content_region.width, max(len(self.lines) + remaining, 1))

    def _initial_cursor(self) -> int:
        return self.note_lines[0]

    def _try_keep(self) -> None:
        for index in self.note_lines:
            if self._row(index).id == self._keep:
                self._keep = None
                self._move_to(index, center=True)
                return

    def update_tags(self, note_id: int, tags: tuple[str, ...]) -> None:
        """Show a note's new tags without reloading the timeline."""
        for index in self.note_lines:
            row = self._row(index)
            if row.id == note_id:
                row.tags = tags
                self._refresh_line(index)
                return

    # -- queries ---------------------------------------------------------------------------

    def _row(self, index: int) -> Row:
        line = self.lines[index]
        assert isinstance(line, Row)
        return line

    @property
    def current_note_id(self) -> int | None:
        return self._row(self.cursor).id if self.cursor >= 0 else None

    @property
    def note_count(self) -> int:
        return len(self.note_lines)

    def row_at(self, y: int) -> Row | None:
        """The note drawn on screen line `y` (None for a day header or blank)."""
        index = round(self.scroll_y) + y
        if 0 <= index < len(self.lines) and isinstance(self.lines[index], Row):
            return self._row(index)
        return None

    # -- moving ----------------------------------------------------------------------------

    def _move_to(self, index: int, *, center: bool = False) -> None:
        if index == self.cursor or not self.lines:
            self._scroll_to_cursor(center)
            return
        old, self.cursor = self.cursor, index
        self._refresh_line(old)
        self._refresh_line(index)
        self._scroll_to_cursor(center)
        self.post_message(self.NoteHighlighted(self._row(index).id))

    def _position(self) -> int:
        return bisect_left(self.note_lines, self.cursor) if self.cursor >= 0 else -1

    def _move_by(self, notes: int) -> None:
        self._pending_last, self._pending_jump = False, None  # the user took over
        if not self.note_lines:
            return
        position = max(0, min(len(self.note_lines) - 1, self._position() + notes))
        self._move_to(self.note_lines[position])

    def _scroll_to_cursor(self, center: bool = False) -> None:
        if self.cursor < 0:
            return
        height = max(1, self.scrollable_content_region.height)
        # Keep the day header above the first note of a day in view.
        top = self.cursor - 1 if self.cursor > 0 and isinstance(self.lines[self.cursor - 1], DayHeader) else self.cursor
        if center:
            self.scroll_to(y=max(0, top - height // 3), animate=False)
        elif top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self._move_by(1)

    def action_cursor_up(self) -> None:
        self._move_by(-1)

    def action_page_down(self) -> None:
        self._move_by_lines(max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move_by_lines(-max(1, self.scrollable_content_region.height - 1))

    def _move_by_lines(self, lines: int) -> None:
        self._pending_last, self._pending_jump = False, None
        if not self.note_lines:
            return
        target = max(0, min(len(self.lines) - 1, self.cursor + lines))
        position = min(bisect_left(self.note_lines, target), len(self.note_lines) - 1)
        self.scroll_to(y=max(0, self.scroll_y + lines), animate=False)
        self._move_to(self.note_lines[position])

    def action_first(self) -> None:
        self._pending_last, self._pending_jump = False, None
        if self.note_lines:
            self._move_to(self.note_lines[0])

    def action_last(self) -> None:
        self._pending_last, self._pending_jump = self.is_loading, None
        if self.note_lines:
            self._move_to(self.note_lines[-1])

    def action_open(self) -> None:
        if self.cursor >= 0:
            self.post_message(self.NoteSelected(self._row(self.cursor).id))

    def jump_to_date(self, day: date) -> None:
        """Put the cursor on the first note shown for `day` (or the nearest day after it in reading order)."""
        self._pending_jump, self._pending_last = day, False
        self._try_jump(day, final=not self.is_loading)

    def _try_jump(self, day: date, *, final: bool) -> None:
        newest_first = self.filters.newest_first
        for index in self.note_lines:
            row_day = self._row(index).day
            if (row_day <= day) if newest_first else (row_day >= day):
                self._pending_jump = None
                self._move_to(index, center=False)
                self.scroll_to(y=max(0, index - 1), animate=False)
                return
        if final:
            self._pending_jump = None
            self.action_last()

    def _on_click(self, event: events.Click) -> None:
        index = round(self.scroll_y) + event.y
        if not (0 <= index < len(self.lines)) or not isinstance(self.lines[index], Row):
            return
        if index == self.cursor and event.chain >= 2:
            self.action_open()
        else:
            self._move_to(index)

    # -- drawing ---------------------------------------------------------------------------

    def _refresh_line(self, index: int) -> None:
        if index < 0:
            return
        for key in [k for k in self._strips if k[0] == index]:
            del self._strips[key]
        y = index - round(self.scroll_y)
        if 0 <= y < self.size.height:
            self.refresh_line(y)

    def notify_style_update(self) -> None:
        self._strips.clear()
        self._styles.clear()
        super().notify_style_update()

    def _style(self, name: str) -> Style:
        """A component style, looked up once per style change (render_line runs per visible line)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"timeline--{name}")
        return style

    def _on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._resize()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        if index >= len(self.lines):
            if index == 0 and not self.is_loading:
                return self._message_strip("No notes match." if self.filters.describe() else "No notes.", width, base)
            if index == 0:
                return self._message_strip("Loading…", width, base)
            return Strip.blank(width, base)
        key = (index, width, index == self.cursor, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4000:
                self._strips.clear()
            line = self.lines[index]
            if isinstance(line, DayHeader):
                segments = self._day_strip(line, width)
            else:
                segments = self._row_strip(line, width, index == self.cursor)
            strip = Strip(segments).apply_style(base).adjust_cell_length(width, base)
            self._strips[key] = strip
        return strip.apply_offsets(0, index)

    def _on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._refresh_line(self.cursor)

    def _on_blur(self, event: events.Blur) -> None:
        self._styles.clear()
        self._refresh_line(self.cursor)

    def _message_strip(self, message: str, width: int, base: Style) -> Strip:
        return (
            Strip([Segment("  " + message, self._style("message"))]).apply_style(base).adjust_cell_length(width, base)
        )

    def _day_strip(self, header: DayHeader, width: int) -> list[Segment]:
        return [Segment(_fit(f" {day_title(header.day)}", width), self._style("day"))]

    def _row_strip(self, row: Row, width: int, is_cursor: bool) -> list[Segment]:
        """Segments for one note, exactly `width` cells: time, first line, links, tags, author.

        Built from plain strings and cached styles, not rich Text: this runs for every
        line that scrolls into view.
        """
        style = self._style
        left = "  " + row.time + "  "
        budget = max(8, width - len(left) - 1)
        limit = max(12, budget * 11 // 20)
        # When the right-hand side does not fit, links go first (down to one), then it is cut.
        right = self._right_pieces(row, max_links=3)
        if sum(cell_len(text) for text, _ in right) > limit:
            right = self._right_pieces(row, max_links=1)
        right = _cut(right, limit)
        room = max(1, width - len(left) - sum(cell_len(text) for text, _ in right))
        pieces = [(left, style("time")), (_fit(row.line, room), style("text")), *right]
        if is_cursor:
            cursor = style("cursor")
            return [Segment(text, piece_style + cursor) for text, piece_style in pieces]
        return [Segment(text, piece_style) for text, piece_style in pieces]

    def _right_pieces(self, row: Row, *, max_links: int) -> list[tuple[str, Style]]:
        style = self._style
        pieces: list[tuple[str, Style]] = []
        for name, status in row.links[:max_links]:
            pieces.append((" " + name, style("domain")))
            if status is not None:
                kind = status_kind(status)
                pieces.append((STATUS_MARK[kind], style(kind)))
        if len(row.links) > max_links:
            pieces.append((f" +{len(row.links) - max_links}", style("domain")))
        for tag in row.tags[:4]:
            pieces.append((" #" + tag, style("tag")))
        if self.show_authors:
            pieces.append(("  " + row.author, style("author")))
        if pieces:
            pieces.append((" ", style("text")))
        return pieces


def _fit(text: str, width: int) -> str:
    """`text` cut (with …) or padded to exactly `width` cells."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _cut(pieces: list[tuple[str, Style]], width: int) -> list[tuple[str, Style]]:
    """The pieces, cut (ending with …) so that together they are at most `width` cells."""
    out, used = [], 0
    for text, style in pieces:
        size = cell_len(text)
        if used + size > width:
            room = width - used
            if room > 0:
                out.append((set_cell_size(text, room - 1) + "…", style))
            break
        out.append((text, style))
        used += size
    return out
