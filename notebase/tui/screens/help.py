"""`?`: every key that works where you are, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GENERAL = [
    ("ctrl+p", "Command palette: import, fetch links, re-index, apply topics"),
    ("tab / shift+tab", "Move between panes"),
]


class HelpScreen(ModalScreen[None]):
    """The active bindings of the screen underneath, grouped, plus the general keys."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.rows = _rows(under)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(Content.styled("Keys", "bold"), id="dialog-title")
            with VerticalScroll():
                lines = [Content.assemble((f"{key:>16}  ", "$text-accent bold"), (what, "$text")) for key, what in self.rows + GENERAL]
                yield Static(Content("\n").join(lines), id="help-keys")
            yield Static(Content.styled("Esc closes", "$text-muted"), id="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


def _rows(screen: Screen) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.action in seen or binding.system:
            continue
        seen.add(binding.action)
        keys = [b.key for _, b, _, _ in _same_action(screen, binding.action)] or [key]
        rows.append((", ".join(dict.fromkeys(screen.app.get_key_display(Binding(k, "")) for k in keys)), binding.description))
    return rows


def _same_action(screen: Screen, action: str) -> list:
    return [a for a in screen.active_bindings.values() if a.binding.action == action]
