"""Every table of the warehouse, declared once: the lists that create, drop, truncate, count
and check tables are derived from here (schema.py, load.py, status.py, checks, sql_queries.py).
No database code: the Spark engine reads these too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    """The shape a table must have, and how a reloaded record meets an existing row."""

    columns: dict[str, tuple[str, bool]]  # column -> (information_schema data_type, NOT NULL)
    primary_key: tuple[str, ...]
    natural_key: tuple[str, ...]  # what identifies a source record: the ON CONFLICT target
    natural_key_constraint: str  # its constraint's name (the primary key's, when it is the PK)
    on_conflict: str  # "DO UPDATE": the row follows the latest value; "DO NOTHING": first wins
    create_file: str = ""  # the sql/ file that creates it
    star: bool = False  # one of the classic star's five tables


TS = "timestamp with time zone"
DOUBLE = "double precision"

# The expected schema of the checked tables. A column added to the warehouse is added here too,
# on purpose: the check then says whether the server really has it.
CHECKED: dict[str, TableSpec] = {
    "songplays": TableSpec(
        create_file="create_songplays", star=True,
        columns={
            "songplay_id": ("bigint", True), "start_time": (TS, True),
            "user_id": ("integer", True), "level": ("text", True), "song_id": ("text", False),
            "artist_id": ("text", False), "session_id": ("integer", True),
            "item_in_session": ("integer", True), "location": ("text", False),
            "user_agent": ("text", False), "song_title": ("text", True),
            "artist_name": ("text", True), "song_length": (DOUBLE, True),
            "source_file_id": ("integer", True), "source_line": ("integer", True),
        },
        primary_key=("songplay_id",),
        natural_key=("session_id", "item_in_session", "start_time"),
        natural_key_constraint="songplays_natural_key",
        on_conflict="DO NOTHING",
    ),
    "users": TableSpec(
        create_file="create_users", star=True,
        columns={
            "user_id": ("integer", True), "first_name": ("text", False),
            "last_name": ("text", False), "gender": ("text", False), "level": ("text", True),
            "location": ("text", False), "last_seen_at": (TS, True),
        },
        primary_key=("user_id",), natural_key=("user_id",),
        natural_key_constraint="users_pkey", on_conflict="DO UPDATE",
    ),
    "songs": TableSpec(
        create_file="create_songs", star=True,
        columns={
            "song_id": ("text", True), "title": ("text", True), "artist_id": ("text", True),
            "year": ("integer", True), "duration": (DOUBLE, True),
            "source_path": ("text", True),
        },
        primary_key=("song_id",), natural_key=("song_id",),
        natural_key_constraint="songs_pkey", on_conflict="DO UPDATE",
    ),
    "artists": TableSpec(
        create_file="create_artists", star=True,
        columns={
            "artist_id": ("text", True), "name": ("text", True), "location": ("text", False),
            "latitude": (DOUBLE, False), "longitude": (DOUBLE, False),
            "source_path": ("text", True),
        },
        primary_key=("artist_id",), natural_key=("artist_id",),
        natural_key_constraint="artists_pkey", on_conflict="DO UPDATE",
    ),
    "time": TableSpec(
        create_file="create_time", star=True,
        columns={
            "start_time": (TS, True), "hour": ("smallint", True), "day": ("smallint", True),
            "week": ("smallint", True), "month": ("smallint", True),
            "year": ("smallint", True), "weekday": ("smallint", True),
        },
        primary_key=("start_time",), natural_key=("start_time",),
        natural_key_constraint="time_pkey", on_conflict="DO NOTHING",
    ),
    "events": TableSpec(
        create_file="create_events", star=False,
        columns={
            "event_id": ("bigint", True), "event_time": (TS, True),
            "user_id": ("integer", False), "session_id": ("integer", True),
            "item_in_session": ("integer", True), "page": ("text", True),
            "method": ("text", True), "status": ("integer", True), "auth": ("text", True),
            "level": ("text", True), "first_name": ("text", False),
            "last_name": ("text", False), "gender": ("text", False),
            "location": ("text", False), "user_agent": ("text", False),
            "registration": (DOUBLE, False), "song": ("text", False),
            "artist": ("text", False), "length": (DOUBLE, False),
            "source_file_id": ("integer", True), "source_line": ("integer", True),
        },
        primary_key=("event_id",),
        natural_key=("session_id", "item_in_session", "event_time"),
        natural_key_constraint="events_natural_key",
        on_conflict="DO NOTHING",
    ),
}

# Foreign keys the catalog must hold: (table, column, referenced table, referenced column).
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("songplays", "start_time", "time", "start_time"),
    ("songplays", "user_id", "users", "user_id"),
    ("songplays", "song_id", "songs", "song_id"),
    ("songplays", "artist_id", "artists", "artist_id"),
    ("songs", "artist_id", "artists", "artist_id"),
)

# The Parquet lake of the Spark engine (spark/): a folder per table, Hive-partitioned by these
# columns (the facts by their time's day in UTC, so a build rewrites only the days a changed
# file has rows in), in the order they are written.
LAKE_PARTITIONS: dict[str, tuple[str, ...]] = {
    "artists": (), "songs": ("year",), "users": (), "time": ("year", "month", "day"),
    "songplays": ("year", "month", "day"), "events": ("year", "month", "day"),
    "user_song_plays": (), "manifest": (), "rejects": (), "names": (),
}

@dataclass(frozen=True)
class Table:
    """A table of the warehouse, in the order tables are created (a table after those its
    foreign keys name). `loaded`: filled by a load (and emptied by a full refresh)."""

    schema: str
    name: str
    create_file: str
    loaded: bool = True

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


_BOOKKEEPING = (Table("sparkify", "manifest", "create_bookkeeping"),
                Table("sparkify", "rejects", "create_bookkeeping"),
                Table("sparkify", "names", "create_names"))  # repaired names: core/names.py
# user_song_plays is kept from songplays by triggers (create_user_song_plays.sql), not loaded.
_DERIVED = {"user_song_plays": Table("public", "user_song_plays", "create_user_song_plays",
                                     loaded=False)}
_ORDER = ("artists", "songs", "users", "time", "songplays", "user_song_plays", "events")
WAREHOUSE: tuple[Table, ...] = tuple(
    _DERIVED.get(name) or Table("public", name, CHECKED[name].create_file) for name in _ORDER
) + _BOOKKEEPING

def surrogate_key(table: str) -> tuple[str, ...]:
    """The key the warehouse generates (songplay_id, event_id): a primary key that is not what
    identifies a source record. Empty where the source's own id is the key."""
    spec = CHECKED[table]
    return spec.primary_key if spec.primary_key != spec.natural_key else ()


