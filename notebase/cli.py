"""The `notebase` command: parse options, call one library function, print the result.

Heavy modules (torch, sentence-transformers, textual) are imported inside the
commands that need them, so `notebase --help`, `notes` and `stats` stay instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__

if TYPE_CHECKING:
    from .db import Store


class UserError(click.ClickException):
    """A mistake in the input: one line on stderr, exit code 2, no traceback."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"notebase: error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    raise UserError(message)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


class Context:
    """What every command gets: where the data lives, and the store once asked for."""

    def __init__(self, home: str | None) -> None:
        self.home = home
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from .db import open_store

            try:
                self._store = open_store(self.home)
            except Exception as exc:  # a locked, read-only or corrupt database is a user-facing problem
                fail(f"cannot open the database: {exc}")
        return self._store


pass_ctx = click.make_pass_decorator(Context)


def _tz(name: str | None):
    from .timeutil import BadTimeZone, resolve_tz

    try:
        return resolve_tz(name)
    except BadTimeZone as exc:
        fail(str(exc))


def _bound(value: str | None, *, end: bool = False) -> int | None:
    if value is None:
        return None
    from .timeutil import parse_date_bound

    try:
        return parse_date_bound(value, _tz(None), end=end)
    except ValueError as exc:
        fail(str(exc))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), envvar="NOTEBASE_HOME", help="Data directory (default: $NOTEBASE_HOME or the per-user data dir).")
@click.version_option(__version__, prog_name="notebase")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """notebase: your Telegram notes and the pages they link to, searchable in the terminal."""
    ctx.obj = Context(home)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(tui_cmd)
        else:  # piped or scripted: the TUI cannot run, so say what can
            click.echo(ctx.get_help())


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="auto", show_default=True, type=click.Choice(["auto", "telegram-text", "telegram-json", "telegram-html"]), help="Export format; detected from content by default.")
@click.option("--date-order", type=click.Choice(["mdy", "dmy", "ymd"]), help="Day/month order of transcript dates (detected by default).")
@click.option("--tz", "tz_name", metavar="ZONE", help="Time zone of transcript times (default: this machine's).")
@click.option("--chat", metavar="NAME", help="From a full account export, import this chat (default: Saved Messages).")
@click.option("--all-chats", is_flag=True, help="From a full account export, import every chat.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def import_cmd(ctx: Context, file: Path, fmt: str, date_order: str | None, tz_name: str | None, chat: str | None, all_chats: bool, as_json: bool) -> None:
    """Import a Telegram export: a copied-messages transcript, result.json, or an HTML export."""
    from .ingest import import_file
    from .message import ImportFormatError

    tz = _tz(tz_name)
    store = ctx.store
    try:
        with _progress(file) as progress:
            result = import_file(store, file, fmt=fmt, tz=tz, date_order=date_order, chat=chat, all_chats=all_chats, progress=progress)
    except ImportFormatError as exc:
        fail(f"{file}: {exc}")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    if as_json:
        echo_json(result.to_json())
        return
    if result.added == 0:
        click.echo(f"{file}: {result.messages} messages, all already imported; nothing added.")
    else:
        click.echo(
            f"{file}: imported {result.added} new notes from {result.messages} messages"
            f" ({result.duplicates} already there), {result.links} links ({result.new_links} new)"
            f" in {result.seconds:.1f}s."
        )


class _progress:
    """A Rich progress line on a terminal for big files; nothing otherwise."""

    def __init__(self, file: Path) -> None:
        try:
            big = file.is_file() and file.stat().st_size > 2_000_000
        except OSError:
            big = False
        self.enabled = big and sys.stderr.isatty()
        self._progress: Any = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("importing {task.completed:,} messages"), TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._progress.start()
        task = self._progress.add_task("import", total=None)
        return lambda n: self._progress.update(task, completed=n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


@main.command("notes")
@click.option("--since", metavar="DATE", help="Only notes from this date (YYYY-MM-DD or ISO time) on.")
@click.option("--until", metavar="DATE", help="Only notes up to this date (inclusive).")
@click.option("--author", metavar="NAME", help="Only notes by this author.")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N notes.")
@click.option("--json", "as_json", is_flag=True, help="Print the notes as JSON.")
@pass_ctx
def notes_cmd(ctx: Context, since: str | None, until: str | None, author: str | None, limit: int | None, as_json: bool) -> None:
    """List notes, oldest first."""
    from .notes import list_notes

    notes = list_notes(ctx.store, since=_bound(since), until=_bound(until, end=True), author=author, limit=limit)
    if as_json:
        echo_json([n.to_json() for n in notes])
        return
    if not notes:
        click.echo("No notes. Import an export with: notebase import FILE", err=True)
    for note in notes:
        first_line = next((line for line in note.text.splitlines() if line.strip()), "")
        tags = "".join(f" #{t}" for t in note.tags)
        click.echo(f"{note.id:>6}  {note.sent_at[:16].replace('T', ' ')}  {_clip(first_line, 90)}{tags}")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command("show")
@click.argument("note_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the note as JSON.")
@pass_ctx
def show_cmd(ctx: Context, note_id: int, as_json: bool) -> None:
    """Show one note in full."""
    from .notes import get_note

    note = get_note(ctx.store, note_id)
    if note is None:
        fail(f"no note with id {note_id}")
    if as_json:
        echo_json(note.to_json())
        return
    click.echo(f"#{note.id}  {note.author}  {note.sent_at}")
    if note.tags:
        click.echo("tags: " + ", ".join(note.tags))
    click.echo()
    click.echo(note.text)
    if note.links:
        click.echo()
        for url in note.links:
            click.echo(f"  → {url}")


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@pass_ctx
def stats_cmd(ctx: Context, as_json: bool) -> None:
    """Counts of notes, links and authors, and the time span of the base."""
    from .notes import stats

    data = stats(ctx.store)
    if as_json:
        echo_json(data)
        return
    click.echo(f"notes:   {data['notes']}")
    click.echo(f"links:   {data['links']}" + (f"  ({', '.join(f'{k} {v}' for k, v in data['links_by_status'].items())})" if data["links_by_status"] else ""))
    click.echo(f"authors: {data['authors']}")
    click.echo(f"from:    {data['first'] or '-'}")
    click.echo(f"to:      {data['last'] or '-'}")


@main.command("tui")
@click.option("--tz", "tz_name", metavar="ZONE", help="Time zone to show times in (default: this machine's).")
@pass_ctx
def tui_cmd(ctx: Context, tz_name: str | None = None) -> None:
    """Open the terminal UI (also what `notebase` alone does)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail("the TUI needs a terminal; see `notebase --help` for the commands")
    from .tui import make_app  # Textual loads only here, so the other commands stay quick

    make_app(ctx.store, tz=_tz(tz_name), home=ctx.home).run()


if __name__ == "__main__":
    main()
