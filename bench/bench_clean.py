"""Cleaning speed: HTML pages to Markdown articles per second of CPU (i.e. per core).

    python bench/bench_clean.py [--data DIR] [--repeat N]

Uses the 181 real news pages of ../shared/bench/extraction/html when present
(gzip, ~170 KB of HTML each on average), else generated article pages. The rate is
pages per CPU-second of this process, so it does not depend on other load on
the machine; wall-clock time is shown beside it. Target: at least 30 pages/s per core.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "html"


def real_pages(directory: Path) -> list[tuple[str, bytes]]:
    return [(p.name, gzip.decompress(p.read_bytes())) for p in sorted(directory.glob("*.html.gz"))]


def generated_pages(n: int = 200, seed: int = 7) -> list[tuple[str, bytes]]:
    """Article pages with the usual furniture: navigation, sidebar, comments, footer, scripts."""
    rng = random.Random(seed)
    words = [
        "tea",
        "kettle",
        "harbour",
        "ferry",
        "bakery",
        "river",
        "market",
        "council",
        "budget",
        "school",
        "rain",
        "garden",
        "library",
        "museum",
    ]

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(8, 20))).capitalize() + "."

    pages = []
    for i in range(n):
        paragraphs = "".join(f"<p>{' '.join(sentence() for _ in range(5))}</p>" for _ in range(rng.randint(8, 25)))
        nav = "".join(f"<li><a href='/s{j}'>Section {j}</a></li>" for j in range(30))
        side = "".join(f"<li><a href='/p{j}'>{sentence()}</a></li>" for j in range(15))
        html = (
            f"<html><head><title>Story {i} | Daily</title><script>{'var a=1;' * 500}</script></head><body>"
            f"<nav><ul>{nav}</ul></nav><div class='main'><article><h1>Story {i}</h1>{paragraphs}</article>"
            f"<aside class='sidebar'><ul>{side}</ul></aside></div><footer>{sentence()}</footer></body></html>"
        )
        pages.append((f"generated-{i}", html.encode()))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from notebase.clean import extract

    pages = real_pages(args.data) if args.data.is_dir() else generated_pages()
    source = str(args.data) if args.data.is_dir() else "generated pages"
    extract(pages[0][1], "https://example.com/", "text/html")  # warm up imports
    per_page: list[float] = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(args.repeat):
        for _name, body in pages:
            t = time.process_time()
            extract(body, "https://example.com/article", "text/html; charset=utf-8")
            per_page.append(time.process_time() - t)
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    n = len(pages) * args.repeat
    size = sum(len(b) for _, b in pages) / len(pages)
    print(f"{n} pages from {source} (average {size / 1024:.0f} KB of HTML)")
    print(f"per core: {n / cpu:.1f} pages/s ({cpu:.1f} CPU s); wall clock: {n / wall:.1f} pages/s")
    per_page.sort()
    print(
        f"per page: median {statistics.median(per_page) * 1000:.1f} ms, p95 {per_page[int(0.95 * len(per_page))] * 1000:.1f} ms, max {per_page[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
