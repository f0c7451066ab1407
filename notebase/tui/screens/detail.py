"""One note in full: its text as Markdown, its links, the article behind a link, related notes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ...notes import NoteView
from ..services import Services
from ..text import STATUS_MARK, clean, domain, local, status_kind
from ..widgets.search import _when
from .tagging import TaggingMixin, tag_label

if TYPE_CHECKING:
    from ..app import NotebaseApp

ARTICLE_LIMIT = 200_000  # characters of an article rendered; the rest is cut with a note


class DetailScreen(TaggingMixin, Screen[None]):
    """The open note; Esc goes back to where it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("o", "open_link", "Open"),
        Binding("y", "copy_link", "Copy link", show=False),
        Binding("t", "add_tag", "Tag"),
        Binding("d", "remove_tag", "Untag"),
        Binding("a", "accept_topic", "Accept"),
        Binding("x", "reject_topic", "Reject"),
        Binding("l", "focus_links", "Links", show=False),
        Binding("R", "focus_related", "Related", show=False),
        Binding("n", "focus_note", "Note", show=False),
    ]

    class Loaded(Message):
        """The note, its links (with pages when fetched) and its tags, read from the store."""

        def __init__(
            self, note: NoteView | None, links: list[dict[str, Any]], tags: list[tuple[str, str, float | None]] | None
        ) -> None:
            self.note, self.links, self.tags = note, links, tags
            super().__init__()

    class RelatedLoaded(Message):
        """Semantic neighbours of the note."""

        def __init__(self, hits: list[dict[str, Any]], error: str | None = None) -> None:
            self.hits, self.error = hits, error
            super().__init__()

    def __init__(
        self, services: Services, note_id: int, *, on_tags_changed: Callable[[int], None] | None = None
    ) -> None:
        super().__init__()
        self.services = services
        self.note_id = note_id
        self.on_tags_changed = on_tags_changed
        self.note: NoteView | None = None
        self.links: list[dict[str, Any]] = []
        self.tags: list[tuple[str, str, float | None]] | None = None
        self._related_asked = False

    app: NotebaseApp  # type: ignore[assignment]

    @property
    def current_note_id(self) -> int | None:
        return self.note_id

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-head"):
            yield Static(id="detail-meta")
            yield Static(id="detail-tags")
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-main"):
                yield Markdown(id="note-text")
                yield Static(Content.styled("Links", "bold $text-muted"), id="links-title", classes="section")
                yield OptionList(id="links", markup=False)
                yield Static(id="article-meta", classes="section")
                yield Markdown(id="article")
            with Vertical(id="related-pane"):
                yield Static(Content.styled("Related notes", "bold $text-muted"), classes="section")
                yield OptionList(id="related", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#related-pane").display = self.services.has("related")
        self.query_one("#links-title").display = False
        self.query_one("#links").display = False
        self.query_one("#article-meta").display = False
        self.query_one("#article").display = False
        self.query_one("#detail-main").focus()
        self.watch(self.app, "model_state", self._model_changed, init=False)
        self._load()

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _load(self) -> None:
        services = self.services
        note = services.note(self.note_id)
        links: list[dict[str, Any]] = []
        if note is not None:
            pages = services.pages_for_note(self.note_id) if services.has("pages") else []
            links = _merge_links(note.links, pages)
        tags = services.note_tags(self.note_id) if note is not None and services.has("tags") else None
        self.post_message(self.Loaded(note, links, tags))

    def on_detail_screen_loaded(self, message: Loaded) -> None:
        if message.note is None:
            self.app.notify(f"Note #{self.note_id} is gone.", severity="warning")
            self.dismiss()
            return
        first = self.note is None
        self.note, self.links, self.tags = message.note, message.links, message.tags
        self._show_meta()
        self.refresh_bindings()
        if first:
            self.query_one("#note-text", Markdown).update(clean(message.note.text))
            self._show_links()
            self._load_related()

    def _show_meta(self) -> None:
        note = self.note
        assert note is not None
        when = local(note.sent_ts, self.services.tz)
        self.query_one("#detail-meta", Static).update(
            Content.assemble(
                (f"{when:%A, %d %B %Y  %H:%M}", "bold $primary"),
                ("  ·  ", "$text-muted"),
                (clean(note.author), "$text"),
                ("  ·  ", "$text-muted"),
                (f"note #{note.id}", "$text-muted"),
            )
        )
        chips: list[Content] = []
        if self.tags is not None:
            manual = [t for t in self.tags if t[1] != "auto"]
            auto = sorted((t for t in self.tags if t[1] == "auto"), key=lambda t: -(t[2] or 0))
            chips = [tag_label(*t) for t in manual + auto]
        else:
            chips = [Content.styled("#" + clean(t), "$text-accent bold") for t in note.tags]
        hint = Content.styled("no tags — t adds one" if not chips else "", "$text-muted italic")
        self.query_one("#detail-tags", Static).update(Content(" ").join(chips) if chips else hint)

    def _show_links(self) -> None:
        links = self.query_one("#links", OptionList)
        shown = bool(self.links)
        self.query_one("#links-title").display = links.display = shown
        links.set_options(Option(_link_prompt(link), id=str(i)) for i, link in enumerate(self.links))
        if shown:
            links.highlighted = 0
            self._show_article(self.links[0])

    @on(OptionList.OptionHighlighted, "#links")
    def _link_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_article(self.links[int(event.option.id or 0)])

    def _show_article(self, link: dict[str, Any]) -> None:
        meta = self.query_one("#article-meta", Static)
        article = self.query_one("#article", Markdown)
        markdown = link.get("markdown") or ""
        meta.display = article.display = bool(markdown)
        if not markdown:
            return
        parts: list[tuple[str, str] | str] = [(clean(link.get("title") or link["url"]), "bold $text-secondary")]
        details = [
            clean(str(v)) for v in (link.get("site"), link.get("author"), (link.get("published") or "")[:10]) if v
        ]
        if link.get("word_count"):
            details.append(f"{link['word_count']:,} words")
        if details:
            parts += ["\n", (" · ".join(details), "$text-muted")]
        meta.update(Content.assemble(*parts))
        text = clean(markdown)
        if len(text) > ARTICLE_LIMIT:
            text = text[:ARTICLE_LIMIT] + "\n\n*(article cut here; open the link for the rest)*"
        article.update(text)

    def _model_changed(self, state: str) -> None:
        if state == "ready" and not self._related_asked:
            self._load_related()

    def _load_related(self) -> None:
        related = self.query_one("#related", OptionList)
        if not self.services.has("related"):
            return
        if not self.services.semantic_ready:
            waiting = (
                "Related notes appear when the model has loaded."
                if self.app.model_state == "loading"
                else "Needs the embedding model."
            )
            related.set_options([Option(Content.styled(waiting, "$text-muted italic"), disabled=True)])
            return
        self._related_asked = True
        self._fetch_related()

    @work(thread=True, exclusive=True, exit_on_error=False, group="related")
    def _fetch_related(self) -> None:
        try:
            hits = [h for h in self.services.related(self.note_id, limit=10) if h.get("id") != self.note_id]
        except Exception as exc:  # typically: this note has no vector yet
            self.post_message(self.RelatedLoaded([], error=str(exc)))
            return
        self.post_message(self.RelatedLoaded(hits))

    def on_detail_screen_related_loaded(self, message: RelatedLoaded) -> None:
        related = self.query_one("#related", OptionList)
        if not message.hits:
            text = f"{message.error}\n(Re-index from the palette, ctrl+p.)" if message.error else "Nothing close."
            related.set_options([Option(Content.styled(clean(text), "$text-muted italic"), disabled=True)])
            return
        tz = self.services.tz
        options: list[Option | None] = []
        for h in message.hits:
            if options:
                options.append(None)
            when = Content.styled(_when(h.get("sent_at"), tz), "$text-muted")
            options.append(
                Option(
                    when + "\n" + Content(_squash(clean(h.get("snippet") or h.get("text") or ""), 120)), id=str(h["id"])
                )
            )
        related.set_options(options)

    @on(OptionList.OptionSelected, "#related")
    def _related_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(
                DetailScreen(self.services, int(event.option.id), on_tags_changed=self.on_tags_changed)
            )

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_tag", "remove_tag"):
            return self.services.has("tags")
        if action in ("accept_topic", "reject_topic"):  # shown only while there is a suggestion
            return self.services.has("tags") and any(t[1] == "auto" for t in self.tags or [])
        if action == "focus_related":
            return self.services.has("related")
        return True

    def _current_link(self) -> dict[str, Any] | None:
        if not self.links:
            return None
        index = self.query_one("#links", OptionList).highlighted
        return self.links[index or 0]

    def action_open_link(self) -> None:
        link = self._current_link()
        if link is None:
            self.app.notify("This note has no links.")
            return
        self.app.open_url(link["url"])

    def action_copy_link(self) -> None:
        link = self._current_link()
        if link is None:
            self.app.notify("This note has no links.")
            return
        self.app.copy_to_clipboard(link["url"])
        self.app.notify(f"Copied {link['url']}", timeout=3, markup=False)

    def _top_suggestion(self) -> str | None:
        auto = sorted((t for t in self.tags or [] if t[1] == "auto"), key=lambda t: -(t[2] or 0))
        if not auto:
            self.app.notify("No suggested topics on this note.")
            return None
        return auto[0][0]

    def action_accept_topic(self) -> None:
        if (name := self._top_suggestion()) is not None:
            self._save_tag(self.note_id, "accept", name)

    def action_reject_topic(self) -> None:
        if (name := self._top_suggestion()) is not None:
            self._save_tag(self.note_id, "reject", name)

    def tags_changed(self, note_id: int) -> None:
        self._load()
        if self.on_tags_changed is not None:
            self.on_tags_changed(note_id)

    def action_back(self) -> None:
        self.dismiss()

    def action_focus_links(self) -> None:
        if self.links:
            self.query_one("#links").focus()

    def action_focus_related(self) -> None:
        if self.services.has("related"):
            related = self.query_one("#related", OptionList)
            related.focus()
            if related.highlighted is None and related.option_count:
                related.action_first()

    def action_focus_note(self) -> None:
        self.query_one("#detail-main").focus()


def _merge_links(urls: list[str], pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per link of the note: the pages API's entries (they carry status and page)
    when there are any, else the note's own normalized URLs."""
    merged = [dict(p) for p in pages] if pages else [{"url": url} for url in urls]
    for link in merged:
        link["url"] = link.get("url") or ""
    return merged


def _link_prompt(link: dict[str, Any]) -> Content:
    status = link.get("status")
    parts: list[tuple[str, str] | str] = []
    if status is not None:
        kind = status_kind(status)
        style = {"ok": "$text-success", "pending": "$text-muted", "failed": "$text-error"}[kind]
        parts.append((f"{STATUS_MARK[kind]} {clean(str(status))}  ", style))
    title = clean(link.get("title") or "")
    site = clean(link.get("site") or "") or domain(link["url"])
    if title:
        parts += [(title, "bold $text"), ("  " + site, "$text-secondary")]
    else:
        parts.append((site, "$text-secondary"))
    parts += ["\n", ("  " + clean(link["url"]), "$text-muted")]
    return Content.assemble(*parts)


def _squash(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
