"""Read the analytics views into one plain dict: the single source of every rendering.

The terminal tables, the HTML page and `--json` all render this dict, so they cannot disagree.
Every value is JSON-ready (dates as ISO strings). The questions' logic lives in the views
(sql/views/); this module only selects from them.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from sparkify.config import Settings
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect, database_name
from sparkify.recommend import MISSING_VIEWS, recommend_with

TOP = 10  # rows in "top N" lists
TREND_STATES = 5  # states drawn as their own line; the rest are summed as "other"
GENRE_NOTE = ("Genre is not in the source data: neither the song files nor the event logs "
              "carry one, so this report shows none rather than invent it.")

QUESTIONS = {
    1: "Most popular songs and artists",
    2: "When users are active",
    3: "Trends",
    4: "Engagement",
    5: "Preferences",
    6: "Demographics",
    7: "Conversion",
    8: "Recommendations",
    9: "Platform health",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def rows(conn: psycopg.Connection, view: str, order_by: tuple[str, ...] = (),
         where: dict[str, Any] | None = None, limit: int | None = None) -> list[dict]:
    """SELECT * FROM public.<view> [WHERE col = value ...] [ORDER BY ...] [LIMIT n], as dicts."""
    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier("public", view))
    params: list[Any] = []
    if where:
        query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in where)
        params.extend(where.values())
    if order_by:
        query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(
            _order_term(term) for term in order_by)
    if limit is not None:
        query += sql.SQL(" LIMIT %s")
        params.append(limit)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return [{key: _jsonable(value) for key, value in row.items()} for row in cur.fetchall()]


def _order_term(term: str) -> sql.Composable:
    """'plays desc' -> "plays" DESC; text sorts in byte order, as the views' ranks do."""
    column, _, direction = term.partition(" ")
    order = sql.SQL(" DESC") if direction.lower() == "desc" else sql.SQL("")
    return sql.SQL("{}{}").format(sql.Identifier(column), order)


def _counts(items: list[dict], key: str, value: str) -> dict[str, int]:
    return {str(item[key]) if item[key] is not None else "unknown": item[value] for item in items}


def collect(settings: Settings) -> dict:
    """Every figure of the report, from the views."""
    with connect(settings, autocommit=True) as conn:
        try:
            return collect_with(conn, database_name(settings))
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedFunction) as exc:
            raise SparkifyError(MISSING_VIEWS) from exc


def collect_with(conn: psycopg.Connection, database: str = "") -> dict:
    by_plays = rows(conn, "plays_per_user", ("plays desc", "user_id"))  # read once, used thrice
    return {
        "database": database,
        "generated_at": _jsonable(datetime.now(UTC).replace(microsecond=0)),
        "questions": {str(number): title for number, title in QUESTIONS.items()},
        **_popularity(conn),  # 1.
        **_activity(conn),  # 2.
        "trends": _trends(conn),  # 3.
        **_engagement(conn, by_plays),  # 4.
        "preferences": _preferences(conn, by_plays),  # 5.
        **_demographics(conn),  # 6.
        "conversion": _conversion(conn),  # 7.
        "recommendations": _recommendations(conn, by_plays),  # 8.
        **_platform(conn),  # 9.
        "genre": None,
        "notes": [GENRE_NOTE],
    }


def _popularity(conn: psycopg.Connection) -> dict:
    catalog = rows(conn, "catalog_match_rate")[0]
    return {
        "top_songs": [{k: r[k] for k in ("song", "artist", "plays", "listeners")}
                      for r in rows(conn, "popular_songs", ("rank",), limit=TOP)],
        "top_artists": [{k: r[k] for k in ("artist", "plays")}
                        for r in rows(conn, "popular_artists", ("rank",), limit=TOP)],
        "match_rate": catalog["match_rate"],
        "catalog": catalog,
    }


def _activity(conn: psycopg.Connection) -> dict:
    by_hour = rows(conn, "activity_by_hour", ("hour",))
    return {
        "plays_by_hour": [{"hour": r["hour"], "plays": r["plays"]} for r in by_hour],
        "events_by_hour": [{"hour": r["hour"], "events": r["events"]} for r in by_hour],
        "activity_by_weekday": rows(conn, "activity_by_weekday", ("weekday",)),
        "activity_by_day": rows(conn, "activity_by_day", ("day",)),
    }


def _engagement(conn: psycopg.Connection, by_plays: list[dict]) -> dict:
    sessions = rows(conn, "session_summary")[0]
    plays_per_user = [r["plays"] for r in by_plays]
    return {
        "sessions": {"count": sessions["sessions"], "users": sessions["users"],
                     "per_user": sessions["sessions_per_user"],
                     "avg_length_seconds": sessions["avg_length_seconds"],
                     "avg_songs": sessions["avg_songs"]},
        "engagement": {
            "daily_active_users": rows(conn, "daily_active_users", ("day",)),
            "weekly_active_users": rows(conn, "weekly_active_users", ("week_start",)),
            "plays_per_user": {
                "users": len(plays_per_user),
                "mean": statistics.fmean(plays_per_user) if plays_per_user else 0,
                "median": statistics.median(plays_per_user) if plays_per_user else 0,
                "max": max(plays_per_user, default=0),
                "distribution": rows(conn, "plays_per_user_distribution", ("low",)),
            },
        },
    }


