"""The Python API: every operation of the `sparkify` command, as functions with typed results.

The command line (`sparkify.cli`) is a thin layer over these and calls nothing else of the
library; docs/python-api.md shows each with an example that the test suite runs. Every function
takes the server to use as `settings` (default: the environment, as the command reads it:
DATABASE_URL, else the embedded server in SPARKIFY_HOME). Errors a user can act on are raised as
`SparkifyError`, whose message is one line; a database error becomes one too.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import psycopg

from sparkify.checks import DEFAULT_MAX_REJECT_SHARE, CheckResult, all_passed, run_checks
from sparkify.checks import report as checks_report
from sparkify.config import Settings, load_settings
from sparkify.core.result import LoadResult
from sparkify.errors import OptionError, SparkifyError
from sparkify.generate import GenerateConfig, GenerateResult
from sparkify.generate import generate as _generate
from sparkify.postgres import access, db, liveness, schema
from sparkify.postgres import status as _status
from sparkify.postgres.dagster_home import DagsterStorage, init_home
from sparkify.postgres.load.pending import PendingFile, pending_files
from sparkify.postgres.load.pipeline import LoadOptions
from sparkify.postgres.load.pipeline import load as _load
from sparkify.postgres.schema import VIEW_FILES
from sparkify.postgres.server import EmbeddedServer
from sparkify.recommend import Recommendation
from sparkify.recommend import recommend as _recommend
from sparkify.sources.days import DayFilter, day_keys, log_day
from sparkify.sources.store import ANON_VARIABLE

__all__ = ["ANON_VARIABLE", "DEFAULT_MAX_REJECT_SHARE", "VIEWS", "CheckReport", "CheckResult",
           "DagsterStorage", "DbStatus", "GenerateResult", "LoadOptions", "LoadResult",
           "OptionError", "PendingFile", "Recommendation", "Report", "Settings", "SparkifyError",
           "check", "dagster_init", "database", "db_start", "db_status", "db_stop", "db_url",
           "generate", "grant_read", "init", "lake_build", "lake_publish", "lake_serve", "load",
           "log_day", "pending", "recommend", "report", "settings", "status"]
VIEWS = VIEW_FILES  # the analytics views and functions, as files of postgres/sql/views/

P = ParamSpec("P")
R = TypeVar("R")
Notify = Callable[[str], None]


def _one_line(function: Callable[P, R]) -> Callable[P, R]:
    """A database error leaves the API as a SparkifyError of one line (exit code 2)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (psycopg.Error, SparkifyError) as exc:
            stalled = liveness.stalled()  # what broke the connection, not how it broke
            if stalled:
                raise SparkifyError(stalled) from exc
            if isinstance(exc, SparkifyError):
                raise
            raise db.database_error(exc, load_settings) from exc

    return wrapper


def settings(database_url: str | None = None, database: str | None = None,
             home: str | Path | None = None) -> Settings:
    """The server to use: the environment's, with any of these given instead
    (`database_url=""`: the embedded server, whatever DATABASE_URL says)."""
    base = load_settings()
    url = base.database_url if database_url is None else database_url or None
    return Settings(home=Path(home).absolute() if home is not None else base.home,
                    database_url=url,
                    database=database if database is not None else base.database,
                    data_root=base.data_root)


def database(*, settings: Settings | None = None) -> str:
    """The name of the warehouse's database on that server."""
    return db.database_name(settings or load_settings())


# -- the warehouse -----------------------------------------------------------------------------


@_one_line
def init(*, drop: bool = False, settings: Settings | None = None) -> str:
    """Create the database and its tables (kept if they exist); `drop`: start from empty.
    Returns the database's name."""
    target = settings or load_settings()
    if drop:
        schema.rebuild(target)  # one transaction: all rebuilt, or nothing
    else:
        db.ensure_database(target)
        with db.connect(target, autocommit=True) as conn:
            schema.create_all(conn)
    return db.database_name(target)


