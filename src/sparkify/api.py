"""The Python API: what the `sparkify` command does, as functions with typed results.

The command line is a thin layer over these; docs/python-api.md shows each with an example
that the test suite runs. Every function takes the server to use as `settings` (default: the
environment, as the command reads it: DATABASE_URL, else the embedded server in SPARKIFY_HOME).
Errors a user can act on are raised as `SparkifyError`, whose message is one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .checks import CheckResult, all_passed, run_checks
from .config import Settings, load_settings
from .days import DayFilter, day_keys, log_day
from .errors import SparkifyError
from .generate import GenerateConfig, GenerateResult
from .generate import generate as _generate
from .load import LoadOptions, LoadResult
from .load import load as _load
from .pending import PendingFile, pending_files
from .recommend import Recommendation
from .recommend import recommend as _recommend

__all__ = ["CheckReport", "CheckResult", "GenerateResult", "LoadOptions", "LoadResult",
           "PendingFile", "Recommendation", "Report", "Settings", "SparkifyError", "check",
           "generate", "init", "load", "log_day", "pending", "recommend", "report", "settings",
           "status"]


def settings(database_url: str | None = None, database: str | None = None,
             home: str | Path | None = None) -> Settings:
    """The server to use: the environment's, with any of these given instead."""
    base = load_settings()
    return Settings(home=Path(home).absolute() if home is not None else base.home,
                    database_url=database_url if database_url is not None else base.database_url,
                    database=database if database is not None else base.database,
                    data_root=base.data_root)


def load(root: str | Path, *, settings: Settings | None = None, full_refresh: bool = False,
         options: LoadOptions | None = None,
         days: Iterable[str | date] | None = None) -> LoadResult:
    """Load every new or changed file under `root` (its song_data/ and log_data/).

    `days` (UTC, `YYYY-MM-DD` or dates): load only the log files of those days (by the date in
    their names, see `log_day`), with every new or changed song file and log file named for no
    day. Through the same manifest: a day loaded again reads nothing, a changed file of the
    day is reloaded in place. Loading every day one by one gives the tables of one load.
    """
    if days is not None:
        select = DayFilter(day_keys(days))
        options = dataclasses.replace(options or LoadOptions(), select=select)
    return _load(settings or load_settings(), root, full_refresh=full_refresh,
                 notify=lambda message: None, options=options)


def pending(root: str | Path, *, settings: Settings | None = None) -> list[PendingFile]:
    """The files under `root` that `load` would read now (new, or changed since the manifest
    recorded them), each with its day; nothing is loaded or written. What a scheduler polls."""
    return pending_files(settings or load_settings(), root)


def init(*, settings: Settings | None = None, drop: bool = False) -> None:
    """Create the database, its tables and the analytics views (`sparkify init`); what exists
    is kept, and the views are created again (each is CREATE OR REPLACE). `drop`: start from
    empty, as `sparkify init --drop`."""
    from .db import connect, ensure_database
    from .schema import create_all, rebuild

    target = settings or load_settings()
    if drop:
        rebuild(target)
        return
    ensure_database(target)
    with connect(target, autocommit=True) as conn:
        create_all(conn)


def status(*, settings: Settings | None = None) -> dict[str, Any]:
    """What `sparkify status --json` prints: the server, rows per table, files loaded."""
    from .status import collect

    return collect(settings or load_settings())


@dataclass(frozen=True)
class CheckReport:
    """Every check's result; `passed` is False when any failed (warnings pass)."""

    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all_passed(self.results)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)


def check(*, settings: Settings | None = None, max_reject_share: float | None = None
          ) -> CheckReport:
    """The sanity and data-quality checks of `sparkify check`."""
    target = settings or load_settings()
    if max_reject_share is None:
        return CheckReport(run_checks(target))
    return CheckReport(run_checks(target, max_reject_share=max_reject_share))


@dataclass(frozen=True)
class Report:
    """The analytics team's answers: `figures` holds what `sparkify report --json` prints."""

    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def top_songs(self) -> list[dict[str, Any]]:
        return list(self.figures.get("top_songs", []))

    def html(self) -> str:
        """The report as one self-contained HTML page (charts inline)."""
        from .report import html

        return html.render(self.figures)


def report(*, settings: Settings | None = None) -> Report:
    """Every figure of the report, from the analytics views."""
    from .report import collect

    return Report(collect(settings or load_settings()))


def recommend(user_id: int, *, limit: int = 10,
              settings: Settings | None = None) -> list[Recommendation]:
    """Songs for `user_id`, best first, each with the reason it was chosen."""
    return _recommend(settings or load_settings(), user_id, limit)


def generate(out: str | Path, *, scale: float | None = None, events: int | None = None,
             days: int | None = None, seed: int | None = None, force: bool = False
             ) -> GenerateResult:
    """Synthetic data in the source format under `out` (song_data/ and log_data/)."""
    config = GenerateConfig.resolve(scale=scale, events=events, days=days, seed=seed)
    return _generate(Path(out), config, force=force)
