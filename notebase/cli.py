"""The `notebase` command: parse options, call one library function, print the result.

Heavy modules (torch, sentence-transformers, textual) are imported inside the
commands that need them, so `notebase --help`, `notes` and `stats` stay instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="NOTEBASE_HOME",
    help="Data directory (default: $NOTEBASE_HOME or the per-user data dir).",
)
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


@contextmanager
def _terminal_progress(
    label: str, *, bar: bool = True, enabled: bool = True, extra: str = "", **fields: Any
) -> Iterator[Callable[..., None] | None]:
    """A transient Rich progress line on stderr when it is a terminal; yields `update(**task_fields)` or None."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn(label)]
    if bar:
        columns += [BarColumn(), MofNCompleteColumn()]
    if extra:
        columns.append(TextColumn(extra))
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None, **fields)
        yield lambda **update: progress.update(task, **update)


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "telegram-text", "telegram-json", "telegram-html"]),
    help="Export format; detected from content by default.",
)
@click.option(
    "--date-order",
    type=click.Choice(["mdy", "dmy", "ymd"]),
    help="Day/month order of transcript dates (detected by default).",
)
@click.option("--tz", "tz_name", metavar="ZONE", help="Time zone of transcript times (default: this machine's).")
@click.option("--chat", metavar="NAME", help="From a full account export, import this chat (default: Saved Messages).")
@click.option("--all-chats", is_flag=True, help="From a full account export, import every chat.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--no-embed", is_flag=True, help="Skip embedding and topic tagging of the new notes (run `notebase index` later)."
)
@click.option("--no-fetch", is_flag=True, help="Do not fetch the linked pages now (run `notebase fetch` later).")
@pass_ctx
def import_cmd(
    ctx: Context,
    file: Path,
    fmt: str,
    date_order: str | None,
    tz_name: str | None,
    chat: str | None,
    all_chats: bool,
    as_json: bool,
    no_embed: bool,
    no_fetch: bool,
) -> None:
    """Import a Telegram export: a copied-messages transcript, result.json, or an HTML export."""
    from .ingest import import_file
    from .message import ImportFormatError

    tz = _tz(tz_name)
    store = ctx.store
    try:
        with _terminal_progress("importing {task.completed:,} messages", bar=False, enabled=_is_big(file)) as update:
            progress = (lambda n: update(completed=n)) if update else None
            result = import_file(
                store, file, fmt=fmt, tz=tz, date_order=date_order, chat=chat, all_chats=all_chats, progress=progress
            )
    except ImportFormatError as exc:
        fail(f"{file}: {exc}")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    if not as_json:  # say what was imported before the slower steps start
        if result.added == 0:
            click.echo(f"{file}: {result.messages} messages, all already imported; nothing added.")
        else:
            click.echo(
                f"{file}: imported {result.added} new notes from {result.messages} messages"
                f" ({result.duplicates} already there), {result.links} links ({result.new_links} new)"
                f" in {result.seconds:.1f}s."
            )
    fetched = None if no_fetch else _fetch_after_import(ctx, result.added)
    if fetched is not None and not as_json:
        _echo_fetch_summary(fetched)
    if not no_embed and result.added:
        _embed_new(ctx, list(result.note_ids))
    if as_json:
        echo_json(result.to_json() | ({"fetch": fetched.to_json()} if fetched is not None else {}))


