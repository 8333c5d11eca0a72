"""The end of a load: user_song_plays recounted and the analytics indexes built, side by side.

A bulk load pauses both (row-by-row upkeep costs more than one pass at the end); a load that
finds them left paused or missing by one cut short does them too.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time

import psycopg
from psycopg import sql

from sparkify.config import Settings
from sparkify.core.sqltext import read_sql
from sparkify.postgres.db import connect, one

ANALYTICS_INDEXES = "views/analytics_indexes"  # built after a bulk load, not row by row
# Memory an index build may sort in, per connection, on the server: the analytics indexes,
# and user_song_plays' key and rank index, which its recount builds.
SORT_MEMORY = "SET maintenance_work_mem = '512MB'"


def finish(settings: Settings, conn: psycopg.Connection, recount: bool,
            build_indexes: bool, beside: bool = True) -> None:
    """Recount user_song_plays and build the analytics indexes, side by side when both (and
    `beside`: a publish, one transaction, cannot build on a second connection).

    The recount is an INSERT ... SELECT, which PostgreSQL runs without parallel workers, and
    by now the parsing is over: the indexes are built on a second connection while this one
    recounts (at K=1000: 64 s one after the other, 52 s side by side). The recount's last step,
    enabling songplays' triggers, waits for the songplays index being built; the builds need
    nothing the recount holds, so the two cannot deadlock.
    """
    if conn.closed:  # cut off (a second Ctrl-C, the server gone): the next load finishes
        return
    conn.execute(SORT_MEMORY)
    statements = sql_statements(read_sql(ANALYTICS_INDEXES)) if build_indexes else []
    builder = _Background(settings, statements) if statements and recount and beside else None
    try:
        # a scan of songplays, whose analytics indexes are not there to tempt the planner
        if recount:
            with conn.transaction():
                conn.execute("SELECT sparkify.recount_user_song_plays()")
        if builder is not None:
            builder.join()
    except BaseException:
        if builder is not None:
            builder.stop()
        raise
    if builder is not None and builder.connected:
        if builder.error is not None:
            raise builder.error
    elif statements:  # one connection only, or no second to be had (max_connections, say)
        for statement in statements:
            conn.execute(statement)


def sql_statements(text: str) -> list[str]:
    """The statements of a .sql file with no semicolon inside a statement (no function bodies)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


class _Background(threading.Thread):
    """Statements run one by one on their own connection while the caller goes on.

    The thread only waits for the server, so the GIL costs nothing here.
    """

    def __init__(self, settings: Settings, statements: list[str]) -> None:
        super().__init__(daemon=True)
        self.settings, self.statements = settings, statements
        self.error: BaseException | None = None
        self.connected = False
        self._conn: psycopg.Connection | None = None
        self._stopping = threading.Event()
        self.start()

    def run(self) -> None:
        try:
            with connect(self.settings, autocommit=True) as conn:
                self._conn, self.connected = conn, True
                conn.execute(SORT_MEMORY)
                for statement in self.statements:
                    if self._stopping.is_set():
                        return
                    conn.execute(statement)
        except BaseException as exc:  # noqa: BLE001 - every error is the caller's to raise
            self.error = None if self._stopping.is_set() else exc

    def stop(self, patience: float = 60.0) -> None:
        """Cancel the statement running and wait for the thread to end (within `patience`).

        Cancels again while the thread lives: one sent just before a statement starts is lost.
        """
        self._stopping.set()
        deadline = time.monotonic() + patience
        while self.is_alive() and time.monotonic() < deadline:
            if self._conn is not None:
                with contextlib.suppress(Exception):  # a server that is gone cannot be told
                    self._conn.cancel_safe(timeout=5)
            self.join(0.5)


def _analytics_index_names() -> list[str]:
    return re.findall(r"CREATE INDEX IF NOT EXISTS\s+([\w.]+)", read_sql(ANALYTICS_INDEXES))


def analytics_indexes_missing(conn: psycopg.Connection) -> bool:
    return one(conn.execute(
        "SELECT bool_or(to_regclass(name) IS NULL) FROM unnest(%s::text[]) name",
        [_analytics_index_names()]))[0]


def play_counts_paused(conn: psycopg.Connection) -> bool:
    """user_song_plays' triggers left paused by a bulk load that did not finish."""
    return one(conn.execute(read_sql("play_counts_paused")))[0]


def drop_analytics_indexes(conn: psycopg.Connection) -> None:
    """Drop the indexes only the analytics need, to build them once after a bulk load.

    Kept up row by row, they cost a bulk load more than building them afresh from sorted
    input. Meanwhile the views still answer, only slower. Constraint indexes stay.
    """
    for name in _analytics_index_names():
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(
            sql.Identifier(*name.split("."))))
