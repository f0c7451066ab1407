"""The notebase TUI: the App, its long-running jobs and the factory the CLI and the tests share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive

from ..db import Store
from ..timeutil import resolve_tz
from .commands import NotebaseCommands
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .services import Services, default_embedder_factory, default_sample_path

_DEFAULT: Any = object()


class NotebaseApp(App[None]):
    """Timeline, search, note detail and tagging over one notebase store."""

    CSS_PATH = "app.tcss"
    TITLE = "notebase"
    COMMANDS = App.COMMANDS | {NotebaseCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Keys"),
    ]

    model_state: reactive[str] = reactive("loading")
    """'loading', 'ready', 'missing' (no embeddings module) or 'failed'."""
    job_label: reactive[str] = reactive("")
    job_progress: reactive[tuple[float, float | None] | None] = reactive(None)
    """(done, total or None) while a job runs; None when idle."""

    class ModelLoaded(Message):
        """The embedding model finished loading (or could not be loaded)."""

        def __init__(self, state: str, error: str | None = None) -> None:
            self.state, self.error = state, error
            super().__init__()

    class JobProgress(Message):
        """A long job moved on; newer progress replaces older in the queue."""

        def __init__(self, label: str, done: float, total: float | None) -> None:
            self.label, self.done, self.total = label, done, total
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, NotebaseApp.JobProgress)

    class JobDone(Message):
        """A long job finished: `summary` for the user, or `error`."""

        def __init__(self, kind: str, summary: str, error: str | None = None) -> None:
            self.kind, self.summary, self.error = kind, summary, error
            super().__init__()

    def __init__(self, services: Services, *, load_model: bool = True) -> None:
        super().__init__()
        self.services = services
        self.load_model = load_model
        self.main_screen = MainScreen(services)
        self._on_job_done: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self.push_screen(self.main_screen)
        if self.load_model:
            self._load_model()
        else:
            self.model_state = "missing"

    # -- the model -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="model")
    def _load_model(self) -> None:
        # Loading imports torch and reads the weights: seconds, so never on the UI thread.
        try:
            embedder = self.services.load_embedder()
        except Exception as exc:
            self.post_message(self.ModelLoaded("failed", str(exc)))
            return
        self.post_message(self.ModelLoaded("ready" if embedder is not None else "missing"))

    def on_notebase_app_model_loaded(self, message: ModelLoaded) -> None:
        self.model_state = message.state
        if message.error:
            self.notify(
                f"Meaning search is off: the model did not load ({message.error})",
                severity="warning",
                timeout=8,
                markup=False,
            )

    # -- long jobs (palette commands) ------------------------------------------------------

    @property
    def job_running(self) -> bool:
        return self.job_progress is not None

    def start_job(
        self,
        kind: str,
        label: str,
        run: Callable[[Callable[..., None]], str],
        *,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        """Run `run(progress)` in a worker; it returns a one-line summary. `on_done` follows a success."""
        if self.job_running:
            self.notify(f"Still busy: {self.job_label}", severity="warning", markup=False)
            return
        self._on_job_done = on_done
        self.job_label = label
        self.job_progress = (0, None)
        self.notify(f"{label}…", timeout=3, markup=False)
        self._run_job(kind, label, run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="job")
    def _run_job(self, kind: str, label: str, run: Callable[[Callable[..., None]], str]) -> None:
        def progress(*values: Any) -> None:
            # Library callbacks pass a count, (done, total), or a progress object.
            done, total = _progress_numbers(values[0] if len(values) == 1 else values)
            self.post_message(self.JobProgress(label, done, total))

        try:
            summary = run(progress)
        except Exception as exc:  # reported to the user in on_notebase_app_job_done
            error = str(exc) if isinstance(exc, ValueError | OSError | RuntimeError) else f"{type(exc).__name__}: {exc}"
            self.post_message(self.JobDone(kind, label, error=error))
            return
        self.post_message(self.JobDone(kind, summary))

    def on_notebase_app_job_progress(self, message: JobProgress) -> None:
        if self.job_running:
            self.job_progress = (message.done, message.total)

    def on_notebase_app_job_done(self, message: JobDone) -> None:
        self.job_progress = None
        self.job_label = ""
        if message.error:
            self.notify(f"{message.summary} failed: {message.error}", severity="error", timeout=10, markup=False)
        else:
            self.notify(message.summary, title="Done", timeout=6, markup=False)
        self.main_screen.reload()
        callback, self._on_job_done = self._on_job_done, None
        if callback is not None and not message.error:
            callback()

    # -- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def _progress_numbers(value: Any) -> tuple[float, float | None]:
    """(done, total) from whatever a library progress callback passes: a count or an object."""
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, tuple) and value and all(isinstance(v, int | float) for v in value[:2]):
        return float(value[0]), float(value[1]) if len(value) > 1 else None
    done = next(
        (
            getattr(value, n)
            for n in ("done", "completed", "processed", "fetched", "n")
            if isinstance(getattr(value, n, None), int | float)
        ),
        0,
    )
    total = next(
        (getattr(value, n) for n in ("total", "pending", "count") if isinstance(getattr(value, n, None), int | float)),
        None,
    )
    return float(done), (float(total) if total else None)


def make_app(
    store: Store,
    *,
    tz: tzinfo | None = None,
    embedder_factory: Callable[[], Any] | None = None,
    sample_path: Path | None = _DEFAULT,
    load_model: bool = True,
    home: str | None = None,
) -> NotebaseApp:
    """The app over `store`, for `notebase tui` and for tests (which pass a fixed tz and a fake embedder).

    `embedder_factory` defaults to the configured model of `home` (loaded in a worker at start-up).
    """
    services = Services(
        store,
        tz=tz or resolve_tz(),
        embedder_factory=embedder_factory or default_embedder_factory(home),
        sample_path=default_sample_path() if sample_path is _DEFAULT else sample_path,
    )
    return NotebaseApp(services, load_model=load_model)
