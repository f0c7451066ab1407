"""Where a transcript import's time goes, stage by stage, in one process.

    python bench/bench_import_stages.py [--messages 1000000]

`bench_import.py` measures the whole command; this splits the same work to show
what bounds it. Each stage runs on its own, on the same generated transcript:

  parse     reading, mojibake repair, headers and dates: Message objects
  prepare   + stamps, content keys and links per message (no SQLite)
  store     + every SQLite write of a real import into an empty database, with
            the messages already parsed in memory (notes, keys, links, FTS5)
  sqlite    only the SQLite statements of `store`, fed rows built beforehand
  notes     only the notes rows (no full-text index, no links)

The last two are floors: no parser, however fast, gets an import under them.
Run by hand; numbers move with machine load, so run it twice.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from notebase import ingest  # noqa: E402
from notebase.db import Store  # noqa: E402
from notebase.formats import read_messages  # noqa: E402

_IMPORT_ROW = "INSERT INTO imports (id, file, format, imported_at) VALUES (1, 'bench', 'telegram-text', 0)"


def timed(label: str, n: int, fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"{label:<8} {seconds:6.2f} s  {n / seconds:>10,.0f} messages/s")
    return seconds


class _Recorder:
    """A connection stand-in that keeps every statement a batch writer sends, to replay them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.calls: list[tuple[str, str, object]] = []

    def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
        self.calls.append(("execute", sql, params))
        return self.conn.execute(sql, params)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: object) -> sqlite3.Cursor:
        rows = list(rows)  # type: ignore[call-overload]
        self.calls.append(("executemany", sql, rows))
        return self.conn.executemany(sql, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="notebase-stages-"))
    export = work / "export.txt"
    subprocess.run(
        [sys.executable, str(HERE / "gen_transcript.py"), str(export), "--messages", str(opts.messages)], check=True
    )
    n = opts.messages

    messages: list = []
    timed("parse", n, lambda: messages.extend(read_messages(export, "telegram-text", tz=UTC)))

    def prepare() -> None:
        keys = ingest._Keys()
        for m in messages:
            ts, offset = ingest._stamp(m)
            keys(m, ts, offset)
            ingest._links_of(m)

    timed("prepare", n, prepare)

    def store(path: Path, recorder: list[_Recorder] | None = None) -> None:
        db = Store(path)
        with db.write() as conn:
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute(_IMPORT_ROW)
            target = _Recorder(conn) if recorder is not None else conn
            writer = ingest._BatchWriter(target, 1)  # type: ignore[arg-type]
            for start in range(0, len(messages), ingest.BATCH):
                writer.write(messages[start : start + ingest.BATCH])
            if recorder is not None:
                recorder.append(target)  # type: ignore[arg-type]
        db.close()

    timed("store", n, lambda: store(work / "store.db"))

    recorded: list[_Recorder] = []
    store(work / "record.db", recorded)
    calls = recorded[0].calls

    def replay(path: Path, only_notes: bool = False) -> None:
        db = Store(path)
        with db.write() as conn:
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute(_IMPORT_ROW)
            for kind, sql, params in calls:
                if only_notes and not sql.startswith("INSERT INTO notes "):
                    continue
                getattr(conn, kind)(sql, params)
        db.close()

    timed("sqlite", n, lambda: replay(work / "replay.db"))
    timed("notes", n, lambda: replay(work / "notes.db", only_notes=True))
    for path in sorted(work.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    work.rmdir()


if __name__ == "__main__":
    main()
