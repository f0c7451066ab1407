"""Time zones and timestamps: notes store UTC seconds plus the offset they were written in."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class BadTimeZone(ValueError):
    pass


def resolve_tz(name: str | None = None) -> tzinfo:
    """`--tz ZONE`, else the machine's zone (DST-aware when it can be found, fixed offset otherwise)."""
    if name:
        if name.upper() in ("UTC", "Z"):
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadTimeZone(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            return ZoneInfo(env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    if localtime.exists():
        try:
            with localtime.open("rb") as fh:
                return ZoneInfo.from_file(fh, key="localtime")
        except (OSError, ValueError):
            pass
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else UTC


def to_stored(dt: datetime) -> tuple[int, int]:
    """(UTC seconds, offset seconds) for an aware datetime."""
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError("naive datetime")
    return int(dt.timestamp()), int(offset.total_seconds())


def from_stored(ts: int, offset: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone(timedelta(seconds=offset)))


def iso(ts: int, offset: int) -> str:
    """ISO-8601 with the offset the note was written in."""
    return from_stored(ts, offset).isoformat()


def parse_date_bound(value: str, tz: tzinfo, *, end: bool = False) -> int:
    """`--since/--until` value (YYYY-MM-DD or an ISO datetime) → UTC seconds.

    A bare date means the whole day, so `--until 2026-01-15` includes that day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end:
                day += timedelta(days=1)
            return int(datetime.combine(day, time(0), tzinfo=tz).timestamp()) - (1 if end else 0)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO-8601 time)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return int(dt.timestamp())
