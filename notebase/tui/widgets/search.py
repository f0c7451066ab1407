"""The search box and the result list under it."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..text import clean

MODES = ("hybrid", "keyword", "semantic")

# How each reason a hit matched is shown.
REASONS = {
    "keyword": ("words", "$text-success"),
    "meaning": ("meaning", "$text-accent"),
    "note": ("in note", "$text-muted"),
    "page": ("in page", "$text-secondary"),
}


class SearchBox(Input):
    """The query input; ↓ moves into the results."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "results", "Results", show=False)]

    class ToResults(Message):
        """The user pressed ↓ in the box."""

    def action_results(self) -> None:
        self.post_message(self.ToResults())


class SearchResults(OptionList):
    """Hits, best first: date, why it matched, the page title, then the snippet."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    def __init__(self, tz: tzinfo, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.tz = tz
        self.hits: list[dict[str, Any]] = []

    def show_hits(self, hits: list[dict[str, Any]], *, note: str | None = None, failed: bool = False) -> None:
        """Replace the list with `hits`; `note` (e.g. 'meaning search when the model is ready') goes first."""
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        self.hits = hits
        options: list[Option | None] = []
        if note:
            options.append(
                Option(Content.styled(clean(note), "$text-error" if failed else "$text-muted italic"), disabled=True)
            )
        if not hits and not failed:
            options.append(Option(Content.styled("No matches.", "$text-muted"), disabled=True))
        for i, hit in enumerate(hits):
            if i:
                options.append(None)  # a rule between hits
            options.append(Option(self._prompt(hit), id=str(hit["id"])))
        self.set_options(options)
        ids = [str(h["id"]) for h in hits]
        if hits:
            self.highlighted = self.get_option_index(keep if keep in ids else ids[0])

    def _prompt(self, hit: dict[str, Any]) -> Content:
        when = _when(hit.get("sent_at"), self.tz)
        parts: list[tuple[str, str] | str] = [(when, "$text-muted")]
        for reason in hit.get("matched") or []:
            label, style = REASONS.get(reason, (clean(str(reason)), "$text-muted"))
            parts += ["  ", (f"◆ {label}", style)]
        title = clean(hit.get("page_title") or "")
        if title:
            parts += ["  ", (f"↳ {_squash(title, 80)}", "$text-secondary italic")]
        for tag in (hit.get("tags") or [])[:4]:
            parts += [" ", ("#" + clean(tag), "$text-accent")]
        snippet = _squash(clean(hit.get("snippet") or hit.get("text") or ""), 240)
        return Content.assemble(*parts, "\n", (snippet, "$text"))


def _when(value: Any, tz: tzinfo) -> str:
    try:
        return f"{datetime.fromisoformat(str(value)).astimezone(tz):%a %d %b %Y %H:%M}"
    except ValueError:
        return clean(str(value or ""))


def _squash(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
