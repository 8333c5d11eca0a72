"""`sparkify dagster init`: a DAGSTER_HOME on the warehouse's server."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sparkify import api
from sparkify.cli.base import cli, print_command, say


@cli.group()
def dagster() -> None:
    """Orchestration with Dagster (the `dagster` extra): `dagster dev -m sparkify.orchestration`."""


@dagster.command("init")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="The DAGSTER_HOME to write (default: $DAGSTER_HOME, else ./.dagster).")
def init_command(home: Path | None) -> None:
    """Write a DAGSTER_HOME whose runs, event logs and schedules live on the warehouse's
    PostgreSQL server, in a database (or schema) of their own that readers cannot see.

    \b
    Example:
      sparkify dagster init --home .dagster
      DAGSTER_HOME=$PWD/.dagster dagster dev -m sparkify.orchestration -h 127.0.0.1
    """
    home = home or Path(os.environ.get("DAGSTER_HOME") or ".dagster")
    storage = api.dagster_init(home)
    where = (f"schema {storage.schema} of database {storage.database}" if storage.schema
             else f"database {storage.database}")
    say(f"DAGSTER_HOME {storage.home} written: Dagster's state in {where} ({storage.url})")
    print_command("", "export", f"DAGSTER_HOME={storage.home}")
