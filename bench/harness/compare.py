"""The fast path against the row-by-row loader: checksums per table and column."""

from __future__ import annotations

from psycopg import sql

from sparkify.config import Settings
from sparkify.core.rules import MATCH_TOLERANCE
from sparkify.postgres.db import connect

from .measure import Bench

# Per table: the natural key, and the columns compared by checksum (surrogate ids left out;
# source_file_id compared through the manifest path it points to).
CHECK_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "artists": (("artist_id",), ("name", "location", "latitude", "longitude", "source_path")),
    "songs": (("song_id",), ("title", "artist_id", "year", "duration", "source_path")),
    "users": (("user_id",),
              ("first_name", "last_name", "gender", "level", "location", "last_seen_at")),
    "time": (("start_time",), ("hour", "day", "week", "month", "year", "weekday")),
    "songplays": (("session_id", "item_in_session", "start_time"),
                  ("user_id", "level", "song_id", "artist_id", "location", "user_agent",
                   "song_title", "artist_name", "song_length", "source_file", "source_line")),
    "events": (("session_id", "item_in_session", "event_time"),
               ("user_id", "page", "method", "status", "auth", "level", "first_name",
                "last_name", "gender", "location", "user_agent", "registration", "song",
                "artist", "length", "source_file", "source_line")),
}

# Where the row-by-row way is wrong by construction (bench/rowbyrow.py says why).
ROWBYROW_WRONG: dict[str, dict[str, str]] = {
    "songplays": dict.fromkeys(("song_id", "artist_id"),
                               "song_select compares a float with `=`; the fast path allows "
                               f"{MATCH_TOLERANCE:g} s"),
    "users": dict.fromkeys(("first_name", "last_name", "gender", "level", "location",
                            "last_seen_at"),
                           "the last row processed wins, not the latest event by ts"),
    "songs": dict.fromkeys(("title", "artist_id", "year", "duration", "source_path"),
                           "the first record of a song_id wins, not the file that sorts last"),
    "artists": dict.fromkeys(("name", "location", "latitude", "longitude", "source_path"),
                             "the first record of an artist_id wins, not the file that sorts "
                             "last"),
}


def hash64(expression: sql.Composable) -> sql.Composable:
    return sql.SQL("('x' || left(md5({}::text), 16))::bit(64)::bigint::numeric").format(
        expression)


def checksums(settings: Settings) -> dict[str, dict]:
    """Per table: row count, and per compared column a checksum of (natural key, value)."""
    found = {}
    with connect(settings, autocommit=True) as conn:
        for table, (key, columns) in CHECK_TABLES.items():
            def ref(column: str) -> sql.Composable:
                return (sql.SQL("m.path") if column == "source_file"
                        else sql.Identifier("t", column))
            key_row = [ref(k) for k in key]
            parts = [sql.SQL("count(*)"),
                     sql.SQL("coalesce(sum({}), 0)").format(
                         hash64(sql.SQL("ROW({})").format(sql.SQL(", ").join(key_row))))]
            for column in columns:
                parts.append(sql.SQL("coalesce(sum({}), 0)").format(hash64(
                    sql.SQL("ROW({}, {})").format(sql.SQL(", ").join(key_row), ref(column)))))
            query = sql.SQL("SELECT {} FROM public.{} t "
                            "LEFT JOIN sparkify.manifest m ON m.file_id = {}").format(
                sql.SQL(", ").join(parts), sql.Identifier(table),
                sql.Identifier("t", "source_file_id") if "source_file" in columns
                else sql.SQL("NULL::int"))
            row = conn.execute(query).fetchone()
            found[table] = {"rows": row[0], "keys": row[1],
                            "columns": dict(zip(columns, row[2:], strict=True))}
    return found


def compare(bench: Bench, fast_db: str, rbr_db: str) -> dict:
    """Which tables and columns the two loads agree on, and whether each difference is known."""
    fast, slow = checksums(bench.on(fast_db)), checksums(bench.on(rbr_db))
    report = {}
    for table in CHECK_TABLES:
        a, b = fast[table], slow[table]
        differing = [c for c in a["columns"] if a["columns"][c] != b["columns"][c]]
        known = ROWBYROW_WRONG.get(table, {})
        report[table] = {
            "rows": [a["rows"], b["rows"]], "same_keys": a["keys"] == b["keys"],
            "equal_columns": [c for c in a["columns"] if c not in differing],
            "differing_explained": {c: known[c] for c in differing if c in known},
            "differing_unexplained": [c for c in differing if c not in known],
        }
        report[table]["ok"] = (a["rows"] == b["rows"] and report[table]["same_keys"]
                               and not report[table]["differing_unexplained"])
    return report


def wrong_counts(bench: Bench, fast_db: str, rbr_db: str) -> dict:
    """How many rows the known row-by-row errors touch (plays matched, users that differ)."""
    with connect(bench.on(fast_db), autocommit=True) as conn:
        fast_matched = conn.execute(
            "SELECT count(*) FROM public.songplays WHERE song_id IS NOT NULL").fetchone()[0]
        fast_users = dict(conn.execute(
            "SELECT user_id, (level, last_seen_at)::text FROM public.users").fetchall())
    with connect(bench.on(rbr_db), autocommit=True) as conn:
        slow_matched = conn.execute(
            "SELECT count(*) FROM public.songplays WHERE song_id IS NOT NULL").fetchone()[0]
        slow_users = dict(conn.execute(
            "SELECT user_id, (level, last_seen_at)::text FROM public.users").fetchall())
    users_differ = sum(fast_users.get(u) != v for u, v in slow_users.items())
    return {"plays_matched_fast": fast_matched, "plays_matched_rowbyrow": slow_matched,
            "users_differing": users_differ, "users": len(fast_users)}
