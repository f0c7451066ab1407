"""Downloading the pages notes link to: the network edge, with no database and no parsing.

One `Fetcher` (an httpx.AsyncClient plus limits) answers `fetch(url) -> FetchResult`;
`fetch_many` runs many at once, at most `concurrency` in all and `per_host` per
host, and yields each result as it completes. Every URL gets an answer: a body to
clean, or a status and a one-line reason (`gone`, `blocked`, `failed`, `unsupported`).

Each page has a deadline (`timeout`, for all its tries together, starting when
it gets its slot) enforced with asyncio.timeout around request and streaming, so
even a server trickling a byte a second cannot hold a slot longer.
"""

from __future__ import annotations

import asyncio
import errno
import random
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from . import __version__

USER_AGENT = f"notebase/{__version__} (+https://github.com/notebase/notebase; personal knowledge base)"
# Media types we read and clean; anything else is recorded as `unsupported` without reading it.
EXTRACTABLE = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown"})
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.5",
    "Accept-Encoding": "gzip, deflate, br",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE = frozenset({404, 410})
_BLOCKED = frozenset({401, 403, 451})


@dataclass(frozen=True)
class FetchOptions:
    concurrency: int = 16
    per_host: int = 4
    timeout: float = 30.0  # seconds per page, all tries included
    connect_timeout: float = 10.0
    max_bytes: int = 10_000_000
    max_redirects: int = 10
    tries: int = 3
    backoff: float = 0.5  # first wait between tries; doubles each time
    max_retry_after: float = 60.0  # a longer Retry-After gives up instead of waiting


@dataclass
class FetchResult:
    """What one URL gave. `status` is `ok` when `body` holds a document of an EXTRACTABLE type."""

    url: str
    status: str  # ok gone blocked failed unsupported
    http_status: int | None = None
    final_url: str | None = None
    content_type: str | None = None  # media type, lowercased, without parameters
    charset: str | None = None
    content_length: int | None = None
    body: bytes | None = field(default=None, repr=False)
    error: str | None = None
    attempts: int = 0
    fetched_at: float = 0.0


