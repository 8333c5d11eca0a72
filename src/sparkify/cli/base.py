"""The `sparkify` group: its options, and known failures turned into one line and an exit code."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
import traceback
from typing import Any, NoReturn

import click
from rich.console import Console

from sparkify.errors import OptionError, SparkifyError


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """What read stdout went away (`| head`): stop quietly, with the exit status of a
        command the pipe's signal ends (141); rich's own 1 says the checks failed."""
        self.quiet = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the last flush too
        raise SystemExit(128 + signal.SIGPIPE)


console = _Console()


def say(text: str, style: str | None = None) -> None:
    """A line of the CLI's own (every line of text goes through here; one with styled parts is
    a rich Text), on one line however long (rich wraps at 80 columns when not on a terminal).
    The values in it (paths, names, a server's words) are shown as they are: never read as
    rich markup, where a folder named `[/]` would raise an error."""
    console.print(text, style=style, markup=False, soft_wrap=True)


def print_command(lead: str, *words: str) -> None:
    """`lead`, then a shell command for the user to copy or eval, each word quoted for the
    shell (say)."""
    say(lead + shlex.join(words))


class SparkifyGroup(click.Group):
    """Turns known failures into one line on stderr and an exit code (2: usage/environment)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:  # the top level's own options: `sparkify --bogus`
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the help, as asked for
        except click.UsageError as exc:
            _usage(exc)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # a subcommand's arguments, or no such command
            _usage(exc)
        except OptionError as exc:  # the library names parameters; here they are flags
            _fail(ctx, exc.phrase(lambda option: "--" + option.replace("_", "-")), exc.exit_code)
        except SparkifyError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted; batches already committed stay loaded", 130)
        except OSError as exc:  # a file or folder the library did not foresee: still one line
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(ctx, f"{where}{exc.strerror or exc}", 2)


def _usage(exc: click.UsageError) -> NoReturn:
    """A usage error as one line, as every other error (click's own takes four), naming the
    help to read."""
    where = exc.ctx.command_path if exc.ctx is not None else "sparkify"
    message = " ".join(exc.format_message().split())
    click.echo(f"sparkify: error: {message} (see `{where} --help`)", err=True)
    sys.exit(exc.exit_code)


def _fail(ctx: click.Context, message: str, code: int) -> None:
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
    if not verbose:  # the database driver's own warnings (a COPY it could not end): see
        logging.getLogger("psycopg").addHandler(logging.NullHandler())  # load/stage.py
