"""The fields of Sparkify's source records, declared once: key, neutral type, when required,
range. The Python validator (core/records.py) checks a record field by field from these, in
this order (the first fault is the reason given); the Spark engine renders the same
declarations into a schema and column expressions (spark/columns.py). No engine code here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

INT32_MAX = 2**31 - 1
TS_MAX = 4_102_444_800_000  # 2100-01-01 in ms: later (or negative) times are taken as corrupt
LENGTH_MAX = 1_000_000.0  # seconds; a song of more than eleven days is corrupt


class Kind(StrEnum):
    """A field's neutral type: what JSON value it takes and what it becomes."""

    TEXT = "text"  # a JSON string, without NUL characters
    INTEGER = "integer"  # a JSON integer (or a float with no fraction) within [low, high]
    NUMBER = "number"  # any finite JSON number within [low, high], as a float
    USER_ID = "user_id"  # a string of digits ("" when logged out) or an integer; "" -> null


class Need(StrEnum):
    """When a field must hold a value."""

    ALWAYS = "always"
    PLAY = "play"  # only in a song play (rules.is_play of the record's page)
    NEVER = "never"


@dataclass(frozen=True)
class Field:
    key: str  # the JSON key
    column: str  # the column it fills (records.SONG_COLUMNS / EVENT_COLUMNS)
    kind: Kind
    need: Need = Need.NEVER
    low: float | None = None
    high: float | None = None
    nonempty: bool = False  # "" is rejected too (empty_id), after the fields before it

    @property
    def wide(self) -> bool:
        """An integer beyond 32 bits (a 64-bit column)."""
        return self.kind is Kind.INTEGER and (self.high or 0) > INT32_MAX


F, K = Field, Kind
# In the order they are checked. The page comes before the fields a play needs.
EVENT_FIELDS = (
    F("ts", "ts", K.INTEGER, Need.ALWAYS, 0, TS_MAX),
    F("userId", "user_id", K.USER_ID, Need.ALWAYS, 0, INT32_MAX),
    F("sessionId", "session_id", K.INTEGER, Need.ALWAYS, 0, INT32_MAX),
    F("itemInSession", "item_in_session", K.INTEGER, Need.ALWAYS, 0, INT32_MAX),
    F("page", "page", K.TEXT, Need.ALWAYS),
    F("song", "song", K.TEXT, Need.PLAY),
    F("artist", "artist", K.TEXT, Need.PLAY),
    F("length", "length", K.NUMBER, Need.PLAY, 0.0, LENGTH_MAX),
    F("method", "method", K.TEXT, Need.ALWAYS),
    F("status", "status", K.INTEGER, Need.ALWAYS, 100, 599),
    F("auth", "auth", K.TEXT, Need.ALWAYS),
    F("level", "level", K.TEXT, Need.ALWAYS),
    F("firstName", "first_name", K.TEXT),
    F("lastName", "last_name", K.TEXT),
    F("gender", "gender", K.TEXT),
    F("location", "location", K.TEXT),
    F("userAgent", "user_agent", K.TEXT),
    F("registration", "registration", K.NUMBER, Need.NEVER, 0.0, float(TS_MAX)),
)
SONG_FIELDS = (
    F("song_id", "song_id", K.TEXT, Need.ALWAYS, nonempty=True),
    F("artist_id", "artist_id", K.TEXT, Need.ALWAYS, nonempty=True),
    F("title", "title", K.TEXT, Need.ALWAYS),
    F("artist_name", "artist_name", K.TEXT, Need.ALWAYS),
    F("artist_location", "artist_location", K.TEXT),
    F("artist_latitude", "artist_latitude", K.NUMBER, Need.NEVER, -90.0, 90.0),
    F("artist_longitude", "artist_longitude", K.NUMBER, Need.NEVER, -180.0, 180.0),
    F("duration", "duration", K.NUMBER, Need.ALWAYS, 0.0, LENGTH_MAX),
    F("year", "year", K.INTEGER, Need.ALWAYS, 0, 9999),
)
FIELDS = {"song": SONG_FIELDS, "log": EVENT_FIELDS}