@_one_line
def load(root: str | Path | None = None, *, settings: Settings | None = None,
         full_refresh: bool = False, options: LoadOptions | None = None, anon: bool = False,
         days: Iterable[str | date] | None = None, notify: Notify | None = None,
         progress: Callable[[Any], None] | None = None,
         on_plan: Callable[[int, int], None] | None = None) -> LoadResult:
    """Load every new or changed file under `root` (default SPARKIFY_DATA): its song_data/ and
    log_data/. `anon` reads an object store without credentials; `progress(file)` and
    `on_plan(files, bytes)` report the work as it goes.

    `days` (UTC, `YYYY-MM-DD` or dates): load only the log files of those days (by the date in
    their names, see `log_day`), with every new or changed song file and log file named for no
    day. Through the same manifest: a day loaded again reads nothing, a changed file of the
    day is reloaded in place. Loading every day one by one gives the tables of one load.
    """
    if anon:  # an environment variable, so that the staging process reads the same way
        os.environ[ANON_VARIABLE] = "1"
    if days is not None:
        options = dataclasses.replace(options or LoadOptions(),
                                      select=DayFilter(day_keys(days)))
    target = settings or load_settings()
    return _load(target, root or target.data_root, full_refresh=full_refresh,
                 notify=notify or (lambda message: None), options=options,
                 progress=progress, on_plan=on_plan)


@_one_line
def pending(root: str | Path, *, settings: Settings | None = None) -> list[PendingFile]:
    """The files under `root` that `load` would read now (new, or changed since the manifest
    recorded them), each with its day; nothing is loaded or written. What a scheduler polls."""
    return pending_files(settings or load_settings(), root)


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

    def to_dict(self) -> dict[str, Any]:
        """What `sparkify check --json` prints."""
        return checks_report(self.results)


@_one_line
def check(*, settings: Settings | None = None,
          max_reject_share: float = DEFAULT_MAX_REJECT_SHARE) -> CheckReport:
    """The sanity and data-quality checks of `sparkify check`."""
    return CheckReport(run_checks(settings or load_settings(), max_reject_share=max_reject_share))


@_one_line
def status(*, settings: Settings | None = None) -> dict[str, Any]:
    """The server in use, rows per table, files loaded: starts and creates nothing."""
    return _status.collect(settings or load_settings())


@_one_line
def grant_read(role: str, *, settings: Settings | None = None) -> bool:
    """Let `role` read the warehouse and write nothing; True when the role was created."""
    return access.grant_read(settings or load_settings(), role)


# -- the embedded server -----------------------------------------------------------------------


@dataclass(frozen=True)
class DbStatus:
    """Which server is in use and whether it answers."""

    external: bool
    running: bool
    url: str  # without any password
    detail: str  # a line for people: where its data lives, or why it cannot be reached


def _embedded(target: Settings, doing: str) -> EmbeddedServer:
    if target.external:
        raise SparkifyError(f"DATABASE_URL (or PG*) names an external server; {doing}")
    return EmbeddedServer(target.home)


@_one_line
def db_start(*, settings: Settings | None = None) -> Path:
    """Start the embedded server (it runs until `db_stop`); returns its data folder."""
    target = settings or load_settings()
    server = _embedded(target, "nothing to start")
    server.ensure_running()
    db.ensure_database(target)
    return server.pgdata


def db_stop(*, settings: Settings | None = None) -> bool:
    """Stop the embedded server; False when it was not running."""
    return _embedded(settings or load_settings(), "not stopping it").stop()


@_one_line
def db_status(*, settings: Settings | None = None) -> DbStatus:
    target = settings or load_settings()
    url = db.redact(db.server_conninfo(target, start=False))
    if target.external:
        try:  # the project's database: a least-privilege role may not reach `postgres`
            db.connect(target).close()
        except db.DatabaseMissing:
            return DbStatus(True, True, url, f"no database {db.database_name(target)!r} yet")
        except SparkifyError as exc:
            return DbStatus(True, False, url, str(exc))
        return DbStatus(True, True, url, "")
    server = EmbeddedServer(target.home)
    info = server.running_info()
    if info is None:
        return DbStatus(False, False, url, f"data in {server.pgdata}")
    return DbStatus(False, True, url, f"pid {info['pid']}, data in {server.pgdata}, "
                                      f"socket in {info['socket_dir']}")


def db_url(*, user: str | None = None, settings: Settings | None = None) -> str:
    """The connection URL of the server in use (as `user`), without any password; starts
    nothing."""
    return db.redact(db.url_for(settings or load_settings(), user))


# -- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The analytics team's answers: `figures` holds what `sparkify report --json` prints."""

    figures: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None  # a report on one user

    @property
    def top_songs(self) -> list[dict[str, Any]]:
        return list(self.figures.get("top_songs", []))

    def html(self) -> str:
        """The report as one self-contained HTML page (charts inline)."""
        from sparkify.report import html

        return html.render(self.figures) if self.user_id is None else html.render_user(
            self.figures)

    def print(self, console: Any) -> None:
        """The report as tables on a rich console."""
        from sparkify.report import terminal

        (terminal.render if self.user_id is None else terminal.render_user)(self.figures,
                                                                             console)


