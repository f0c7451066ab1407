"""The value every importer yields: one message, independent of the export format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Message:
    """One message as parsed from an export, before it touches the store.

    `text` is the body exactly as written (after encoding repair). `links` holds
    URLs the export knows about beyond those visible in the text (Telegram
    `text_link` hrefs); URLs in the text itself are found by `links.extract_links`.
    """

    author: str
    sent_at: datetime  # timezone-aware
    text: str
    position: int  # 1-based line of the header (transcript) or index in the export
    part: str = "message"  # "message", or "preamble"/"appendix" for loose transcript text
    message_id: int | None = None  # Telegram message id (JSON/HTML exports)
    chat: str | None = None  # chat name or id (JSON/HTML exports)
    links: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # forwarded_from, reply_to, attachments …


class ImportFormatError(ValueError):
    """The file is not something we can import; the message names the problem."""
