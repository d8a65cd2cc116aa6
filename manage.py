"""Morgue's command line: reindex, add, extract, search, serve, stats.

Each command checks its input, calls one core function and prints the result;
domain errors become one-line messages with a hint, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from archive import ArchiveError, Config, SearchRequest, open_archive
from archive.addresses import is_loopback as _is_loopback
from archive.config import ENGINES
from archive.records import SORTS


class Context:
    def __init__(self, config: Config, instance: str | None = None,
                 engine_options: dict | None = None):
        self.config = config
        self._instance = instance
        self.engine_options = engine_options or {}  # the OpenSearch options given (for serve)

    @property
    def instance(self) -> Path:
        """The instance folder (accounts, the write log): --instance, else next to the index."""
        from webapp.users import default_instance

        return Path(self._instance).resolve() if self._instance \
            else default_instance(self.config.index_dir)

    @functools.cached_property
    def accounts(self):
        from webapp.users import Accounts

        return Accounts(self.instance)

    @functools.cached_property
    def archive(self):
        return open_archive(self.config)


def fail(exc: ArchiveError) -> None:
    message = f"Error: {exc}"
    if exc.hint:
        message += f"\nHint: {exc.hint}"
    click.echo(message, err=True)
    sys.exit(1)


def handles_errors(func):
    """Turn domain errors into a message and exit status 1."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ArchiveError as exc:
            fail(exc)
        except KeyboardInterrupt:
            click.echo("Interrupted; the index that was serving still serves.", err=True)
            sys.exit(130)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", type=click.Path(file_okay=False), envvar="ARCHIVE_CORPUS",
              help="Corpus folder (default ./corpus; env ARCHIVE_CORPUS).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), envvar="ARCHIVE_INDEX",
              help="Index folder (default ./index; env ARCHIVE_INDEX).")
@click.option("--instance", "instance_dir", type=click.Path(file_okay=False),
              envvar="ARCHIVE_INSTANCE",
              help="Instance folder: accounts and the write log (default: instance/ next to "
                   "the index folder; env ARCHIVE_INSTANCE).")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Search engine: whoosh (an index folder, the default) or opensearch (a "
                   "cluster; env ARCHIVE_ENGINE).")
@click.option("--opensearch-url", metavar="URL[,URL...]",
              help="OpenSearch addresses, comma-separated (env ARCHIVE_OPENSEARCH_URL). The "
                   "user and password come from the environment or the config file only.")
@click.option("--opensearch-index", metavar="NAME",
              help="OpenSearch alias holding the archive (default morgue; env "
                   "ARCHIVE_OPENSEARCH_INDEX).")
@click.option("--opensearch-ca", metavar="FILE",
              help="CA bundle (PEM) the cluster's certificate is checked against (env "
                   "ARCHIVE_OPENSEARCH_CA).")
@click.pass_context
def cli(ctx: click.Context, corpus: str | None, index_dir: str | None,
        instance_dir: str | None, engine: str | None, opensearch_url: str | None,
        opensearch_index: str | None, opensearch_ca: str | None) -> None:
    """Morgue: search a newsroom's archive of saved articles."""
    options = {"url": opensearch_url, "index": opensearch_index, "ca": opensearch_ca}
    try:
        config = Config.load(corpus, index_dir, instance=instance_dir, engine=engine,
                             opensearch=options)
    except ArchiveError as exc:
        fail(exc)
    ctx.obj = Context(config, instance_dir, options)


def _progress(label: str):
    """A progress callback drawing a bar on stderr when it is a terminal."""
    state: dict = {}

    def update(done: int, total: int) -> None:
        if not sys.stderr.isatty() or total < 2:
            return
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


def _wait_message(message: str) -> None:
    click.echo(message, err=True)


