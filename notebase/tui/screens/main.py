"""The main screen: search box, sidebar of filters, and the timeline or the search results."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import get_current_worker

from ..services import Filters, Services
from ..text import clean
from ..widgets.search import MODES, SearchBox, SearchResults
from ..widgets.sidebar import Sidebar
from ..widgets.status import StatusBar
from ..widgets.timeline import Timeline
from .choice import ChoiceScreen
from .prompt import PromptScreen, parse_day
from .tagging import TaggingMixin

if TYPE_CHECKING:
    from ..app import NotebaseApp

SEARCH_DEBOUNCE = 0.15  # seconds of quiet typing before a query runs
SEARCH_LIMIT = 50


class MainScreen(TaggingMixin, Screen[None]):
    """Timeline and search, side by side with the filters."""

    AUTO_FOCUS = "#timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("ctrl+t", "cycle_mode", "Mode", priority=True),
        Binding("escape", "back", "Back"),
        Binding("r", "flip_order", "Order"),
        Binding("g", "go_to_date", "Date"),
        Binding("a", "filter_author", "Author", show=False),
        Binding("c", "clear_filters", "Clear filter", show=False),
        Binding("b", "toggle_sidebar", "Sidebar", show=False),
        Binding("t", "add_tag", "Tag", show=False),
    ]

    class SearchDone(Message):
        """Hits for one query in one mode (`final` once no better results will follow)."""

        def __init__(
            self, generation: int, mode: str, hits: list[dict[str, Any]], final: bool, error: str | None = None
        ) -> None:
            self.generation, self.mode, self.hits, self.final, self.error = generation, mode, hits, final, error
            super().__init__()

    class SidebarData(Message):
        """Counts for the sidebar, fresh from the store."""

        def __init__(
            self, total: int, tags: list[tuple[str, int, int]], topics: set[str], authors: list[tuple[str, int]]
        ) -> None:
            self.total, self.tags, self.topics, self.authors = total, tags, topics, authors
            super().__init__()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.filters = Filters()
        self.mode = "hybrid"
        self.query_text = ""
        self._search_generation = 0
        self._search_final = False
        self._debounce: Timer | None = None
        self._authors: list[tuple[str, int]] = []
        self._has_notes: bool | None = None

    app: NotebaseApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield SearchBox(placeholder="Search notes and pages  (/)", id="search")
            yield Static(id="mode")
            yield Static(id="filter-info")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar", markup=False)
            with ContentSwitcher(initial="timeline", id="content"):
                yield Timeline(self.services, id="timeline")
                yield SearchResults(self.services.tz, id="results")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        searchable = self.services.has("search")
        self.query_one("#search").display = searchable
        self.query_one("#mode").display = searchable
        self._show_mode()
        self.watch(self.app, "model_state", self._model_changed, init=False)
        self.reload()

    # -- data ------------------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline:
        return self.query_one("#timeline", Timeline)

    @property
    def current_note_id(self) -> int | None:
        results = self.query_one("#results", SearchResults)
        if self.query_one("#content", ContentSwitcher).current == "results":
            option = results.highlighted_option
            return int(option.id) if option is not None and option.id else None
        return self.timeline.current_note_id

    def reload(self) -> None:
        """Re-read the timeline (keeping the cursor's note) and the sidebar, e.g. after a job."""
        self.timeline.load(self.filters, keep=self.timeline.current_note_id)
        self._load_sidebar()
        self._show_filters()
        if self.query_text:
            self._run_search()

    def tags_changed(self, note_id: int) -> None:
        """A note's tags changed: redraw its row and recount the sidebar; no full reload."""
        self._refresh_note(note_id)
        self._load_sidebar()
        if self.filters.tag:  # the note may have joined or left the filtered set
            self.timeline.load(self.filters, keep=self.timeline.current_note_id)

    @work(thread=True, exit_on_error=False, group="note-refresh")
    def _refresh_note(self, note_id: int) -> None:
        note = self.services.note(note_id)
        if note is not None:
            self.app.call_from_thread(self.timeline.update_tags, note_id, tuple(note.tags))

    @work(thread=True, exclusive=True, exit_on_error=False, group="sidebar")
    def _load_sidebar(self) -> None:
        services = self.services
        data = self.SidebarData(
            services.count(), services.tag_counts(), set(services.topic_names()), services.authors()
        )
        if not get_current_worker().is_cancelled:
            self.post_message(data)

    def on_main_screen_sidebar_data(self, message: SidebarData) -> None:
        self._authors = message.authors
        timeline = self.timeline
        several = len(message.authors) > 1
        if timeline.show_authors != several:
            timeline.show_authors = several
            timeline.notify_style_update()
            timeline.refresh()
        self.query_one(Sidebar).show_counts(message.total, message.tags, message.topics, message.authors)
        self._has_notes = message.total > 0
        if message.total == 0:
            self._show_empty()

    def _show_empty(self) -> None:
        from .empty import EmptyScreen

        if not any(isinstance(s, EmptyScreen) for s in self.app.screen_stack):
            self.app.push_screen(EmptyScreen(self.services), lambda _: self.reload())

    @on(Timeline.Loaded)
    def _timeline_loaded(self, message: Timeline.Loaded) -> None:
        self._show_filters()
        # 100,000 rows are long-lived: without this every full GC pass walks them all and a
        # page-down now and then takes ~200 ms instead of ~6. Rows hold no cycles, so
        # replaced ones are still freed by reference counting.
        gc.freeze()

    @on(Timeline.NoteHighlighted)
    def _note_highlighted(self, message: Timeline.NoteHighlighted) -> None:
        self._show_filters()

    @on(Timeline.NoteSelected)
    def _open_from_timeline(self, message: Timeline.NoteSelected) -> None:
        self.open_note(message.note_id)

    def open_note(self, note_id: int) -> None:
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(self.services, note_id, on_tags_changed=self.tags_changed))

    # -- filters ---------------------------------------------------------------------------

    def set_filters(self, **changes: Any) -> None:
        self.filters = Filters(**{**self.filters.__dict__, **changes})
        self.timeline.load(self.filters, keep=self.timeline.current_note_id)
        self._show_filters()
        if self.query_text:
            self._run_search()

    @on(Sidebar.FilterChosen)
    def _sidebar_filter(self, message: Sidebar.FilterChosen) -> None:
        # Filters combine (a tag by one author); "all notes" or `c` clears them.
        if message.kind == "tag":
            self.set_filters(tag=message.value)
        elif message.kind == "author":
            self.set_filters(author=message.value)
        else:
            self.set_filters(tag=None, author=None)
        self.timeline.focus()

    def _show_filters(self) -> None:
        timeline = self.timeline
        described = self.filters.describe()
        if self.query_one("#content", ContentSwitcher).current == "results":
            found = len(self.query_one(SearchResults).hits)
            summary = f"{found} result{'s' if found != 1 else ''}, {self.mode}"
        else:
            order = "newest first" if self.filters.newest_first else "oldest first"
            summary = f"{timeline.note_count:,}{'…' if timeline.is_loading else ''} notes, {order}"
        self.query_one("#filter-info", Static).update(
            Content.assemble(
                (clean(described) + "  " if described else "", "$text-accent bold"), (summary, "$text-muted")
            )
        )
        status = self.query_one(StatusBar)
        note_id = self.current_note_id
        status.set_text(Content.styled(f"note #{note_id}" if note_id else "", "$text-muted"))

    def action_flip_order(self) -> None:
        self.set_filters(newest_first=not self.filters.newest_first)

    def action_clear_filters(self) -> None:
        self.set_filters(tag=None, author=None)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.display = not sidebar.display

    def action_go_to_date(self) -> None:
        def jump(value: str | None) -> None:
            if value:
                self._show_timeline()
                self.timeline.jump_to_date(parse_day(value))
                self.timeline.focus()

        self.app.push_screen(PromptScreen("Go to date", placeholder="YYYY-MM-DD", validate=parse_day), jump)

    def action_filter_author(self) -> None:
        choices = [("", "All authors")] + [(name, f"{name}  ({count:,})") for name, count in self._authors]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.set_filters(author=value or None)

        self.app.push_screen(ChoiceScreen("Filter by author", choices), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # only while searching
            return bool(self.query_text) or isinstance(self.focused, SearchBox)
        if action in ("focus_search", "cycle_mode"):
            return self.services.has("search")
        if action == "add_tag":
            return self.services.has("tags")
        return True

    # -- search ----------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        if self.services.has("search"):
            self.query_one(SearchBox).focus()

    def action_cycle_mode(self) -> None:
        if not self.services.has("search"):
            return
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self._show_mode()
        if self.query_text:
            self._run_search()

    def _show_mode(self) -> None:
        waiting = self.mode != "keyword" and self.app.model_state == "loading"
        self.query_one("#mode", Static).update(
            Content.assemble((f" {self.mode} ", "reverse $accent"), (" …" if waiting else "", "$text-muted"))
        )

    def _model_changed(self, state: str) -> None:
        self._show_mode()
        if self.query_text and self.mode != "keyword":
            self._run_search()

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.refresh_bindings()
        if self._debounce is not None:
            self._debounce.stop()
        if not self.query_text:
            self._show_timeline()
            return
        self._debounce = self.set_timer(SEARCH_DEBOUNCE, self._run_search)

    def _run_search(self) -> None:
        self._debounce = None
        query = self.query_text
        if not query:
            return
        self._search_generation += 1
        self._search_final = False
        self.query_one("#content", ContentSwitcher).current = "results"
        generation, mode = self._search_generation, self.mode
        semantic_possible = self.services.semantic_ready
        if mode != "semantic" or not semantic_possible:
            # Keyword hits come back in milliseconds: show them while the model works.
            self._search_keyword(generation, query, final=mode == "keyword")
        if mode != "keyword" and semantic_possible:
            self._search_semantic(generation, query, mode)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-keyword")
    def _search_keyword(self, generation: int, query: str, final: bool) -> None:
        self._search(generation, query, "keyword", final)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-semantic")
    def _search_semantic(self, generation: int, query: str, mode: str) -> None:
        self._search(generation, query, mode, True)

    def _search(self, generation: int, query: str, mode: str, final: bool) -> None:
        try:
            hits = self.services.search(query, mode, limit=SEARCH_LIMIT, tag=self.filters.tag)
        except Exception as exc:  # a query the parser rejects, a busy database: say so in the list
            self.post_message(self.SearchDone(generation, mode, [], final, error=str(exc)))
            return
        self.post_message(self.SearchDone(generation, mode, hits, final))

    def on_main_screen_search_done(self, message: SearchDone) -> None:
        if message.generation != self._search_generation or self._search_final:
            return
        self._search_final = message.final
        note = None
        if message.error:
            note = f"Search failed: {message.error}"
        elif not message.final:
            if self.services.semantic_ready:
                note = "Word matches; matches by meaning on their way…"
            elif self.app.model_state == "loading":
                note = "Word matches; matches by meaning follow when the model has loaded."
            else:
                note = "Word matches only: no embedding model."
        self.query_one(SearchResults).show_hits(message.hits, note=note, failed=bool(message.error))
        self._show_filters()

    @on(SearchBox.ToResults)
    def _to_results(self) -> None:
        if self.query_text:
            self.query_one(SearchResults).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:  # Enter before the debounce fired: search now
            self._debounce.stop()
            self._run_search()
            return
        option = self.query_one(SearchResults).highlighted_option
        if option is not None and option.id:
            self.open_note(int(option.id))

    @on(SearchResults.OptionSelected, "#results")
    def _result_selected(self, event: SearchResults.OptionSelected) -> None:
        if event.option.id:
            self.open_note(int(event.option.id))

    @on(SearchResults.OptionHighlighted, "#results")
    def _result_highlighted(self) -> None:
        self._show_filters()

    def _show_timeline(self) -> None:
        self.query_one("#content", ContentSwitcher).current = "timeline"
        self._show_filters()

    def action_back(self) -> None:
        """Esc: leave the search (clearing it) and return to the timeline."""
        box = self.query_one(SearchBox)
        if self.query_text or box.has_focus:
            box.value = ""
            self.query_text = ""
            if self._debounce is not None:
                self._debounce.stop()
            self._search_generation += 1
            self._show_timeline()
        self.timeline.focus()
        self.refresh_bindings()
