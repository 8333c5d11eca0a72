"""The rules both engines apply after validation: what a play is, how a play finds its song,
which record wins for a user, song or artist, and what makes two events one. Declared here once;
core/sqltext.py writes them into each engine's SQL, and the Python validator reads them too.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- what a play is ---------------------------------------------------------------------------

PLAY_PAGE = "NextSong"  # an event is a song play when its page is this


def is_play(page: object) -> bool:
    return page == PLAY_PAGE


# -- the time dimension ------------------------------------------------------------------------

# A play's start time broken into parts on the UTC wall clock; week is the ISO week and weekday
# the ISO day (Monday 1 .. Sunday 7).
TIME_PARTS = ("hour", "day", "week", "month", "year", "weekday")

# -- matching a play to a song ----------------------------------------------------------------

# A play's length and its song's duration are floats written by different systems: they match
# when within this many seconds (float equality would almost never hold). Among several songs
# with the play's title and artist name within it, the closest length wins, then the smallest
# song_id.
MATCH_TOLERANCE = 0.01

# -- which record wins ------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestWins:
    """Among the records of one key, the winner is the greatest by `order` (each descending).

    Fields are named by role: `ts` (the event's time), `path` (its file's path) and `line`;
    the relation `{{latest(table, relation)}}` picks from (core/sqltext.py) has those columns.
    """

    key: str
    order: tuple[str, ...]


USER_LATEST = LatestWins("user_id", ("ts", "path", "line"))  # a user is as their latest event
SONG_LATEST = LatestWins("song_id", ("path", "line"))  # the file whose path sorts last
ARTIST_LATEST = LatestWins("artist_id", ("path", "line"))
LATEST = {"users": USER_LATEST, "songs": SONG_LATEST, "artists": ARTIST_LATEST}

# An event replayed with the same (sessionId, itemInSession, ts) is the same event: the first
# loaded is kept, the others are rejected as duplicates.
EVENT_KEY = ("session_id", "item_in_session", "ts")