class _Retry(Exception):
    """A try that may succeed later: connection trouble, 429 or 5xx."""

    def __init__(self, reason: str, result: FetchResult | None = None, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.result, self.wait = reason, result, wait


class _Offline:
    """Notices a machine without network: many hosts failing DNS or routing before any success."""

    THRESHOLD = 8

    def __init__(self) -> None:
        self.hosts: set[str] = set()
        self.succeeded = False

    def failed(self, host: str) -> None:
        self.hosts.add(host)

    @property
    def offline(self) -> bool:
        return not self.succeeded and len(self.hosts) >= self.THRESHOLD


class Fetcher:
    """An HTTP client with notebase's limits; use as `async with Fetcher() as f: await f.fetch(url)`."""

    def __init__(
        self, options: FetchOptions | None = None, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.options = options or FetchOptions()
        o = self.options
        self._client = httpx.AsyncClient(
            headers=_HEADERS,
            timeout=httpx.Timeout(o.timeout, connect=min(o.connect_timeout, o.timeout)),
            limits=httpx.Limits(max_connections=o.concurrency * 2, max_keepalive_connections=o.concurrency),
            follow_redirects=False,  # followed by hand, to detect loops and record the chain
            transport=transport,
        )
        self._global = asyncio.Semaphore(o.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._network = _Offline()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> FetchResult:
        """Fetch one URL within the limits: waits for a slot, then at most `timeout` seconds."""
        async with self._slot(url):
            return await self.fetch_now(url)

    def _slot(self, url: str) -> _Slot:
        host = _host(url)
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.options.per_host)
        return _Slot(sem, self._global)

    async def fetch_now(self, url: str) -> FetchResult:
        """Fetch one URL ignoring the concurrency limits (the caller holds a slot)."""
        scheme = _scheme(url)
        if scheme not in ("http", "https"):
            return _done(
                FetchResult(url, "unsupported", error=f"not fetched: {scheme or 'no'}: scheme (only http and https)")
            )
        if self._network.offline:
            return _done(
                FetchResult(url, "failed", error="offline: no network (DNS and connections fail for every host)")
            )
        o = self.options
        attempts, last = 0, None
        started = time.monotonic()
        try:
            async with asyncio.timeout(o.timeout):
                while True:
                    attempts += 1
                    try:
                        result = await self._try(url)
                        result.attempts = attempts
                        self._network.succeeded = True
                        return _done(result)
                    except _Retry as retry:
                        last = retry
                        if attempts >= o.tries:
                            break
                        wait = (
                            retry.wait
                            if retry.wait is not None
                            else o.backoff * 2 ** (attempts - 1) * (1 + random.random() / 10)
                        )
                        remaining = o.timeout - (time.monotonic() - started)
                        if retry.wait is not None and (wait > o.max_retry_after or wait >= remaining):
                            last = _Retry(
                                f"{retry.reason}; asked to retry after {wait:.0f} s, past the {o.timeout:.0f} s deadline",
                                retry.result,
                            )
                            break
                        await asyncio.sleep(wait)
        except TimeoutError:
            reason = f"timed out after {o.timeout:g} s" + (f" (before that: {last.reason})" if last else "")
            return _done(FetchResult(url, "failed", error=reason, attempts=attempts))
        except _Permanent as exc:
            if exc.offline_hint:
                self._network.failed(_host(url))
            return _done(FetchResult(url, "failed", error=exc.reason, attempts=attempts))
        assert last is not None
        result = last.result or FetchResult(url, "failed")
        result.status, result.error, result.attempts, result.body = (
            "failed",
            f"{last.reason} (after {attempts} tries)" if attempts > 1 else last.reason,
            attempts,
            None,
        )
        return _done(result)

    async def _try(self, url: str) -> FetchResult:
        """One try: follow redirects, classify the final response, read the body if it is for us."""
        visits: dict[str, int] = {}
        current = url
        for _ in range(self.options.max_redirects + 1):
            key = current.split("#", 1)[0]
            visits[key] = visits.get(key, 0) + 1
            if visits[key] > 2:  # once again is allowed: A → A is how some sites set a cookie
                return FetchResult(url, "failed", final_url=current, error="redirect loop")
            try:
                request = self._client.build_request("GET", current)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
                raise _Permanent(f"invalid URL: {exc}") from None
            response = await self._send(request)
            try:
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("location"):
                    target = urljoin(str(response.url), response.headers["location"].strip())
                    if urlsplit(target).scheme.lower() not in ("http", "https"):
                        return FetchResult(
                            url,
                            "unsupported",
                            http_status=status,
                            final_url=target,
                            error="redirected to a non-HTTP URL",
                        )
                    current = target
                    continue
                return await self._classify(url, response)
            finally:
                await response.aclose()
        return FetchResult(
            url, "failed", final_url=current, error=f"too many redirects (more than {self.options.max_redirects})"
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            kind = (
                "connect"
                if isinstance(exc, httpx.ConnectTimeout)
                else "read"
                if isinstance(exc, httpx.ReadTimeout)
                else "network"
            )
            raise _Permanent(f"{kind} timeout", offline_hint=kind == "connect") from None
        except httpx.ConnectError as exc:
            reason, permanent, offline_hint = _connect_error(exc, request.url.host)
            if permanent:
                raise _Permanent(reason, offline_hint=offline_hint) from None
            raise _Retry(reason) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Retry(f"connection dropped: {_first_line(exc) or type(exc).__name__}") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _Permanent(f"invalid URL: {exc}") from None
        except httpx.HTTPError as exc:
            raise _Permanent(_first_line(exc) or type(exc).__name__) from None

    async def _classify(self, url: str, response: httpx.Response) -> FetchResult:
        status = response.status_code
        media, charset = _media_type(response.headers.get("content-type"))
        length = _int(response.headers.get("content-length"))
        result = FetchResult(
            url,
            "ok",
            http_status=status,
            final_url=str(response.url),
            content_type=media,
            charset=charset,
            content_length=length,
        )
        reason = f"HTTP {status} {response.reason_phrase}".strip()
        if status in _GONE:
            result.status, result.error = "gone", reason
            return result
        if status in _BLOCKED:
            result.status, result.error = "blocked", reason
            return result
        if status == 429 or status >= 500:
            raise _Retry(reason, result, _retry_after(response.headers.get("retry-after")))
        if not 200 <= status < 300:
            result.status, result.error = "failed", reason
            return result
        if media is not None and media not in EXTRACTABLE:
            result.status, result.error = "unsupported", f"content type {media} is not extracted"
            return result
        if length is not None and length > self.options.max_bytes:
            result.status, result.error = "failed", f"too large ({length:,} bytes, limit {self.options.max_bytes:,})"
            return result
        body = bytearray()
        try:
            async for chunk in response.aiter_bytes():  # decoded: the limit holds for compressed bombs too
                body += chunk
                if len(body) > self.options.max_bytes:
                    result.status, result.error = "failed", f"too large (over {self.options.max_bytes:,} bytes)"
                    return result
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retry(f"connection dropped while reading: {_first_line(exc) or type(exc).__name__}") from None
        except httpx.DecodingError as exc:
            result.status, result.error = "failed", f"bad content encoding: {_first_line(exc)}"
            return result
        except httpx.TimeoutException:
            raise _Permanent("read timeout") from None
        if media is None:
            media = result.content_type = _sniff(bytes(body[:1024]))
            if media not in EXTRACTABLE:
                result.status, result.error = "unsupported", f"content type {media} is not extracted"
                result.content_length = len(body)
                return result
        result.body = bytes(body)
        if result.content_length is None:
            result.content_length = len(body)
        return result


class _Permanent(Exception):
    """A failure a retry in the same run would not fix (DNS, refused TLS, timeout, bad URL)."""

    def __init__(self, reason: str, *, offline_hint: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.offline_hint = reason, offline_hint


class _Slot:
    """Per-host then global semaphore: a task waiting for its host never holds a global slot."""

    def __init__(self, host: asyncio.Semaphore, overall: asyncio.Semaphore) -> None:
        self._host, self._overall = host, overall

    async def __aenter__(self) -> None:
        await self._host.acquire()
        try:
            await self._overall.acquire()
        except BaseException:
            self._host.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._overall.release()
        self._host.release()


async def fetch_many(
    urls: Iterable[str], options: FetchOptions | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[FetchResult]:
    """Fetch every URL concurrently within the limits, yielding results as they complete.

    A task hands its result over while still holding its slot, so a slow consumer
    (cleaning, writing) slows fetching down instead of piling up bodies in memory.
    """
    options = options or FetchOptions()
    queue: asyncio.Queue[FetchResult] = asyncio.Queue(maxsize=max(1, options.concurrency))
    async with Fetcher(options, transport=transport) as fetcher:

        async def one(url: str) -> None:
            async with fetcher._slot(url):
                result = await fetcher.fetch_now(url)
                await queue.put(result)

        tasks = [asyncio.create_task(one(url)) for url in _interleave(urls)]
        try:
            for _ in range(len(tasks)):
                yield await queue.get()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _interleave(urls: Iterable[str]) -> list[str]:
    """Round-robin over hosts, so one host with many links does not go first and alone."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(_host(url), []).append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


# ---------------------------------------------------------------- small pure helpers


def _done(result: FetchResult) -> FetchResult:
    result.fetched_at = time.time()
    return result


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    """('text/html', 'utf-8') from 'text/html; charset="UTF-8"'."""
    if not header:
        return None, None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower() or None, charset


def _sniff(head: bytes) -> str:
    """A media type for a response that did not declare one."""
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in lowered:
        return "text/html"
    if lowered.startswith(b"%pdf"):
        return "application/pdf"
    if b"\x00" in head:
        return "application/octet-stream"
    return "text/plain"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""


_DNS_ERRNOS = {
    getattr(socket, name)
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY")
    if hasattr(socket, name)
}


def _connect_error(exc: httpx.ConnectError, host: str) -> tuple[str, bool, bool]:
    """(reason, permanent, offline hint) for a failed connection, from the OS error beneath it."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, socket.gaierror) or (isinstance(cause, OSError) and cause.errno in _DNS_ERRNOS):
            return f"DNS lookup failed for {host}", True, True
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {getattr(cause, 'reason', None) or _first_line(cause)}", True, False
        if isinstance(cause, OSError) and cause.errno is not None:
            if cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return ("network unreachable" if cause.errno == errno.ENETUNREACH else "no route to host"), True, True
            if cause.errno == errno.ECONNREFUSED:
                return "connection refused", False, False
            return f"connection failed: {cause.strerror or cause}", False, False
        cause = cause.__cause__ or cause.__context__
        seen += 1
    text = _first_line(exc)
    lowered = text.lower()
    if (
        "name or service not known" in lowered
        or "name resolution" in lowered
        or "nodename nor servname" in lowered
        or "no address associated" in lowered
    ):
        return f"DNS lookup failed for {host}", True, True
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return f"TLS error: {text}", True, False
    if "network is unreachable" in lowered:
        return "network unreachable", True, True
    if "no route to host" in lowered:
        return "no route to host", True, True
    if "connection refused" in lowered:
        return "connection refused", False, False
    return f"connection failed: {text or type(exc).__name__}", False, False
