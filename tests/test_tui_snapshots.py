"""SVG snapshots of the TUI's main views at fixed sizes (update with --snapshot-update).

Deterministic: a fixed time zone, the hashing embedder, workers waited for, no
focused text box (so no blinking cursor) unless the view is about typing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_app import SIZE, build_app, has, make_store, settle

from notebase.db import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


def test_timeline(store: Store, snap_compare) -> None:
    assert snap_compare(build_app(store), terminal_size=SIZE, run_before=settle)


def test_timeline_80x24(store: Store, snap_compare) -> None:
    assert snap_compare(build_app(store), terminal_size=(80, 24), run_before=settle)


def test_detail(store: Store, snap_compare) -> None:
    async def open_first(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build_app(store), terminal_size=SIZE, run_before=open_first)


def test_empty_state(tmp_path: Path, snap_compare) -> None:
    sample = tmp_path / "sample-export.txt"
    sample.write_text("Alex, [1/15/26 8:20 AM]\nhello\n", encoding="utf-8")
    app = build_app(make_store(tmp_path, text=""), sample_path=sample)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


@pytest.mark.skipif(not has("search"), reason="notebase.search not there yet")
def test_search_results(store: Store, snap_compare) -> None:
    async def search(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"cache")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(build_app(store), terminal_size=SIZE, run_before=search)


@pytest.mark.skipif(not has("pages"), reason="notebase.pages not there yet")
def test_detail_with_article(store: Store, snap_compare) -> None:
    from test_tui_app import add_page

    add_page(store, "https://martinfowler.com/eaaDev/EventSourcing.html", title="Event Sourcing")

    async def open_first(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(build_app(store), terminal_size=SIZE, run_before=open_first)
