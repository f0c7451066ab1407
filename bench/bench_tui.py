"""TUI benchmark: first paint and scrolling over a 100,000-note base.

    python bench/bench_tui.py                      # builds a base in a temp dir
    python bench/bench_tui.py --db /tmp/b.db       # keep (and reuse) the base
    python bench/bench_tui.py --notes 1000000 --pages 500

First paint is the time from starting the app (run_test, headless, 120×40) to
the timeline holding its first rows and the screen having been drawn with them;
"all loaded" is when the background loader has read every note. Scrolling is
`--pages` page-downs, each timed from key press to the redrawn screen.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_transcript import generate  # noqa: E402

from notebase.db import Store  # noqa: E402
from notebase.ingest import import_file  # noqa: E402
from notebase.notes import count_notes  # noqa: E402

TZ = ZoneInfo("UTC")
SIZE = (120, 40)


def build(db: Path, notes: int) -> Store:
    store = Store(db)
    have = count_notes(store)
    if have >= notes:
        print(f"base: {db} ({have:,} notes, reused)")
        return store
    transcript = db.with_suffix(".txt")
    with open(transcript, "w", encoding="utf-8") as fh:
        for piece in generate(notes):
            fh.write(piece)
    started = time.perf_counter()
    result = import_file(store, transcript, tz=TZ)
    print(f"base: {db} ({result.added:,} notes imported in {time.perf_counter() - started:.1f}s)")
    return store


async def measure(store: Store, pages: int, presses: int) -> dict[str, float]:
    from notebase.tui.app import make_app
    from notebase.tui.widgets.timeline import Row, Timeline

    painted: list[float] = []
    render_line = Timeline.render_line

    def spy(self: Timeline, y: int):
        # The first time the compositor asks for a line that holds a note: rows are on screen.
        index = round(self.scroll_y) + y
        if not painted and index < len(self.lines) and isinstance(self.lines[index], Row):
            painted.append(time.perf_counter())
        return render_line(self, y)

    Timeline.render_line = spy  # type: ignore[method-assign]
    app = make_app(store, tz=TZ, load_model=False, sample_path=None)
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        timeline = app.main_screen.query_one("#timeline", Timeline)
        while not painted:
            await asyncio.sleep(0.001)
        first_paint = painted[0] - started
        while timeline.is_loading:
            await asyncio.sleep(0.005)
        all_loaded = time.perf_counter() - started
        Timeline.render_line = render_line  # type: ignore[method-assign]
        total = timeline.note_count
        timeline.focus()
        await pilot.pause()

        # Widget cost of one page down: move the cursor and scroll, then draw every visible line
        # (what the compositor does next); strip caches are cold for the new lines.
        height = timeline.size.height
        times = []
        for _ in range(pages):
            t = time.perf_counter()
            timeline.action_page_down()
            for y in range(height):
                timeline.render_line(y)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        timeline.action_last()
        for y in range(height):
            timeline.render_line(y)
        to_end = time.perf_counter() - t

        # The same through the whole app: key event in, screen redrawn (Pilot adds its own waits).
        timeline.action_first()
        await pilot.pause()
        through_app = []
        for _ in range(presses):
            t = time.perf_counter()
            await pilot.press("pagedown")
            through_app.append(time.perf_counter() - t)
        baseline = []
        for _ in range(presses):  # a key nobody binds: Pilot's own cost per press
            t = time.perf_counter()
            await pilot.press("f19")
            baseline.append(time.perf_counter() - t)
    first_page = times[0]
    times.sort()
    return {
        "page_down_first_ms": first_page * 1000,
        "notes": total,
        "first_paint_s": first_paint,
        "all_loaded_s": all_loaded,
        "page_down_mean_ms": statistics.mean(times) * 1000,
        "page_down_p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "page_down_max_ms": times[-1] * 1000,
        "end_key_ms": to_end * 1000,
        "pilot_page_down_ms": statistics.median(through_app) * 1000,
        "pilot_baseline_ms": statistics.median(baseline) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="base to build or reuse (default: a temp dir)")
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=200, help="page-downs to time")
    parser.add_argument("--presses", type=int, default=30, help="page-downs to time through Pilot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build(args.db or Path(tmp) / "bench.db", args.notes)
        result = asyncio.run(measure(store, args.pages, args.presses))
    print(f"notes in timeline:      {result['notes']:,}")
    print(f"first paint:            {result['first_paint_s'] * 1000:.0f} ms  (app start → first note row drawn)")
    print(f"all notes loaded:       {result['all_loaded_s'] * 1000:.0f} ms  (background worker, UI live meanwhile)")
    print(
        f"page down, widget:      mean {result['page_down_mean_ms']:.2f} ms, p95 {result['page_down_p95_ms']:.2f} ms, max {result['page_down_max_ms']:.2f} ms  ({args.pages}× move + draw a full screen)"
    )
    print(f"first page down:        {result['page_down_first_ms']:.2f} ms  (cold: styles and caches)")
    print(f"end key, widget:        {result['end_key_ms']:.2f} ms")
    print(
        f"page down, via Pilot:   median {result['pilot_page_down_ms']:.1f} ms  (Pilot's own cost per key: {result['pilot_baseline_ms']:.1f} ms)"
    )


if __name__ == "__main__":
    main()
