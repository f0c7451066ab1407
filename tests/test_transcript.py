"""Copied-message transcripts: every message comes out with its author, its time and its text as written."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notebase.encoding import open_text_lines
from notebase.message import ImportFormatError, Message
from notebase.transcript import looks_like_transcript, parse_transcript, scan_date_order

ROOT = Path(__file__).parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "telegram-notes.txt"
TGIF = SHARED / "telegram-samples" / "text" / "tgif_copied_messages.txt"
SAMPLE = ROOT / "data" / "sample-export.txt"
UTC = ZoneInfo("UTC")
NNBSP = "\u202f"


def read(path: Path, tz: ZoneInfo = UTC, date_order: str | None = None) -> list[Message]:
    """Both passes, the way the importer runs them."""
    order = date_order or scan_date_order(open_text_lines(path))
    return list(parse_transcript(open_text_lines(path), tz=tz, date_order=order))


def parse_text(text: str, tz: ZoneInfo = UTC) -> list[Message]:
    lines = text.split("\n")
    return list(parse_transcript(lines, tz=tz, date_order=scan_date_order(lines)))


def write(tmp_path: Path, text: str, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the user's real export ------------------------------------------------------


def test_real_export_gives_fourteen_notes_and_the_pasted_article() -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds/telegram-notes.txt is not available")
    assert scan_date_order(open_text_lines(SEED)) == "mdy"
    messages = read(SEED)
    assert len(messages) == 15
    notes, appendix = messages[:14], messages[14]
    assert {m.author for m in messages} == {"precious"}
    assert all(m.part == "message" for m in notes)
    assert all(m.sent_at.date() == datetime(2026, 1, 15).date() for m in messages)

    assert notes[0].sent_at == datetime(2026, 1, 15, 8, 20, tzinfo=UTC)
    assert notes[0].text == "Finish reading youth comedy book 1 chapter 2"
    at: dict[str, list[str]] = {}
    for m in notes:
        at.setdefault(m.sent_at.strftime("%H:%M"), []).append(m.text)
    assert len(at["11:40"]) == 2 and len(set(at["11:40"])) == 2
    assert len(at["17:50"]) == 2 and len(set(at["17:50"])) == 2
    (answer,) = at["13:38"]
    assert "Let\u2019s explore the deliverables" in answer
    assert "### Technical Architecture Design Deliverables Mindmap" in answer
    assert answer.endswith("Do you want me to do that next?")

    assert appendix.part == "appendix"
    assert appendix.sent_at == notes[-1].sent_at
    assert appendix.position == 123
    assert appendix.text.startswith("summarzing this, let me ask: what questions does it answer")
    assert "https://cursor.com/blog/scaling-agents" in appendix.text
    assert appendix.text.endswith("```")
    assert notes[-1].text == "Compare cc and codex https://chatgpt.com/c/69685eb7-c888-8333-8358-b73a0c40649d#main"
    for m in messages:
        assert "‚Ä" not in m.text and "‚Ä" not in m.author


def test_head_of_the_real_export_is_recognised_before_repair() -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds/telegram-notes.txt is not available")
    head = SEED.read_bytes()[:4096].decode("utf-8", errors="ignore").splitlines()
    assert looks_like_transcript(head)


def test_day_first_group_transcript() -> None:
    if not TGIF.exists():
        pytest.skip("../shared/telegram-samples/text/tgif_copied_messages.txt is not available")
    assert scan_date_order(open_text_lines(TGIF)) == "dmy"
    jakarta = ZoneInfo("Asia/Jakarta")
    messages = read(TGIF, tz=jakarta)
    assert len(messages) == 18
    assert all(m.author and m.text and m.part == "message" for m in messages)
    assert messages[0].author == "dicha?"
    assert messages[0].sent_at == datetime(2022, 6, 25, 7, 25, tzinfo=jakarta)
    assert messages[0].text == "https://youtu.be/TbP2B1ijWr8"
    assert messages[1].author == "Ronny Gunawan \ufe0f"  # invisible variation selector kept
    assert messages[-1].sent_at == datetime(2022, 6, 25, 8, 20, tzinfo=jakarta)
    code = next(m for m in messages if m.sent_at.strftime("%H:%M") == "07:58")
    assert (
        "interface User {\n  id: number;\n  name: string;\n  email: string;\n}\n\ncode B:\n\nclass User {" in code.text
    )
    assert code.text.endswith("  get email() { return this.#email; }\n}")
    assert [m.position for m in messages[:6]] == [1, 4, 7, 10, 13, 42]


# --- the sample export shipped with notebase -------------------------------------------


def test_sample_export_counts() -> None:
    messages = read(SAMPLE)
    parts = [m.part for m in messages]
    assert parts.count("preamble") == 1 and parts[0] == "preamble"
    assert parts.count("appendix") == 1 and parts[-1] == "appendix"
    notes = [m for m in messages if m.part == "message"]
    assert len(notes) == 40
    assert sum(m.author == "Alex Kim" for m in notes) == 39
    assert [m.author for m in notes if m.author != "Alex Kim"] == ["Doe, Jane"]
    days = sorted({m.sent_at.date() for m in notes})
    assert days[0] == datetime(2026, 1, 12).date() and days[-1] == datetime(2026, 1, 17).date() and len(days) == 6
    assert [m.sent_at for m in notes] == sorted(m.sent_at for m in notes)


def test_sample_export_covers_every_transcript_feature() -> None:
    raw = SAMPLE.read_text(encoding="utf-8")
    assert raw.count(NNBSP + "AM]") + raw.count(NNBSP + "PM]") >= 40
    messages = read(SAMPLE)
    texts = [m.text for m in messages]

    def starting(prefix: str) -> Message:
        (found,) = [m for m in messages if m.text.startswith(prefix)]
        return found

    assert messages[0].text.startswith("Copied from Saved Messages")
    assert any("https://martinfowler.com/architecture/" in t for t in texts)
    assert any("https://www.anthropic.com/research/building-effective-agents?utm_source=x" in t for t in texts)
    assert any("https://example.org/guild/adr-checklist#review-steps" in t for t in texts)
    assert any("```bash\ngit diff main | codex exec" in t for t in texts)
    assert any("## Consequences\n- no server to run" in t for t in texts)
    rule = starting("System design interview prep")
    assert "\n\n---\n\nCapacity estimate" in rule.text
    fake = starting("Pasted from an agent transcript")
    assert "bob, [notes]\nx, [2/30/26 9:00" in fake.text and "x, [13/13/2026 9:00]" in fake.text
    assert max(len(t) for t in texts) > 1500
    assert (
        messages[-2].text
        == "Read later: multi-agent coding setups https://example.org/blog/multi-agent-coding#planners"
    )
    assert messages[-1].text.startswith("what does this article say about planners and workers?")
    assert messages[-1].text.endswith("kept the agents from drifting.")


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "order", "expected"),
    [
        ("1/15/26 8:20 AM", "mdy", (2026, 1, 15, 8, 20, 0)),
        (f"1/15/26 8:20{NNBSP}AM", "mdy", (2026, 1, 15, 8, 20, 0)),
        ("1/15/26 8:20\u00a0PM", "mdy", (2026, 1, 15, 20, 20, 0)),
        ("1/15/26 8:20PM", "mdy", (2026, 1, 15, 20, 20, 0)),
        ("1/15/26 12:05 am", "mdy", (2026, 1, 15, 0, 5, 0)),
        ("1/15/26 12:05 p.m.", "mdy", (2026, 1, 15, 12, 5, 0)),
        ("3/4/2026 9:05:07 PM", "mdy", (2026, 3, 4, 21, 5, 7)),
        ("3/4/2026, 9:05 PM", "mdy", (2026, 3, 4, 21, 5, 0)),
        ("15.01.26 08:20", "dmy", (2026, 1, 15, 8, 20, 0)),
        ("15.01.2026 8:20", "dmy", (2026, 1, 15, 8, 20, 0)),
        ("15.01.2026, 8:20:59", "dmy", (2026, 1, 15, 8, 20, 59)),
        ("25/06/2022 07:25", "dmy", (2022, 6, 25, 7, 25, 0)),
        ("2026-01-15 08:20", "ymd", (2026, 1, 15, 8, 20, 0)),
        ("2026-01-15 08:20:30", "ymd", (2026, 1, 15, 8, 20, 30)),
    ],
)
def test_every_date_form(stamp: str, order: str, expected: tuple[int, int, int, int, int, int]) -> None:
    lines = [f"Alex Kim, [{stamp}]", "note"]
    assert looks_like_transcript(lines)
    assert scan_date_order(lines) == order
    (message,) = parse_transcript(lines, tz=UTC, date_order=order)
    assert message.sent_at == datetime(*expected).replace(tzinfo=UTC)
    assert (message.author, message.text, message.position) == ("Alex Kim", "note", 1)


@pytest.mark.parametrize(
    ("stamps", "order"),
    [
        (["1/5/26 9:00 AM", "1/13/26 9:00 AM"], "mdy"),
        (["5/1/26 9:00", "13/1/26 9:00"], "dmy"),
        (["1/5/26 9:00 AM", "2/6/26 9:00 PM"], "mdy"),  # undecided, 12-hour: US
        (["1/5/26 09:00", "2/6/26 21:00"], "dmy"),  # undecided, 24-hour: day first
        (["2026-01-05 09:00"], "ymd"),
        (["13/1/26 9:00"] + [f"1/{d}/26 9:00" for d in range(14, 20)], "mdy"),  # the majority wins
    ],
)
def test_date_order_is_settled_for_the_whole_file(stamps: list[str], order: str) -> None:
    lines = [line for stamp in stamps for line in (f"a, [{stamp}]", "note", "")]
    assert scan_date_order(lines) == order


def test_times_are_wall_clock_in_the_given_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    lines = ["a, [7/1/26 9:00 AM]", "summer", "a, [10/25/26 2:30 AM]", "clocks go back: first 2:30"]
    summer, ambiguous = parse_transcript(lines, tz=berlin, date_order="mdy")
    assert summer.sent_at.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert ambiguous.sent_at.fold == 0
    assert ambiguous.sent_at.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


def test_date_order_must_be_known() -> None:
    with pytest.raises(ValueError):
        parse_transcript(["a, [1/1/26 9:00]"], tz=UTC, date_order="ydm")


# --- headers and bodies ---------------------------------------------------------


def test_authors_with_commas_and_invisible_characters() -> None:
    messages = parse_text(
        "Doe, Jane, [3/4/2026 9:05:07 PM]\nhi\n\n  Alex Kim  , [3/4/2026 9:06 PM]\nyo\n\n"
        "Ronny \ufe0f, [3/4/2026 9:07 PM]\nhey"
    )
    assert [m.author for m in messages] == ["Doe, Jane", "Alex Kim", "Ronny \ufe0f"]


def test_fake_headers_inside_bodies_are_text() -> None:
    text = (
        "Alex Kim, [1/15/26 8:20 AM]\n"
        "bob, [notes]\n"
        "x, [13/13/2026 9:00]\n"
        "x, [2/30/26 9:00 AM]\n"
        ", [1/15/26 8:21 AM]\n"
        "see [1/15/26 8:22 AM]\n"
        "Alex Kim, [1/15/26 8:23 AM] trailing text\n"
        "\n"
        "Alex Kim, [1/15/26 8:30 AM]\n"
        "second"
    )
    first, second = parse_text(text)
    assert first.text.split("\n") == text.split("\n")[1:7]
    assert (second.text, second.position) == ("second", 9)


def test_bodies_are_kept_exactly_as_written() -> None:
    body = "  indented first line\n\n# Heading\n\n```python\ndef f():\n\n    return 1\n```\n\n---\n\n- item\n\t- tabbed"
    messages = parse_text(f"A, [1/15/26 8:20 AM]\n\n   \n{body}\n\n \n\nA, [1/15/26 8:21 AM]\nlast")
    assert messages[0].text == body
    assert messages[1].text == "last"


def test_empty_bodies_are_messages_too() -> None:
    messages = parse_text("A, [1/15/26 8:20 AM]\n\nA, [1/15/26 8:21 AM]\nB, [1/15/26 8:22 AM]\nthird")
    assert [(m.text, m.position) for m in messages] == [("", 1), ("", 3), ("third", 4)]


def test_preamble_and_appendix_keep_loose_text() -> None:
    text = "\n".join(
        [
            "Exported for the archive",  # 1
            "",
            "A, [1/15/26 8:20 AM]",  # 3
            "first",
            "",
            "---",
            "a rule inside a middle message stays",
            "",
            "A, [1/15/26 9:30 AM]",  # 9
            "last note",
            "",
            "---",  # 12
            "---",
            "",
            "pasted afterwards",
            "",
            "---",
            "",
            "more",
            "---",
            "",
        ]
    )
    preamble, first, last, appendix = parse_text(text)
    assert (preamble.part, preamble.position, preamble.text) == ("preamble", 1, "Exported for the archive")
    assert (preamble.author, preamble.sent_at) == ("A", first.sent_at)
    assert (first.position, first.text) == (3, "first\n\n---\na rule inside a middle message stays")
    assert (last.position, last.text) == (9, "last note")
    assert (appendix.part, appendix.position) == ("appendix", 13)
    assert appendix.text == "pasted afterwards\n\n---\n\nmore"
    assert (appendix.author, appendix.sent_at) == ("A", last.sent_at)


def test_a_bare_rule_at_the_end_adds_no_appendix() -> None:
    messages = parse_text("A, [1/15/26 8:20 AM]\nnote\n\n---\n\n")
    assert [(m.part, m.text) for m in messages] == [("message", "note")]


def test_text_without_any_header_is_refused() -> None:
    assert not looks_like_transcript(["just some notes", "bob, [notes]", '{"name": "x"}'])
    with pytest.raises(ImportFormatError):
        list(parse_transcript(["just some notes", "x, [13/13/2026 9:00]"], tz=UTC, date_order="mdy"))
    assert list(parse_transcript(["", "  "], tz=UTC, date_order="mdy")) == []


# --- files, big and odd -----------------------------------------------------------


def test_file_in_utf16_with_crlf_parses_like_utf8(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "utf16.txt"
    path.write_bytes(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))
    assert read(path) == read(SAMPLE)


def test_mojibake_file_parses_like_the_clean_one(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    mac = write(tmp_path, text.encode("utf-8").decode("mac_roman"), "mac.txt")
    assert read(mac) == read(SAMPLE)


def test_lines_from_anywhere_parse_like_the_file(tmp_path: Path) -> None:
    # Messages spanning read blocks, and plain line lists batched internally.
    note = "Alex Kim, [1/{d}/26 {h}:{m:02d}\u202fPM]\nline one é\n\n   indented\n\n"
    text = "".join(note.format(d=1 + n // 700, h=1 + n // 60 % 12, m=n % 60) for n in range(12_000))
    text += "Alex Kim, [2/1/26 1:00\u202fPM]\n" + "a long pasted article line\n" * 30_000
    path = write(tmp_path, text, "big.txt")
    from_file = read(path)
    from_lines = list(parse_transcript(text.split("\n"), tz=UTC, date_order="mdy"))
    assert from_file == from_lines
    assert len(from_file) == 12_001
    assert from_file[5].text == "line one é\n\n   indented"
    assert from_file[5].position == 5 * 5 + 1
    assert from_file[-1].text.count("\n") == 29_999


def test_generated_benchmark_transcript_is_deterministic_and_parses(tmp_path: Path) -> None:
    script = ROOT / "bench" / "gen_transcript.py"
    out_a, out_b = tmp_path / "a.txt", tmp_path / "b.txt"
    for out in (out_a, out_b):
        subprocess.run([sys.executable, str(script), str(out), "--messages", "3000"], check=True)
    assert out_a.read_bytes() == out_b.read_bytes()
    messages = read(out_a)
    assert len(messages) == 3000
    assert {m.part for m in messages} == {"message"}
    assert any("\n" in m.text for m in messages) and any("https://" in m.text for m in messages)