# The bookkeeping's columns, written by both engines (COPY into PostgreSQL, the lake's files).
MANIFEST_COLUMNS = ("path", "kind", "size_bytes", "mtime_ns", "etag", "sha256", "records_read",
                    "records_loaded", "song_plays", "other_pages", "rejected")
REJECT_COLUMNS = ("file_id", "path", "line_number", "raw", "reason", "reason_code")
# The loader's staging tables of a batch: files by their index in the batch, rejects by it too.
STAGING_FILE_COLUMNS = ("file_idx", "path", "kind", "size_bytes", "mtime_ns", "etag", "sha256",
                        "records_read", "rejected", "song_plays", "other_pages", "reloaded")
STAGING_REJECT_COLUMNS = ("file_idx", "line", "raw", "reason", "reason_code")

STAR_TABLES = tuple(name for name, spec in CHECKED.items() if spec.star)
STATUS_TABLES = (*STAR_TABLES, "events")  # what `sparkify status` counts
STAGING_SCHEMAS = ("staging", "staging2")  # two slots: see stage.py
SCHEMAS = ("sparkify", *STAGING_SCHEMAS)  # besides public


def create_files() -> tuple[str, ...]:
    """The sql/ files that create every schema and table, in dependency order."""
    files = ["create_schemas", *dict.fromkeys(t.create_file for t in WAREHOUSE), "create_staging"]
    return tuple(files)


def drop_statements() -> tuple[str, ...]:
    """Facts first, dimensions after; CASCADE also removes the views built on them."""
    tables = [f"DROP TABLE IF EXISTS {t.qualified} CASCADE" for t in reversed(WAREHOUSE)
              if t.schema == "public"]
    schemas = [f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in (*STAGING_SCHEMAS, "sparkify")]
    return tuple(tables + schemas)


def truncate_statement() -> str:
    """Empty what a load fills (a full refresh); the triggers empty user_song_plays."""
    loaded = ", ".join(t.qualified for t in WAREHOUSE if t.loaded)
    return f"TRUNCATE {loaded} RESTART IDENTITY CASCADE"
