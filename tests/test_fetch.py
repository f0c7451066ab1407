"""The fetcher against a real HTTP server on 127.0.0.1: statuses, retries, limits, deadlines."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import socketserver
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

import brotli
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from notebase.fetch import USER_AGENT, FetchOptions, FetchResult, _retry_after, fetch_many

ARTICLE = (
    "<html><head><title>A page</title></head><body><article><p>"
    + "Words of the article. " * 60
    + "</p></article></body></html>"
)


def fetch(*urls: str, **options) -> list[FetchResult]:
    """Fetch URLs with the real fetcher; results in the order of `urls`."""

    async def run() -> list[FetchResult]:
        return [r async for r in fetch_many(urls, FetchOptions(**options))]

    results = asyncio.run(run())
    by_url = {r.url: r for r in results}
    return [by_url[u] for u in urls]


def html(body: str = ARTICLE, status: int = 200, **headers: str) -> Response:
    return Response(body, status=status, headers=headers, content_type="text/html; charset=utf-8")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ok_page_with_headers_we_promise(server: HTTPServer):
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return html()

    server.expect_request("/article").respond_with_handler(handler)
    [result] = fetch(server.url_for("/article"))
    assert result.status == "ok"
    assert result.http_status == 200
    assert result.content_type == "text/html" and result.charset == "utf-8"
    assert result.body and b"Words of the article" in result.body
    assert result.attempts == 1 and result.fetched_at > 0
    assert seen[0].headers["User-Agent"] == USER_AGENT
    assert (
        USER_AGENT.startswith("notebase/")
        and "(+https://github.com/notebase/notebase; personal knowledge base)" in USER_AGENT
    )
    assert {"gzip", "deflate", "br"} <= {e.strip() for e in seen[0].headers["Accept-Encoding"].split(",")}


def test_compressed_bodies_are_decoded(server: HTTPServer):
    server.expect_request("/gz").respond_with_response(
        Response(gzip.compress(ARTICLE.encode()), headers={"Content-Encoding": "gzip"}, content_type="text/html")
    )
    server.expect_request("/br").respond_with_response(
        Response(brotli.compress(ARTICLE.encode()), headers={"Content-Encoding": "br"}, content_type="text/html")
    )
    gz, br = fetch(server.url_for("/gz"), server.url_for("/br"))
    assert gz.body == ARTICLE.encode() and br.body == ARTICLE.encode()


def test_redirect_chain_records_the_final_url(server: HTTPServer):
    server.expect_request("/r1").respond_with_response(Response(status=301, headers={"Location": "/r2"}))
    server.expect_request("/r2").respond_with_response(
        Response(status=302, headers={"Location": server.url_for("/r3")})
    )
    server.expect_request("/r3").respond_with_response(Response(status=307, headers={"Location": "final?x=1"}))
    server.expect_request("/final").respond_with_response(html())
    [result] = fetch(server.url_for("/r1"))
    assert result.status == "ok"
    assert result.final_url == server.url_for("/final?x=1")


def test_redirect_loop_fails(server: HTTPServer):
    server.expect_request("/loop-a").respond_with_response(Response(status=302, headers={"Location": "/loop-b"}))
    server.expect_request("/loop-b").respond_with_response(Response(status=302, headers={"Location": "/loop-a"}))
    server.expect_request("/self").respond_with_response(Response(status=301, headers={"Location": "/self"}))
    loop, self_loop = fetch(server.url_for("/loop-a"), server.url_for("/self"))
    assert (loop.status, loop.error) == ("failed", "redirect loop")
    assert (self_loop.status, self_loop.error) == ("failed", "redirect loop")


def test_too_many_redirects_fail(server: HTTPServer):
    for i in range(12):
        server.expect_request(f"/hop{i}").respond_with_response(
            Response(status=302, headers={"Location": f"/hop{i + 1}"})
        )
    [result] = fetch(server.url_for("/hop0"))
    assert result.status == "failed" and "too many redirects" in result.error


@pytest.mark.parametrize(
    ("code", "status"),
    [(404, "gone"), (410, "gone"), (403, "blocked"), (401, "blocked"), (451, "blocked"), (400, "failed")],
)
def test_http_errors_map_to_statuses(server: HTTPServer, code: int, status: str):
    server.expect_request("/x").respond_with_response(html("nope", status=code))
    [result] = fetch(server.url_for("/x"))
    assert (result.status, result.http_status) == (status, code)
    assert result.error.startswith(f"HTTP {code}")
    assert result.attempts == 1  # client errors are not retried


def flaky(*responses: Response) -> tuple[list[float], object]:
    """A handler answering with `responses` in turn (the last one forever), recording request times."""
    times: list[float] = []

    def handler(request: Request) -> Response:
        times.append(time.monotonic())
        return responses[min(len(times), len(responses)) - 1]

    return times, handler


def test_429_honours_retry_after_then_succeeds(server: HTTPServer):
    times, handler = flaky(Response("slow down", status=429, headers={"Retry-After": "1"}), html())
    server.expect_request("/busy").respond_with_handler(handler)
    [result] = fetch(server.url_for("/busy"))
    assert result.status == "ok" and result.attempts == 2
    assert times[1] - times[0] >= 0.95


def test_503_then_200_is_ok(server: HTTPServer):
    _, handler = flaky(Response("down", status=503), html())
    server.expect_request("/blip").respond_with_handler(handler)
    [result] = fetch(server.url_for("/blip"))
    assert (result.status, result.attempts, result.http_status) == ("ok", 2, 200)


def test_503_always_fails_after_three_tries(server: HTTPServer):
    times, handler = flaky(Response("down", status=503))
    server.expect_request("/down").respond_with_handler(handler)
    [result] = fetch(server.url_for("/down"))
    assert (result.status, result.attempts, result.http_status) == ("failed", 3, 503)
    assert "HTTP 503" in result.error and "3 tries" in result.error
    assert len(times) == 3
    assert times[2] - times[1] > times[1] - times[0]  # the backoff grows


def test_retry_after_past_the_deadline_gives_up_at_once(server: HTTPServer):
    server.expect_request("/later").respond_with_response(
        Response("later", status=429, headers={"Retry-After": "3600"})
    )
    started = time.monotonic()
    [result] = fetch(server.url_for("/later"), timeout=5)
    assert result.status == "failed" and "429" in result.error and "3600" in result.error
    assert time.monotonic() - started < 2


def test_retry_after_forms():
    assert _retry_after("7") == 7
    assert _retry_after(None) is None and _retry_after("soon") is None
    in_a_minute = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 55 <= _retry_after(in_a_minute) <= 61
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait


def test_body_over_the_cap_fails_in_bounded_memory(server: HTTPServer, raw_server):
    chunk = b"<p>" + b"x" * 65536 + b"</p>"

    def firehose(sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")  # no length: read until closed
        for _ in range(800):  # ~50 MB if anybody read it all
            sock.sendall(chunk)

    huge_url = raw_server(firehose)
    server.expect_request("/declared").respond_with_response(Response(b"x" * 2_000_000, content_type="text/html"))
    fetch(huge_url, max_bytes=1000)  # warm up: imports and first-use caches are not what we measure
    tracemalloc.start()  # (the server above writes one preallocated chunk, so it adds nothing here)
    try:
        [huge] = fetch(huge_url, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [declared] = fetch(server.url_for("/declared"), max_bytes=1_000_000)
    assert (huge.status, declared.status) == ("failed", "failed")
    assert "too large" in huge.error and "too large" in declared.error
    assert huge.body is None
    assert peak < 4_000_000  # a small multiple of the 1 MB cap, nowhere near the 50 MB on offer


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start loopback servers whose connections are handled by a plain function of the socket."""
    servers: list[socketserver.ThreadingTCPServer] = []

    def start(respond: Callable[[socket.socket], None]) -> str:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                with contextlib.suppress(OSError):
                    respond(self.request)

        srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def trickle_url(raw_server) -> Iterator[str]:
    """A server that sends headers, then one byte every 0.2 s for a long time."""
    stop = threading.Event()

    def trickle(sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html>")
        while not stop.is_set():
            sock.sendall(b"a")
            time.sleep(0.2)

    yield raw_server(trickle) + "slow"
    stop.set()


def test_trickling_server_fails_at_the_deadline(trickle_url: str):
    started = time.monotonic()
    [result] = fetch(trickle_url, timeout=1.5)
    elapsed = time.monotonic() - started
    assert result.status == "failed" and "timed out after 1.5 s" in result.error
    assert 1.4 <= elapsed < 1.5 + 1.0


def test_pdf_and_images_are_unsupported_and_not_read(server: HTTPServer):
    server.expect_request("/paper.pdf").respond_with_response(
        Response(b"%PDF-1.7 " + b"0" * 5000, content_type="application/pdf")
    )
    server.expect_request("/cat.png").respond_with_response(Response(b"\x89PNG" + b"0" * 100, content_type="image/png"))
    pdf, png = fetch(server.url_for("/paper.pdf"), server.url_for("/cat.png"))
    assert (pdf.status, pdf.content_type, pdf.content_length) == ("unsupported", "application/pdf", 5009)
    assert (png.status, png.content_type) == ("unsupported", "image/png")
    assert pdf.body is None and "application/pdf" in pdf.error


def test_undeclared_content_type_is_sniffed(server: HTTPServer):
    server.expect_request("/bare").respond_with_response(Response(ARTICLE.encode(), headers={"Content-Type": ""}))
    server.expect_request("/bare.pdf").respond_with_response(Response(b"%PDF-1.4 stuff", headers={"Content-Type": ""}))
    page, pdf = fetch(server.url_for("/bare"), server.url_for("/bare.pdf"))
    assert (page.status, page.content_type) == ("ok", "text/html")
    assert (pdf.status, pdf.content_type) == ("unsupported", "application/pdf")


def test_non_http_schemes_are_never_requested(server: HTTPServer):
    urls = [
        "file:///etc/passwd",
        "ftp://example.org/x",
        "mailto:a@example.org",
        "tg://resolve?domain=x",
        "javascript:alert(1)",
        "data:text/html,hi",
    ]
    for result in fetch(*urls):
        assert result.status == "unsupported" and result.attempts == 0 and result.http_status is None
        assert "scheme" in result.error
    assert server.log == []


def test_unreachable_hosts_fail_fast_and_clearly():
    started = time.monotonic()
    refused, unresolvable = fetch(f"http://127.0.0.1:{closed_port()}/x", "http://no-such-host.invalid/x", timeout=10)
    assert time.monotonic() - started < 5
    assert refused.status == "failed" and "connection refused" in refused.error
    assert unresolvable.status == "failed" and "DNS lookup failed for no-such-host.invalid" in unresolvable.error
    assert unresolvable.attempts == 1  # a name that does not resolve is not retried


def test_offline_run_completes_quickly():
    urls = [f"http://host{i}.invalid/page" for i in range(40)]
    started = time.monotonic()
    results = fetch(*urls)
    assert time.monotonic() - started < 10
    assert {r.status for r in results} == {"failed"}
    assert all(("DNS lookup failed" in r.error) or ("offline" in r.error) for r in results)


def test_limits_on_concurrency_per_host_and_overall(server: HTTPServer):
    lock = threading.Lock()
    active = {"now": 0, "max": 0}

    def handler(request: Request) -> Response:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.15)
        with lock:
            active["now"] -= 1
        return html()

    server.expect_request("/slow").respond_with_handler(handler)
    urls = [server.url_for(f"/slow?n={i}") for i in range(12)]
    started = time.monotonic()
    results = fetch(*urls, per_host=3, concurrency=16)
    assert {r.status for r in results} == {"ok"}
    assert active["max"] == 3
    assert time.monotonic() - started >= 4 * 0.15  # 12 requests, 3 at a time
