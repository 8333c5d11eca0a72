"""The analytics team's commands, and the data generator: report, recommend, generate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from sparkify import api
from sparkify.cli.base import cli, console, print_command, say


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
    answers = api.report(user_id=user_id)
    if html_file is not None:
        page = answers.html()
        if str(html_file) == "-":
            click.echo(page)
            return
        try:
            html_file.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise api.SparkifyError(f"cannot write {html_file}: {exc.strerror}") from exc
        click.echo(f"wrote {html_file}", err=as_json)
    if as_json:
        click.echo(json.dumps(answers.figures))
    elif html_file is None:
        answers.print(console)


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
    picks = api.recommend(user_id, limit=limit)
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
def generate_command(out: Path, as_json: bool, start_date, **options) -> None:
    """Write synthetic Sparkify data, in the source layout and format, into OUT.

    OUT gets song_data/ (one song per file) and log_data/ (one JSON-lines file per day) that
    `sparkify load OUT` takes like the real files. Same options and seed, same bytes.

    \b
    Example:
      sparkify generate data --demo
      sparkify generate /tmp/big --scale 100 --json
    """
    options["start_date"] = start_date.date() if start_date else None
    if not as_json and sys.stdout.isatty():
        with Progress(TextColumn("[bold]generating"), BarColumn(),
                      TextColumn("day {task.completed:.0f}"),
                      TextColumn("{task.fields[events]:,} events"), console=console,
                      transient=True) as bar:
            task = bar.add_task("generate", total=None, events=0)
            result = api.generate(out, **options, progress=lambda day, n: bar.update(
                task, completed=day, events=n))
    else:
        result = api.generate(out, **options)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    share = result.matched_plays / result.song_plays if result.song_plays else 0.0
    config = result.config
    say(f"wrote {result.events:,} events ({result.song_plays:,} song plays, {share:.1%} of them "
        f"songs in the catalog) over {config['days']} days by {result.active_users:,} users, "
        f"and {result.songs:,} songs to {out}/ in {result.seconds:.1f} s")
    if result.logged_out_events > result.events // 2:
        say(f"{result.logged_out_events:,} events are logged-out visits: "
            f"{config['users']:,} users cannot make {config['events']:,} events in "
            f"{config['days']} days at a human pace; raise --users or --days", "yellow")
    print_command("load it with: ", "sparkify", "load", str(out))
