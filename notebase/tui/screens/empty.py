"""The welcome screen of an empty base: how to import, and the bundled sample one key away."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from ..services import Services
from .prompt import PromptScreen

if TYPE_CHECKING:
    from ..app import NotebaseApp

WELCOME = """\
Your base is empty.

Export your Telegram "Saved Messages" (copy the messages, or use
Telegram Desktop's Export chat history as JSON or HTML), then run:

    notebase import FILE

or import it from here."""


class EmptyScreen(Screen[None]):
    """Shown instead of an empty timeline; closes itself once an import added notes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "import_sample", "Import sample"),
        Binding("i", "import_file", "Import file"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    app: NotebaseApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="welcome"):
            yield Static(Content.styled("Welcome to notebase", "bold $primary"), id="welcome-title")
            yield Static(Content(WELCOME), id="welcome-text")
            sample = self.services.sample_path
            if sample is None:
                yield Static(
                    Content.styled("(The bundled sample export is not installed here.)", "$text-muted italic"),
                    id="no-sample",
                )
            with Horizontal(id="welcome-buttons"):
                if sample is not None:
                    yield Button("Import the sample (s)", id="import-sample", variant="primary")
                yield Button("Import a file… (i)", id="import-file")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "import_sample":
            return self.services.sample_path is not None
        return True

    @on(Button.Pressed, "#import-sample")
    def action_import_sample(self) -> None:
        if self.services.sample_path is not None:
            run_import(self.app, self.services.sample_path, on_done=self._imported)

    @on(Button.Pressed, "#import-file")
    def action_import_file(self) -> None:
        ask_import(self.app, on_done=self._imported)

    def _imported(self) -> None:
        if self.services.count() > 0 and self.app.screen is self:
            self.dismiss()


def ask_import(app: NotebaseApp, *, on_done=None) -> None:
    """Ask for a path, then import it as a job."""
    from pathlib import Path

    def chosen(value: str | None) -> None:
        if value:
            run_import(app, Path(value).expanduser(), on_done=on_done)

    app.push_screen(
        PromptScreen("Import a Telegram export", placeholder="path to a transcript, result.json or HTML export folder"),
        chosen,
    )


def run_import(app: NotebaseApp, path, *, on_done=None) -> None:
    services = app.services

    def run(progress) -> str:
        result = services.import_file(path, progress)
        return f"{path.name}: {result.added:,} new notes from {result.messages:,} messages, {result.links:,} links"

    app.start_job("import", f"Importing {path.name}", run, on_done=on_done)
