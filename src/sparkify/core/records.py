"""The rules of Sparkify's source records, written once for every engine.

What a valid song or event is (fields, types, ranges), the kinds of reject and how one file's
bytes split into records; what happens after validation (a play, its song, who wins) is
core/rules.py. Both engines read these; neither keeps a copy. No database or Spark code here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import orjson

# the fields, their types and limits: core/fields.py (the limits re-exported for callers here)
from sparkify.core.fields import (
    EVENT_FIELDS,
    INT32_MAX,
    LENGTH_MAX,
    SONG_FIELDS,
    TS_MAX,
    Field,
    Kind,
    Need,
)
from sparkify.core.rules import PLAY_PAGE, is_play

BOM = b"\xef\xbb\xbf"

# -- rejects ----------------------------------------------------------------------------------


class RejectCode(StrEnum):
    """Why a record was rejected, for code and SQL to match on (the reason text is for people)."""

    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    MISSING_FIELD = "missing_field"
    NULL_FIELD = "null_field"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    NUL_CHARACTER = "nul_character"
    EMPTY_ID = "empty_id"
    PLAY_WITHOUT_USER = "play_without_user"
    DUPLICATE = "duplicate"
    LEGACY = "legacy"  # rejected by a version that recorded no code


DUPLICATE_REASON = "duplicate event: one with the same sessionId, itemInSession and ts is loaded"
REASONS = {RejectCode.DUPLICATE: DUPLICATE_REASON}  # codes whose reason is one fixed text


class Invalid(Exception):
    """A record that cannot be loaded: `code` says which rule, the message says how."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- splitting a file into records ------------------------------------------------------------


class Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


class _NoDigest:
    def update(self, data: bytes, /) -> None:
        pass


