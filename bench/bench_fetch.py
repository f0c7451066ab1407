"""Fetch throughput: 1,000 distinct article pages from a local server that takes 200 ms per page.

    python bench/bench_fetch.py [--pages 1000] [--delay 0.2] [--concurrency 16]

The server runs in its own process (so it does not share our CPU time or GIL) and
listens on four loopback addresses, 127.0.0.1 to 127.0.0.4: with the default
limit of 4 per host that is 16 at once, the global default. Links go through the
real path: a transcript imported into a fresh store, then pages.fetch_links.

Expected: at most 1.25 × (pages / concurrency × delay) + cleaning time, where the
cleaning time is measured here too, by cleaning the same pages once more offline.
Peak RSS (resource.getrusage) is this process's, and that of the largest cleaning
worker process (runs this big clean pages in worker processes, see pages._cleaning_pool).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
_WORDS = [
    "harbour",
    "ferry",
    "bakery",
    "council",
    "budget",
    "school",
    "garden",
    "library",
    "museum",
    "river",
    "market",
    "storm",
    "election",
    "railway",
    "bridge",
    "festival",
    "theatre",
    "hospital",
    "science",
    "football",
    "weather",
    "island",
]


def article_html(n: int) -> bytes:
    """A distinct, realistically furnished article page (~15 KB) for page number n."""
    rng = random.Random(n)

    def sentence() -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."

    paragraphs = "".join(f"<p>{' '.join(sentence() for _ in range(4))}</p>" for _ in range(12))
    nav = "".join(f"<li><a href='/section/{j}'>Section {j}</a></li>" for j in range(25))
    related = "".join(f"<li><a href='/story/{rng.randint(0, 10**6)}'>{sentence()}</a></li>" for _ in range(10))
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Story {n} | Bench Daily</title>"
        f"<meta property='og:site_name' content='Bench Daily'><meta name='author' content='Reporter {n % 17}'>"
        f"<script>{'window.x=1;' * 300}</script></head><body><nav><ul>{nav}</ul></nav>"
        f"<div class='layout'><article><h1>Story {n}</h1>{paragraphs}</article>"
        f"<aside class='related'><ul>{related}</ul></aside></div><footer>Bench Daily footer</footer></body></html>"
    ).encode()


def serve(port: int, delay: float, ready) -> None:  # runs in the server process
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one connection, many requests
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                await asyncio.sleep(delay)
                n = int(path.rsplit("/", 1)[-1] or 0)
                body = article_html(n)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, host, port, backlog=1024) for host in HOSTS]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOSTS[0], 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=4)
    args = parser.parse_args()

    from notebase.clean import extract
    from notebase.db import Store
    from notebase.ingest import import_file
    from notebase.pages import fetch_links

    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, args.delay, ready), daemon=True)
    server.start()
    if not ready.wait(10):
        sys.exit("the bench server did not start")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            lines = []
            for n in range(args.pages):
                minute = n % (24 * 60)
                lines += [
                    f"Bench, [1/{1 + n // 1440}/26 {minute // 60:02d}:{minute % 60:02d}]",
                    f"page {n}: http://{HOSTS[n % len(HOSTS)]}:{port}/story/{n}",
                    "",
                ]
            transcript = Path(tmp) / "links.txt"
            transcript.write_text("\n".join(lines))
            store = Store(Path(tmp) / "bench.db")

            imported = import_file(store, transcript, tz=UTC, date_order="mdy")
            assert imported.new_links == args.pages, imported

            started = time.perf_counter()
            summary = fetch_links(store, concurrency=args.concurrency, per_host=args.per_host, timeout=30)
            elapsed = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            # The cleaning workers have ended with the run (the server has not): the largest of them.
            worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            store.close()

        cpu = time.process_time()
        for n in range(args.pages):
            extract(article_html(n), f"http://127.0.0.1/story/{n}", "text/html; charset=utf-8")
        cleaning = time.process_time() - cpu
    finally:
        server.terminate()
        server.join()

    ideal = args.pages / args.concurrency * args.delay
    budget = 1.25 * ideal + cleaning
    print(
        f"{args.pages} pages, {args.delay * 1000:.0f} ms each, concurrency {args.concurrency} ({len(HOSTS)} hosts × {args.per_host})"
    )
    print(f"statuses: {', '.join(f'{k} {v}' for k, v in summary.counts.items() if v)}")
    print(
        f"fetch run: {elapsed:.2f} s = {args.pages / elapsed:.1f} pages/s (ideal {ideal:.1f} s; cleaning alone {cleaning:.1f} CPU s)"
    )
    print(f"budget 1.25 × ideal + cleaning = {budget:.1f} s: {'within' if elapsed <= budget else 'OVER'}")
    print(f"peak RSS: {peak_mb:.0f} MB in this process, {worker_mb:.0f} MB in the largest cleaning worker")


if __name__ == "__main__":
    main()
