"""A one-line question in a modal: a date to jump to, a tag to add, a file to import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


def parse_day(value: str) -> date:
    """`2026-01-15` (also `2026-1-5`, `2026/01/15`) as a date; ValueError otherwise."""
    text = value.strip().replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except (ValueError, TypeError):
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value; Enter returns it (when `validate` accepts it), Esc returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        suggestions: list[str] | None = None,
        validate: Callable[[str], Any] | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.initial = value
        self.suggestions = suggestions or []
        self.validate = validate
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled(self.title_text, "bold"), id="dialog-title")
            suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
            yield Input(value=self.initial, placeholder=self.placeholder, suggester=suggester, id="prompt-input")
            yield Static(Content.styled(self.hint, "$text-muted"), id="dialog-hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.dismiss(None)
            return
        if self.validate is not None:
            try:
                self.validate(value)
            except ValueError as exc:
                self.query_one("#dialog-hint", Static).update(Content.styled(str(exc), "$text-error"))
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