def log_records(lines: Iterable[bytes], digest: Digest | None = None
                ) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines of a log file with their 1-based numbers, without line ends or a BOM.

    `lines` is any iterable of raw lines (an open binary file, a stream from an object store).
    """
    digest = digest or _NoDigest()
    for number, raw in enumerate(lines, start=1):
        digest.update(raw)
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        raw = raw.rstrip(b"\r\n")
        if raw.strip():
            yield number, raw


def song_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """A song file holds one object, on one line or spread over several, or JSON lines."""
    text = data.removeprefix(BOM)
    if not text.strip():
        return
    lines = [(n, ln.rstrip(b"\r")) for n, ln in enumerate(text.split(b"\n"), start=1)
             if ln.strip()]
    if len(lines) == 1:
        yield lines[0]
        return
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        # several lines that do not form one document: JSON lines (each bad line its own
        # reject) when a line holds a whole object, as no line of a spread object can;
        # otherwise one broken record
        if any(_whole_object(ln) for _, ln in lines):
            yield from lines
            return
    first = lines[0][0]
    yield first, text.strip()


def _whole_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def decode_raw(raw: bytes) -> str:
    """The raw record as text for the rejects table; bytes that are not UTF-8 become \\xNN."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def parse_json(raw: bytes) -> dict[str, Any]:
    """The JSON object of one record, or Invalid."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(RejectCode.NOT_JSON, f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Invalid(RejectCode.NOT_OBJECT, f"not a JSON object (a {_json_type(value)})")
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


# -- validation -------------------------------------------------------------------------------


def _absent(obj: dict[str, Any], key: str) -> Invalid:
    if key not in obj:
        return Invalid(RejectCode.MISSING_FIELD, f"missing required field {key!r}")
    return Invalid(RejectCode.NULL_FIELD, f"field {key!r} is null")


def _text(obj: dict[str, Any], key: str, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _absent(obj, key)
        return None
    if type(value) is not str:
        raise Invalid(RejectCode.WRONG_TYPE,
                      f"field {key!r} must be a string, not a {_json_type(value)}")
    if "\x00" in value:
        raise Invalid(RejectCode.NUL_CHARACTER,
                      f"field {key!r} holds a NUL character, which PostgreSQL text cannot store")
    return value


def _integer(obj: dict[str, Any], key: str, low: int, high: int) -> int:
    value = obj.get(key)
    if value is None:
        raise _absent(obj, key)
    if type(value) is not int:
        if type(value) is float and value.is_integer():
            value = int(value)
        else:
            raise Invalid(RejectCode.WRONG_TYPE,
                          f"field {key!r} must be an integer, not a {_json_type(value)}")
    if not low <= value <= high:
        raise Invalid(RejectCode.OUT_OF_RANGE,
                      f"field {key!r} is out of range ({value}; expected {low}..{high})")
    return value


def _number(obj: dict[str, Any], key: str, low: float, high: float,
            required: bool) -> float | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _absent(obj, key)
        return None
    if type(value) is not float and type(value) is not int:
        raise Invalid(RejectCode.WRONG_TYPE,
                      f"field {key!r} must be a number, not a {_json_type(value)}")
    if not (math.isfinite(value) and low <= value <= high):
        raise Invalid(RejectCode.OUT_OF_RANGE,
                      f"field {key!r} is out of range ({value}; expected {low:g}..{high:g})")
    return float(value)


def _user_id(obj: dict[str, Any]) -> int | None:
    """userId is a string of digits, or "" when logged out (a JSON number is accepted too)."""
    if "userId" not in obj:
        raise Invalid(RejectCode.MISSING_FIELD, "missing required field 'userId'")
    value = obj["userId"]
    if value is None or value == "":
        return None
    if type(value) is str:
        if not (value.isascii() and value.isdigit()):
            raise Invalid(RejectCode.WRONG_TYPE,
                          f"field 'userId' must be digits or empty, not {value[:40]!r}")
        value = int(value)
    elif type(value) is not int:
        raise Invalid(RejectCode.WRONG_TYPE,
                      f"field 'userId' must be a string, not a {_json_type(value)}")
    if not 0 <= value <= INT32_MAX:
        raise Invalid(RejectCode.OUT_OF_RANGE, f"field 'userId' is out of range ({value})")
    return value


# The row of one record, in the order the staging tables and the Spark job take them.
SONG_COLUMNS = ("file_idx", "line", "song_id", "title", "artist_id", "artist_name",
                "artist_location", "artist_latitude", "artist_longitude", "duration", "year")
EVENT_COLUMNS = ("file_idx", "line", "ts", "user_id", "session_id", "item_in_session", "page",
                 "method", "status", "auth", "level", "first_name", "last_name", "gender",
                 "location", "user_agent", "registration", "song", "artist", "length")
PAGE_COLUMN = EVENT_COLUMNS.index("page")


def _checked(obj: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Each declared field's value, checked in declaration order, or Invalid for the first
    fault. A play (decided by the page) needs the fields declared Need.PLAY and a user."""
    values: dict[str, Any] = {}
    play = False
    pending: list[Field] = []  # ids that must not be empty, checked before the next field
    for spec in fields:
        if pending and not spec.nonempty:
            for empty in (p for p in pending if not values[p.column]):
                raise Invalid(RejectCode.EMPTY_ID, f"field {empty.key!r} is empty")
            pending = []
        required = spec.need is Need.ALWAYS or (spec.need is Need.PLAY and play)
        if spec.kind is Kind.TEXT:
            value: Any = _text(obj, spec.key, required)
        elif spec.kind is Kind.INTEGER:
            value = _integer(obj, spec.key, int(spec.low or 0), int(spec.high or 0))
        elif spec.kind is Kind.NUMBER:
            value = _number(obj, spec.key, spec.low or 0.0, spec.high or 0.0, required)
        else:
            value = _user_id(obj)
        values[spec.column] = value
        if spec.nonempty:
            pending.append(spec)
        if spec.column == "page":
            play = is_play(value)
            if play and values.get("user_id") is None:
                raise Invalid(RejectCode.PLAY_WITHOUT_USER, f"{PLAY_PAGE} event without a userId")
    return values


def event_row(obj: dict[str, Any], file_idx: int, line: int) -> tuple[Any, ...]:
    """The row of one log event (EVENT_COLUMNS), or Invalid with the reason."""
    values = _checked(obj, EVENT_FIELDS)
    return (file_idx, line, *(values[column] for column in EVENT_COLUMNS[2:]))


def _optional_text(value: object) -> bool:
    return value is None or type(value) is str


