"""The warehouse's tables: created from the .sql files in sql/, in dependency order."""

from __future__ import annotations

import psycopg

from .db import read_sql

# Order matters: a table comes after the tables its foreign keys name.
CREATE_FILES = ("create_schemas", "create_artists", "create_songs", "create_users",
                "create_time", "create_songplays", "create_events", "create_bookkeeping",
                "create_staging")

# Dropped facts first, dimensions after; CASCADE also removes views built on them.
DROP_STATEMENTS = (
    "DROP TABLE IF EXISTS public.songplays CASCADE",
    "DROP TABLE IF EXISTS public.events CASCADE",
    "DROP TABLE IF EXISTS public.users CASCADE",
    "DROP TABLE IF EXISTS public.songs CASCADE",
    "DROP TABLE IF EXISTS public.artists CASCADE",
    "DROP TABLE IF EXISTS public.time CASCADE",
    "DROP SCHEMA IF EXISTS staging CASCADE",
    "DROP SCHEMA IF EXISTS sparkify CASCADE",
)

STAR_TABLES = ("songplays", "users", "songs", "artists", "time")


def create_all(conn: psycopg.Connection) -> None:
    """Create every schema, table and index that is missing (safe to run again)."""
    for name in CREATE_FILES:
        conn.execute(read_sql(name))


def drop_all(conn: psycopg.Connection) -> None:
    for statement in DROP_STATEMENTS:
        conn.execute(statement)


def is_created(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('sparkify.manifest') IS NOT NULL").fetchone()
    return bool(row and row[0])


def row_counts(conn: psycopg.Connection, tables=STAR_TABLES) -> dict[str, int]:
    return {
        table: conn.execute(f"SELECT count(*) FROM public.{table}").fetchone()[0]  # noqa: S608
        for table in tables
    }