@main.command("notes")
@click.option("--since", metavar="DATE", help="Only notes from this date (YYYY-MM-DD or ISO time) on.")
@click.option("--until", metavar="DATE", help="Only notes up to this date (inclusive).")
@click.option("--author", metavar="NAME", help="Only notes by this author.")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N notes.")
@click.option("--json", "as_json", is_flag=True, help="Print the notes as JSON.")
@pass_ctx
def notes_cmd(
    ctx: Context, since: str | None, until: str | None, author: str | None, limit: int | None, as_json: bool
) -> None:
    """List notes, oldest first."""
    from .notes import iter_notes

    notes = iter_notes(ctx.store, since=_bound(since), until=_bound(until, end=True), author=author, limit=limit)
    if as_json:  # streamed: the same JSON list as json.dumps would give, without holding every note
        count = 0
        click.echo("[", nl=False)
        for note in notes:
            item = json.dumps(note.to_json(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
            click.echo(("," if count else "") + "\n  " + item, nl=False)
            count += 1
        click.echo("\n]" if count else "]")
        return
    shown = 0
    for note in notes:
        first_line = next((line for line in note.text.splitlines() if line.strip()), "")
        tags = "".join(f" #{t}" for t in note.tags)
        click.echo(f"{note.id:>6}  {note.sent_at[:16].replace('T', ' ')}  {_clip(first_line, 90)}{tags}")
        shown += 1
    if not shown:
        click.echo("No notes. Import an export with: notebase import FILE", err=True)


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
    from .pages import pages_for_note

    pages = pages_for_note(ctx.store, note_id)
    if as_json:
        echo_json(note.to_json() | {"pages": [p.to_json() for p in pages]})
        return
    click.echo(f"#{note.id}  {note.author}  {note.sent_at}")
    if note.tags:
        click.echo("tags: " + ", ".join(note.tags))
    click.echo()
    click.echo(note.text)
    if pages:
        click.echo()
        for page in pages:
            click.echo(f"  → {page.url}  [{page.status}]" + (f" {page.title}" if page.title else ""))


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
    click.echo(
        f"links:   {data['links']}"
        + (
            f"  ({', '.join(f'{k} {v}' for k, v in data['links_by_status'].items())})"
            if data["links_by_status"]
            else ""
        )
    )
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


# -- search, index, tags, topics (issue #4) ------------------------------------------------
# Each command imports its library module inside, so `notebase --help` loads none of them,
# and only the commands that need vectors load torch (via embeddings.load_embedder).


def _embedder(ctx: Context, model: str | None = None):
    """The configured embedding model, loaded (seconds on first use); a missing model is a user error."""
    from .embeddings import ModelError, configured_model, load_embedder

    try:
        return load_embedder(configured_model(ctx.home, model))
    except ModelError as exc:
        fail(str(exc))


def _embed_new(ctx: Context, note_ids: list[int]) -> None:
    """After an import: embed what is new and tag new notes with topics; a failure here only warns."""
    from .embeddings import ModelError, configured_model, load_embedder
    from .index import index_pending
    from .topics import TopicsError, apply

    try:
        embedder = load_embedder(configured_model(ctx.home))
        with _terminal_progress("embedding") as update:
            summary = index_pending(ctx.store, embedder, progress=_index_callback(update))
        tagged = apply(ctx.store, embedder, note_ids=note_ids)
    except (ModelError, TopicsError) as exc:
        click.echo(f"notebase: warning: notes imported but not indexed ({exc}); run: notebase index", err=True)
        return
    click.echo(f"indexed {summary.embedded} items with {summary.model}; {tagged} topic tags", err=True)


def _index_callback(update: Callable[..., None] | None) -> Callable[[int, int], None] | None:
    return (lambda done, total: update(completed=done, total=total)) if update else None


def _is_big(file: Path) -> bool:
    """Only files that take a moment get a progress line."""
    try:
        return file.is_file() and file.stat().st_size > 2_000_000
    except OSError:
        return False


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Re-chunk every page and re-embed everything.")
@click.option(
    "--model",
    metavar="NAME_OR_PATH",
    help="Sentence-transformers model (default: $NOTEBASE_MODEL, config.toml, or all-MiniLM-L6-v2).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def index_cmd(ctx: Context, rebuild: bool, model: str | None, as_json: bool) -> None:
    """Embed new and changed notes and pages for search by meaning."""
    from .index import index_pending

    embedder = _embedder(ctx, model)
    with _terminal_progress("embedding") as update:
        summary = index_pending(ctx.store, embedder, rebuild=rebuild, progress=_index_callback(update))
    if as_json:
        echo_json(summary.to_json())
        return
    click.echo(
        f"embedded {summary.notes_embedded} notes and {summary.chunks_embedded} page chunks"
        f" ({summary.pages_chunked} pages chunked, {summary.chunks_reused} chunks unchanged) with {summary.model}"
        f" in {summary.seconds:.1f}s."
    )


@main.command("search")
@click.argument("query")
@click.option(
    "--mode",
    default="hybrid",
    show_default=True,
    type=click.Choice(["hybrid", "keyword", "semantic"]),
    help="By words, by meaning, or both fused.",
)
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(min=1), help="At most N results.")
@click.option("--tag", metavar="TAG", help="Only notes with this tag.")
@click.option("--since", metavar="DATE", help="Only notes from this date on.")
@click.option("--until", metavar="DATE", help="Only notes up to this date (inclusive).")
@click.option("--model", metavar="NAME_OR_PATH", help="Embedding model for the meaning part.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_ctx
def search_cmd(
    ctx: Context,
    query: str,
    mode: str,
    limit: int,
    tag: str | None,
    since: str | None,
    until: str | None,
    model: str | None,
    as_json: bool,
) -> None:
    """Find notes by words ("a phrase", -exclude, prefix*) and by meaning, including the pages they link to."""
    from .search import NotIndexedError, SearchError, parse_query, search

    filters: dict[str, Any] = {"limit": limit, "tag": tag, "since": _bound(since), "until": _bound(until, end=True)}
    try:
        parse_query(query)  # a bad query fails before the model loads
        embedder = None if mode == "keyword" else _embedder(ctx, model)
        try:
            hits = search(ctx.store, query, mode=mode, embedder=embedder, **filters)
        except NotIndexedError as exc:
            if mode != "hybrid":
                raise
            click.echo(f"notebase: warning: {exc}; showing keyword matches only", err=True)
            hits = search(ctx.store, query, mode="keyword", **filters)
    except SearchError as exc:
        fail(str(exc))
    if as_json:
        echo_json([h.to_json() for h in hits])
        return
    if not hits:
        click.echo("No matching notes.", err=True)
    for hit in hits:
        _echo_hit(hit)


def _echo_hit(hit: Any) -> None:
    why = "+".join(hit.matched)
    page = f"  [{hit.page_title}]" if hit.page_title else ""
    click.echo(f"{hit.id:>6}  {hit.sent_at[:16].replace('T', ' ')}  ({why}){page}")
    click.echo(f"        {_clip(' '.join(hit.snippet.split()), 110)}")


@main.command("related")
@click.argument("note_id", type=int)
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(min=1), help="At most N notes.")
@click.option("--json", "as_json", is_flag=True, help="Print the notes as JSON.")
@pass_ctx
def related_cmd(ctx: Context, note_id: int, limit: int, as_json: bool) -> None:
    """Notes nearest in meaning to one note (and to the pages it links to)."""
    from .search import SearchError, related

    try:
        hits = related(ctx.store, note_id, limit=limit)
    except SearchError as exc:
        fail(str(exc))
    if as_json:
        echo_json([h.to_json() for h in hits])
        return
    for hit in hits:
        _echo_hit(hit)


@main.group("tag")
def tag_group() -> None:
    """Add or remove a tag on a note by hand (hand-made changes always win over topics)."""


@tag_group.command("add")
@click.argument("note_id", type=int)
@click.argument("name")
@pass_ctx
def tag_add_cmd(ctx: Context, note_id: int, name: str) -> None:
    """Tag a note (also accepts a suggested topic tag)."""
    from .tags import TagError, add_tag

    try:
        add_tag(ctx.store, note_id, name)
    except TagError as exc:
        fail(str(exc))


@tag_group.command("rm")
@click.argument("note_id", type=int)
@click.argument("name")
@pass_ctx
def tag_rm_cmd(ctx: Context, note_id: int, name: str) -> None:
    """Remove a tag from a note; automatic tagging will not put it back."""
    from .tags import TagError, remove_tag

    try:
        remove_tag(ctx.store, note_id, name)
    except TagError as exc:
        fail(str(exc))


@main.command("tags")
@click.option("--json", "as_json", is_flag=True, help="Print the tags as JSON.")
@pass_ctx
def tags_cmd(ctx: Context, as_json: bool) -> None:
    """Tags in use: how many notes carry each by hand and automatically."""
    from .tags import list_tags

    tags = list_tags(ctx.store)
    if as_json:
        echo_json([t.to_json() for t in tags])
        return
    if not tags:
        click.echo("No tags yet. Add one with: notebase tag add ID NAME, or run: notebase topics apply", err=True)
    for t in tags:
        click.echo(f"{t.name:<24} {t.manual:>6} manual {t.auto:>6} auto")


@main.group("topics")
def topics_group() -> None:
    """Automatic topic tags from the topics in topics.toml (in the data directory)."""


@topics_group.command("suggest")
@click.option("--model", metavar="NAME_OR_PATH", help="Embedding model to score with.")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@pass_ctx
def topics_suggest_cmd(ctx: Context, model: str | None, as_json: bool) -> None:
    """Show which notes would get which topic, without tagging."""
    from .notes import get_note
    from .topics import TopicsError, suggest

    try:
        suggestions = suggest(ctx.store, _embedder(ctx, model))
    except TopicsError as exc:
        fail(str(exc))
    if as_json:
        echo_json([s.to_json() for s in suggestions])
        return
    for s in suggestions:
        note = get_note(ctx.store, s.note_id)
        first = next((line for line in (note.text if note else "").splitlines() if line.strip()), "")
        click.echo(f"{s.note_id:>6}  {s.topic:<16} {s.score:.2f}  {_clip(first, 80)}")


@topics_group.command("apply")
@click.option("--model", metavar="NAME_OR_PATH", help="Embedding model to score with.")
@pass_ctx
def topics_apply_cmd(ctx: Context, model: str | None) -> None:
    """Tag notes with their topics (never over a tag you removed by hand)."""
    from .topics import TopicsError, apply

    try:
        changed = apply(ctx.store, _embedder(ctx, model))
    except TopicsError as exc:
        fail(str(exc))
    click.echo(f"{changed} topic tags added or updated.")


# -- links and pages (issue #3) -------------------------------------------------------------

LINK_STATUSES = ("pending", "ok", "no-content", "gone", "blocked", "failed", "unsupported")  # as in pages.STATUSES


@main.command("fetch")
@click.option("--retry-failed", is_flag=True, help="Also fetch again the links that failed before.")
@click.option("--refetch", is_flag=True, help="Fetch every link again and record which pages changed.")
@click.option("--concurrency", type=click.IntRange(min=1), default=16, show_default=True, help="Pages fetched at once.")
@click.option(
    "--per-host", type=click.IntRange(min=1), default=4, show_default=True, help="Pages fetched at once from one host."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Deadline for each page, retries included.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def fetch_cmd(
    ctx: Context, retry_failed: bool, refetch: bool, concurrency: int, per_host: int, timeout: float, as_json: bool
) -> None:
    """Fetch and clean the pages that notes link to (pending links; see --retry-failed, --refetch)."""
    summary = _run_fetch(
        ctx, retry_failed=retry_failed, refetch=refetch, concurrency=concurrency, per_host=per_host, timeout=timeout
    )
    if as_json:
        echo_json(summary.to_json())
    else:
        _echo_fetch_summary(summary)


@main.command("links")
@click.option("--status", type=click.Choice(LINK_STATUSES), help="Only links with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
@pass_ctx
def links_cmd(ctx: Context, status: str | None, as_json: bool) -> None:
    """List links with their fetch status, page title or the reason they have none."""
    from .pages import list_links

    links = list_links(ctx.store, status=status)
    if as_json:
        echo_json([link.to_json() for link in links])
        return
    if not links:
        click.echo("No links." if status is None else f"No {status} links.", err=True)
    for link in links:
        code = str(link.http_status) if link.http_status else "-"
        about = link.title or link.error or ""
        click.echo(f"{link.status:<11} {code:>3}  {link.url}" + (f"  {_clip(about, 80)}" if about else ""))


def _run_fetch(ctx: Context, **options: Any) -> Any:
    """fetch_links with a progress bar on a terminal (stderr: done, ok, failed)."""
    from .pages import fetch_links

    with _terminal_progress(
        "fetching", extra="ok {task.fields[ok]} · failed {task.fields[failed]}", ok=0, failed=0
    ) as update:
        progress = (lambda p: update(completed=p.done, total=p.total, ok=p.ok, failed=p.failed)) if update else None
        return fetch_links(ctx.store, progress=progress, **options)


def _fetch_after_import(ctx: Context, added: int) -> Any:
    """After an import: fetch when there is anything to fetch. A crash here only warns: the notes are in."""
    from .pages import pending_count

    store = ctx.store
    if not added and not pending_count(store):
        return None
    try:
        return _run_fetch(ctx)
    except Exception as exc:
        click.echo(f"notebase: warning: notes imported but links not fetched ({exc}); run: notebase fetch", err=True)
        return None


def _echo_fetch_summary(summary: Any, limit: int = 20) -> None:
    if summary.total == 0:
        click.echo("No links to fetch.")
        return
    counts = ", ".join(f"{n} {status}" for status, n in summary.counts.items() if n)
    click.echo(f"Fetched {summary.total} links in {summary.seconds:.1f}s: {counts}.")
    for failure in summary.failures[:limit]:
        click.echo(f"  {failure['status']:<8} {failure['url']}  {failure['error'] or ''}")
    if len(summary.failures) > limit:
        click.echo(f"  … and {len(summary.failures) - limit} more (notebase links --status failed)")


if __name__ == "__main__":
    main()
