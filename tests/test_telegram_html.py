"""Importing Telegram Desktop HTML exports: a real group page, then small made-up ones."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from notebase.message import ImportFormatError
from notebase.telegram_html import html_pages, looks_like_telegram_html, parse_telegram_html

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "telegram-samples" / "html" / "quoxent_group.messages11.html"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def sample_page() -> str:
    if not SAMPLE.exists():
        pytest.skip(f"sample export {SAMPLE} not available")
    return SAMPLE.read_text(encoding="utf-8")


def has(el: lxml.html.HtmlElement, cls: str) -> bool:
    return cls in el.get("class", "").split()


# --- a real group page ---------------------------------------------------------------


def test_group_page_every_default_message_imports(sample_page: str) -> None:
    doc = lxml.html.document_fromstring(sample_page)
    raw = [d for d in doc.iter("div") if has(d, "message") and has(d, "default")]
    msgs = list(parse_telegram_html([sample_page], tz=BERLIN))

    assert len(msgs) == len(raw) == 994
    assert sum(has(d, "joined") for d in raw) == 384
    assert [m.message_id for m in msgs] == [int(d.get("id")[len("message") :]) for d in raw]
    assert [m.position for m in msgs] == list(range(1, 995))
    for m in msgs:
        assert m.author
        assert m.sent_at.tzinfo is not None
        assert m.text or m.extra.get("attachments")
        assert m.chat == "Quoxent"
    first = msgs[0]
    assert (first.author, first.text) == ("Elijah H.", "How long will it take until I get reward?")
    assert first.sent_at == datetime(2019, 9, 13, 22, 39, 19, tzinfo=BERLIN)


def test_group_page_joined_messages_inherit_the_sender(sample_page: str) -> None:
    msgs = {m.message_id: m for m in parse_telegram_html([sample_page], tz=UTC)}
    assert msgs[105532].author == "Nando Dejave"
    assert msgs[105533].author == "Nando Dejave"  # joined: "Lol"
    assert msgs[105533].text == "Lol"
    assert "Unknown" not in {m.author for m in msgs.values()}


def test_group_page_replies_forwards_and_media(sample_page: str) -> None:
    msgs = list(parse_telegram_html([sample_page], tz=UTC))
    by_id = {m.message_id: m for m in msgs}

    assert sum("reply_to_message_id" in m.extra for m in msgs) == 157
    assert by_id[105529].extra["reply_to_message_id"] == 105528

    forwarded = [m for m in msgs if "forwarded_from" in m.extra]
    assert len(forwarded) == 12
    assert by_id[106655].extra["forwarded_from"] == "Helen Brown"  # date stripped
    assert by_id[106655].text.startswith("I joined the group newly")  # text inside the forward
    # a joined forward names no source: it continues the previous forward
    assert by_id[107808].extra["forwarded_from"] == "Jason BitBender"
    assert by_id[107808].author == "Nikita"
    assert by_id[107811].text.startswith("BitBender:\nFrom my post yesterday")
    assert by_id[106794].extra["attachments"] == ["Animation"]

    assert by_id[105534].extra["attachments"] == ["Sticker"]
    assert by_id[105534].text == ""
    photo = by_id[107080]
    assert photo.extra["attachments"] == ["photos/photo_42@01-10-2019_22-08-08.jpg"]
    assert photo.text.startswith("@everyone It has been quite the journey")
    assert "\n\nThe next step" in photo.text
    assert photo.links == ("https://t.me/everyone", "https://vulcano.io/rebranding-vulcano/")


def test_group_page_links_match_an_independent_count(sample_page: str) -> None:
    doc = lxml.html.document_fromstring(sample_page)
    per_text = [
        list(dict.fromkeys(a.get("href") for a in div.iter("a") if a.get("href")))
        for div in doc.iter("div")
        if div.get("class") == "text"
    ]
    msgs = list(parse_telegram_html([sample_page], tz=UTC))

    assert sum(len(m.links) for m in msgs) == sum(map(len, per_text)) == 108
    assert [link for m in msgs for link in m.links] == [h for hs in per_text for h in hs]
    # the README's "92 links" counts messages with at least one web link
    assert sum(any(x.startswith("http") for x in m.links) for m in msgs) == 92


def test_group_page_megabyte_parses_fast(sample_page: str) -> None:
    body_start = sample_page.index('<div class="message')
    body_end = sample_page.rindex('<a class="pagination')
    messages = sample_page[body_start:body_end]
    doubled = sample_page[:body_end] + messages + sample_page[body_end:]
    assert len(doubled.encode()) > 1_000_000
    start = time.perf_counter()
    count = sum(1 for _ in parse_telegram_html([doubled], tz=UTC))
    assert count == 2 * 994
    assert time.perf_counter() - start < 1.0


def test_sample_head_is_recognised(sample_page: str) -> None:
    assert looks_like_telegram_html(sample_page[:4096])


# --- made-up exports -----------------------------------------------------------------

HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head>
<body><div class="page_wrap"><div class="page_header"><div class="content">
<div class="text bold">
{chat}
</div></div></div><div class="page_body chat_page"><div class="history">
"""
TAIL = "</div></div></div></body></html>"


