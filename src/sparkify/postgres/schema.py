"""The warehouse's tables: created from the .sql files in sql/, in dependency order."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import psycopg

from sparkify.config import Settings
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import (
    SCHEMAS,
    STAGING_SCHEMAS,
    STAR_TABLES,
    WAREHOUSE,
    create_files,
    drop_statements,
)
from sparkify.errors import SparkifyError
from sparkify.postgres import access
from sparkify.postgres.db import DatabaseMissing, connect, ensure_database, one

# The loader stages a batch in one schema while it transforms the previous one from the other
# (see stage.py). Both hold the same tables: the SQL names `staging`, and slot_sql() points a
# statement at the other slot.
STAGING_SLOTS = STAGING_SCHEMAS

def slot_sql(text: str, slot: str) -> str:
    """`text` with its staging tables taken from `slot` instead of `staging`."""
    return text if slot == "staging" else re.sub(r"\bstaging\.", f"{slot}.", text)

CREATE_FILES = create_files()
DROP_STATEMENTS = drop_statements()

# Analytics (sql/views/): indexes, helper functions, then views in dependency order. Each file
# is CREATE OR REPLACE / IF NOT EXISTS, so creating them again is safe.
VIEW_FILES = tuple(f"views/{name}" for name in (
    "analytics_indexes", "location_metro", "location_state",
    "popular_songs", "popular_artists", "catalog_match_rate",
    "activity_by_hour", "activity_by_weekday", "activity_by_day",
    "plays_by_day_and_location", "plays_by_day_and_gender", "plays_by_day_and_level",
    "user_sessions", "session_summary", "daily_active_users", "weekly_active_users",
    "plays_per_user", "plays_per_user_distribution",
    "user_top_artists", "user_top_songs", "favourite_artists", "user_preferences",
    "users_by_gender", "users_by_level", "users_by_state",
    "level_changes", "level_changes_by_day", "user_profiles",
    "co_listening_recommendations", "recommend_songs",
    "requests_by_hour", "status_mix", "platform_health", "page_health",
))


def table_statements() -> list[str]:
    """CREATE … IF NOT EXISTS of every schema, table and index, in dependency order."""
    statements = [read_sql(name) for name in CREATE_FILES]
    statements += [slot_sql(read_sql("create_staging"), slot) for slot in STAGING_SLOTS[1:]]
    return statements


def view_statements() -> list[str]:
    return [read_sql(name) for name in VIEW_FILES]


def create_tables(conn: psycopg.Connection) -> None:
    for statement in table_statements():
        conn.execute(statement)


def create_all(conn: psycopg.Connection) -> None:
    """Create every missing schema, table and index, then the analytics views (safe to rerun)."""
    create_tables(conn)
    for statement in view_statements():
        conn.execute(statement)


def drop_all(conn: psycopg.Connection) -> None:
    for statement in DROP_STATEMENTS:
        conn.execute(statement)


@contextlib.contextmanager
def rebuilding(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection, one transaction, in which the caller drops and recreates the warehouse:
    "start from empty", as `init --drop` and create_tables.py promise. Reader roles
    (access.grant_read) get their grants again before it commits.

    The embedded server's database is dropped and created again. A server of the user's keeps
    its database, which the role may not be able to create again: only the project's objects
    in it are dropped, once it is known that the role may create them again.
    """
    if settings.external:
        ensure_database(settings)
        conn = connect(settings)
        _check_can_rebuild(conn)
        keep = access.readers(conn)
    else:
        keep = _readers_of_existing(settings)
        ensure_database(settings, drop=True)
        conn = connect(settings)
    with conn:
        yield conn
        for role in keep:
            access.apply_read_grants(conn, role)


def rebuild(settings: Settings) -> None:
    """Drop and recreate every table and view of the warehouse (`init --drop`)."""
    with rebuilding(settings) as conn:
        drop_all(conn)
        create_all(conn)


def _check_can_rebuild(conn: psycopg.Connection) -> None:
    blockers = conn.execute(read_sql("rebuild_blockers"), {
        "schemas": list(SCHEMAS), "tables": [t.qualified for t in WAREHOUSE]}).fetchall()
    if blockers:
        role = conn.info.user
        conn.close()
        missing = "; ".join(f"{needs} on {obj}" for obj, needs in blockers)
        raise SparkifyError(f"role {role!r} cannot rebuild the warehouse, nothing was dropped: "
                            f"it lacks {missing}")


def _readers_of_existing(settings: Settings) -> list[str]:
    try:
        with connect(settings, autocommit=True) as conn:
            return access.readers(conn)
    except DatabaseMissing:
        return []


def is_created(conn: psycopg.Connection) -> bool:
    return bool(one(conn.execute("SELECT to_regclass('sparkify.manifest') IS NOT NULL"))[0])


def row_counts(conn: psycopg.Connection, tables=STAR_TABLES) -> dict[str, int]:
    return {
        table: one(conn.execute(f"SELECT count(*) FROM public.{table}"))[0]
        for table in tables
    }
