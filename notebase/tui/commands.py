"""Command palette entries (ctrl+p) for the long jobs: import, fetch links, re-index, topics."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import NotebaseApp


def _fetch(app: NotebaseApp, *, retry_failed: bool) -> None:
    label = "Retrying failed links" if retry_failed else "Fetching pending links"

    def run(progress: Callable[..., None]) -> str:
        summary = app.services.fetch(retry_failed=retry_failed, progress=progress)
        return f"{label.split()[0]} done: {_describe(summary)}"

    app.start_job("fetch", label, run)


def _reindex(app: NotebaseApp) -> None:
    def run(progress: Callable[..., None]) -> str:
        return f"Index up to date: {_describe(app.services.reindex(progress))}"

    app.start_job("index", "Indexing notes and pages", run)


def _apply_topics(app: NotebaseApp) -> None:
    def run(progress: Callable[..., None]) -> str:
        changed = app.services.apply_topics()
        return f"Topics applied: {_describe(changed)} suggestions added or rescored"

    app.start_job("topics", "Applying topics", run)


def _import(app: NotebaseApp) -> None:
    from .screens.empty import ask_import

    ask_import(app)


def _import_sample(app: NotebaseApp) -> None:
    from .screens.empty import run_import

    assert app.services.sample_path is not None
    run_import(app, app.services.sample_path)


def commands(app: NotebaseApp) -> list[tuple[str, str, Callable[[], None]]]:
    """(name, help, run) for the commands this base supports right now."""
    services = app.services
    found = [("Import a file…", "Add notes from a Telegram export", partial(_import, app))]
    if services.sample_path is not None:
        found.append(("Import the bundled sample", str(services.sample_path), partial(_import_sample, app)))
    if services.has("fetch"):
        found.append(
            (
                "Fetch pending links",
                "Download and clean the pages your notes link to",
                partial(_fetch, app, retry_failed=False),
            )
        )
        found.append(
            ("Retry failed links", "Fetch again the links that failed before", partial(_fetch, app, retry_failed=True))
        )
    if services.has("index"):
        found.append(("Re-index", "Embed new and changed notes and pages for meaning search", partial(_reindex, app)))
    if services.has("topics"):
        found.append(
            ("Apply topics", "Suggest topic tags for notes from the topics config", partial(_apply_topics, app))
        )
    return found


class NotebaseCommands(Provider):
    """The jobs, by name."""

    async def discover(self) -> Hits:
        for name, help_text, run in commands(self.app):  # type: ignore[arg-type]
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in commands(self.app):  # type: ignore[arg-type]
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)


def _describe(summary: Any) -> str:
    """A library summary (dataclass with to_json, dict or number) as `key value, …`, zeros left out."""
    if summary is None:
        return "ok"
    if isinstance(summary, int | float | str):
        return f"{summary:,}" if isinstance(summary, int) else str(summary)
    data = (
        summary.to_json()
        if callable(getattr(summary, "to_json", None))
        else summary
        if isinstance(summary, dict)
        else vars(summary)
    )
    parts = []
    for key, value in data.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or key == "seconds"
            or (not value and key != "total")
        ):
            continue
        parts.append(f"{key.replace('_', ' ')} {value:,}")
    if isinstance(data.get("seconds"), int | float):
        parts.append(f"in {data['seconds']:.1f}s")
    return ", ".join(parts) or "nothing to do"
