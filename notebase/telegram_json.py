"""Telegram Desktop JSON exports (result.json): one chat or a whole account.

Pure over the decoded JSON so the caller owns the disk (and `json.load`).
Both schemas are handled: the older one (no `date_unixtime`, no
`text_entities`) and the newer one that adds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from notebase.message import ImportFormatError, Message

SAVED_MESSAGES = "Saved Messages"
_SAVED_TYPE = "saved_messages"
_SHOWN_CHATS = 10  # chat names listed in an error before eliding the rest


def list_chats(data: dict[str, Any]) -> list[str]:
    """Names of the chats in an export, for error messages and `--chat` hints."""
    return [_chat_name(c) for c in _all_chats(data)]


def parse_telegram_json(
    data: dict[str, Any],
    *,
    tz: tzinfo,
    chat: str | None = None,
    all_chats: bool = False,
) -> Iterator[Message]:
    """Yield one Message per `"type": "message"` item of the chosen chat(s).

    A full account export yields Saved Messages unless `chat` (name,
    case-insensitive, or id) or `all_chats` says otherwise. `tz` is only used
    for old exports whose `date` is wall-clock time without an instant.
    `position` counts message items across all chats in file order, so it stays
    the same whichever chat is picked.
    """
    chats = _all_chats(data)
    wanted = _select(chats, chat=chat, all_chats=all_chats, full=_is_full(data))
    position = 0
    for c in chats:
        selected = any(c is w for w in wanted)
        for item in c.get("messages") or ():
            if not isinstance(item, dict) or item.get("type") != "message":
                continue
            position += 1
            if selected:
                yield _message(item, c, position=position, tz=tz)


def _is_full(data: dict[str, Any]) -> bool:
    return isinstance(data.get("chats"), dict)


def _all_chats(data: Any) -> list[dict[str, Any]]:
    """Every chat in file order; raises if `data` is no Telegram export at all."""
    if not isinstance(data, dict):
        raise ImportFormatError("not a Telegram JSON export (expected an object)")
    if isinstance(data.get("messages"), list):
        return [data]
    if _is_full(data):
        chats: list[dict[str, Any]] = []
        for key in ("chats", "left_chats"):
            section = data.get(key)
            if isinstance(section, dict):
                chats.extend(c for c in section.get("list") or () if isinstance(c, dict))
        return chats
    raise ImportFormatError("not a Telegram JSON export (no 'messages' or 'chats')")


def _chat_name(c: dict[str, Any]) -> str:
    if c.get("name"):
        return str(c["name"])
    if c.get("type") == _SAVED_TYPE:
        return SAVED_MESSAGES
    return str(c.get("id", "?"))


def _matches(c: dict[str, Any], wanted: str) -> bool:
    key = wanted.strip().casefold()
    names = {_chat_name(c).casefold()}
    if c.get("type") == _SAVED_TYPE:
        names |= {SAVED_MESSAGES.casefold(), _SAVED_TYPE}
    return key in names or ("id" in c and key == str(c["id"]))


def _select(chats: list[dict[str, Any]], *, chat: str | None, all_chats: bool, full: bool) -> list[dict[str, Any]]:
    if all_chats:
        return chats
    if chat is not None:
        found = [c for c in chats if _matches(c, chat)]
        if not found:
            raise ImportFormatError(f"no chat named {chat!r} ({_chat_list(chats)})")
        return found[:1]
    if not full:
        return chats
    saved = [c for c in chats if c.get("type") == _SAVED_TYPE]
    if not saved:
        raise ImportFormatError(f"no Saved Messages in this export; pick a chat ({_chat_list(chats)})")
    return saved


def _chat_list(chats: list[dict[str, Any]]) -> str:
    names = [_chat_name(c) for c in chats]
    shown = ", ".join(names[:_SHOWN_CHATS])
    if len(names) > _SHOWN_CHATS:
        shown += ", …"
    return f"chats: {shown}" if names else "the export has no chats"


def _message(item: dict[str, Any], c: dict[str, Any], *, position: int, tz: tzinfo) -> Message:
    text, links = visible_text(item.get("text_entities") or item.get("text") or "")
    author = item.get("from") or item.get("actor") or "Unknown"
    return Message(
        author=str(author),
        sent_at=_instant(item.get("date"), item.get("date_unixtime"), tz=tz),
        text=text,
        position=position,
        message_id=item.get("id") if isinstance(item.get("id"), int) else None,
        chat=str(c["id"]) if c.get("id") is not None else (c.get("name") or _SAVED_TYPE),
        links=links,
        extra=_extra(item, c, tz=tz),
    )


def visible_text(text: str | Iterable[Any]) -> tuple[str, tuple[str, ...]]:
    """Join a `text`/`text_entities` value into what the reader sees, plus its links.

    Links are `link` entity texts and `text_link` hrefs, deduplicated in order;
    URLs typed as plain text are left to the later regex pass.
    """
    if isinstance(text, str):
        return text, ()
    parts: list[str] = []
    links: dict[str, None] = {}
    for piece in text:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        if not isinstance(piece, dict):
            continue
        shown = piece.get("text")
        parts.append(shown if isinstance(shown, str) else "")
        kind = piece.get("type")
        url = piece.get("href") if kind == "text_link" else shown if kind == "link" else None
        if isinstance(url, str) and url:
            links[url] = None
    return "".join(parts), tuple(links)


def _instant(date: Any, unixtime: Any, *, tz: tzinfo) -> datetime:
    """An aware time showing the exporter's local offset when the export reveals it.

    `date` is the exporter's wall clock; `date_unixtime` the instant. Their
    difference is the offset the exporting machine used, which is the most
    faithful zone we can show. Without the instant, `date` is read in `tz`.
    """
    if not isinstance(date, str):
        raise ImportFormatError(f"message without a usable date: {date!r}")
    try:
        wall = datetime.fromisoformat(date)
    except ValueError:
        raise ImportFormatError(f"unreadable date {date!r}") from None
    if wall.tzinfo is not None:
        return wall
    if unixtime in (None, ""):
        return wall.replace(tzinfo=tz)
    try:
        utc = datetime.fromtimestamp(int(unixtime), UTC)
    except (TypeError, ValueError, OverflowError):
        raise ImportFormatError(f"unreadable date_unixtime {unixtime!r}") from None
    offset = wall - utc.replace(tzinfo=None)
    if abs(offset) >= timedelta(hours=24):  # inconsistent export: trust the instant
        return utc
    return utc.astimezone(timezone(offset))


def _extra(item: dict[str, Any], c: dict[str, Any], *, tz: tzinfo) -> dict[str, Any]:
    extra: dict[str, Any] = {"chat_name": _chat_name(c)}
    for key in ("forwarded_from", "saved_from", "reply_to_message_id", "via_bot"):
        if item.get(key) is not None:
            extra[key] = item[key]
    if item.get("edited"):
        try:
            edited = _instant(item["edited"], item.get("edited_unixtime"), tz=tz)
            extra["edited"] = edited.isoformat()
        except ImportFormatError:
            extra["edited"] = str(item["edited"])  # a bad edit time is not worth a failed import
    attachments = _attachments(item)
    if attachments:
        extra["attachments"] = attachments
    for key in ("media_type", "mime_type", "sticker_emoji"):
        if item.get(key):
            extra[key] = item[key]
    return extra


def _attachments(item: dict[str, Any]) -> list[str]:
    """Names of what came with the message: file paths, sticker emoji, poll question."""
    names: list[str] = []
    for key in ("photo", "file"):
        if isinstance(item.get(key), str) and item[key]:
            names.append(item[key])
    if item.get("sticker_emoji") and not item.get("file"):
        names.append(f"sticker {item['sticker_emoji']}")
    poll = item.get("poll")
    if isinstance(poll, dict) and poll.get("question"):
        names.append(f"poll: {poll['question']}")
    return names
