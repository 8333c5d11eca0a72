"""The `sparkify` command: parse arguments, call the library, print. No SQL lives here."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click
import psycopg
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import liveness
from . import status as status_mod
from .access import grant_read
from .checks import DEFAULT_MAX_REJECT_SHARE, CheckResult, all_passed, run_checks
from .checks import report as checks_report
from .config import load_settings
from .db import DatabaseMissing, connect, database_name, ensure_database, redact, server_conninfo
from .errors import OptionError, SparkifyError
from .load import LoadResult, load
from .schema import create_all, rebuild
from .server import EmbeddedServer
from .store import ANON_VARIABLE

console = Console()


class SparkifyGroup(click.Group):
    """Turns known failures into one line on stderr and an exit code (2: usage/environment)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OptionError as exc:  # the library names parameters; here they are flags
            _fail(ctx, exc.phrase(lambda option: "--" + option.replace("_", "-")), exc.exit_code)
        except SparkifyError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _fail(ctx, f"database error: {first}{_lost_connection_hint(exc)}", 2)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted; batches already committed stay loaded", 130)
        except OSError as exc:  # a file or folder the library did not foresee: still one line
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(ctx, f"{where}{exc.strerror or exc}", 2)


def _lost_connection_hint(exc: psycopg.Error) -> str:
    """Where to look when the server went away mid-command: a full disk stops it, for one."""
    if not isinstance(exc, psycopg.OperationalError):
        return ""
    text = str(exc)
    lost = ("connection is lost", "connection is closed", "server closed the connection",
            "terminating connection")
    if not any(phrase in text for phrase in lost):
        return ""
    try:
        settings = load_settings()
    except SparkifyError:
        return ""
    if settings.external:
        server, log = f"the server ({liveness.where(settings)})", "its log"
    else:
        server, log = "the server", f"its log, {EmbeddedServer(settings.home).log_file}"
    return (f" ({server} ended the connection: stopped, restarted, out of disk or memory? "
            f"see {log}; batches already committed stay loaded)")


def _fail(ctx: click.Context, message: str, code: int) -> None:
    if code == 2 and liveness.stalled():  # what broke the connection, not how it broke
        message = liveness.stalled() or message
    if ctx.find_root().params.get("verbose"):
        traceback.print_exc()
    click.echo(f"sparkify: error: {message}", err=True)
    ctx.exit(code)