@_one_line
def report(*, user_id: int | None = None, settings: Settings | None = None) -> Report:
    """Every figure of the report, from the analytics views; `user_id`: one user's."""
    from sparkify.report import collect, collect_user

    target = settings or load_settings()
    if user_id is None:
        return Report(collect(target))
    return Report(collect_user(target, user_id), user_id)


@_one_line
def recommend(user_id: int, *, limit: int = 10,
              settings: Settings | None = None) -> list[Recommendation]:
    """Songs for `user_id`, best first, each with the reason it was chosen."""
    return _recommend(settings or load_settings(), user_id, limit)


def generate(out: str | Path, *, scale: float | None = None, events: int | None = None,
             days: int | None = None, users: int | None = None, songs: int | None = None,
             start_date: date | None = None, seed: int | None = None,
             match_rate: float | None = None, demo: bool = False, force: bool = False,
             progress: Callable[[int, int], None] | None = None) -> GenerateResult:
    """Synthetic data in the source format under `out` (song_data/ and log_data/)."""
    config = GenerateConfig.resolve(scale=scale, events=events, days=days, users=users,
                                    songs=songs, start_date=start_date, seed=seed,
                                    match_rate=match_rate, demo=demo)
    return _generate(Path(out), config, force=force, progress=progress)


# -- orchestration ---------------------------------------------------------------------------


@_one_line
def dagster_init(home: str | Path, *, settings: Settings | None = None) -> DagsterStorage:
    """Write a DAGSTER_HOME whose run, event-log and schedule storage is on the warehouse's
    server, in a database (or schema) of its own that reader roles cannot see."""
    return init_home(settings or load_settings(), Path(home))


# -- the Spark engine --------------------------------------------------------------------------


def lake_build(root: str, lake: str, *, master: str | None = None,
               conf: Iterable[str] = (), notify: Notify | None = None,
               process_ending: bool = False, server: str | None = None) -> Any:
    """Build the Parquet lake `lake` from `root` on Spark (`master`: local[N], spark://…;
    `conf`: KEY=VALUE settings). Spark starts only when there is work. Returns a BuildResult.
    `process_ending`: the caller exits next (a command), its Spark session left to end with it
    (session.stop). `server`: the socket of a `lake serve`, whose Spark builds it instead."""
    from sparkify.spark import session
    from sparkify.spark.build import build
    from sparkify.spark.failure import one_line

    say, conf = notify or (lambda message: None), tuple(conf)
    if server is not None:
        if master is not None or conf:
            raise OptionError("{server} builds with the server's Spark: give {master} and "
                              "{conf} to `sparkify lake serve`", "server", "master", "conf")
        from sparkify.spark.server import build_on

        return build_on(server, root, lake, say)
    settings_given = session.parse_conf(conf)
    started: list[Any] = []

    def start_spark(input_bytes: int) -> Any:
        say("starting Spark")
        started.append(session.start(master, settings_given, input_bytes=input_bytes))
        return started[-1]

    try:
        with one_line(lake):
            return build(start_spark, root, lake, say)
    finally:
        for spark in started:
            session.stop(spark, process_ending)


def lake_serve(socket: str, *, master: str | None = None, conf: Iterable[str] = (),
               notify: Notify | None = None, stop: threading.Event | None = None) -> None:
    """Keep one Spark session (`master`, `conf` as for lake_build) building the lakes asked
    of it on the Unix socket `socket` (lake_build's `server`), until SIGTERM or SIGINT, or
    `stop` is set; ready once the file `socket`.key exists."""
    from sparkify.spark import session
    from sparkify.spark.server import serve

    settings_given = session.parse_conf(conf)
    say = notify or (lambda message: None)

    def start_spark() -> Any:  # sized as for a long build: both compilers, a 2 GB heap
        say("starting Spark")
        return session.start(master, settings_given, app_name="sparkify lake serve",
                             input_bytes=session.QUICK_COMPILER_MAX_BYTES)

    serve(socket, start_spark, say, stop)


@_one_line
def lake_publish(lake: str, *, settings: Settings | None = None,
                 notify: Notify | None = None) -> Any:
    """Replace the warehouse's tables with the lake's current version, in one transaction.
    Returns a PublishResult."""
    from sparkify.postgres.publish import publish

    return publish(settings or load_settings(), lake, notify)
