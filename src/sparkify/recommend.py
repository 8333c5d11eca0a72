"""Song recommendations: item-to-item co-listening, with overall popularity as the fallback.

The ranking lives in the database (sql/views/co_listening_recommendations.sql and
recommend_songs.sql) so that an analyst gets the same answer from `SELECT * FROM
recommend_songs(49, 10)` as from `sparkify recommend 49`. This module checks the request and
shapes the rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg

from sparkify.config import Settings
from sparkify.errors import OptionError, SparkifyError
from sparkify.postgres.db import connect

MAX_LIMIT = 1000
INT32 = 2**31


@dataclass(frozen=True)
class Recommendation:
    song: str
    artist: str
    score: int  # co-listening: sum of co-listener counts; popularity: plays overall
    because: str | None  # title of the played song that led to this pick (None: popularity)
    because_artist: str | None
    basis: str  # "co-listening" or "popularity"

    @property
    def reason(self) -> str:
        if self.because is None:
            return "popular overall"
        return f"listeners of {self.because} by {self.because_artist} also played it"

    def to_dict(self) -> dict:
        return asdict(self) | {"reason": self.reason}


def recommend_with(conn: psycopg.Connection, user_id: int, limit: int = 10) -> list[Recommendation]:
    """Up to `limit` songs `user_id` never played, best first; raises for an unknown user."""
    if not 1 <= limit <= MAX_LIMIT:
        raise OptionError(f"{{limit}} must be between 1 and {MAX_LIMIT}, not {limit}", "limit")
    if not -INT32 <= user_id < INT32:
        raise SparkifyError(f"no user {user_id} in the warehouse (user ids are 32-bit)")
    known = conn.execute("SELECT 1 FROM public.users WHERE user_id = %s", [user_id]).fetchone()
    if known is None:
        raise SparkifyError(f"no user {user_id} in the warehouse; "
                            "`sparkify report` lists the most active users")
    rows = conn.execute(
        "SELECT song, artist, score, because_song, because_artist, basis "
        "FROM public.recommend_songs(%s, %s) ORDER BY rank", [user_id, limit]).fetchall()
    return [Recommendation(song, artist, int(score), because, because_artist, basis)
            for song, artist, score, because, because_artist, basis in rows]


MISSING_VIEWS = ("the analytics views are missing (a database created before them); "
                 "run `sparkify init` to add them (it keeps the data)")


def recommend(settings: Settings, user_id: int, limit: int = 10) -> list[Recommendation]:
    with connect(settings, autocommit=True) as conn:
        try:
            return recommend_with(conn, user_id, limit)
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedFunction) as exc:
            raise SparkifyError(MISSING_VIEWS) from exc
