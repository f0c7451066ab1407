"""The status line: what the timeline shows, the model's state, and a running job's progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import ProgressBar, Static

MODEL_STATES = {
    "loading": ("model loading…", "$text-muted italic"),
    "ready": ("meaning search ready", "$text-success"),
    "missing": ("keyword search only", "$text-muted"),
    "failed": ("model failed: keyword search only", "$text-warning"),
}


class StatusBar(Horizontal):
    """One line above the footer; follows the app's model_state, job_label and job_progress."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-text")
        yield Static(id="job-label")
        yield ProgressBar(id="job-bar", show_eta=False)
        yield Static(id="model-state")

    def on_mount(self) -> None:
        self.watch(self.app, "model_state", self._model_changed)
        self.watch(self.app, "job_progress", self._job_changed)

    def set_text(self, content: Content) -> None:
        self.query_one("#status-text", Static).update(content)

    def _model_changed(self, state: str) -> None:
        text, style = MODEL_STATES.get(state, (state, "$text-muted"))
        self.query_one("#model-state", Static).update(Content.styled(text, style))

    def _job_changed(self, progress: tuple[float, float | None] | None) -> None:
        bar = self.query_one("#job-bar", ProgressBar)
        label = self.query_one("#job-label", Static)
        running = progress is not None
        bar.display = label.display = running
        if progress is None:
            return
        done, total = progress
        label.update(
            Content.styled(
                f"{self.app.job_label}: {int(done):,}" + (f"/{int(total):,}" if total else ""), "$text-accent"
            )
        )  # type: ignore[attr-defined]
        bar.update(total=total, progress=done)
