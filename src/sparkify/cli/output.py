"""What the commands print for people: the load's summary and the checks' table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from sparkify.api import CheckResult, LoadResult
from sparkify.cli.base import console, say


def print_load_summary(result: LoadResult) -> None:
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
        say(f"{result.rejected:,} records rejected: "
            "SELECT * FROM sparkify.rejects shows each with its reason", "yellow")


def print_checks(results: list[CheckResult], every: bool = False) -> None:
    """A table of the checks (with `every`, the passing ones too), then one summary line."""
    shown = [r for r in results if every or not r.passed or r.warning]
    if shown:
        table = Table(title="Checks")
        for column in ("check", "result", "detail"):
            table.add_column(column, overflow="fold")
        for r in shown:
            mark = ("[red]FAIL" if not r.passed else "[yellow]warn" if r.warning
                    else "[green]pass")
            table.add_row(r.name, mark, Text(r.detail))  # a detail may quote the data
        console.print(table)
    failed = sum(not r.passed for r in results)
    warned = sum(r.warning for r in results)
    note = f", {warned} warning(s)" if warned else ""
    if failed:
        say(f"{failed} of {len(results)} checks failed{note}", "red")
    else:
        console.print(Text.assemble((f"all {len(results)} checks passed", "green"), note))