def _print_report(report, as_json: bool = False) -> None:
    for problem in report.failed:
        click.echo(f"FAILED {problem}", err=True)
    for problem in report.skipped:
        click.echo(f"skipped {problem}", err=True)
    for problem in report.warnings:
        click.echo(f"warning {problem}", err=True)
    for dup in report.duplicates:
        click.echo(f"duplicate {dup}", err=True)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(report.summary())


@cli.command()
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Extraction processes (default: the number of cores).")
@click.option("--wait", type=click.FloatRange(0, 3600), default=30.0, show_default=True,
              help="Seconds to wait for another command that is writing.")
@click.option("--no-cache", is_flag=True,
              help="Extract every file again instead of reusing the extraction cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@handles_errors
def reindex(obj: Context, workers: int | None, wait: float, no_cache: bool,
            as_json: bool) -> None:
    """Rebuild the index from every file in the corpus.

    The new index replaces the old one only when it is complete.
    """
    from indexer import pipeline

    report = pipeline.rebuild(obj.archive, obj.config.corpus_dir, workers=workers,
                              progress=_progress("Indexing"), on_wait=_wait_message,
                              lock_wait=wait,
                              cache_dir=None if no_cache else obj.config.index_dir)
    _print_report(report, as_json)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.option("--wait", type=click.FloatRange(0, 3600), default=30.0, show_default=True,
              help="Seconds to wait for another command that is writing.")
@click.pass_obj
@handles_errors
def optimize(obj: Context, wait: float) -> None:
    """Merge the index's segments into one (searches get a little faster).

    A reindex writes one segment per core and every `add` a small one. Searching
    goes on while this runs; other writers wait.
    """
    lock = obj.archive.lock()
    lock.acquire(wait=wait, on_wait=_wait_message)
    try:
        started = time.perf_counter()
        before, after = obj.archive.optimize()
    finally:
        lock.release()
    click.echo(f"segments: {before} -> {after} ({time.perf_counter() - started:.1f} s)")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--outlet", help="Outlet name for these articles.")
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="Publication date (or YYYY-MM, YYYY).")
@click.option("--url", help="Original URL.")
@click.option("--title", help="Title, replacing the extracted one.")
@click.option("--wait", type=click.FloatRange(0, 3600), default=120.0, show_default=True,
              help="Seconds to wait for another command that is writing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@handles_errors
def add(obj: Context, paths: tuple[Path, ...], outlet, date_, url, title, wait, as_json) -> None:
    """Copy articles into the corpus and index them (searchable when this returns)."""
    from indexer import adding

    meta = {"outlet": outlet, "date": date_, "url": url, "title": title}
    problem = adding.override_problem(meta)
    if problem:
        raise click.BadParameter(problem[1], param_hint=f"--{problem[0]}")
    report = adding.add(obj.archive, obj.config.corpus_dir, list(paths), meta,
                          progress=_progress("Adding"), on_wait=_wait_message, lock_wait=wait)
    for rel in report.added_files:
        click.echo(f"added corpus/{rel}", err=True)
    from manage_accounts import log_adds

    log_adds(obj.accounts, report, meta)
    _print_report(report, as_json)
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, required=True,
              help="One JSON object per article per line (the only output format).")