def _preferences(conn: psycopg.Connection, by_plays: list[dict]) -> dict:
    return {
        "favourite_artists": rows(conn, "favourite_artists",
                                  ("users desc", "plays desc", "artist"), limit=TOP),
        # user by user: a filter on user_id reaches inside the view's rankings, where
        # ORDER BY plays LIMIT 10 over the whole view would rank every user's songs
        "most_active_users": [
            rows(conn, "user_preferences", where={"user_id": u["user_id"]})[0]
            for u in by_plays[:TOP]],
    }


def _demographics(conn: psycopg.Connection) -> dict:
    gender = rows(conn, "users_by_gender", ("gender",))
    level = rows(conn, "users_by_level", ("level",))
    return {
        "users_by_level": _counts(level, "level", "users"),
        "users_by_gender": _counts(gender, "gender", "users"),
        "demographics": {
            "by_gender": gender,
            "by_level": level,
            "by_state": rows(conn, "users_by_state", ("users desc", "plays desc", "state")),
        },
    }


def _conversion(conn: psycopg.Connection) -> dict:
    changes = rows(conn, "level_changes", ("changed_at", "user_id"))
    return {
        "upgrades": sum(c["change"] == "upgrade" for c in changes),
        "downgrades": sum(c["change"] == "downgrade" for c in changes),
        "users_changed": len({c["user_id"] for c in changes}),
        "by_day": rows(conn, "level_changes_by_day", ("day",)),
        "changes": changes,
    }


def _recommendations(conn: psycopg.Connection, by_plays: list[dict]) -> dict:
    """For the most active user, as the worked example."""
    example_user = by_plays[0]["user_id"] if by_plays else None
    return {
        "user_id": example_user,
        "items": ([r.to_dict() for r in recommend_with(conn, example_user, TOP)]
                  if example_user is not None else []),
    }


def _platform(conn: psycopg.Connection) -> dict:
    health = rows(conn, "platform_health")[0]
    statuses = rows(conn, "status_mix", ("status",))
    return {
        "status_codes": {str(r["status"]): r["requests"] for r in statuses},
        "platform": {
            **health,
            "status_mix": statuses,
            "by_page": rows(conn, "page_health", ("requests desc", "page")),
            "requests_by_hour": rows(conn, "requests_by_hour", ("hour_start",)),
        },
    }


def _trends(conn: psycopg.Connection) -> dict:
    """Plays per day by level, gender and state (the top states by plays, the rest as other)."""
    by_location = rows(conn, "plays_by_day_and_location", ("day", "state", "metro_area"))
    state_totals: dict[str, int] = {}
    metro_totals: dict[tuple[str, str], int] = {}
    for r in by_location:
        state = r["state"] or "unknown"
        state_totals[state] = state_totals.get(state, 0) + r["plays"]
        key = (r["metro_area"] or "unknown", state)
        metro_totals[key] = metro_totals.get(key, 0) + r["plays"]
    top_states = sorted(state_totals, key=lambda s: (-state_totals[s], s))[:TREND_STATES]
    by_state: dict[tuple[str, str], int] = {}
    for r in by_location:
        state = r["state"] or "unknown"
        key = (r["day"], state if state in top_states else "other")
        by_state[key] = by_state.get(key, 0) + r["plays"]
    return {
        "by_level": rows(conn, "plays_by_day_and_level", ("day", "level")),
        "by_gender": rows(conn, "plays_by_day_and_gender", ("day", "gender")),
        "by_state": [{"day": day, "state": state, "plays": plays}
                     for (day, state), plays in sorted(by_state.items())],
        "top_states": [{"state": s, "plays": state_totals[s]} for s in top_states],
        "top_metro_areas": [
            {"metro_area": m, "state": s, "plays": n}
            for (m, s), n in sorted(metro_totals.items(), key=lambda i: (-i[1], i[0]))[:TOP]],
    }


def collect_user(settings: Settings, user_id: int) -> dict:
    """One user's profile, favourites, level changes and recommendations (report --user)."""
    with connect(settings, autocommit=True) as conn:
        try:
            return collect_user_with(conn, user_id)
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedFunction) as exc:
            raise SparkifyError(MISSING_VIEWS) from exc


def collect_user_with(conn: psycopg.Connection, user_id: int) -> dict:
    recommendations = recommend_with(conn, user_id, TOP)  # raises for an unknown user
    profile = rows(conn, "user_profiles", where={"user_id": user_id})[0]
    plays = rows(conn, "plays_per_user", where={"user_id": user_id})
    songs = rows(conn, "user_top_songs", ("rank",), where={"user_id": user_id})
    sessions = rows(conn, "user_sessions", ("started_at",), where={"user_id": user_id})
    lengths = [s["length_seconds"] for s in sessions]
    return {"user": {
        **profile,
        "plays": plays[0]["plays"] if plays else 0,
        "songs": len(songs),
        "sessions": {"count": len(sessions),
                     "avg_length_seconds": statistics.fmean(lengths) if lengths else 0,
                     "avg_songs": (statistics.fmean(s["songs"] for s in sessions)
                                   if sessions else 0)},
        "top_songs": [{k: r[k] for k in ("song", "artist", "plays")} for r in songs[:TOP]],
        "top_artists": [{k: r[k] for k in ("artist", "plays")} for r in rows(
            conn, "user_top_artists", ("rank",), where={"user_id": user_id}, limit=TOP)],
        "level_changes": rows(conn, "level_changes", ("changed_at",), where={"user_id": user_id}),
        "recommendations": [r.to_dict() for r in recommendations],
    }, "genre": None, "notes": [GENRE_NOTE]}

