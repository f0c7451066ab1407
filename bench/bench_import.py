"""Import benchmark: a 1,000,000-message transcript, end to end through the CLI.

    python bench/bench_import.py [--messages 1000000] [--keep]

Reports messages/s and peak RSS of the `notebase import` process for a first
import and for a second import of the same file (all duplicates). Targets:
>= 100,000 messages/s and < 300 MB peak RSS. Run by hand; never a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_import(home: Path, export: Path) -> tuple[dict, float, float]:
    """(summary, seconds, peak RSS in MB) of one `notebase import` in a fresh process."""
    code = (
        "import resource, sys, time\n"
        "from notebase.cli import main\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print(f'@@ {time.perf_counter() - t:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    )
    args = ["--home", str(home), "import", str(export), "--tz", "UTC", "--json", "--no-fetch", "--no-embed"]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    marker = [line for line in proc.stderr.splitlines() if line.startswith("@@ ")][-1]
    _, _seconds, rss_kb = marker.split()
    return json.loads(proc.stdout), wall, int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated file and database")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="notebase-bench-"))
    export = work / "export.txt"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, str(HERE / "gen_transcript.py"), str(export), "--messages", str(opts.messages)], check=True
    )
    size_mb = export.stat().st_size / 1e6
    print(f"generated {opts.messages:,} messages, {size_mb:.0f} MB in {time.perf_counter() - t:.1f}s")

    for label in ("first import", "second import (all duplicates)"):
        summary, wall, rss = run_import(work / "home", export)
        rate = summary["messages"] / wall
        print(
            f"{label}: {summary['messages']:,} messages, {summary['added']:,} added, "
            f"{summary['duplicates']:,} duplicates, {summary['links']:,} links in {wall:.1f}s "
            f"-> {rate:,.0f} messages/s, peak RSS {rss:.0f} MB"
        )
    db = work / "home" / "notebase.db"
    print(f"database: {db.stat().st_size / 1e6:.0f} MB")
    if not opts.keep:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()
    else:
        print(f"kept in {work}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
