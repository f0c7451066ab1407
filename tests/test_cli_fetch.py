"""The user's story through the CLI: import notes, their links get fetched, see the pages."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from notebase.cli import main

STORY = (
    "The harbour town woke slowly. Fishermen mended their nets while the bakery on the corner "
    "filled the street with the smell of fresh bread, and the ferry horn sounded twice. "
) * 5


def page(title: str) -> str:
    return (
        f"<html lang='en'><head><title>{title} - Harbour News</title><meta name='author' content='Mira Holm'></head>"
        "<body><div class='cookie-banner'>This site uses cookies. Accept?</div>"
        "<nav><a href='/'>Front page</a><a href='/sports'>Sports</a></nav>"
        f"<article><h1>{title}</h1><p>{STORY}</p></article>"
        "<footer>Harbour News · All rights reserved</footer></body></html>"
    )


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    """Run `notebase --home tmp_path ARGS`; (exit code, stdout)."""
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def transcript(tmp_path: Path, *messages: str) -> Path:
    lines = []
    for i, text in enumerate(messages):
        lines += [f"Alex, [1/15/26 8:{20 + i:02d} AM]", text, ""]
    path = tmp_path / "saved.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_import_fetches_links_and_show_has_the_pages(tmp_path: Path, server: HTTPServer):
    server.expect_request("/harbour").respond_with_response(Response(page("Harbour Wakes"), content_type="text/html"))
    server.expect_request("/old").respond_with_response(Response("gone", status=410))
    url, old = server.url_for("/harbour"), server.url_for("/old")
    path = transcript(tmp_path, f"Nice piece about the harbour {url}", f"and this one is dead {old}")

    code, out = run(tmp_path, "import", str(path), "--no-embed", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["added"] == 2 and data["links"] == 2  # the import's own keys stay
    assert data["fetch"]["total"] == 2 and data["fetch"]["ok"] == 1 and data["fetch"]["gone"] == 1

    code, out = run(tmp_path, "links", "--json")
    links = {link["url"]: link for link in json.loads(out)}
    assert links[url]["status"] == "ok" and links[url]["title"] == "Harbour Wakes" and links[url]["note_ids"] == [1]
    assert links[old]["status"] == "gone" and links[old]["http_status"] == 410

    code, out = run(tmp_path, "show", "1", "--json")
    note = json.loads(out)
    assert note["text"].startswith("Nice piece") and note["links"] == [url]
    [shown] = note["pages"]
    assert shown["status"] == "ok" and shown["title"] == "Harbour Wakes" and shown["author"] == "Mira Holm"
    assert "bakery on the corner" in shown["markdown"]
    for clutter in ("cookies", "Front page", "Sports", "All rights reserved"):
        assert clutter not in shown["markdown"]

    code, out = run(tmp_path, "show", "2")
    assert code == 0 and f"{old}  [gone]" in out

    code, out = run(tmp_path, "links", "--status", "gone")
    assert code == 0 and "gone" in out and old in out and url not in out


def test_import_without_fetch_then_fetch_command(tmp_path: Path, server: HTTPServer):
    server.expect_request("/later").respond_with_response(Response(page("Read Later"), content_type="text/html"))
    url = server.url_for("/later")
    code, out = run(
        tmp_path, "import", str(transcript(tmp_path, f"for the weekend {url}")), "--no-embed", "--no-fetch", "--json"
    )
    assert code == 0 and "fetch" not in json.loads(out)
    assert [link["status"] for link in json.loads(run(tmp_path, "links", "--json")[1])] == ["pending"]

    code, out = run(tmp_path, "fetch")
    assert code == 0 and "Fetched 1 links" in out and "1 ok" in out
    code, out = run(tmp_path, "fetch", "--json")
    assert json.loads(out)["total"] == 0  # nothing pending any more
    code, out = run(tmp_path, "fetch", "--refetch", "--json")
    assert json.loads(out)["total"] == 1 and json.loads(out)["changed"] == 0


def test_offline_import_still_succeeds_with_a_summary_of_failures(tmp_path: Path):
    dead = f"http://127.0.0.1:{closed_port()}/page"
    path = transcript(tmp_path, f"one https://news.example.invalid/story {dead}", "two ftp://files.example.invalid/x")
    started = time.monotonic()
    code, out = run(tmp_path, "import", str(path), "--no-embed")
    assert code == 0
    assert time.monotonic() - started < 10
    assert "imported 2 new notes" in out
    assert "Fetched 3 links" in out and "2 failed" in out and "1 unsupported" in out
    assert "DNS lookup failed for news.example.invalid" in out and "connection refused" in out

    code, out = run(tmp_path, "import", str(path), "--no-embed", "--json")  # nothing new, nothing pending
    assert code == 0 and "fetch" not in json.loads(out)
    code, out = run(tmp_path, "fetch", "--retry-failed", "--json")
    assert json.loads(out)["total"] == 2 and json.loads(out)["failed"] == 2


@pytest.fixture
def trickle_url() -> Iterator[str]:
    """Headers at once, then a byte every half second: only a total deadline stops it."""
    stop = threading.Event()

    class Trickle(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)
            try:
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n<p>")
                while not stop.is_set():
                    self.request.sendall(b"z")
                    time.sleep(0.5)
            except OSError:
                pass

    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Trickle)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/drip"
    stop.set()
    srv.shutdown()
    srv.server_close()


def test_fetch_timeout_holds_against_a_trickling_server(tmp_path: Path, trickle_url: str):
    run(tmp_path, "import", str(transcript(tmp_path, f"slow site {trickle_url}")), "--no-embed", "--no-fetch")
    started = time.monotonic()
    code, out = run(tmp_path, "fetch", "--timeout", "2", "--json")
    elapsed = time.monotonic() - started
    assert code == 0
    assert elapsed < 2 + 1.5
    [failure] = json.loads(out)["failures"]
    assert failure["status"] == "failed" and failure["error"] == "timed out after 2 s"


def test_bad_options_are_user_errors(tmp_path: Path):
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "links", "--status", "weird"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "fetch", "--concurrency", "0"])
    assert result.exit_code == 2
