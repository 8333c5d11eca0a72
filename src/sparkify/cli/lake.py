"""`sparkify lake build|publish`: the Spark engine's commands."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.text import Text

from sparkify import api
from sparkify.cli.base import cli, console, say
from sparkify.cli.output import print_load_summary


@contextmanager
def _stages(show: bool) -> Iterator:
    """A spinner naming the stage under way, on a terminal; nothing otherwise."""
    if not show:
        yield lambda message: None
        return
    with console.status(Text("starting", style="bold")) as status:
        yield lambda message: status.update(Text(message, style="bold"))


@cli.group()
def lake() -> None:
    """Run the ETL on Apache Spark into a Parquet lake, and publish the lake into PostgreSQL."""


@lake.command("build")
@click.argument("data_root")
@click.argument("lake_dir", metavar="LAKE")
@click.option("--master", help="Spark master: local[N] (default local[*]), spark://host:port, "
                               "yarn, k8s://…")
@click.option("--conf", "confs", multiple=True, metavar="KEY=VALUE",
              help="A Spark setting (repeatable); spark-defaults.conf is read as usual.")
@click.option("--server", metavar="SOCKET", envvar="SPARKIFY_LAKE_SERVER",
              help="Build on the Spark of `sparkify lake serve SOCKET` instead of starting one "
                   "(env SPARKIFY_LAKE_SERVER).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def build_command(data_root: str, lake_dir: str, master: str | None, confs: tuple[str, ...],
                  server: str | None, as_json: bool) -> None:
    """Build the lake LAKE (a folder) from DATA_ROOT's song_data/ and log_data/.

    The same rules as `sparkify load`: every record validated, rejects kept with their
    reason, the same matching and tie-breaks. A rebuild of unchanged files changes nothing;
    new or changed log files rewrite only the days they touch (a changed song file, every
    day's plays); a build cut short leaves the lake as it was.

    \b
    Example:
      sparkify lake build ../shared/data/sparkify-sample lake/ --master local[2]
      sparkify lake publish lake/
    """
    with _stages(not as_json and sys.stderr.isatty()) as notify:
        result = api.lake_build(data_root, lake_dir, master=master, conf=confs, notify=notify,
                                process_ending=True, server=server)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    elif not result.built:
        say(f"lake {result.lake} is up to date (version {result.version}): "
            f"{result.files_skipped:,} files unchanged")
    else:
        print_load_summary(result)
        say(f"lake {result.lake}: version {result.version}")
    _exit_now()


@lake.command("serve")
@click.argument("socket")
@click.option("--master", help="Spark master, as for `lake build` (default local[*]).")
@click.option("--conf", "confs", multiple=True, metavar="KEY=VALUE",
              help="A Spark setting (repeatable), as for `lake build`.")
def serve_command(socket: str, master: str | None, confs: tuple[str, ...]) -> None:
    """Keep one Spark session running, building lakes on request on the Unix socket SOCKET.

    `sparkify lake build ROOT LAKE --server SOCKET` then builds on it: the same build, one at
    a time, without starting a JVM each time (a new day on K=100: 11 s, not 18 s). Runs
    until Ctrl-C or SIGTERM; a build whose client goes away (Ctrl-C) stops, leaving its lake
    as it was. SOCKET belongs in a folder of your own: a client refuses a key or a server
    that is not its user's.

    \b
    Example:
      sparkify lake serve ~/lake.sock --master local[2] &
      sparkify lake build ../shared/data/sparkify-sample lake/ --server ~/lake.sock
    """
    api.lake_serve(socket, master=master, conf=confs,
                   notify=lambda message: click.echo(message, err=True))


def _exit_now() -> None:
    """Exit 0 without the interpreter's teardown: with pyspark, pandas and pyarrow loaded it took
    0.4 s (bench/RESULTS.md, session 21), and nothing is left to do: the lake is written and
    current, the output flushed; the JVM ends as its pipe closes (session.stop)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@lake.command("publish")
@click.argument("lake_dir", metavar="LAKE")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def publish_command(lake_dir: str, as_json: bool) -> None:
    """Replace the warehouse's tables with the current version of LAKE, in one transaction.

    The server is the one every command uses (DATABASE_URL, else the embedded one). Readers
    see the old warehouse until it commits, then the new one.

    \b
    Example:
      sparkify lake publish lake/ && sparkify check
    """
    with _stages(not as_json and sys.stderr.isatty()) as notify:
        result = api.lake_publish(lake_dir, notify=notify)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    counts = ", ".join(f"{table} {count:,}" for table, count in result.tables.items())
    say(f"published version {result.version} of {result.lake} in {result.seconds:.1f} s: "
        f"{counts}")