def page(*messages: str, chat: str = "Book Club") -> str:
    return HEAD.format(chat=chat) + "\n".join(messages) + TAIL


def message(
    id: int,
    text: str,
    *,
    sender: str | None = "Ann",
    when: str = "01.02.2024 10:00:00",
    inner: str = "",
) -> str:
    joined = " joined" if sender is None else ""
    name = f'<div class="from_name">\n{sender} \n</div>' if sender else ""
    body = f'<div class="text">\n{text}\n</div>' if text else ""
    return f"""<div class="message default clearfix{joined}" id="message{id}">
<div class="body"><div class="pull_right date details" title="{when}">10:00</div>
{name}{inner}{body}</div></div>"""


SERVICE = '<div class="message service" id="message-1"><div class="body details">2 February 2024</div></div>'


def test_sender_carries_across_pages(tmp_path: Path) -> None:
    (tmp_path / "messages.html").write_text(page(message(1, "hello"), SERVICE), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(
        page(message(2, "still me", sender=None), message(3, "hi", sender="Bob")),
        encoding="utf-8",
    )
    texts = [p.read_text(encoding="utf-8") for p in html_pages(tmp_path)]
    msgs = list(parse_telegram_html(texts, tz=UTC))
    assert [(m.message_id, m.author, m.text, m.position) for m in msgs] == [
        (1, "Ann", "hello", 1),
        (2, "Ann", "still me", 2),
        (3, "Bob", "hi", 3),
    ]


def test_pages_sort_numerically(tmp_path: Path) -> None:
    assert html_pages(tmp_path) == []
    for name in [
        "messages10.html",
        "messages9.html",
        "messages.html",
        "messages2.html",
        "messages11.html",
        "other.html",
        "messages_x.html",
    ]:
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in html_pages(tmp_path)] == [
        "messages.html",
        "messages2.html",
        "messages9.html",
        "messages10.html",
        "messages11.html",
    ]


def test_utc_offset_in_title_is_kept_and_bare_times_use_tz() -> None:
    html = page(
        message(1, "with offset", when="01.07.2024 10:00:00 UTC+03:00"),
        message(2, "west", when="01.07.2024 10:00:00 UTC-04:30"),
        message(3, "bare", when="01.07.2024 10:00:00"),
    )
    east, west, bare = parse_telegram_html([html], tz=BERLIN)
    assert east.sent_at.isoformat() == "2024-07-01T10:00:00+03:00"
    assert west.sent_at.utcoffset() == -timedelta(hours=4, minutes=30)
    assert bare.sent_at.isoformat() == "2024-07-01T10:00:00+02:00"


def test_text_links_reply_forward_and_files() -> None:
    reply = '<div class="reply_to details">In reply to <a href="#go_to_message7">this</a></div>'
    forward = """<div class="pull_left forwarded userpic_wrap"><div class="userpic"></div></div>
<div class="forwarded body"><div class="from_name">Carol <span class="details"> 01.01.2024 09:00:00</span></div>
<div class="media_wrap clearfix"><a class="media clearfix pull_left block_link media_file" href="files/plan.pdf">
<div class="body"><div class="title bold">plan.pdf</div></div></a></div>
<div class="text">
see <a href="https://example.org/plan">the plan</a> &amp; <a href="" onclick="return ShowHashtag(&quot;x&quot;)">#x</a><br>bye
</div></div>"""
    html = page(message(8, "", inner=reply + forward))
    (m,) = parse_telegram_html([html], tz=UTC)
    assert m.text == "see the plan & #x\nbye"
    assert m.links == ("https://example.org/plan",)
    assert m.extra["reply_to_message_id"] == 7
    assert m.extra["forwarded_from"] == "Carol"
    assert m.extra["attachments"] == ["files/plan.pdf"]
    assert (m.author, m.chat) == ("Ann", "Book Club")


def test_page_starting_with_joined_message_has_unknown_sender() -> None:
    (m,) = parse_telegram_html([page(message(1, "orphan", sender=None))], tz=UTC)
    assert m.author == "Unknown"


def test_message_without_time_is_an_import_error() -> None:
    broken = page(message(1, "x").replace('title="01.02.2024 10:00:00"', ""))
    with pytest.raises(ImportFormatError, match="message1 has no time"):
        list(parse_telegram_html([broken], tz=UTC))


def test_detection() -> None:
    assert looks_like_telegram_html(page(message(1, "x")))
    assert not looks_like_telegram_html("<html><body><p>Hello</p></body></html>")
    assert not looks_like_telegram_html('{"messages": []}')


def test_empty_page_is_an_import_error() -> None:
    with pytest.raises(ImportFormatError, match="page 2 is empty"):
        list(parse_telegram_html([page(message(1, "x")), "  \n"], tz=UTC))
