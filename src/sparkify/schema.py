"""The warehouse's tables: created from the .sql files in sql/, in dependency order."""

from __future__ import annotations

import re

import psycopg

from .db import one, read_sql
from .tables import STAGING_SCHEMAS, STAR_TABLES, create_files, drop_statements

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
    "level_changes", "level_changes_by_day",
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


def is_created(conn: psycopg.Connection) -> bool:
    return bool(one(conn.execute("SELECT to_regclass('sparkify.manifest') IS NOT NULL"))[0])


def row_counts(conn: psycopg.Connection, tables=STAR_TABLES) -> dict[str, int]:
    return {
        table: one(conn.execute(f"SELECT count(*) FROM public.{table}"))[0]
        for table in tables
    }
