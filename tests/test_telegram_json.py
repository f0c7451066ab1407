"""Importing Telegram Desktop JSON exports: real samples first, then edge cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notebase.message import ImportFormatError
from notebase.telegram_json import list_chats, parse_telegram_json, visible_text

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "telegram-samples" / "json"
BERLIN = ZoneInfo("Europe/Berlin")


def load_sample(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample export {path} not available")
    return json.loads(path.read_text(encoding="utf-8"))


def raw_messages(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in data["messages"] if m["type"] == "message"]


def raw_text(m: dict[str, Any]) -> str:
    t = m["text"]
    return t if isinstance(t, str) else "".join(p if isinstance(p, str) else p["text"] for p in t)


def raw_links(m: dict[str, Any]) -> list[str]:
    t = m["text"] if isinstance(m["text"], list) else []
    found = [
        p["href"] if p["type"] == "text_link" else p["text"]
        for p in t
        if isinstance(p, dict) and p["type"] in ("link", "text_link")
    ]
    return list(dict.fromkeys(found))


# --- Saved Messages, older schema -------------------------------------------------


def test_saved_messages_every_message_imports_with_text_time_author() -> None:
    data = load_sample("innerdvations_saved.result.json")
    raw = raw_messages(data)
    msgs = list(parse_telegram_json(data, tz=BERLIN))

    assert len(msgs) == len(raw) == 20
    for m, r in zip(msgs, raw, strict=True):
        assert m.message_id == r["id"]
        assert m.text == raw_text(r)
        assert m.author == r["from"]
        assert m.sent_at == datetime.fromisoformat(r["date"]).replace(tzinfo=BERLIN)
        assert m.sent_at.utcoffset() is not None
        assert list(m.links) == raw_links(r)
        assert m.chat == "9999999999"
        assert m.extra["chat_name"] == "Saved Messages"
    assert [m.position for m in msgs] == list(range(1, 21))
    assert sum(len(m.links) for m in msgs) == sum(len(raw_links(r)) for r in raw)


def test_saved_messages_formatting_keeps_visible_text_and_links() -> None:
    msgs = {m.message_id: m for m in parse_telegram_json(load_sample("innerdvations_saved.result.json"), tz=BERLIN)}

    styled = msgs[173430]
    assert styled.text == (
        "bold italic strikethrough underline @person http://google.com monospace http://mystery.knightlab.com/"
    )
    assert "http://google.com/" in styled.links
    assert "http://mystery.knightlab.com/" in styled.links

    photo = msgs[173429]
    assert photo.extra["attachments"] == ["photos/photo_1@01-08-2020_22-01-49.jpg"]

    forwarded = msgs[176390]
    assert forwarded.author == "Ben"
    assert forwarded.extra["forwarded_from"] == "Other Person"
    assert forwarded.extra["saved_from"] == "Other Person"

    voice = msgs[217584]
    assert voice.text == ""
    assert voice.extra["attachments"] == ["voice_messages/audio_1@06-10-2020_00-33-06.ogg"]
    assert voice.extra["media_type"] == "voice_message"
    assert voice.extra["mime_type"] == "audio/ogg"

    assert msgs[226106].extra["via_bot"] == "@gif"
    assert msgs[278329].extra["sticker_emoji"] == "🤭"
    assert msgs[5].extra["attachments"] == ["poll: Poll question"]
    assert msgs[7].extra["reply_to_message_id"] == 6
    assert 4 not in msgs  # the pin is a service message


# --- public supergroup, newer schema ---------------------------------------------


def test_supergroup_every_message_imports_at_its_instant() -> None:
    data = load_sample("tgif_software-testing.result.json")
    raw = raw_messages(data)
    msgs = list(parse_telegram_json(data, tz=BERLIN))

    assert len(msgs) == len(raw) == 197
    for m, r in zip(msgs, raw, strict=True):
        assert m.message_id == r["id"]
        assert m.text == raw_text(r)
        assert m.text == "".join(e["text"] for e in r["text_entities"])
        assert m.author == r["from"]
        assert m.sent_at == datetime.fromtimestamp(int(r["date_unixtime"]), UTC)
        # shown in the exporter's own offset: the wall clock matches `date`
        assert m.sent_at.replace(tzinfo=None) == datetime.fromisoformat(r["date"])
        assert list(m.links) == raw_links(r)
        assert m.chat == str(data["id"])
        assert m.extra["chat_name"] == "Teknologi Umum v2.0"
        if "reply_to_message_id" in r:
            assert m.extra["reply_to_message_id"] == r["reply_to_message_id"]
    assert sum(1 for m in msgs if "edited" in m.extra) == sum(1 for r in raw if "edited" in r)


def test_supergroup_spot_checks() -> None:
    msgs = {m.message_id: m for m in parse_telegram_json(load_sample("tgif_software-testing.result.json"), tz=UTC)}

    edited = msgs[242701]
    assert edited.author == "Reinaldy"
    assert edited.sent_at.isoformat() == "2023-01-20T20:07:42+07:00"
    assert edited.extra["edited"] == "2023-01-20T20:08:00+07:00"

    sticker = msgs[242711]
    assert sticker.text == ""
    assert sticker.extra["attachments"] == ["stickers/sticker (24).webp"]
    assert sticker.extra["reply_to_message_id"] == 242706

    mention = msgs[242714]
    assert mention.text.endswith("@RonnyGunawan).")
    assert mention.links == ()

    photos = [m for m in msgs.values() if any(a.startswith("photos/") for a in m.extra.get("attachments", []))]
    assert [p.extra["attachments"] for p in photos] == [["photos/photo_10041@20-01-2023_20-21-21.jpg"]]


# --- synthetic exports ----------------------------------------------------------


def item(id: int, text: Any, **kw: Any) -> dict[str, Any]:
    base = {
        "id": id,
        "type": "message",
        "date": "2024-03-01T10:00:00",
        "from": "Ann",
        "text": text,
    }
    return base | kw


def account() -> dict[str, Any]:
    return {
        "about": "…",
        "chats": {
            "list": [
                {
                    "name": "Work",
                    "type": "private_group",
                    "id": 11,
                    "messages": [
                        item(1, "work one"),
                        {
                            "id": 2,
                            "type": "service",
                            "date": "2024-03-01T10:01:00",
                            "actor": "Ann",
                            "action": "pin_message",
                            "text": "",
                        },
                        item(3, "work two"),
                    ],
                },
                {
                    "type": "saved_messages",
                    "id": 22,
                    "messages": [item(4, "note to self")],
                },
            ]
        },
        "left_chats": {
            "list": [
                {
                    "name": "Old Club",
                    "type": "public_supergroup",
                    "id": 33,
                    "messages": [item(5, "bye", **{"from": None, "actor": "Bob"})],
                },
            ]
        },
    }


def test_full_export_defaults_to_saved_messages() -> None:
    msgs = list(parse_telegram_json(account(), tz=UTC))
    assert [(m.text, m.chat, m.position) for m in msgs] == [("note to self", "22", 3)]
    assert msgs[0].extra["chat_name"] == "Saved Messages"


def test_full_export_chat_by_name_or_id_skips_service_messages() -> None:
    by_name = list(parse_telegram_json(account(), tz=UTC, chat="work"))
    by_id = list(parse_telegram_json(account(), tz=UTC, chat="11"))
    assert [m.text for m in by_name] == [m.text for m in by_id] == ["work one", "work two"]
    assert [m.position for m in by_name] == [1, 2]
    left = list(parse_telegram_json(account(), tz=UTC, chat="OLD CLUB"))
    assert [(m.author, m.chat) for m in left] == [("Bob", "33")]


def test_full_export_all_chats_in_file_order() -> None:
    msgs = list(parse_telegram_json(account(), tz=UTC, all_chats=True))
    assert [m.message_id for m in msgs] == [1, 3, 4, 5]
    assert [m.position for m in msgs] == [1, 2, 3, 4]
    assert [m.extra["chat_name"] for m in msgs] == [
        "Work",
        "Work",
        "Saved Messages",
        "Old Club",
    ]


def test_unknown_chat_names_the_chats_there_are() -> None:
    assert list_chats(account()) == ["Work", "Saved Messages", "Old Club"]
    with pytest.raises(
        ImportFormatError,
        match=r"no chat named 'Home' \(chats: Work, Saved Messages, Old Club\)",
    ):
        list(parse_telegram_json(account(), tz=UTC, chat="Home"))


def test_full_export_without_saved_messages_asks_for_a_chat() -> None:
    data = account()
    del data["chats"]["list"][1]
    with pytest.raises(ImportFormatError, match="Saved Messages.*Work, Old Club"):
        list(parse_telegram_json(data, tz=UTC))


@pytest.mark.parametrize("data", [{}, {"foo": 1}, {"messages": "nope"}, []])
def test_not_a_telegram_export(data: Any) -> None:
    with pytest.raises(ImportFormatError, match="not a Telegram JSON export"):
        list(parse_telegram_json(data, tz=UTC))


def test_wall_clock_dates_follow_tz_and_unixtime_gives_exporters_offset() -> None:
    chat = {
        "name": "X",
        "type": "personal_chat",
        "id": 7,
        "messages": [
            item(1, "winter"),
            item(2, "summer", date="2024-07-01T10:00:00"),
            item(3, "instant", date="2024-07-01T10:00:00", date_unixtime="1719820800"),
        ],
    }
    winter, summer, instant = parse_telegram_json(chat, tz=BERLIN)
    assert winter.sent_at.utcoffset() == timedelta(hours=1)
    assert summer.sent_at.utcoffset() == timedelta(hours=2)
    # 1719820800 is 08:00 UTC, so the exporter showed 10:00 at +02:00
    assert instant.sent_at.isoformat() == "2024-07-01T10:00:00+02:00"


def test_entities_links_are_deduplicated_in_order() -> None:
    text, links = visible_text(
        [
            {"type": "text_link", "text": "here", "href": "https://b.example/"},
            " and ",
            {"type": "link", "text": "https://a.example"},
            " ",
            {"type": "text_link", "text": "again", "href": "https://b.example/"},
            {"type": "custom_emoji", "text": "🙂", "document_id": "x"},
        ]
    )
    assert text == "here and https://a.example again🙂"
    assert links == ("https://b.example/", "https://a.example")


def test_missing_sender_and_attachment_only_messages() -> None:
    chat = {
        "name": "X",
        "type": "personal_chat",
        "id": 7,
        "messages": [
            item(1, "", **{"from": None}),
            item(2, "", file="files/report.pdf", mime_type="application/pdf"),
        ],
    }
    ghost, pdf = parse_telegram_json(chat, tz=UTC)
    assert ghost.author == "Unknown"
    assert pdf.text == ""
    assert pdf.extra["attachments"] == ["files/report.pdf"]
    assert pdf.extra["mime_type"] == "application/pdf"


def test_single_chat_export_checks_a_requested_chat_name() -> None:
    chat = {"name": "Family", "type": "private_group", "id": 9, "messages": [item(1, "hi")]}
    assert [m.text for m in parse_telegram_json(chat, tz=UTC, chat="family")] == ["hi"]
    with pytest.raises(ImportFormatError, match=r"no chat named 'Work' \(chats: Family\)"):
        list(parse_telegram_json(chat, tz=UTC, chat="Work"))
