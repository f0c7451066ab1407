"""What the TUI does to text before showing it: pure functions, no Textual."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from notebase.tui.text import LocalClock, clean, day_title, domain, one_line, status_kind


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("title\x1b]0;pwned\x07 here", "title here"),
        ("link \x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "link click"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("right-to-left \u202eoverride", "right-to-left override"),
        ("[bold red]hi[/] [link=http://x]y[/link]", "[bold red]hi[/] [link=http://x]y[/link]"),
        ("tabs\tand\nnewlines\r\nstay", "tabs\tand\nnewlines\nstay"),
    ],
)
def test_clean_removes_what_a_terminal_would_act_on(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_one_line_is_the_first_non_blank_line() -> None:
    assert one_line("\n  \n\tfirst\tline  \nsecond") == "first line"
    assert one_line("") == ""
    assert one_line("\x1b[1m\x1b[0m\nreal") == "real"
    assert one_line("x" * 1000, limit=10) == "x" * 10
    huge = "short first line\n" + "word " * 2_000_000
    assert one_line(huge) == "short first line"


def test_domain_and_day_title() -> None:
    assert domain("https://www.Example.org/path?q=1") == "example.org"
    assert domain("not a url") == ""
    assert day_title(date(2026, 1, 15)) == "Thursday, 15 January 2026"


def test_status_kinds() -> None:
    assert [status_kind(s) for s in ("ok", "pending", None, "failed", "gone", "blocked")] == [
        "ok",
        "pending",
        "pending",
        "failed",
        "failed",
        "failed",
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
def test_local_clock_matches_zoneinfo_across_dst(zone: str) -> None:
    tz = ZoneInfo(zone)
    clock = LocalClock(tz)
    start = int(datetime(2025, 3, 1, tzinfo=tz).timestamp())
    for ts in range(start, start + 300 * 86400, 1777):  # every ~30 minutes through both transitions
        expected = datetime.fromtimestamp(ts, tz)
        assert clock(ts) == (expected.date(), f"{expected:%H:%M}"), ts
