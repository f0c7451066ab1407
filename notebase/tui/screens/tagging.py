"""Tag keys shared by the main screen (the highlighted note) and the detail screen (the open note).

Reads and writes go through `notebase.tags` in thread workers: an import holding
the write lock must never freeze the UI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.content import Content

from ..text import clean
from .choice import ChoiceScreen
from .prompt import PromptScreen

if TYPE_CHECKING:
    from ..services import Services


def tag_name(value: str) -> str:
    """A tag as typed: without a leading # and surrounding space; ValueError if empty or multi-line."""
    name = value.strip().lstrip("#").strip()
    if not name or any(c in name for c in "\n\r\t"):
        raise ValueError("a tag is one word or phrase on one line")
    if len(name) > 64:
        raise ValueError("a tag has at most 64 characters")
    return name


class TaggingMixin:
    """Needs `services`, `current_note_id` and `tags_changed(note_id)` on the screen."""

    services: Services
    current_note_id: int | None
    app: Any

    def tags_changed(self, note_id: int) -> None:  # pragma: no cover - overridden
        pass

    def _tagging_ready(self) -> int | None:
        if not self.services.has("tags"):
            self.app.notify("Tagging is not available in this version.", severity="warning")
            return None
        return self.current_note_id

    def action_add_tag(self) -> None:
        note_id = self._tagging_ready()
        if note_id is not None:
            self._ask_tag(note_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tagging")
    def _ask_tag(self, note_id: int) -> None:
        suggestions = self.services.tag_suggestions()
        self.app.call_from_thread(self._push_tag_prompt, note_id, suggestions)

    def _push_tag_prompt(self, note_id: int, suggestions: list[str]) -> None:
        def chosen(value: str | None) -> None:
            if value:
                self._save_tag(note_id, "add", tag_name(value))

        prompt = PromptScreen(
            f"Add a tag to note #{note_id}",
            placeholder="tag (→ completes)",
            suggestions=suggestions,
            validate=tag_name,
            hint="→ accepts the suggestion · Enter saves · Esc cancels",
        )
        self.app.push_screen(prompt, chosen)

    def action_remove_tag(self) -> None:
        note_id = self._tagging_ready()
        if note_id is not None:
            self._ask_removal(note_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tagging")
    def _ask_removal(self, note_id: int) -> None:
        tags = self.services.note_tags(note_id)
        self.app.call_from_thread(self._push_removal, note_id, tags)

    def _push_removal(self, note_id: int, tags: list[tuple[str, str, float | None]]) -> None:
        if not tags:
            self.app.notify(f"Note #{note_id} has no tags.")
            return
        choices: list[tuple[str, str | Content]] = [
            (name, tag_label(name, origin, score)) for name, origin, score in tags
        ]

        def chosen(value: str | None) -> None:
            if value:
                self._save_tag(note_id, "remove", value)

        self.app.push_screen(ChoiceScreen(f"Remove a tag from note #{note_id}", choices), chosen)

    @work(thread=True, exit_on_error=False, group="tag-writes")
    def _save_tag(self, note_id: int, change: str, name: str) -> None:
        try:
            if change in ("add", "accept"):
                self.services.add_tag(note_id, name)
            else:
                self.services.remove_tag(note_id, name)
        except Exception as exc:
            self.app.call_from_thread(
                self.app.notify, f"Could not {change} #{name}: {exc}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self._tag_saved, note_id, change, name)

    def _tag_saved(self, note_id: int, change: str, name: str) -> None:
        verb = {"add": "Tagged", "accept": "Accepted", "remove": "Removed", "reject": "Rejected"}[change]
        self.app.notify(f"{verb} #{clean(name)} on note #{note_id}", timeout=3, markup=False)
        self.tags_changed(note_id)


def tag_label(name: str, origin: str, score: float | None) -> Content:
    """A tag chip: manual tags plain, auto-suggested topics italic with their score."""
    if origin == "auto":
        return Content.assemble(
            ("~" + clean(name), "$text-warning italic"),
            (f" {score:.2f}" if score is not None else "", "$text-muted"),
            ("?", "$text-warning"),
        )
    return Content.styled("#" + clean(name), "$text-accent bold")
