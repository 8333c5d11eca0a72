"""SQL text with the rules written in: each engine's .sql files name a rule, `{{rule(args)}}`,
and this module writes it out for that engine's dialect from its one declaration in
core/records.py, core/rules.py and core/names.py. So the tolerance, who wins, what a play is,
the millisecond clock, each reject code and the names to repair have one home, and no .sql file
spells them out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import Literal

from sparkify.core import rules
from sparkify.core.names import RECORD_FIELDS
from sparkify.core.records import REASONS, RejectCode

Dialect = Literal["postgres", "spark"]
# each engine's SQL lives in its package: sparkify/postgres/sql/, sparkify/spark/sql/
_PACKAGES: dict[Dialect, str] = {"postgres": "sparkify.postgres", "spark": "sparkify.spark"}
# postgres/sql/ holds a folder per stage of the data flow; a statement's name is unique across
# them, so callers name it alone ("insert_users"). checks/, views/… are named with their folder.
POSTGRES_STAGES = ("schema", "plan", "transform", "finish", "classic")


def literal(text: str) -> str:
    """A constant of ours as a SQL string literal (never a value from the data)."""
    return "'" + text.replace("'", "''") + "'"


def _latest(dialect: Dialect, args: list[str]) -> str:
    """latest(users, relation): `relation` (a table or a WITH query) kept to one row per key of
    rules.LATEST["users"], the greatest by its order, as a parenthesised query to alias. The
    relation names its columns by the rule's roles: the key, and ts, path, line as ordered."""
    table, relation = args
    rule = rules.LATEST[table]
    order = ", ".join(f"{role} DESC" for role in rule.order)
    if dialect == "spark":  # no DISTINCT ON; Spark stops each key's sort at its first row
        return (f"(SELECT * FROM {relation} QUALIFY row_number() OVER"
                f" (PARTITION BY {rule.key} ORDER BY {order}) = 1)")
    return f"(SELECT DISTINCT ON ({rule.key}) * FROM {relation} ORDER BY {rule.key}, {order})"


def _ms_to_timestamp(dialect: Dialect, args: list[str]) -> str:
    (ms,) = args
    if dialect == "spark":
        return f"timestamp_millis({ms})"
    return f"(timestamptz 'epoch' + ({ms}) * interval '1 millisecond')"


def _within_tolerance(dialect: Dialect, args: list[str]) -> str:
    """within_tolerance(duration, length): a song's duration fits a play's length."""
    duration, length = args
    return f"abs({duration} - {length}) <= {rules.MATCH_TOLERANCE!r}"


def _names_match(dialect: Dialect, args: list[str]) -> str:
    """names_match(title, artist, song, artist_name): a catalog song's title and artist's name
    are a play's song and artist."""
    title, artist, song, artist_name = args
    return f"{title} = {song} AND {artist} = {artist_name}"


def _song_match(dialect: Dialect, args: list[str]) -> str:
    """song_match(title, artist, duration, song, artist_name, length): a catalog song (its
    title, its artist's name, its duration) is a play's (its song, artist and length) when the
    names are equal and the duration within the tolerance of the length."""
    title, artist, duration, song, artist_name, length = args
    return (f"{_names_match(dialect, [title, artist, song, artist_name])}"
            f" AND {_within_tolerance(dialect, [duration, length])}")


def _closeness(duration: str, length: str, song_id: str) -> tuple[tuple[str, str], ...]:
    """How a play's matching songs are ordered, the first wins: the closest length, then the
    smallest song_id (the tie-break); each with a name for a struct's field."""
    return (("distance", f"abs({duration} - {length})"), ("song_id", song_id))


def _closest_match(dialect: Dialect, args: list[str]) -> str:
    """closest_match(duration, length, song_id): an ORDER BY list, the winning song first."""
    return ", ".join(sql for _, sql in _closeness(*args))


def _closest_song(dialect: Dialect, args: list[str]) -> str:
    """closest_song(songs, length) (Spark): of an array of a play's name-matching songs
    (structs of duration, song_id, artist_id), the one song_match and closest_match choose, as
    a struct with song_id and artist_id (null when none is within the tolerance): chosen in
    the play's own row, so no play is moved to rank its songs."""
    if dialect != "spark":
        raise ValueError("closest_song is Spark SQL (higher-order functions)")
    songs, length = args
    fields = ", ".join(f"'{name}', {sql}" for name, sql in _closeness("s.duration", length,
                                                                     "s.song_id"))
    within = _within_tolerance(dialect, ["s.duration", length])
    return (f"array_min(transform(filter({songs}, s -> {within}),"
            f" s -> named_struct({fields}, 'artist_id', s.artist_id)))")


# the tables of the catalog and of the repaired names, as each engine's SQL names them
_CATALOG_TABLES: dict[Dialect, tuple[str, str, str]] = {
    "postgres": ("public.songs", "public.artists", "sparkify.names"),
    "spark": ("songs", "artists", "names"),
}


def _repaired_catalog(dialect: Dialect, args: list[str]) -> str:
    """repaired_catalog(): every catalog song with its title and artist name as people read
    them (core/names.py), the rows a play's repaired names are matched against."""
    songs, artists, names = _CATALOG_TABLES[dialect]
    return ("SELECT so.song_id, so.artist_id, so.duration,"
            " coalesce(nt.repaired, so.title) AS title, coalesce(na.repaired, a.name) AS artist"
            f" FROM {songs} so JOIN {artists} a ON a.artist_id = so.artist_id"
            f" LEFT JOIN {names} nt ON nt.verbatim = so.title"
            f" LEFT JOIN {names} na ON na.verbatim = a.name")


