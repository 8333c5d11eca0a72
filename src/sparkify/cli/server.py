"""`sparkify db start|stop|status|url`: the server in use."""

from __future__ import annotations

import sys

import click

from sparkify import api
from sparkify.cli.base import cli, say


@cli.group()
def db() -> None:
    """Start, stop and locate the database server."""


@db.command("start")
def db_start() -> None:
    """Start the embedded server (it keeps running until `sparkify db stop`)."""
    pgdata = api.db_start()
    say(f"embedded PostgreSQL running, data in {pgdata}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    say("embedded PostgreSQL stopped" if api.db_stop() else "embedded PostgreSQL was not running")


@db.command("status")
def db_status() -> None:
    """Say which server is in use and whether it runs (exit 1 when it does not)."""
    state = api.db_status()
    if state.external:
        if not state.running:
            say(f"external server unreachable: {state.detail}")
            sys.exit(1)
        note = f" ({state.detail})" if state.detail else ""
        say(f"external server reachable: {state.url}{note}")
        return
    if not state.running:
        say(f"embedded PostgreSQL is stopped ({state.detail})")
        sys.exit(1)
    say(f"embedded PostgreSQL is running: {state.detail}")


@db.command("url")
@click.option("--user", help="Connect as this role instead (a reader, say).")
def db_url(user: str | None) -> None:
    """Print the connection string of the server in use, without any password.

    A URL for the embedded server, libpq's key=value form for one DATABASE_URL names; psql
    and DATABASE_URL take either. Starts nothing: the embedded server's URL is printed
    whether it runs or not.

    \b
    Example:
      psql "$(sparkify db url)"
      DATABASE_URL="$(sparkify db url --user analyst)" sparkify report
    """
    click.echo(api.db_url(user=user))
