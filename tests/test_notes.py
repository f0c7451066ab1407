"""Reading notes back page by page gives exactly what one big read gives."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import REPO

from notebase.db import Store
from notebase.ingest import import_file
from notebase.notes import iter_notes, list_notes


def test_paged_reading_matches_a_single_read_including_same_minute_notes(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    import_file(store, REPO / "data" / "sample-export.txt", tz=ZoneInfo("UTC"))
    everything = [n.to_json() for n in list_notes(store)]
    for page in (1, 3, 7, 1000):
        assert [n.to_json() for n in iter_notes(store, page=page)] == everything
    assert [n.id for n in iter_notes(store, page=3, limit=5)] == [n["id"] for n in everything[:5]]
    jane = [n["id"] for n in everything if n["author"] == "Doe, Jane"]
    assert [n.id for n in iter_notes(store, page=2, author="Doe, Jane")] == jane