# text that could be mis-encoded: not ASCII, so its length in bytes is not its length in characters
_NON_ASCII: dict[Dialect, str] = {"postgres": "octet_length({x}) <> char_length({x})",
                                  "spark": "octet_length({x}) <> length({x})"}
_UNPIVOT: dict[Dialect, str] = {"postgres": "unnest(ARRAY[{}])", "spark": "explode(array({}))"}


def _name_candidates(dialect: Dialect, args: list[str]) -> str:
    """name_candidates(events, relation): the values of the name columns of core/names.py in
    `relation` (records of that kind) that could be mis-encoded, one row per column and record,
    as a query of one column, `name`. One pass over the relation; only its rows holding such a
    value are unpivoted (on PostgreSQL, a lateral unnest of every row took twice the time of
    one scan per column)."""
    kind, relation = args
    fields = RECORD_FIELDS[kind]
    test = _NON_ASCII[dialect]
    any_field = " OR ".join(test.format(x=field) for field in fields)
    values = _UNPIVOT[dialect].format(", ".join(fields))
    return (f"SELECT name FROM (SELECT {values} AS name FROM {relation} WHERE {any_field})"
            f" AS unpivoted WHERE {test.format(x='name')}")


# each part of rules.TIME_PARTS in each dialect, of a UTC wall-clock time `{t}`
_TIME_PART_SQL: dict[Dialect, dict[str, str]] = {
    "postgres": {"hour": "date_part('hour', {t})", "day": "date_part('day', {t})",
                 "week": "date_part('week', {t})", "month": "date_part('month', {t})",
                 "year": "date_part('year', {t})", "weekday": "date_part('isodow', {t})"},
    "spark": {"hour": "hour({t})", "day": "day({t})", "week": "weekofyear({t})",
              "month": "month({t})", "year": "year({t})",
              "weekday": "(dayofweek({t}) + 5) % 7 + 1"},  # Spark counts from Sunday = 1
}


def _time_parts(dialect: Dialect, args: list[str]) -> str:
    """time_parts(t): the select list of the time dimension's parts of `t` (UTC wall clock)."""
    (t,) = args
    return ", ".join(f"{_TIME_PART_SQL[dialect][part].format(t=t)} AS {part}"
                     for part in rules.TIME_PARTS)


def _time_part(dialect: Dialect, args: list[str]) -> str:
    """time_part(weekday, t): one part of rules.TIME_PARTS of `t` (UTC wall clock)."""
    part, t = args
    return _TIME_PART_SQL[dialect][part].format(t=t)


_MACROS: dict[str, Callable[[Dialect, list[str]], str]] = {
    "latest": _latest,
    "within_tolerance": _within_tolerance,
    "song_match": _song_match,
    "names_match": _names_match,
    "closest_song": _closest_song,
    "repaired_catalog": _repaired_catalog,
    "name_candidates": _name_candidates,
    "closest_match": _closest_match,
    "ms_to_timestamp": _ms_to_timestamp,
    "time_parts": _time_parts,
    "time_part": _time_part,
    "is_play": lambda d, a: f"{a[0]} = {literal(rules.PLAY_PAGE)}",
    "reject_code": lambda d, a: literal(RejectCode[a[0].upper()].value),
    "reject_reason": lambda d, a: literal(REASONS[RejectCode[a[0].upper()]]),
}


def _arguments(text: str) -> list[str]:
    """A macro's arguments: split at the commas outside parentheses."""
    args, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += char
    return [*args, current.strip()]


def _macro(dialect: Dialect, match: re.Match[str]) -> str:
    name, args = match.group(1), _arguments(" ".join(match.group(2).split()))
    if name not in _MACROS:
        raise ValueError(f"unknown rule {name!r} in SQL")
    return _MACROS[name](dialect, args)


def render(text: str, dialect: Dialect = "postgres") -> str:
    """SQL with its rule placeholders, `{{rule(args)}}`, written out for `dialect`."""
    return re.sub(r"\{\{\s*(\w+)\((.*?)\)\s*\}\}",
                  lambda match: _macro(dialect, match), text, flags=re.DOTALL)


@functools.cache
def _postgres_index() -> dict[str, str]:
    """Statement name -> its path under postgres/sql/, for the stage folders."""
    root = resources.files(_PACKAGES["postgres"]).joinpath("sql")
    index: dict[str, str] = {}
    for stage in POSTGRES_STAGES:
        for entry in root.joinpath(stage).iterdir():
            if entry.name.endswith(".sql"):
                name = entry.name.removesuffix(".sql")
                if name in index:
                    raise RuntimeError(f"sql/{stage}/{entry.name} and sql/{index[name]}.sql "
                                       "share a name")
                index[name] = f"{stage}/{name}"
    return index


def read_sql(name: str, dialect: Dialect = "postgres") -> str:
    """The text of an engine's statement, its rules written out.

    For PostgreSQL `name` is a stage folder's file ("insert_users") or a folder and file
    ("views/…"); for Spark, a file of spark/sql/ ("songplays").
    """
    path = name if "/" in name or dialect != "postgres" else _postgres_index().get(name, name)
    text = resources.files(_PACKAGES[dialect]).joinpath("sql", *f"{path}.sql".split("/"))
    return render(text.read_text(encoding="utf-8"), dialect)