@click.group(cls=SparkifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of an error.")
@click.version_option(package_name="sparkify")
def cli(verbose: bool) -> None:
    """Turn Sparkify's song and event JSON into a PostgreSQL star schema.

    The server is the one DATABASE_URL (or libpq's PG* variables) names; without them, an
    embedded PostgreSQL whose data lives under SPARKIFY_HOME (default ./.sparkify).

    \b
    Example:
      sparkify load data/        # load new and changed files
      sparkify status            # what is loaded
      psql "$(sparkify db url)"  # query it
    """


@cli.command()
@click.option("--drop", is_flag=True,
              help="Start from empty: every loaded row is lost. On a server of your own "
                   "(DATABASE_URL) the database is kept and only the project's tables, views "
                   "and bookkeeping in it are dropped.")
def init(drop: bool) -> None:
    """Create the database and its tables (existing ones are kept unless --drop).

    \b
    Example:
      sparkify init --drop
    """
    settings = load_settings()
    if drop:
        rebuild(settings)  # one transaction: all rebuilt, or nothing
    else:
        ensure_database(settings)
        with connect(settings, autocommit=True) as conn:
            create_all(conn)
    emptied = " (emptied and recreated)" if settings.external else " (dropped and recreated)"
    console.print(f"database [bold]{database_name(settings)}[/] is ready"
                  + (emptied if drop else ""))


@cli.command("load")
@click.argument("data_root", required=False)
@click.option("--full-refresh", is_flag=True, help="Empty the star and reload every file.")
@click.option("--anon", is_flag=True,
              help="Read an object store without credentials (a public bucket); "
                   f"as {ANON_VARIABLE}=1.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@click.option("--strict", is_flag=True, help="Exit 1 when any record was rejected.")
@click.option("--no-check", is_flag=True, help="Skip the checks that run after the load.")
def load_command(data_root: str | None, full_refresh: bool, anon: bool, as_json: bool,
                 strict: bool, no_check: bool) -> None:
    """Load new and changed JSON files under DATA_ROOT (default: ./data).

    DATA_ROOT holds song_data/ and log_data/: a folder, or an object store URL such as
    s3://bucket/prefix (credentials and endpoint as the AWS tools find them). Files already
    loaded are skipped; a changed file is reloaded in place; bad records go to
    sparkify.rejects with the reason.

    \b
    Example:
      sparkify load ../shared/data/sparkify-sample --json
      sparkify load s3://udacity-dend --anon
    """
    if anon:  # an environment variable, so that the staging process reads the same way
        os.environ[ANON_VARIABLE] = "1"
    settings = load_settings()
    root = data_root or settings.data_root
    show_progress = not as_json and sys.stdout.isatty()
    if show_progress:
        with Progress(TextColumn("[bold]loading"), BarColumn(), DownloadColumn(),
                      TextColumn("{task.fields[files]} files"), TimeRemainingColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("load", total=None, files=0)

            def planned(count: int, size: int) -> None:
                bar.update(task, total=size)

            def advanced(source) -> None:
                bar.update(task, advance=source.size, files=bar.tasks[task].fields["files"] + 1)

            result = load(settings, root, full_refresh, progress=advanced, on_plan=planned,
                          notify=lambda m: console.print(f"[yellow]{m}"))
    else:
        result = load(settings, root, full_refresh,
                      notify=lambda m: click.echo(m, err=True))
    # Nothing loaded, nothing changed: the last checks still hold (and a no-op stays instant).
    checked = None if no_check or result.files_loaded == 0 else run_checks(settings)
    if as_json:
        payload = result.to_dict()
        if checked is not None:
            payload["checks"] = checks_report(checked)
        click.echo(json.dumps(payload))
    else:
        _print_load_summary(result)
        if checked is not None:
            _print_checks(checked)
        elif not no_check:
            console.print("nothing new was loaded, so the checks were not run again "
                          "(`sparkify check` runs them)")
    if (strict and result.rejected) or (checked is not None and not all_passed(checked)):
        sys.exit(1)


def _print_load_summary(result: LoadResult) -> None:
    records = Table(title=f"Loaded {result.files_loaded} files "
                          f"({result.files_skipped} unchanged) in {result.seconds:.1f} s")
    for column in ("records", "read", "loaded", "song plays", "other pages", "rejected"):
        records.add_column(column, justify="right" if column != "records" else "left")
    s, e = result.songs, result.events
    records.add_row("songs", f"{s['read']:,}", f"{s['loaded']:,}", "", "", f"{s['rejected']:,}")
    records.add_row("events", f"{e['read']:,}", f"{e['song_plays'] + e['other_pages']:,}",
                    f"{e['song_plays']:,}", f"{e['other_pages']:,}", f"{e['rejected']:,}")
    console.print(records)
    tables = Table(title="Rows in the star")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, count in result.tables.items():
        tables.add_row(name, f"{count:,}")
    console.print(tables)
    if result.rejected:
        console.print(f"[yellow]{result.rejected:,} records rejected: "
                      "SELECT * FROM sparkify.rejects shows each with its reason")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def status(as_json: bool) -> None:
    """Show the server in use, the rows in each table and the files loaded.

    \b
    Example:
      sparkify status --json
    """
    report = status_mod.collect(load_settings())
    if as_json:
        click.echo(json.dumps(report, default=str))
        return
    console.print(f"server: {report['server']}  database: {report['database']}")
    if not report["running"]:
        console.print("[yellow]the embedded server is stopped: `sparkify db start` (or any "
                      "command that needs it) starts it")
        return
    if not report["exists"]:
        console.print("[yellow]no such database yet: run `sparkify init` or `sparkify load`")
        return
    if not report["initialised"]:
        console.print("[yellow]no tables yet: run `sparkify init` or `sparkify load`")
        return
    table = Table(title="Tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report["tables"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    files = report["files"]
    console.print(f"files loaded: {files['count']:,} (last at {files['last_loaded_at']}); "
                  f"records rejected: {report['rejects']:,}")


@cli.group()
def db() -> None:
    """Start, stop and locate the database server."""


@db.command("start")
def db_start() -> None:
    """Start the embedded server (it keeps running until `sparkify db stop`)."""
    settings = load_settings()
    if settings.external:
        raise SparkifyError("DATABASE_URL (or PG*) names an external server; nothing to start")
    server = EmbeddedServer(settings.home)
    server.ensure_running()
    ensure_database(settings)
    console.print(f"embedded PostgreSQL running, data in {server.pgdata}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    settings = load_settings()
    if settings.external:
        raise SparkifyError("DATABASE_URL (or PG*) names an external server; not stopping it")
    stopped = EmbeddedServer(settings.home).stop()
    console.print("embedded PostgreSQL stopped" if stopped
                  else "embedded PostgreSQL was not running")


@db.command("status")
def db_status() -> None:
    """Say which server is in use and whether it runs (exit 1 when it does not)."""
    settings = load_settings()
    if settings.external:
        note = ""
        try:  # the project's database: a least-privilege role may not reach `postgres`
            connect(settings).close()
        except DatabaseMissing:
            note = f" (no database {database_name(settings)!r} yet)"
        except SparkifyError as exc:
            console.print(f"external server unreachable: {exc}")
            sys.exit(1)
        console.print(f"external server reachable: {redact(server_conninfo(settings))}{note}")
        return
    server = EmbeddedServer(settings.home)
    info = server.running_info()
    if info is None:
        console.print(f"embedded PostgreSQL is stopped (data in {server.pgdata})")
        sys.exit(1)
    console.print(f"embedded PostgreSQL is running: pid {info['pid']}, data in {server.pgdata}, "
                  f"socket in {info['socket_dir']}")


@db.command("url")
@click.option("--user", help="Connect as this role instead (a reader, say).")
def db_url(user: str | None) -> None:
    """Print the connection URL of the server in use, without any password.

    Starts nothing: the embedded server's URL is printed whether it runs or not.

    \b
    Example:
      psql "$(sparkify db url)"
      DATABASE_URL="$(sparkify db url --user analyst)" sparkify report
    """
    settings = load_settings()
    if user and not settings.external:
        conninfo = EmbeddedServer(settings.home).url(database_name(settings), user)
    else:
        conninfo = server_conninfo(settings, start=False)
        if user:
            conninfo = make_conninfo(conninfo, user=user)
    click.echo(redact(conninfo))


@cli.command("grant-read")
@click.argument("role")
def grant_read_command(role: str) -> None:
    """Let ROLE read the warehouse (analysts, a BI tool) and write nothing.

    SELECT on the star, events, user_song_plays, the analytics views and the bookkeeping
    (sparkify.manifest, sparkify.rejects), EXECUTE on the analytics functions, and the same on
    what later loads create. On the embedded server a missing ROLE is created (LOGIN, no
    password, reached through the server's socket only); on a server of yours it must exist.

    \b
    Example:
      sparkify grant-read analyst
      DATABASE_URL="$(sparkify db url --user analyst)" sparkify report
    """
    settings = load_settings()
    created = grant_read(settings, role)
    console.print(("created role " if created else "role ") + f"[bold]{role}[/] may now read "
                  f"database [bold]{database_name(settings)}[/] and write nothing")


def _share(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """A share given as a fraction (0.01) or a percentage (1%)."""
    text = value.strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a fraction (0.01) or a percentage (1%)") from None
    if not 0 <= share <= 1:
        raise click.BadParameter(f"{value!r} is not between 0 and 1 (0% and 100%)")
    return share


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@click.option("--max-reject-share", default=str(DEFAULT_MAX_REJECT_SHARE), callback=_share,
              show_default=True, metavar="SHARE",
              help="Warn (not fail) above this share of rejected records: 0.01 or 1%.")
def check(as_json: bool, max_reject_share: float) -> None:
    """Check the schema, the classic INSERTs and the loaded data (exit 1 when any check fails).

    \b
    Example:
      sparkify check
      sparkify check --json --max-reject-share 5%
    """
    results = run_checks(load_settings(), max_reject_share=max_reject_share)
    if as_json:
        click.echo(json.dumps(checks_report(results)))
    else:
        _print_checks(results, every=True)
    if not all_passed(results):
        sys.exit(1)


def _print_checks(results: list[CheckResult], every: bool = False) -> None:
    """A table of the checks (with `every`, the passing ones too), then one summary line."""
    shown = [r for r in results if every or not r.passed or r.warning]
    if shown:
        table = Table(title="Checks")
        for column in ("check", "result", "detail"):
            table.add_column(column, overflow="fold")
        for r in shown:
            mark = ("[red]FAIL" if not r.passed else "[yellow]warn" if r.warning
                    else "[green]pass")
            table.add_row(r.name, mark, r.detail)
        console.print(table)
    failed = sum(not r.passed for r in results)
    warned = sum(r.warning for r in results)
    note = f", {warned} warning(s)" if warned else ""
    if failed:
        console.print(f"[red]{failed} of {len(results)} checks failed{note}")
    else:
        console.print(f"[green]all {len(results)} checks passed[/]{note}")


@cli.command()
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report as one self-contained HTML page with charts to FILE "
                   "('-': stdout) instead of printing tables.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@click.option("--user", "user_id", type=int, help="Report on one user: favourites, "
              "sessions, level changes, recommendations.")
def report(html_file: Path | None, as_json: bool, user_id: int | None) -> None:
    """Answer the analytics team's questions from the warehouse's views.

    Popularity, activity by hour/weekday/day, trends, engagement, preferences, demographics,
    conversion, recommendations and platform health. All times are UTC.

    \b
    Example:
      sparkify report
      sparkify report --html report.html
      sparkify report --json | jq .top_songs
      sparkify report --user 49
    """
    from .report import collect, collect_user, html, terminal

    settings = load_settings()
    data = collect(settings) if user_id is None else collect_user(settings, user_id)
    if html_file is not None:
        page = html.render(data) if user_id is None else html.render_user(data)
        if str(html_file) == "-":
            click.echo(page)
            return
        try:
            html_file.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise SparkifyError(f"cannot write {html_file}: {exc.strerror}") from exc
        click.echo(f"wrote {html_file}", err=as_json)
    if as_json:
        click.echo(json.dumps(data))
    elif html_file is None:
        (terminal.render if user_id is None else terminal.render_user)(data, console)


@cli.command("recommend")
@click.argument("user_id", type=int)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="How many songs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list and nothing else.")
def recommend_command(user_id: int, limit: int, as_json: bool) -> None:
    """Songs USER_ID has never played, ranked by what listeners like them also played.

    Item-to-item co-listening: each pick names the played song that led to it. A user with
    no usable history gets the most played songs instead (basis: popularity).

    \b
    Example:
      sparkify recommend 49 --limit 5
      sparkify recommend 49 --json
    """
    from rich.text import Text

    from .recommend import recommend

    picks = recommend(load_settings(), user_id, limit)
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in picks]))
        return
    table = Table(title=f"Recommendations for user {user_id}")
    for column in ("#", "song", "artist", "score", "why"):
        table.add_column(column, justify="right" if column in ("#", "score") else "left")
    for rank, p in enumerate(picks, start=1):
        table.add_row(str(rank), Text(p.song), Text(p.artist), f"{p.score:,}", Text(p.reason))
    console.print(table)


@cli.command("generate")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--events", "-n", type=click.IntRange(min=1),
              help="Events to write, exactly (default 8,056, the sample's; "
                   "or what --days implies).")
