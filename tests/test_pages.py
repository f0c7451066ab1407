"""Links become pages: fetch_links over a real store and a real loopback server, then read back."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from notebase.db import Store
from notebase.ingest import import_file
from notebase.pages import FetchProgress, fetch_links, link_marks, list_links, pages_for_note

WORDS = "Tea is best brewed with fresh water and a little patience, and the leaves should have room to unfurl. "


def article(title: str, text: str = WORDS * 6, *, head: str = "") -> str:
    return (
        f"<html lang='en'><head><title>{title} | Tea Times</title><meta property='og:site_name' content='Tea Times'>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/subscribe'>Subscribe now</a></nav>"
        f"<article><h1>{title}</h1><p>{text}</p></article><footer>© Tea Times footer</footer></body></html>"
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "notes.db")
    yield s
    s.close()


def add_notes(store: Store, tmp_path: Path, *texts: str) -> list[int]:
    """Import notes the way a user does: a copied transcript, one message per text."""
    lines = []
    for i, text in enumerate(texts):
        lines += [f"Alex, [1/15/26 {8 + i // 60}:{i % 60:02d} AM]", text, ""]
    path = tmp_path / f"export-{len(list(tmp_path.glob('export-*')))}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")

    result = import_file(store, path, tz=UTC)
    return list(result.note_ids)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def links_by_url(store: Store) -> dict[str, dict]:
    return {link.url: link.to_json() for link in list_links(store)}


def test_every_link_gets_a_page_or_a_reason(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/tea").respond_with_response(Response(article("Green Tea Guide"), content_type="text/html"))
    server.expect_request("/missing").respond_with_response(Response("no", status=404))
    server.expect_request("/paper.pdf").respond_with_response(Response(b"%PDF-1.5 ...", content_type="application/pdf"))
    server.expect_request("/app").respond_with_response(
        Response(
            "<html><head><script src='/bundle.js'></script></head><body><div id='app'></div></body></html>",
            content_type="text/html",
        )
    )
    tea, missing, pdf, app = (server.url_for(p) for p in ("/tea", "/missing", "/paper.pdf", "/app"))
    dead = f"http://127.0.0.1:{closed_port()}/x"
    [first, second] = add_notes(
        store, tmp_path, f"Read {tea} and {missing}", f"Later: {pdf} {app} file:///home/me/notes.txt {dead}"
    )
    seen: list[FetchProgress] = []
    summary = fetch_links(store, progress=seen.append)

    assert summary.total == 6
    assert summary.counts == {"ok": 1, "no-content": 1, "gone": 1, "blocked": 0, "failed": 1, "unsupported": 2}
    assert [p.done for p in seen] == [0, 1, 2, 3, 4, 5, 6] and seen[-1].total == 6 and seen[-1].ok == 1
    data = summary.to_json()
    assert data["ok"] == 1 and data["total"] == 6
    assert {f["status"] for f in data["failures"]} == {"gone", "failed"}
    json.dumps(data)

    links = links_by_url(store)
    assert (
        links[tea]["status"] == "ok" and links[tea]["title"] == "Green Tea Guide" and links[tea]["site"] == "Tea Times"
    )
    assert links[tea]["http_status"] == 200 and links[tea]["final_url"] == tea and links[tea]["note_ids"] == [first]
    assert links[tea]["fetched_at"].endswith("+00:00") and links[tea]["attempts"] == 1
    assert (links[missing]["status"], links[missing]["http_status"]) == ("gone", 404)
    assert links[pdf]["status"] == "unsupported"
    assert links[app]["status"] == "no-content" and links[app]["error"]
    assert (
        links["file:///home/me/notes.txt"]["status"] == "unsupported"
        and links["file:///home/me/notes.txt"]["attempts"] == 0
    )
    assert links[dead]["status"] == "failed" and "connection refused" in links[dead]["error"]
    assert set(links[tea]) == {
        "url",
        "normalized_url",
        "status",
        "http_status",
        "final_url",
        "title",
        "site",
        "error",
        "attempts",
        "fetched_at",
        "note_ids",
    }
    with store.connect() as conn:
        ctype, length = conn.execute("SELECT content_type, content_length FROM links WHERE url = ?", (pdf,)).fetchone()
    assert (ctype, length) == ("application/pdf", 12)

    pages = [p.to_json() for p in pages_for_note(store, first)]
    assert [p["url"] for p in pages] == [tea, missing]
    assert pages[0]["status"] == "ok" and pages[0]["title"] == "Green Tea Guide" and pages[0]["word_count"] > 100
    assert (
        "fresh water" in pages[0]["markdown"]
        and "Subscribe now" not in pages[0]["markdown"]
        and "footer" not in pages[0]["markdown"]
    )
    assert pages[1] == {
        "url": missing,
        "status": "gone",
        "title": None,
        "site": None,
        "author": None,
        "published": None,
        "word_count": None,
        "markdown": None,
    }
    assert [p.status for p in pages_for_note(store, second)] == ["unsupported", "no-content", "unsupported", "failed"]
    assert [link.url for link in list_links(store, status="unsupported")] == [pdf, "file:///home/me/notes.txt"]

    again = fetch_links(store)  # nothing pending any more
    assert again.total == 0


def test_links_ending_on_the_same_page_share_it(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/short-a").respond_with_response(Response(status=301, headers={"Location": "/story"}))
    server.expect_request("/short-b").respond_with_response(
        Response(status=302, headers={"Location": "/story?utm_source=tg"})
    )
    server.expect_request("/story").respond_with_response(Response(article("The Story"), content_type="text/html"))
    canonical = f"<link rel='canonical' href='{server.url_for('/essay')}'>"
    server.expect_request("/essay").respond_with_response(
        Response(article("Essay", head=canonical), content_type="text/html")
    )
    server.expect_request("/essay-print").respond_with_response(
        Response(article("Essay", head=canonical), content_type="text/html")
    )
    a, b, essay, printable = (server.url_for(p) for p in ("/short-a", "/short-b", "/essay", "/essay-print"))
    add_notes(store, tmp_path, f"one {a}", f"two {b}", f"three {essay} {printable}")
    fetch_links(store)
    with store.connect() as conn:
        rows = dict(conn.execute("SELECT url, page_id FROM links"))
        pages = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert rows[a] == rows[b] is not None
    assert rows[essay] == rows[printable] is not None
    assert pages == 2
    assert links_by_url(store)[b]["final_url"] == server.url_for("/story?utm_source=tg")


def test_failed_links_are_retried_only_when_asked(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/flaky").respond_with_response(Response("down", status=503))
    url = server.url_for("/flaky")
    add_notes(store, tmp_path, f"see {url}")
    assert fetch_links(store).counts["failed"] == 1
    assert links_by_url(store)[url]["attempts"] == 3
    assert fetch_links(store).total == 0  # failed links wait for --retry-failed
    server.clear()
    server.expect_request("/flaky").respond_with_response(Response(article("Back Up"), content_type="text/html"))
    summary = fetch_links(store, retry_failed=True)
    assert summary.counts["ok"] == 1
    link = links_by_url(store)[url]
    assert (link["status"], link["attempts"], link["error"], link["title"]) == ("ok", 4, None, "Back Up")


def test_refetch_records_whether_the_content_changed(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/same").respond_with_response(Response(article("Same"), content_type="text/html"))
    server.expect_request("/news").respond_with_response(Response(article("News"), content_type="text/html"))
    same, news = server.url_for("/same"), server.url_for("/news")
    add_notes(store, tmp_path, f"{same} {news}")
    fetch_links(store)
    server.clear()
    # Different bytes but the same article for /same (a new nonce); a new article for /news.
    server.expect_request("/same").respond_with_response(
        Response(article("Same", head="<meta name='nonce' content='42'>"), content_type="text/html")
    )
    server.expect_request("/news").respond_with_response(
        Response(article("News", WORDS * 3 + "Breaking update. " * 20), content_type="text/html")
    )
    summary = fetch_links(store, refetch=True)
    assert summary.total == 2 and summary.changed == 1
    with store.connect() as conn:
        changed = dict(conn.execute("SELECT url, changed FROM links"))
        markdown = conn.execute("SELECT markdown FROM pages WHERE title = 'News'").fetchone()[0]
    assert changed == {same: 0, news: 1}
    assert "Breaking update" in markdown


def test_an_interrupted_run_keeps_what_it_finished(store: Store, tmp_path: Path, server: HTTPServer):
    for i in range(6):
        server.expect_request(f"/p{i}").respond_with_response(Response(article(f"Page {i}"), content_type="text/html"))
    add_notes(store, tmp_path, " ".join(server.url_for(f"/p{i}") for i in range(6)))

    def stop_after_two(p: FetchProgress) -> None:
        if p.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_links(store, concurrency=1, progress=stop_after_two)
    statuses = [link.status for link in list_links(store)]
    assert statuses.count("ok") == 2 and statuses.count("pending") == 4
    assert fetch_links(store).counts["ok"] == 4


def test_control_characters_never_reach_the_store(store: Store, tmp_path: Path, server: HTTPServer):
    evil = article("\x1b[31mRed\x1b[0m Alert", "\x1b]0;owned\x07" + WORDS * 6 + "\x1b[2J")
    server.expect_request("/evil").respond_with_response(Response(evil, content_type="text/html"))
    [note] = add_notes(store, tmp_path, f"look {server.url_for('/evil')}")
    fetch_links(store)
    [page] = pages_for_note(store, note)
    assert page.title == "Red Alert"
    for value in (page.title, page.site, page.markdown):
        assert "\x1b" not in value and "\x07" not in value


def test_link_marks_for_the_timeline(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/ok").respond_with_response(Response(article("Fine"), content_type="text/html"))
    ok_url = server.url_for("/ok")
    first, second, third = add_notes(
        store, tmp_path, f"{ok_url} https://www.example.invalid/a", "no links here", "file:///tmp/x"
    )
    fetch_links(store)
    marks = link_marks(store, [first, second, third, 999])
    assert marks == {first: [("127.0.0.1", "ok"), ("example.invalid", "failed")], third: [("file", "unsupported")]}
    assert link_marks(store, []) == {}


def test_fetched_at_is_iso_utc(store: Store, tmp_path: Path, server: HTTPServer):
    from datetime import datetime

    server.expect_request("/t").respond_with_response(Response(article("Time"), content_type="text/html"))
    add_notes(store, tmp_path, server.url_for("/t"))
    fetch_links(store)
    [link] = list_links(store)
    stamp = datetime.fromisoformat(link.to_json()["fetched_at"])
    assert stamp.tzinfo is not None and abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_a_big_run_cleans_in_worker_processes(store: Store, tmp_path: Path, server: HTTPServer):
    # Past a hundred links the pages are cleaned in worker processes: same results.
    server.expect_request("/many").respond_with_handler(
        lambda request: Response(article(f"Page {request.args['n']}"), content_type="text/html")
    )
    urls = [server.url_for(f"/many?n={i}") for i in range(120)]
    add_notes(store, tmp_path, *(f"link {url}" for url in urls))
    summary = fetch_links(store, per_host=16)
    assert summary.counts["ok"] == 120
    titles = {link.url: link.title for link in list_links(store)}
    assert titles[urls[7]] == "Page 7" and titles[urls[119]] == "Page 119"


def test_a_windows_1252_page_declared_only_in_meta(store: Store, tmp_path: Path, server: HTTPServer):
    body = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'><title>Menu</title></head>"
        f"<body><article><h1>Desserts</h1><p>Café crème brûlée, served warm. {WORDS * 5}</p></article></body></html>"
    ).encode("cp1252")
    server.expect_request("/menu").respond_with_response(Response(body, headers={"Content-Type": "text/html"}))
    [note] = add_notes(store, tmp_path, f"dinner {server.url_for('/menu')}")
    fetch_links(store)
    [page] = pages_for_note(store, note)
    assert page.status == "ok" and "Café crème brûlée" in page.markdown


def test_an_error_in_the_progress_callback_stops_the_run(store: Store, tmp_path: Path, server: HTTPServer):
    server.expect_request("/p").respond_with_response(Response(article("P"), content_type="text/html"))
    add_notes(store, tmp_path, server.url_for("/p"), "file:///x")

    def broken(progress: FetchProgress) -> None:
        raise RuntimeError("display went away")

    with pytest.raises(RuntimeError, match="display went away"):
        fetch_links(store, progress=broken)
