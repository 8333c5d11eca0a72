"""The warehouse's commands: init, load, status, check, grant-read."""

from __future__ import annotations

import json
import sys

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from sparkify import api
from sparkify.cli.base import cli, console, say
from sparkify.cli.output import print_checks, print_load_summary


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
    settings = api.settings()
    name = api.init(drop=drop, settings=settings)
    emptied = " (emptied and recreated)" if settings.external else " (dropped and recreated)"
    console.print(Text.assemble("database ", (name, "bold"), " is ready",
                                emptied if drop else ""))


@cli.command("load")
@click.argument("data_root", required=False)
@click.option("--full-refresh", is_flag=True, help="Empty the star and reload every file.")
@click.option("--anon", is_flag=True,
              help="Read an object store without credentials (a public bucket); "
                   f"as {api.ANON_VARIABLE}=1.")
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
    settings = api.settings()
    if not as_json and sys.stdout.isatty():
        with Progress(TextColumn("[bold]loading"), BarColumn(), DownloadColumn(),
                      TextColumn("{task.fields[files]} files"), TimeRemainingColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("load", total=None, files=0)

            def advanced(source) -> None:
                bar.update(task, advance=source.size, files=bar.tasks[task].fields["files"] + 1)

            result = api.load(data_root, settings=settings, full_refresh=full_refresh,
                              anon=anon, progress=advanced,
                              on_plan=lambda count, size: bar.update(task, total=size),
                              notify=lambda m: say(m, "yellow"))
    else:
        result = api.load(data_root, settings=settings, full_refresh=full_refresh, anon=anon,
                          notify=lambda m: click.echo(m, err=True))
    # Nothing loaded, nothing changed: the last checks still hold (and a no-op stays instant).
    checked = None if no_check or result.files_loaded == 0 else api.check(settings=settings)
    if as_json:
        payload = result.to_dict()
        if checked is not None:
            payload["checks"] = checked.to_dict()
        click.echo(json.dumps(payload))
    else:
        print_load_summary(result)
        if checked is not None:
            print_checks(checked.results)
        elif not no_check:
            say("nothing new was loaded, so the checks were not run again "
                "(`sparkify check` runs them)")
    if (strict and result.rejected) or (checked is not None and not checked.passed):
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def status(as_json: bool) -> None:
    """Show the server in use, the rows in each table and the files loaded.

    \b
    Example:
      sparkify status --json
    """
    report = api.status()
    if as_json:
        click.echo(json.dumps(report, default=str))
        return
    say(f"server: {report['server']}  database: {report['database']}")
    problem = (
        "the embedded server is stopped: `sparkify db start` (or any command that needs it) "
        "starts it" if not report["running"]
        else "no such database yet: run `sparkify init` or `sparkify load`"
        if not report["exists"]
        else "no tables yet: run `sparkify init` or `sparkify load`"
        if not report["initialised"] else None)
    if problem:
        say(problem, "yellow")
        return
    table = Table(title="Tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report["tables"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    files = report["files"]
    say(f"files loaded: {files['count']:,} (last at {files['last_loaded_at']}); "
        f"records rejected: {report['rejects']:,}")


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
@click.option("--max-reject-share", default=str(api.DEFAULT_MAX_REJECT_SHARE), callback=_share,
              show_default=True, metavar="SHARE",
              help="Warn (not fail) above this share of rejected records: 0.01 or 1%.")
def check(as_json: bool, max_reject_share: float) -> None:
    """Check the schema, the classic INSERTs and the loaded data (exit 1 when any check fails).

    \b
    Example:
      sparkify check
      sparkify check --json --max-reject-share 5%
    """
    checked = api.check(max_reject_share=max_reject_share)
    if as_json:
        click.echo(json.dumps(checked.to_dict()))
    else:
        print_checks(checked.results, every=True)
    if not checked.passed:
        sys.exit(1)


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
    settings = api.settings()
    created = api.grant_read(role, settings=settings)
    database = api.database(settings=settings)
    console.print(Text.assemble("created role " if created else "role ", (role, "bold"),
                                " may now read database ", (database, "bold"),
                                " and write nothing"))
