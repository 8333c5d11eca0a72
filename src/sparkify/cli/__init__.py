"""The `sparkify` command: parse arguments, call `sparkify.api`, print. Nothing else of the
library is imported here, and no SQL lives here. A module per group of commands."""

from __future__ import annotations

from sparkify.cli import answers, dagster, lake, server, warehouse  # noqa: F401  (add commands)
from sparkify.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="sparkify")
