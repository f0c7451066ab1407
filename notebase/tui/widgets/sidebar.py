"""The sidebar: tags, topics and authors with their counts; choosing one filters the timeline."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..text import clean


class Sidebar(OptionList):
    """Filters for the timeline: all notes, one tag or topic, one author."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    class FilterChosen(Message):
        """The user picked a filter: kind is 'all', 'tag' or 'author'."""

        def __init__(self, kind: str, value: str | None) -> None:
            self.kind, self.value = kind, value
            super().__init__()

    _data: tuple[int, list[tuple[str, int, int]], set[str], list[tuple[str, int]]] | None = None

    def show_counts(
        self, total: int, tags: list[tuple[str, int, int]], topics: set[str], authors: list[tuple[str, int]]
    ) -> None:
        """Fill the list: tags (~ marks a configured topic; auto-tag counts dimmed) and authors."""
        self._data = (total, tags, topics, authors)
        self._fill()

    def _on_resize(self, event: events.Resize) -> None:
        if self._data is not None:
            self._fill()

    def _fill(self) -> None:
        assert self._data is not None
        total, tags, topics, authors = self._data
        width = max(12, self.scrollable_content_region.width or 24)

        def row(mark: tuple[str, str] | None, name: str, count: int, auto: int = 0) -> Content:
            number = f"{count:,}"
            prefix = [mark] if mark else []
            room = width - cell_len(number) - 1 - (cell_len(mark[0]) if mark else 0)
            label = clean(name)
            label = set_cell_size(label, room) if cell_len(label) <= room else set_cell_size(label, room - 1) + "…"
            return Content.assemble(
                *prefix, (label, "$text"), " ", (number, "$text-muted italic" if auto == count else "$text-muted")
            )

        options: list[Option | None] = [Option(row(None, "All notes", total), id="all")]
        if tags:
            options += [None, Option(Content.styled("Tags & topics", "$text-muted italic"), disabled=True)]
            for name, manual, auto in tags:
                mark = ("~", "$text-warning") if name in topics else ("#", "$text-accent")
                options.append(Option(row(mark, name, manual + auto, auto), id=f"tag:{name}"))
        if len(authors) > 1:
            options += [None, Option(Content.styled("Authors", "$text-muted italic"), disabled=True)]
            for name, count in authors:
                options.append(Option(row(None, name, count), id=f"author:{name}"))
        highlighted = self.highlighted
        self.set_options(options)
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or "all"
        kind, _, value = option_id.partition(":")
        self.post_message(self.FilterChosen(kind, value or None))