def event_row_fast(obj: dict[str, Any], file_idx: int, line: int) -> tuple[Any, ...] | None:
    """event_row for a well-formed event, in one pass; None when any check needs a closer look.

    Most records are valid, and checking them field by field with a helper per field took most
    of the parse time. Anything unusual falls back to event_row, which names the fault. The
    caller has made sure the raw line holds no escaped NUL. It accepts a subset of what
    event_row accepts, with the same limits; tests/core/test_records.py pins that.
    """
    get = obj.get
    ts, session_id, item = get("ts"), get("sessionId"), get("itemInSession")
    user, page, method = get("userId"), get("page"), get("method")
    status, auth, level = get("status"), get("auth"), get("level")
    first, last, gender = get("firstName"), get("lastName"), get("gender")
    location, agent, registration = get("location"), get("userAgent"), get("registration")
    song, artist, length = get("song"), get("artist"), get("length")
    if not (type(ts) is int and 0 <= ts <= TS_MAX
            and type(session_id) is int and 0 <= session_id <= INT32_MAX
            and type(item) is int and 0 <= item <= INT32_MAX
            and type(user) is str and len(user) < 10 and (user == "" or user.isdigit())
            and user.isascii() and type(page) is str and type(method) is str
            and type(status) is int and 100 <= status <= 599
            and type(auth) is str and type(level) is str
            and _optional_text(first) and _optional_text(last) and _optional_text(gender)
            and _optional_text(location) and _optional_text(agent)
            and _optional_text(song) and _optional_text(artist)
            and (registration is None
                 or (type(registration) is float and 0.0 <= registration <= TS_MAX))
            and (length is None or (type(length) is float and 0.0 <= length <= LENGTH_MAX))):
        return None
    if is_play(page) and (not user or song is None or artist is None or length is None):
        return None
    return (file_idx, line, ts, int(user) if user else None, session_id, item, page, method,
            status, auth, level, first, last, gender, location, agent, registration, song,
            artist, length)


def song_row(obj: dict[str, Any], file_idx: int, line: int) -> tuple[Any, ...]:
    """The row of one song record (SONG_COLUMNS), or Invalid with the reason."""
    values = _checked(obj, SONG_FIELDS)
    return (file_idx, line, *(values[column] for column in SONG_COLUMNS[2:]))


# -- one file's records -----------------------------------------------------------------------


@dataclass
class FileStats:
    """What became of one file's records: read = songs or (song_plays + other_pages) + rejected."""

    read: int = 0
    rejected: int = 0
    songs: int = 0
    song_plays: int = 0
    other_pages: int = 0
    sha256: str = ""
    rejects: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, raw, why, code


OnReject = Callable[[int, str, str, str], None]  # (line, raw, reason, reason_code)


def record_row(kind: str, raw: bytes, file_idx: int, line: int) -> tuple[Any, ...]:
    """The row of one raw record of a `kind` ("song" or "log") file, or Invalid."""
    obj = parse_json(raw)
    if kind == "song":
        return song_row(obj, file_idx, line)
    row = event_row_fast(obj, file_idx, line) if b"\\u0000" not in raw else None
    return row if row is not None else event_row(obj, file_idx, line)


def parse_records(kind: str, records: Iterable[tuple[int, bytes]], file_idx: int,
                  stats: FileStats, on_reject: OnReject | None = None) -> Iterator[tuple]:
    """Rows of one file's records; counts go to `stats` as the rows stream by.

    A rejected record goes to `on_reject(line, raw, reason, code)` when given, else to
    `stats.rejects`: nothing is dropped without a trace.
    """
    for line, raw in records:
        stats.read += 1
        try:
            row = record_row(kind, raw, file_idx, line)
        except Invalid as exc:
            stats.rejected += 1
            reject = (line, decode_raw(raw), str(exc), exc.code.value)
            if on_reject is None:
                stats.rejects.append(reject)
            else:
                on_reject(*reject)
            continue
        if kind == "song":
            stats.songs += 1
        elif is_play(row[PAGE_COLUMN]):
            stats.song_plays += 1
        else:
            stats.other_pages += 1
        yield row
