"""The TUI, driven like a user would: keys in, what the screen shows out.

Real SQLite stores filled through the library (a small transcript imported with
notebase.ingest), a fixed time zone, the deterministic hashing embedder.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notebase.db import Store
from notebase.ingest import import_file
from notebase.tui.app import NotebaseApp, make_app
from notebase.tui.screens.choice import ChoiceScreen
from notebase.tui.screens.detail import DetailScreen
from notebase.tui.screens.empty import EmptyScreen
from notebase.tui.screens.help import HelpScreen
from notebase.tui.screens.prompt import PromptScreen
from notebase.tui.widgets.timeline import DayHeader, Timeline

TZ = ZoneInfo("Europe/Berlin")
SIZE = (100, 30)
MARKUP = "[bold red]hi[/] [link=http://x]y[/link]"

TRANSCRIPT = f"""\
Alex, [1/13/26 9:00 AM]
Read later: the rust async book https://rust-lang.github.io/async-book/

Alex, [1/13/26 6:30 PM]
Buy milk and coffee

Sam, [1/14/26 7:45 AM]
Vector search ideas for the notes app
sqlite fts5 plus embeddings

Alex, [1/15/26 8:20 AM]
{MARKUP}

Alex, [1/15/26 8:25 AM]
\x1b[31mred alert\x1b[0m deploy the cache service

Alex, [1/15/26 9:10 AM]
Martin Fowler on event sourcing https://martinfowler.com/eaaDev/EventSourcing.html
"""


def has(module: str) -> bool:
    return importlib.util.find_spec(f"notebase.{module}") is not None


def fake_embedder():
    from notebase.embeddings import load_embedder

    return load_embedder("hash")


def make_store(tmp_path: Path, text: str = TRANSCRIPT, *, index: bool = True) -> Store:
    store = Store(tmp_path / "notebase.db")
    if text:
        path = tmp_path / "export.txt"
        path.write_text(text, encoding="utf-8")
        import_file(store, path, tz=TZ)
        if index and has("index") and has("embeddings"):
            from notebase.index import index_pending

            index_pending(store, fake_embedder())
    return store


def build_app(store: Store, **kwargs) -> NotebaseApp:
    kwargs.setdefault("embedder_factory", fake_embedder if has("embeddings") else None)
    kwargs.setdefault("sample_path", None)
    return make_app(store, tz=TZ, **kwargs)


async def settle(pilot) -> None:
    """Let workers finish and their messages land."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def timeline_of(app: NotebaseApp) -> Timeline:
    return app.main_screen.query_one("#timeline", Timeline)


def visible_text(timeline: Timeline) -> list[str]:
    return [timeline.render_line(y).text.rstrip() for y in range(timeline.size.height)]


def note_ids(timeline: Timeline) -> list[int]:
    return [line.id for line in timeline.lines if not isinstance(line, DayHeader)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


# -- timeline --------------------------------------------------------------------------------


async def test_timeline_groups_notes_under_days_newest_first(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = timeline_of(app)
        lines = visible_text(timeline)
        assert lines[0].strip() == "Thursday, 15 January 2026"
        assert "09:10" in lines[1] and "Martin Fowler on event sourcing" in lines[1] and "martinfowler.com" in lines[1]
        days = [line.strip() for line in lines if "January 2026" in line]
        assert days == ["Thursday, 15 January 2026", "Wednesday, 14 January 2026", "Tuesday, 13 January 2026"]
        # Two authors in the base: each row names its author.
        assert lines[1].rstrip().endswith("Alex")
        assert timeline.note_count == 6


async def test_cursor_moves_and_enter_opens_the_note(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = timeline_of(app)
        ids = note_ids(timeline)
        assert timeline.current_note_id == ids[0]
        await pilot.press("j", "down")
        assert timeline.current_note_id == ids[2]
        await pilot.press("k")
        assert timeline.current_note_id == ids[1]
        await pilot.press("end")
        assert timeline.current_note_id == ids[-1]
        await pilot.press("home", "pagedown")
        assert timeline.current_note_id == ids[-1]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.note_id == ids[-1]
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_r_flips_the_order(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = timeline_of(app)
        newest_first = note_ids(timeline)
        await pilot.press("r")
        await settle(pilot)
        assert note_ids(timeline) == newest_first[::-1]
        assert visible_text(timeline)[0].strip() == "Tuesday, 13 January 2026"
        await pilot.press("r")
        await settle(pilot)
        assert note_ids(timeline) == newest_first


async def test_g_jumps_to_a_date(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"2026-01-14", "enter")
        await settle(pilot)
        note = app.services.note(timeline_of(app).current_note_id)
        assert note.text.startswith("Vector search ideas")
        # A day without notes lands on the closest earlier one (newest first).
        await pilot.press("g", *"2026-01-13", "enter")
        await settle(pilot)
        assert app.services.note(timeline_of(app).current_note_id).text == "Buy milk and coffee"
        # Not a date: the dialog says so and stays open.
        await pilot.press("g", *"soon", "enter")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_author_filter(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "enter")  # All authors, Alex, Sam
        await settle(pilot)
        timeline = timeline_of(app)
        assert [app.services.note(i).author for i in note_ids(timeline)] == ["Sam"]
        assert "by Sam" in str(app.main_screen.query_one("#filter-info").render())
        await pilot.press("c")
        await settle(pilot)
        assert timeline.note_count == 6


async def test_sidebar_author_filters_the_timeline(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sidebar = app.main_screen.query_one("#sidebar")
        sidebar.focus()
        option = sidebar.get_option("author:Alex")
        sidebar.highlighted = sidebar.get_option_index(option.id)
        await pilot.press("enter")
        await settle(pilot)
        assert timeline_of(app).note_count == 5
        assert app.focused is timeline_of(app)


async def test_markup_and_escapes_in_notes_show_literally(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = visible_text(timeline_of(app))
        assert any(MARKUP in line for line in lines)
        assert any("red alert deploy the cache service" in line for line in lines)
        assert not any("\x1b" in line for line in lines)
        markup_id = next(i for i in note_ids(timeline_of(app)) if app.services.note(i).text == MARKUP)
        app.main_screen.open_note(markup_id)
        await settle(pilot)
        from textual.widgets import Markdown

        body = app.screen.query_one("#note-text", Markdown)
        rendered = "".join(
            strip.text for block in body.children for strip in block.render_lines(block.region.reset_offset)
        )
        assert MARKUP in rendered


async def test_question_mark_lists_the_keys_and_q_quits(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys").render())
        for expected in ("Order", "Date", "Quit", "Open"):
            assert expected in keys
        await pilot.press("escape")
        assert app.screen is app.main_screen
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_detail_shows_links_and_opens_and_copies_them(store: Store, monkeypatch) -> None:
    app = build_app(store)
    opened: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
        await settle(pilot)
        await pilot.press("enter")  # the newest note: Martin Fowler's article
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        links = screen.query_one("#links")
        assert links.display and "martinfowler.com" in str(links.get_option_at_index(0).prompt)
        await pilot.press("o")
        assert opened == ["https://martinfowler.com/eaaDev/EventSourcing.html"]
        await pilot.press("y")
        assert app.clipboard == "https://martinfowler.com/eaaDev/EventSourcing.html"


# -- empty base ------------------------------------------------------------------------------


async def test_empty_base_says_how_to_import_and_imports_the_sample(tmp_path: Path) -> None:
    sample = tmp_path / "sample-export.txt"
    sample.write_text(TRANSCRIPT, encoding="utf-8")
    store = make_store(tmp_path, text="")
    app = build_app(store, sample_path=sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EmptyScreen)
        assert "notebase import FILE" in str(app.screen.query_one("#welcome-text").render())
        await pilot.press("s")
        await settle(pilot)
        assert app.screen is app.main_screen
        assert timeline_of(app).note_count == 6


async def test_empty_base_without_the_sample(tmp_path: Path) -> None:
    app = build_app(make_store(tmp_path, text=""), sample_path=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EmptyScreen)
        assert not app.screen.query("#import-sample")
        assert "not installed" in str(app.screen.query_one("#no-sample").render())
        await pilot.press("s")  # does nothing
        assert isinstance(app.screen, EmptyScreen)


async def test_import_a_file_from_the_palette(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    more = tmp_path / "more.txt"
    more.write_text("Alex, [2/1/26 10:00 AM]\nA new month\n", encoding="utf-8")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "Import a file")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("Input").value = str(more)
        await pilot.press("enter")
        await settle(pilot)
        assert timeline_of(app).note_count == 7
        assert any("A new month" in line for line in visible_text(timeline_of(app)))


async def run_command(pilot, name: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*name)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


# -- search ----------------------------------------------------------------------------------

needs_search = pytest.mark.skipif(not has("search"), reason="notebase.search not there yet")


def result_ids(app: NotebaseApp) -> list[int]:
    results = app.main_screen.query_one("#results")
    return [int(o.id) for o in results.options if o.id]


@needs_search
async def test_search_as_you_type_then_open_and_come_back(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is app.main_screen.query_one("#search")
        await pilot.press(*"cach")  # the last word is a prefix while typing
        await pilot.pause(0.3)
        await settle(pilot)
        switcher = app.main_screen.query_one("#content")
        assert switcher.current == "results"
        hits = result_ids(app)
        cache_note = next(i for i in hits if "cache" in app.services.note(i).text)
        assert hits[0] == cache_note
        prompt = str(app.main_screen.query_one("#results").get_option(str(cache_note)).prompt)
        assert "deploy the" in prompt and "words" in prompt  # the snippet, and why it matched
        await pilot.press("enter")  # Enter in the box opens the highlighted hit
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.note_id == cache_note
        await pilot.press("escape")
        assert app.screen is app.main_screen and switcher.current == "results"
        await pilot.press("escape")  # leaves the search
        assert switcher.current == "timeline"
        assert app.main_screen.query_one("#search").value == ""
        assert app.focused is timeline_of(app)


@needs_search
async def test_results_list_opens_with_enter(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"milk")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down")
        assert app.focused is app.main_screen.query_one("#results")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.services.note(app.screen.note_id).text == "Buy milk and coffee"


@needs_search
async def test_ctrl_t_cycles_the_search_mode(store: Store) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"coffee")
        await pilot.pause(0.3)
        await settle(pilot)
        screen = app.main_screen
        assert screen.mode == "hybrid"
        hybrid_prompt = str(screen.query_one("#results").options[0].prompt)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert screen.mode == "keyword" and "keyword" in str(screen.query_one("#mode").render())
        keyword_prompts = [str(o.prompt) for o in screen.query_one("#results").options if o.id]
        assert keyword_prompts and all("meaning" not in p for p in keyword_prompts)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert screen.mode == "semantic"
        semantic_prompts = [str(o.prompt) for o in screen.query_one("#results").options if o.id]
        assert semantic_prompts and all("meaning" in p for p in semantic_prompts)
        assert "hybrid" not in str(screen.query_one("#mode").render())
        await pilot.press("ctrl+t")
        assert screen.mode == "hybrid"
        assert hybrid_prompt


@needs_search
async def test_semantic_results_wait_for_the_model(store: Store) -> None:
    """Keyword hits show at once; the merged hybrid list replaces them once the model is in."""
    import threading

    gate = threading.Event()

    def slow_embedder():
        gate.wait(10)
        return fake_embedder()

    app = build_app(store, embedder_factory=slow_embedder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.model_state == "loading"
        await pilot.press("slash", *"coffee")
        await pilot.pause(0.3)
        for _ in range(20):
            await pilot.pause(0.05)
            if result_ids(app):
                break
        results = app.main_screen.query_one("#results")
        assert "follow when the model has loaded" in str(results.options[0].prompt)
        assert result_ids(app)
        gate.set()
        await settle(pilot)
        assert app.model_state == "ready"
        assert not any("model" in str(o.prompt) for o in results.options if not o.id)


# -- tagging ---------------------------------------------------------------------------------

needs_tags = pytest.mark.skipif(not has("tags"), reason="notebase.tags not there yet")


def suggest_topic(store: Store, note_id: int, name: str, score: float) -> None:
    """What topic application leaves behind: an auto tag with its similarity."""
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
        tag_id = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
        conn.execute(
            "INSERT INTO note_tags (note_id, tag_id, origin, score) VALUES (?, ?, 'auto', ?)", (note_id, tag_id, score)
        )


@needs_tags
async def test_add_a_tag_with_completion_then_remove_it(store: Store) -> None:
    from notebase.tags import add_tag, note_tags

    first_id = 1
    add_tag(store, first_id, "reading-list")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        note_id = timeline_of(app).current_note_id
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"read", "right", "enter")  # → takes the suggestion
        await settle(pilot)
        assert ("reading-list", "manual", None) in note_tags(store, note_id)
        assert "#reading-list" in str(app.screen.query_one("#detail-tags").render())
        # The timeline shows the chip too.
        await pilot.press("escape")
        await settle(pilot)
        assert "#reading-list" in visible_text(timeline_of(app))[1]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert note_tags(store, note_id) == []
        assert "no tags" in str(app.screen.query_one("#detail-tags").render())


@needs_tags
async def test_t_on_the_timeline_tags_the_highlighted_note(store: Store) -> None:
    from notebase.tags import note_tags

    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        note_id = timeline_of(app).current_note_id
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"ops", "enter")
        await settle(pilot)
        assert note_tags(store, note_id) == [("ops", "manual", None)]
        assert timeline_of(app).current_note_id == note_id
        assert "#ops" in visible_text(timeline_of(app))[2]


@needs_tags
async def test_suggested_topics_are_shown_apart_and_accepted_or_rejected(store: Store) -> None:
    from notebase.tags import note_tags

    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        note_id = timeline_of(app).current_note_id
        suggest_topic(store, note_id, "architecture", 0.71)
        suggest_topic(store, note_id, "cooking", 0.42)
        await pilot.press("enter")
        await settle(pilot)
        chips = app.screen.query_one("#detail-tags").render()
        assert "~architecture 0.71?" in str(chips) and "~cooking 0.42?" in str(chips)
        await pilot.press("a")  # accept the best suggestion
        await settle(pilot)
        assert ("architecture", "manual", None) in note_tags(store, note_id)
        await pilot.press("x")  # reject the next one
        await settle(pilot)
        assert [t[0] for t in note_tags(store, note_id)] == ["architecture"]
        chips = str(app.screen.query_one("#detail-tags").render())
        assert "#architecture" in chips and "cooking" not in chips
        await pilot.press("x")
        await settle(pilot)
        assert [t[0] for t in note_tags(store, note_id)] == ["architecture"]  # nothing left to reject


@needs_tags
async def test_sidebar_tag_filter(store: Store) -> None:
    from notebase.tags import add_tag

    add_tag(store, 1, "rust")
    add_tag(store, 3, "rust")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sidebar = app.main_screen.query_one("#sidebar")
        assert "rust" in str(sidebar.get_option("tag:rust").prompt)
        sidebar.focus()
        sidebar.highlighted = sidebar.get_option_index("tag:rust")
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(note_ids(timeline_of(app))) == [1, 3]
        assert "#rust" in str(app.main_screen.query_one("#filter-info").render())
        await pilot.press("c")
        await settle(pilot)
        assert timeline_of(app).note_count == 6


@needs_tags
async def test_tag_and_author_filters_combine(store: Store) -> None:
    from notebase.tags import add_tag

    add_tag(store, 1, "rust")  # by Alex
    add_tag(store, 3, "rust")  # by Sam
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sidebar = app.main_screen.query_one("#sidebar")
        sidebar.focus()
        sidebar.highlighted = sidebar.get_option_index("tag:rust")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a", "down", "down", "enter")  # All authors, Alex, Sam
        await settle(pilot)
        assert note_ids(timeline_of(app)) == [3]
        info = str(app.main_screen.query_one("#filter-info").render())
        assert "#rust" in info and "by Sam" in info
        await pilot.press("c")
        await settle(pilot)
        assert timeline_of(app).note_count == 6


# -- pages and the palette's jobs ----------------------------------------------------------

needs_pages = pytest.mark.skipif(not has("pages"), reason="notebase.pages not there yet")

ARTICLE_MARKDOWN = """\
Event sourcing keeps **every change** to the application state as an event.

## Why

You can rebuild state by replaying events. Shown literally: [bold]not bold[/bold] \x1b[1mno escape\x1b[0m.
"""


def add_page(store: Store, url: str, *, title: str, markdown: str = ARTICLE_MARKDOWN) -> None:
    """What a successful fetch leaves behind: a cleaned page and an ok link pointing at it."""
    with store.write() as conn:
        page_id = conn.execute(
            "INSERT INTO pages (url, title, site, author, published, word_count, markdown, fetched_at)"
            " VALUES (?, ?, 'martinfowler.com', 'Martin Fowler', '2005-12-12', 1234, ?, 0)",
            (url, title, markdown),
        ).lastrowid
        conn.execute("UPDATE links SET status = 'ok', page_id = ? WHERE normalized_url = ?", (page_id, url))
        conn.execute("UPDATE links SET status = 'failed', error = 'timeout' WHERE normalized_url LIKE '%rust-lang%'")


class Notes:
    """Records what the app tells the user."""

    def __init__(self, app: NotebaseApp, monkeypatch) -> None:
        self.messages: list[str] = []
        original = app.notify

        def notify(message, **kwargs):
            self.messages.append(str(message))
            return original(message, **kwargs)

        monkeypatch.setattr(app, "notify", notify)

    def __contains__(self, text: str) -> bool:
        return any(text in m for m in self.messages)


@needs_pages
async def test_detail_shows_the_article_and_link_statuses(store: Store) -> None:
    url = "https://martinfowler.com/eaaDev/EventSourcing.html"
    add_page(store, url, title="Event Sourcing")
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = visible_text(timeline_of(app))
        assert "martinfowler.com✓" in lines[1]
        assert any("rust-lang.github.io✗" in line for line in lines)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert "Event Sourcing" in str(screen.query_one("#links").get_option_at_index(0).prompt)
        meta = str(screen.query_one("#article-meta").render())
        assert "Event Sourcing" in meta and "Martin Fowler" in meta and "1,234 words" in meta
        from textual.widgets import Markdown

        article = screen.query_one("#article", Markdown)
        assert article.display
        rendered = "".join(
            strip.text for block in article.children for strip in block.render_lines(block.region.reset_offset)
        )
        assert "[bold]not bold[/bold]" in rendered and "no escape" in rendered and "\x1b" not in rendered


@needs_pages
async def test_palette_fetches_pending_links_in_a_worker(tmp_path: Path, monkeypatch) -> None:
    from pytest_httpserver import HTTPServer
    from werkzeug import Response

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        body = (
            "<html><head><title>Queues explained</title></head><body><article><h1>Queues explained</h1>"
            + "<p>A queue holds work until a worker takes it. </p>" * 40
            + "</article></body></html>"
        )
        server.expect_request("/queues").respond_with_response(Response(body, content_type="text/html; charset=utf-8"))
        url = server.url_for("/queues")
        store = make_store(tmp_path, f"Alex, [1/15/26 8:20 AM]\nRead about queues {url}\n")
        app = build_app(store)
        async with app.run_test(size=SIZE) as pilot:
            notes = Notes(app, monkeypatch)
            await settle(pilot)
            assert "·" in visible_text(timeline_of(app))[1]  # pending
            await run_command(pilot, "Fetch pending links")
            await settle(pilot)
            assert "Fetching pending links…" in notes and "Fetching done" in notes, notes.messages
            assert app.job_progress is None
            assert "127.0.0.1✓" in visible_text(timeline_of(app))[1]
            await pilot.press("enter")
            await settle(pilot)
            assert "Queues explained" in str(app.screen.query_one("#article-meta").render())
    finally:
        server.stop()


@pytest.mark.skipif(not (has("index") and has("search")), reason="index/search not there yet")
async def test_palette_reindexes_and_related_notes_follow(tmp_path: Path, monkeypatch) -> None:
    store = make_store(tmp_path, index=False)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        notes = Notes(app, monkeypatch)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        related = app.screen.query_one("#related")
        assert not any(o.id for o in related.options)  # nothing indexed yet
        await pilot.press("escape")
        await run_command(pilot, "Re-index")
        await settle(pilot)
        assert "Index up to date" in notes and any("notes embedded 6" in m for m in notes.messages)
        await pilot.press("enter")
        await settle(pilot)
        related = app.screen.query_one("#related")
        first = next(o for o in related.options if o.id)
        await pilot.press("R", "enter")  # focus the related list, follow the first
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.note_id == int(first.id)
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen) and app.screen.note_id != int(first.id)


@pytest.mark.skipif(not has("topics"), reason="notebase.topics not there yet")
async def test_palette_applies_topics_in_a_worker(store: Store, monkeypatch) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        notes = Notes(app, monkeypatch)
        await settle(pilot)
        await run_command(pilot, "Apply topics")
        await settle(pilot)
        assert "Applying topics…" in notes and "Topics applied" in notes
        assert app.job_progress is None


async def test_a_second_job_waits_for_the_first(store: Store, monkeypatch) -> None:
    import threading

    release = threading.Event()
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        notes = Notes(app, monkeypatch)
        await settle(pilot)

        def slow(progress):
            progress(1, 2)
            release.wait(10)
            return "slow job done"

        app.start_job("test", "Slow job", slow)
        await pilot.pause(0.1)
        assert app.job_running
        app.start_job("test", "Another", lambda progress: "x")
        assert "Still busy: Slow job" in notes
        # The UI keeps responding while the job runs.
        await pilot.press("j")
        assert timeline_of(app).current_note_id == note_ids(timeline_of(app))[1]
        release.set()
        await settle(pilot)
        assert "slow job done" in notes and not app.job_running


@needs_search
async def test_a_model_that_fails_to_load_leaves_keyword_search(store: Store, monkeypatch) -> None:
    def broken():
        raise RuntimeError("no weights here")

    app = build_app(store, embedder_factory=broken)
    notes = Notes(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.model_state == "failed"
        assert "keyword search only" in str(app.main_screen.query_one("#model-state").render())
        await pilot.press("slash", *"milk")
        await pilot.pause(0.3)
        await settle(pilot)
        results = app.main_screen.query_one("#results")
        assert "Word matches only" in str(results.options[0].prompt)
        assert [app.services.note(i).text for i in result_ids(app)] == ["Buy milk and coffee"]
        await pilot.press("ctrl+u", *"xyzzy")
        await pilot.pause(0.3)
        await settle(pilot)
        assert not result_ids(app) and any("No matches" in str(o.prompt) for o in results.options)
    assert any("Meaning search is off" in m and "no weights here" in m for m in notes.messages)


async def test_importing_a_missing_file_says_so(store: Store, monkeypatch, tmp_path: Path) -> None:
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        notes = Notes(app, monkeypatch)
        await settle(pilot)
        await run_command(pilot, "Import a file")
        app.screen.query_one("Input").value = str(tmp_path / "nope.txt")
        await pilot.press("enter")
        await settle(pilot)
        assert any("failed: no such file" in m for m in notes.messages), notes.messages
        assert not app.job_running and timeline_of(app).note_count == 6


# -- paging through a big timeline -----------------------------------------------------------


def same_minute_transcript(n: int) -> str:
    """n notes, many sharing a minute (transcripts have minute precision): keyset paging must not skip or repeat."""
    lines = []
    for i in range(n):
        day, minute = 10 + i // 40, (i // 7) % 60
        lines.append(f"Alex, [1/{day}/26 9:{minute:02d} AM]\nnote {i:03d}\n")
    return "\n".join(lines)


@pytest.mark.parametrize("newest_first", [True, False])
def test_timeline_pages_cover_every_note_once_in_order(tmp_path: Path, newest_first: bool) -> None:
    from notebase.notes import list_notes
    from notebase.tui.services import Filters, Services

    store = make_store(tmp_path, same_minute_transcript(100), index=False)
    services = Services(store, tz=TZ)
    pages = list(services.timeline_pages(Filters(newest_first=newest_first), first=2, size=3))
    got = [row.id for page in pages for row in page]
    assert got == [n.id for n in list_notes(store, newest_first=newest_first)]
    assert len(pages) > 30


async def test_end_and_date_jump_while_the_timeline_is_still_loading(tmp_path: Path, monkeypatch) -> None:
    from notebase.tui.services import Services

    store = make_store(tmp_path, same_minute_transcript(120), index=False)
    pages = Services.timeline_pages

    def slow_pages(self, filters):
        for page in pages(self, filters, first=5, size=5):
            time.sleep(0.1)
            yield page

    monkeypatch.setattr(Services, "timeline_pages", slow_pages)
    app = build_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "g", *"2026-01-11", "enter")  # asked before the end or that day is loaded
        assert timeline_of(app).is_loading
        await settle(pilot)
        timeline = timeline_of(app)
        assert timeline.note_count == 120
        assert app.services.note(timeline.current_note_id).text == "note 079"  # newest of Jan 11
        await pilot.press("end")
        assert app.services.note(timeline.current_note_id).text == "note 000"


# -- the command line -------------------------------------------------------------------------


def test_notebase_tui_needs_a_terminal(cli) -> None:
    result = cli("tui", ok=False)
    assert result.exit_code == 2 and "needs a terminal" in result.output
    assert "Commands:" in cli().output  # bare `notebase` when piped: the help, as before
