"""Opening the warehouse for writing, and pausing its upkeep for a bulk write: the same steps
for the loader (`sparkify load`) and for publishing a lake (`sparkify lake publish`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from sparkify.config import Settings
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import WAREHOUSE, truncate_statement
from sparkify.postgres import schema
from sparkify.postgres.access import require_writer
from sparkify.postgres.db import connect, ensure_database, one
from sparkify.postgres.load.finish import drop_analytics_indexes

LOCK_KEY = 0x5A_4B_1F_00  # advisory lock key held by the one writer of a database
Notify = Callable[[str], None]


@contextmanager
def writing(settings: Settings, *, autocommit: bool, notify: Notify
            ) -> Iterator[psycopg.Connection]:
    """A connection that may write the warehouse, holding its writer's lock, with every table
    there (a newer version's added). With `autocommit` the lock lasts the session (a load
    commits batch by batch); without, the transaction (a publish is one)."""
    ensure_database(settings)
    with connect(settings, autocommit=autocommit) as conn:
        require_writer(conn, settings)  # a reader role: one line, before anything is written
        _take_lock(conn, notify, session=autocommit)  # two writers must not create tables at once
        if schema.is_created(conn):
            schema.create_tables(conn)  # adds what a newer version defines; views stay as they are
        else:
            schema.create_all(conn)
        yield conn


def _take_lock(conn: psycopg.Connection, notify: Notify, session: bool) -> None:
    """One writer at a time per database: a second one waits for the first to finish."""
    scope = "" if session else "_xact"
    if not one(conn.execute(f"SELECT pg_try_advisory{scope}_lock(%s)", [LOCK_KEY]))[0]:
        notify("another load is running on this database; waiting for it to finish")
        conn.execute(f"SELECT pg_advisory{scope}_lock(%s)", [LOCK_KEY])


def truncate_all(conn: psycopg.Connection) -> None:
    conn.execute(truncate_statement())


def delete_all(conn: psycopg.Connection) -> None:
    """Empty what a load fills as TRUNCATE does (generated ids restarted), but with DELETE,
    children first: a reader whose snapshot predates the commit still sees every old row,
    where TRUNCATE would show it empty tables (PostgreSQL's caveat: TRUNCATE is not MVCC-safe).
    Only with the per-row reference triggers off: with them, each deleted parent row scans its
    children. Both ALTERs restarting the ids roll back with the transaction."""
    loaded = [table.qualified for table in reversed(WAREHOUSE) if table.loaded]
    for name in loaded:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(*name.split("."))))
    for schema_name, table, column in conn.execute(
            read_sql("schema/identity_columns"), {"tables": loaded}).fetchall():
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN {} RESTART").format(
            sql.Identifier(schema_name, table), sql.Identifier(column)))


def pause_upkeep(conn: psycopg.Connection) -> None:
    """Before a bulk write: user_song_plays' per-row counting paused and the analytics indexes
    dropped, both redone once at the end by load.finish.finish."""
    conn.execute("SELECT sparkify.pause_user_song_plays()")
    drop_analytics_indexes(conn)