@click.pass_obj
@handles_errors
def extract(obj: Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Show what the indexer extracts from files, changing nothing."""
    from indexer.adding import extract_paths
    from indexer.report import Problem

    failed = False
    for result in extract_paths(paths, obj.config.corpus_dir):
        if isinstance(result, Problem):
            click.echo(f"skipped {result}", err=True)
            continue
        for problem in result.problems:
            click.echo(f"FAILED {problem}", err=True)
            failed = True
        for problem in result.skipped:
            click.echo(f"skipped {problem}", err=True)
        for problem in result.warnings:
            click.echo(f"warning {problem}", err=True)
        for article in result.articles:
            click.echo(json.dumps(article.as_dict(), ensure_ascii=False))
    sys.exit(1 if failed else 0)


def _parse_filters(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--filter")
        out.append((name.strip(), value.strip()))
    return tuple(out)


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--json", "as_json", is_flag=True, help="Print the result page as JSON.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Facet filter, e.g. outlet=Reuters, year=1987, age=5-10 (repeatable).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--queries", "queries_file", type=click.File("r", encoding="utf-8"),
              help="Run every 'id<TAB>query' line of this file ('-' for stdin); prints one "
                   "JSON line per query {qid, query, total, ids}.")
@click.option("--source-ids", is_flag=True,
              help="With --queries: print the articles' source ids instead of their ids.")
@click.option("--group/--no-group", default=True, show_default=True,
              help="Show versions of the same story (near duplicates) as one hit.")
@click.pass_obj
@handles_errors
def search(obj: Context, query: str, as_json: bool, limit: int, page: int,
           filters: tuple[str, ...], sort: str, queries_file, source_ids: bool,
           group: bool = True) -> None:
    """Search the archive (same query syntax as the web page)."""
    if queries_file is not None:
        from archive.batch import read_queries, search_batch

        if query or filters or page != 1 or sort != "relevance":
            raise click.UsageError("--queries runs the default search: give no QUERY, "
                                   "--filter, --page or --sort with it")
        for result in search_batch(obj.archive, read_queries(queries_file), limit=limit):
            if result.error:
                click.echo(f"query {result.qid}: {result.error}", err=True)
            click.echo(json.dumps(result.as_dict(source_ids), ensure_ascii=False))
        return
    if source_ids:
        raise click.UsageError("--source-ids goes with --queries")
    request = SearchRequest(query=query, filters=_parse_filters(filters), sort=sort,
                            page=page, page_size=limit, group=group)
    result = obj.archive.search(request)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    stories = f" in {result.stories} stories" if result.stories is not None else ""
    click.echo(f"{result.total} articles{stories} ({result.seconds * 1000:.0f} ms)")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion.query} "
                   f"({result.suggestion.total} articles)?")
    for note in result.notes:
        click.echo(note)
    import re
    from html import unescape

    for hit in result.hits:
        a = hit.article
        date = a.published.isoformat() if a.published else "date unknown"
        click.echo(f"\n{hit.rank}. {a.title}\n   {a.outlet or 'outlet unknown'} · {date} · {a.id}")
        if hit.versions:
            click.echo(f"   ({hit.versions} other version{'s' if hit.versions > 1 else ''})")
        for snippet in hit.snippets[:1]:
            text = unescape(re.sub(r"</?mark[^>]*>", "**", snippet))
            click.echo("   " + " ".join(text.split()))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--debug", is_flag=True, help="Flask's development server with reloading.")
@click.option("--no-build", is_flag=True, help="Do not build the index when there is none.")
@click.option("--public-read", is_flag=True,
              help="Anyone who reaches the server may search and read (writes still need an "
                   "editor's login). Needed to serve on a non-loopback address without accounts.")
@click.option("--proxy", is_flag=True,
              help="Behind an HTTPS reverse proxy: trust its X-Forwarded-For/Proto/Host (one "
                   "hop) and send cookies as Secure.")
@click.pass_obj
@handles_errors
def serve(obj: Context, host: str, port: int, threads: int, debug: bool, no_build: bool,
          public_read: bool, proxy: bool) -> None:
    """Serve the search UI (waitress; builds the index first if there is none)."""
    if not _is_loopback(host) and not public_read and not obj.accounts.any():
        raise click.UsageError(
            f"refusing to serve on {host}: this archive has no accounts, so anyone who reaches "
            f"that address could read it. Create accounts (`manage.py user add NAME --role "
            f"reader`), or make reading public explicitly with --public-read.")
    if not obj.archive.exists() and not no_build:
        from indexer import pipeline

        click.echo(f"No index at {obj.config.index_location}; building it from "
                   f"{obj.config.corpus_dir}...", err=True)
        report = pipeline.rebuild(obj.archive, obj.config.corpus_dir,
                                  progress=_progress("Indexing"), on_wait=_wait_message,
                                  cache_dir=obj.config.index_dir)
        _print_report(report)
    from webapp import create_app

    settings = {"INDEX_DIR": str(obj.config.index_dir), "CORPUS_DIR": str(obj.config.corpus_dir),
                "INSTANCE_DIR": str(obj.instance), "ENGINE": obj.config.engine,
                **{f"OPENSEARCH_{k.upper()}": v for k, v in obj.engine_options.items() if v}}
    if public_read:
        settings["PUBLIC_READ"] = True
    if proxy:
        settings["PROXY"] = True
    app = create_app(settings)
    who = ("reading needs a login" if obj.accounts.any() and not app.config["PUBLIC_READ"]
           else "reading is open")
    click.echo(f"Serving on http://{host}:{port}/ ({who}; accounts in {obj.instance}; "
               f"Ctrl-C to stop)", err=True)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    waitress.serve(app, host=host, port=port, threads=threads, ident="Morgue")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handles_errors
def stats(obj: Context, as_json: bool) -> None:
    """Counts of what the archive holds."""
    s = obj.archive.stats()
    if as_json:
        click.echo(json.dumps(s.as_dict()))
        return
    click.echo(f"articles: {s.articles}")
    click.echo(f"dated: {s.dated} ({s.oldest or '-'} to {s.newest or '-'})")
    click.echo(f"outlets: {s.outlets}")
    click.echo("formats: " + ", ".join(f"{k} {v}" for k, v in s.formats.items()))
    click.echo(f"index: {obj.config.index_location} ({s.size_bytes / 2**20:.1f} MB, "
               f"{s.generation})")


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Facet filter, as for `search` (repeatable).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@click.pass_obj
@handles_errors
def export(obj: Context, query: str, fmt: str, filters: tuple[str, ...], sort: str,
           output) -> None:
    """Write every article a search matches as CSV or JSON (not just one page)."""
    from archive.export import csv_chunks, json_chunks

    request = SearchRequest(query=query, filters=_parse_filters(filters), sort=sort)
    stream = obj.archive.export(request)
    if fmt == "csv":
        chunks = csv_chunks(stream.rows)
    else:
        head = {"query": query, "total": stream.total, "stories": stream.stories,
                "notes": list(stream.notes)}
        chunks = json_chunks(head, stream.rows)
    for chunk in chunks:
        output.write(chunk)
    click.echo(f"exported {stream.total} articles ({stream.stories} stories)", err=True)


@cli.command()
@click.option("--repair", is_flag=True,
              help="Reindex missing and stale files, remove orphans, then check again.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Extraction processes for files that are not indexed (default: cores).")
@click.option("--wait", type=click.FloatRange(0, 3600), default=30.0, show_default=True,
              help="With --repair: seconds to wait for another command that is writing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handles_errors
def check(obj: Context, repair: bool, workers: int | None, wait: float, as_json: bool) -> None:
    """Check that the index holds every corpus file as it is on disk, and nothing else.

    Prints one line per difference (missing, stale, orphaned, unreadable; and the
    notes unindexable, duplicate) and exits 1 when a problem remains.
    """
    from indexer import check as checking
    from indexer.pipeline import default_workers

    workers = workers or default_workers()
    if repair:
        result = checking.repair(obj.archive, obj.config.corpus_dir, workers=workers,
                                 lock_wait=wait, on_wait=_wait_message)
        for diff in result.before or []:
            click.echo(f"repairing {diff}", err=True)
    else:
        result = checking.check(obj.archive, obj.config.corpus_dir, workers=workers)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for diff in result.differences:
            click.echo(str(diff))
        click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


from manage_accounts import log, user  # noqa: E402  (account and log commands)

cli.add_command(user)
cli.add_command(log)


if __name__ == "__main__":
    cli()
