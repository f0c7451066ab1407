"""`notebase import`: the user's story from export file to notes, and every way a file can be wrong."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import REPO, Cli


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


TRANSCRIPT = """Alex Kim, [1/15/26 8:20\u202fAM]
Buy milk

Alex Kim, [1/15/26 8:20\u202fAM]
Read https://example.org/article?utm_source=tg#top later

Alex Kim, [1/16/26 9:00\u202fPM]
Architecture notes
with two lines
"""


def test_the_users_export_gives_fifteen_notes(cli: Cli, shared: Path) -> None:
    summary = cli.json("import", str(shared / "seeds" / "telegram-notes.txt"), "--tz", "UTC")
    assert summary["format"] == "telegram-text"
    assert (summary["messages"], summary["added"], summary["duplicates"]) == (15, 15, 0)
    notes = cli.json("notes")
    assert len(notes) == 15
    timed = [n for n in notes if n["source"]["part"] == "message"]
    assert len(timed) == 14
    assert {n["author"] for n in notes} == {"precious"}
    assert all(n["sent_at"].startswith("2026-01-15T") and n["sent_at"].endswith("+00:00") for n in notes)
    assert notes[0]["sent_at"] == "2026-01-15T08:20:00+00:00"
    assert notes[0]["text"] == "Finish reading youth comedy book 1 chapter 2"
    at = lambda hhmm: [n for n in timed if n["sent_at"][11:16] == hhmm]  # noqa: E731
    assert len(at("11:40")) == 2 and len({n["text"] for n in at("11:40")}) == 2
    assert len(at("17:50")) == 2 and len({n["text"] for n in at("17:50")}) == 2
    (answer,) = at("13:38")
    assert "Let\u2019s explore" in answer["text"] and len(answer["text"]) > 2000
    (appendix,) = [n for n in notes if n["source"]["part"] == "appendix"]
    assert appendix["text"].startswith("summarzing this, let me ask: what questions does it answer")
    assert "https://cursor.com/blog/scaling-agents" in appendix["links"]
    assert not any("\u201a\u00c4" in n["text"] for n in notes), "mojibake left in the text"


def test_importing_the_same_file_again_adds_nothing_and_says_so(cli: Cli, tmp_path: Path) -> None:
    export = write(tmp_path / "export.txt", TRANSCRIPT)
    first = cli.json("import", str(export), "--tz", "UTC")
    assert (first["messages"], first["added"], first["links"]) == (3, 3, 1)
    again = cli("import", str(export), "--tz", "UTC")
    assert "nothing added" in again.stdout
    assert cli.json("import", str(export), "--tz", "UTC")["duplicates"] == 3
    assert cli.json("stats")["notes"] == 3


def test_two_messages_in_the_same_minute_are_two_notes(cli: Cli, tmp_path: Path) -> None:
    export = write(
        tmp_path / "e.txt", "A, [1/15/26 8:20 AM]\nok\n\nA, [1/15/26 8:20 AM]\nok\n\nA, [1/15/26 8:20 AM]\nnot ok\n"
    )
    assert cli.json("import", str(export), "--tz", "UTC")["added"] == 3
    assert cli.json("import", str(export), "--tz", "UTC")["added"] == 0


def test_an_overlapping_export_adds_only_the_new_messages(cli: Cli, tmp_path: Path) -> None:
    cli("import", str(write(tmp_path / "old.txt", TRANSCRIPT)), "--tz", "UTC")
    newer = TRANSCRIPT + "\nAlex Kim, [1/17/26 7:05\u202fAM]\nA brand new thought\n"
    summary = cli.json("import", str(write(tmp_path / "new.txt", newer)), "--tz", "UTC")
    assert (summary["messages"], summary["added"], summary["duplicates"]) == (4, 1, 3)
    assert [n["text"] for n in cli.json("notes", "--since", "2026-01-17")] == ["A brand new thought"]


def _minutes(first: int, last: int) -> str:
    """One message per minute from minute `first` to `last` (exclusive) after 2026-01-01 00:00."""
    lines = []
    for m in range(first, last):
        day, rest = divmod(m, 1440)
        lines.append(f"A, [2026-01-{day + 1:02d} {rest // 60:02d}:{rest % 60:02d}]\nthought number {m}\n\n")
    return "".join(lines)


def test_overlaps_spanning_many_batches_add_exactly_the_new_messages(cli: Cli, tmp_path: Path) -> None:
    # Bigger than one write batch (5,000), overlapping the stored range on both sides and
    # in the middle of a batch, so both the fast range probe and the per-key lookup run.
    old = write(tmp_path / "old.txt", _minutes(6_000, 18_000))
    assert cli.json("import", str(old), "--tz", "UTC", "--no-embed")["added"] == 12_000
    wider = write(tmp_path / "wider.txt", _minutes(0, 9_000) + _minutes(15_500, 24_000))
    summary = cli.json("import", str(wider), "--tz", "UTC", "--no-embed")
    assert (summary["messages"], summary["duplicates"], summary["added"]) == (17_500, 5_500, 12_000)
    assert cli.json("stats")["notes"] == 24_000
    assert cli.json("import", str(wider), "--tz", "UTC", "--no-embed")["added"] == 0


def test_links_are_normalized_and_shared_between_notes(cli: Cli, tmp_path: Path) -> None:
    text = (
        "A, [1/15/26 8:20 AM]\nhttps://Example.org/a?utm_source=x#frag\n\n"
        "A, [1/15/26 8:21 AM]\nsame page: https://example.org/a\n"
    )
    summary = cli.json("import", str(write(tmp_path / "e.txt", text)), "--tz", "UTC")
    assert summary["links"] == 1
    notes = cli.json("notes")
    assert [n["links"] for n in notes] == [["https://example.org/a"], ["https://example.org/a"]]
    with cli.store.connect() as conn:
        assert conn.execute("SELECT url FROM links").fetchall() == [("https://Example.org/a?utm_source=x#frag",)]
        assert sorted(r[0] for r in conn.execute("SELECT url FROM note_links")) == [
            "https://Example.org/a?utm_source=x#frag",
            "https://example.org/a",
        ]


def test_transcript_times_are_read_in_the_given_zone(cli: Cli, tmp_path: Path) -> None:
    export = write(tmp_path / "e.txt", "A, [7/15/26 8:20 AM]\nsummer\n\nA, [1/15/26 8:20 AM]\nwinter\n")
    cli("import", str(export), "--tz", "Europe/Berlin")
    assert [n["sent_at"] for n in cli.json("notes")] == ["2026-01-15T08:20:00+01:00", "2026-07-15T08:20:00+02:00"]


def test_date_order_can_be_forced(cli: Cli, tmp_path: Path) -> None:
    export = write(tmp_path / "e.txt", "A, [03.04.26 10:00]\nx\n")
    cli("import", str(export), "--tz", "UTC", "--date-order", "mdy")
    assert cli.json("notes")[0]["sent_at"].startswith("2026-03-04")


def test_notes_filters_show_and_stats(cli: Cli, tmp_path: Path) -> None:
    extra = "Doe, Jane, [1/16/26 10:00\u202fAM]\nFrom Jane\n"
    cli("import", str(write(tmp_path / "e.txt", TRANSCRIPT + "\n" + extra)), "--tz", "UTC")
    assert [n["text"] for n in cli.json("notes", "--author", "Doe, Jane")] == ["From Jane"]
    assert len(cli.json("notes", "--until", "2026-01-15")) == 2
    assert len(cli.json("notes", "--since", "2026-01-16", "--until", "2026-01-16")) == 2
    assert len(cli.json("notes", "--limit", "1")) == 1
    note = cli.json("show", "2")
    assert note["links"] == ["https://example.org/article"]
    assert note["source"]["format"] == "telegram-text" and note["source"]["position"] == 4
    stats = cli.json("stats")
    assert (stats["notes"], stats["links"], stats["authors"]) == (4, 1, 2)
    assert stats["first"] == "2026-01-15T08:20:00+00:00" and stats["last"] == "2026-01-16T21:00:00+00:00"
    human = cli("notes").stdout
    assert "Buy milk" in human and "2026-01-15 08:20" in human


def test_the_bundled_sample_imports(cli: Cli) -> None:
    summary = cli.json("import", str(REPO / "data" / "sample-export.txt"), "--tz", "UTC", "--no-fetch", "--no-embed")
    assert summary["messages"] >= 35 and summary["added"] == summary["messages"]
    assert summary["links"] >= 8


def test_public_exports_import_completely(cli: Cli, shared: Path) -> None:
    samples = shared / "telegram-samples"
    expected = {
        "json/innerdvations_saved.result.json": 20,
        "json/tgif_software-testing.result.json": 197,
        "html/quoxent_group.messages11.html": 994,
        "text/tgif_copied_messages.txt": 18,
    }
    for name, count in expected.items():
        summary = cli.json("import", str(samples / name), "--tz", "UTC", "--no-fetch", "--no-embed")
        assert (summary["messages"], summary["added"]) == (count, count), name
        assert cli.json("import", str(samples / name), "--tz", "UTC", "--no-fetch", "--no-embed")["added"] == 0
    assert cli.json("stats")["notes"] == sum(expected.values())


def test_a_json_export_of_a_whole_account_imports_saved_messages_by_default(cli: Cli, tmp_path: Path) -> None:
    export = {
        "chats": {
            "list": [
                {
                    "name": "Bob",
                    "type": "personal_chat",
                    "id": 1,
                    "messages": [
                        {
                            "id": 1,
                            "type": "message",
                            "date": "2026-01-15T08:00:00",
                            "date_unixtime": "1768464000",
                            "from": "Bob",
                            "text": "hi",
                        }
                    ],
                },
                {
                    "type": "saved_messages",
                    "id": 2,
                    "messages": [
                        {
                            "id": 7,
                            "type": "message",
                            "date": "2026-01-15T09:00:00",
                            "date_unixtime": "1768467600",
                            "from": "Me",
                            "text": ["read ", {"type": "text_link", "text": "this", "href": "https://example.org/x"}],
                        },
                        {"id": 8, "type": "service", "date": "2026-01-15T09:01:00", "action": "pin_message"},
                    ],
                },
            ]
        }
    }
    path = write(tmp_path / "result.json", json.dumps(export))
    summary = cli.json("import", str(path), "--no-fetch", "--no-embed")
    assert (summary["format"], summary["messages"], summary["links"]) == ("telegram-json", 1, 1)
    (note,) = cli.json("notes")
    assert (note["text"], note["links"]) == ("read this", ["https://example.org/x"])
    assert cli.json("import", str(path), "--chat", "Bob", "--no-fetch", "--no-embed")["added"] == 1
    assert cli.json("import", str(path), "--all-chats", "--no-fetch", "--no-embed")["added"] == 0


# --- bad input: one line on stderr naming the file, exit 2, no traceback, nothing changed ---------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 10)
    return {
        "missing": ([str(tmp_path / "nope.txt")], "no such file"),
        "directory": ([str(tmp_path / "folder")], "directory"),
        "binary": ([str(tmp_path / "binary.bin")], "binary"),
        "garbage": (
            [str(write(tmp_path / "g.txt", "just some words\nnothing like a chat\n"))],
            "not a Telegram export",
        ),
        "empty": ([str(write(tmp_path / "empty.txt", ""))], "empty"),
        "malformed json": ([str(write(tmp_path / "bad.json", '{"messages": [1, 2'))], "malformed JSON"),
        "json of another kind": ([str(write(tmp_path / "other.json", '{"hello": "world"}'))], "not a Telegram"),
        "html of another kind": (
            [str(write(tmp_path / "page.html", "<html><body><p>hi</p></body></html>"))],
            "not a Telegram",
        ),
        "wrong format forced": (
            [str(write(tmp_path / "t.txt", TRANSCRIPT)), "--format", "telegram-json"],
            "malformed JSON",
        ),
        "unknown zone": ([str(write(tmp_path / "t2.txt", TRANSCRIPT)), "--tz", "Mars/Olympus"], "unknown time zone"),
        "invalid utf-8": (
            [str(_write_bytes(tmp_path / "latin.txt", "A, [1/15/26 8:20 AM]\ncaf\xe9\n".encode("latin-1")))],
            "UTF-8",
        ),
    }


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_input_gets_a_one_line_error_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli("import", str(write(tmp_path / "good.txt", TRANSCRIPT)), "--tz", "UTC", "--no-fetch", "--no-embed")
    before = _dump(cli.home / "notebase.db")
    for name, (args, problem) in _bad_inputs(tmp_path).items():
        result = cli("import", *args, "--no-fetch", "--no-embed", ok=False)
        assert result.exit_code == 2, (name, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output, (name, result.stderr)
        assert problem.lower() in lines[0].lower(), (name, lines[0])
        if name not in ("unknown zone",):
            assert Path(args[0]).name in lines[0], (name, lines[0])
        assert result.stdout == ""
        assert _dump(cli.home / "notebase.db") == before, name


def test_an_error_late_in_a_big_file_rolls_back_the_whole_import(cli: Cli, tmp_path: Path) -> None:
    good = "".join(f"A, [1/15/26 8:{i % 60:02d} AM]\nmessage {i}\n\n" for i in range(6000)).encode()
    path = _write_bytes(tmp_path / "late.txt", good + b"A, [1/16/26 8:00 AM]\nbroken \xff\xfe byte\n")
    result = cli("import", str(path), "--tz", "UTC", "--no-fetch", "--no-embed", ok=False)
    assert result.exit_code == 2 and "UTF-8" in result.stderr
    assert cli.json("stats")["notes"] == 0


def test_unknown_note_is_a_clean_error(cli: Cli) -> None:
    result = cli("show", "42", ok=False)
    assert result.exit_code == 2 and result.stderr.strip() == "notebase: error: no note with id 42"


def _dump(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [
            (table, conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
            for (table,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' ORDER BY name"
            )
        ]
    finally:
        conn.close()
