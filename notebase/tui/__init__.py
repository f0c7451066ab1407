"""The terminal UI. Imported only by `notebase tui` (and bare `notebase`): Textual stays out of the core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import NotebaseApp


def make_app(*args: Any, **kwargs: Any) -> NotebaseApp:
    from .app import make_app

    return make_app(*args, **kwargs)
