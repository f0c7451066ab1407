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
                lines = [
                    Content.assemble((f"{key:>16}  ", "$text-accent bold"), (what, "$text"))
                    for key, what in self.rows + GENERAL
                ]
                yield Static(Content("\n").join(lines), id="help-keys")
            yield Static(Content.styled("Esc closes", "$text-muted"), id="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


# Generic scrolling keys every scrollable pane has; listing them buries the ones that matter.
NOISE = {
    "scroll_left",
    "scroll_right",
    "page_left",
    "page_right",
    "scroll_home",
    "scroll_end",
    "app.focus_next",
    "app.focus_previous",
    "screen.copy_text",
}


def _rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for the screen's and app's bindings first, then the focused pane's."""
    by_action: dict[str, tuple[list[str], str, int]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.system or binding.action in NOISE:
            continue
        rank = 0 if active.node is screen else 1 if active.node is screen.app else 2
        keys, _, _ = by_action.setdefault(binding.action, ([], binding.description, rank))
        display = screen.app.get_key_display(Binding(key, ""))
        if display not in keys:
            keys.append(display)
    ordered = sorted(by_action.values(), key=lambda item: item[2])
    return [(", ".join(keys), description) for keys, description, _ in ordered]
