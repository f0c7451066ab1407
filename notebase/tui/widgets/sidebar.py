"""The sidebar: tags, topics and authors with their counts; choosing one filters the timeline."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..text import clean


class Sidebar(OptionList):
    """Filters for the timeline: all notes, one tag or topic, one author."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    class FilterChosen(Message):
        """The user picked a filter: kind is 'all', 'tag' or 'author'."""

        def __init__(self, kind: str, value: str | None) -> None:
            self.kind, self.value = kind, value
            super().__init__()

    def show_counts(
        self, total: int, tags: list[tuple[str, int, int]], topics: set[str], authors: list[tuple[str, int]]
    ) -> None:
        """Fill the list: tags (topics marked ~, auto-tag counts after the manual ones) and authors."""
        options: list[Option | None] = [Option(Content.assemble(("All notes", "bold"), ("  " + f"{total:,}", "$text-muted")), id="all")]
        if tags:
            options += [None, Option(Content.styled("Tags & topics", "$text-muted italic"), disabled=True)]
            for name, manual, auto in tags:
                label = Content.assemble(
                    ("~" if name in topics else "#", "$text-accent"),
                    (clean(name), "$text"),
                    ("  " + f"{manual + auto:,}", "$text-muted"),
                    (f"  ({auto:,} auto)" if auto else "", "$text-muted italic"),
                )
                options.append(Option(label, id=f"tag:{name}"))
        if len(authors) > 1:
            options += [None, Option(Content.styled("Authors", "$text-muted italic"), disabled=True)]
            for name, count in authors:
                options.append(Option(Content.assemble((clean(name), "$text"), ("  " + f"{count:,}", "$text-muted")), id=f"author:{name}"))
        highlighted = self.highlighted
        self.set_options(options)
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or "all"
        kind, _, value = option_id.partition(":")
        self.post_message(self.FilterChosen(kind, value or None))