@click.option("--days", type=click.IntRange(min=1), help="Days of activity, one log file each "
              "(default 30).")
@click.option("--users", type=click.IntRange(min=1), help="Users (default: 97 per 8,056 events).")
@click.option("--songs", type=click.IntRange(min=1),
              help="Songs in song_data (default: 71 per 8,056 events).")
@click.option("--start-date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day, UTC (default 2018-11-01).")
@click.option("--seed", type=int, help="Same seed, same bytes (default 42).")
@click.option("--match-rate", type=click.FloatRange(0, 1),
              help="Share of plays that name a catalog song exactly (default 0.2).")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True),
              help="K times the sample: 8,056·K events, 71·K songs, 97·K users.")
@click.option("--demo", is_flag=True, help="A month of 30,000 events (what `make run` loads).")
@click.option("--force", is_flag=True, help="Replace song_data/ and log_data/ already in OUT.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def generate_command(out: Path, events: int | None, days: int | None, users: int | None,
                     songs: int | None, start_date, seed: int | None, match_rate: float | None,
                     scale: float | None, demo: bool, force: bool, as_json: bool) -> None:
    """Write synthetic Sparkify data, in the source layout and format, into OUT.

    OUT gets song_data/ (one song per file) and log_data/ (one JSON-lines file per day) that
    `sparkify load OUT` takes like the real files. Same options and seed, same bytes.

    \b
    Example:
      sparkify generate data --demo
      sparkify generate /tmp/big --scale 100 --json
    """
    from .generate import GenerateConfig, generate

    config = GenerateConfig.resolve(
        events=events, days=days, users=users, songs=songs, seed=seed, match_rate=match_rate,
        start_date=start_date.date() if start_date else None, scale=scale, demo=demo)
    if not as_json and sys.stdout.isatty():
        with Progress(TextColumn("[bold]generating"), BarColumn(),
                      TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
                      TextColumn("{task.fields[events]:,} events"), console=console,
                      transient=True) as bar:
            task = bar.add_task("generate", total=config.days, events=0)
            result = generate(out, config, force=force, progress=lambda day, n: bar.update(
                task, completed=day, events=n))
    else:
        result = generate(out, config, force=force)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    share = result.matched_plays / result.song_plays if result.song_plays else 0.0
    console.print(
        f"wrote {result.events:,} events ({result.song_plays:,} song plays, {share:.1%} of them "
        f"songs in the catalog) over {config.days} days by {result.active_users:,} users, "
        f"and {result.songs:,} songs to {out}/ in {result.seconds:.1f} s")
    if result.logged_out_events > result.events // 2:
        console.print(f"[yellow]{result.logged_out_events:,} events are logged-out visits: "
                      f"{config.users:,} users cannot make {config.events:,} events in "
                      f"{config.days} days at a human pace; raise --users or --days")
    console.print(f"load it with: sparkify load {out}")


def _register_lake() -> None:
    from .cli_lake import lake

    cli.add_command(lake)


_register_lake()


def main() -> None:
    cli(prog_name="sparkify")
