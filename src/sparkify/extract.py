"""Find the source files, then stream, parse and validate their records.

Every record read ends up either as a typed row ready for COPY or as a reject with its line
number, raw text and reason: nothing is dropped silently. Files are read line by line (song
files, which hold one small object, whole), so memory does not grow with the input.
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import orjson

from .errors import SparkifyError

KINDS = (("song", "song_data"), ("log", "log_data"))
BOM = b"\xef\xbb\xbf"
INT32_MAX = 2**31 - 1
TS_MAX = 4_102_444_800_000  # 2100-01-01 in ms: later (or negative) times are taken as corrupt
LENGTH_MAX = 1_000_000.0  # seconds; a song of more than eleven days is corrupt
WHOLE_FILE_MAX = 8 << 20  # song files up to this size are read whole (one object, any layout)

SONG_COLUMNS = ("file_idx", "line", "song_id", "title", "artist_id", "artist_name",
                "artist_location", "artist_latitude", "artist_longitude", "duration", "year")
EVENT_COLUMNS = ("file_idx", "line", "ts", "user_id", "session_id", "item_in_session", "page",
                 "method", "status", "auth", "level", "first_name", "last_name", "gender",
                 "location", "user_agent", "registration", "song", "artist", "length")


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute; the manifest's key
    kind: str  # "song" or "log"
    size: int
    mtime_ns: int


@dataclass
class FileStats:
    """What became of one file's records: read = songs or (song_plays + other_pages) + rejected."""

    read: int = 0
    rejected: int = 0
    songs: int = 0
    song_plays: int = 0
    other_pages: int = 0
    sha256: str = ""
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw, reason)


def discover(root: Path) -> list[SourceFile]:
    """Every *.json under root/song_data and root/log_data, songs first, each sorted by path."""
    return [SourceFile(Path(path), kind, size, mtime_ns)
            for path, kind, size, mtime_ns in find_sources(root)]


def find_sources(root: Path) -> Iterator[tuple[str, str, int, int]]:
    """`discover` as (path, kind, size, mtime_ns), one file at a time: memory does not grow
    with the number of files, and no objects are built for files that are not loaded.

    A wrong root is an error at once; an unreadable folder or broken link when reached.
    Hidden files and folders (".ipynb_checkpoints", editor swap files) are not data.
    """
    if not root.exists():
        raise SparkifyError(f"data root {root} does not exist; pass the folder that holds "
                            "song_data/ and log_data/")
    if not root.is_dir():
        raise SparkifyError(f"data root {root} is not a folder")
    root = root.resolve()
    if not any((root / sub).is_dir() for _, sub in KINDS):
        raise SparkifyError(f"{root} holds neither song_data/ nor log_data/; pass the folder "
                            "that holds them")
    _check_name(str(root))
    return ((path, kind, st.st_size, st.st_mtime_ns)
            for kind, sub in KINDS if (root / sub).is_dir()
            for path, st in _sorted_walk(str(root / sub)))


def _sorted_walk(folder: str) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of the *.json files under `folder`, in the order of their path strings.

    A folder sorts by its name + "/", the prefix of every path below it, so walking each
    folder's sorted entries yields the same order as sorting all paths, without holding them.
    """
    try:
        with os.scandir(folder) as scan:
            entries = [(entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name,
                        entry) for entry in scan if not entry.name.startswith(".")]
    except OSError as exc:  # an unreadable folder is an error, not a silently smaller load
        _unreadable(exc)
    entries.sort(key=lambda pair: pair[0])
    for key, entry in entries:
        if not key.endswith(("/", ".json")):
            continue
        _check_name(entry.path)
        if key.endswith("/"):
            yield from _sorted_walk(entry.path)
            continue
        try:
            st = entry.stat()  # follows a link: a broken one is an error
        except OSError as exc:
            _unreadable(exc)
        if not stat.S_ISDIR(st.st_mode):  # a link to a folder is not walked, as os.walk does
            yield entry.path, st


def _check_name(path: str) -> None:
    """The manifest keeps paths as text: a name that is not UTF-8 cannot be recorded."""
    if path.isascii():
        return
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise SparkifyError(f"the name of {shown} is not UTF-8 text; rename it and load again"
                            ) from None


def _unreadable(exc: OSError) -> NoReturn:
    broken = " (a broken link?)" if isinstance(exc, FileNotFoundError) else ""
    raise SparkifyError(f"cannot read {exc.filename}: {exc.strerror or exc}{broken}; "
                        "fix or remove it and load again") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise SparkifyError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


# -- reading records --------------------------------------------------------------------------


def _lines(path: Path, digest) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines with their 1-based numbers, without line ends or a leading BOM."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            digest.update(raw)
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            raw = raw.rstrip(b"\r\n")
            if raw.strip():
                yield number, raw


def _song_records(source: SourceFile, digest) -> Iterator[tuple[int, bytes]]:
    """A song file holds one object, on one line or spread over several, or JSON lines."""
    if source.size > WHOLE_FILE_MAX:
        yield from _lines(source.path, digest)
        return
    data = source.path.read_bytes()
    digest.update(data)
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


def _decode_raw(raw: bytes) -> str:
    """The raw record as text for the rejects table; bytes that are not UTF-8 become \\xNN."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def _parse(raw: bytes) -> dict | str:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(value, dict):
        return f"not a JSON object (a {_json_type(value)})"
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


# -- validation -------------------------------------------------------------------------------


class Invalid(Exception):
    """A record that cannot be loaded; the message is the reject reason."""


def _text(obj: dict, key: str, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise Invalid(f"missing required field {key!r}" if key not in obj
                          else f"field {key!r} is null")
        return None
    if type(value) is not str:
        raise Invalid(f"field {key!r} must be a string, not a {_json_type(value)}")
    if "\x00" in value:
        raise Invalid(f"field {key!r} holds a NUL character, which PostgreSQL text cannot store")
    return value


def _integer(obj: dict, key: str, low: int, high: int, required: bool = True) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise Invalid(f"missing required field {key!r}" if key not in obj
                          else f"field {key!r} is null")
        return None
    if type(value) is not int:
        if type(value) is float and value.is_integer():
            value = int(value)
        else:
            raise Invalid(f"field {key!r} must be an integer, not a {_json_type(value)}")
    if not low <= value <= high:
        raise Invalid(f"field {key!r} is out of range ({value}; expected {low}..{high})")
    return value


def _number(obj: dict, key: str, low: float, high: float, required: bool) -> float | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise Invalid(f"missing required field {key!r}" if key not in obj
                          else f"field {key!r} is null")
        return None
    if type(value) is not float and type(value) is not int:
        raise Invalid(f"field {key!r} must be a number, not a {_json_type(value)}")
    if not (math.isfinite(value) and low <= value <= high):
        raise Invalid(f"field {key!r} is out of range ({value}; expected {low:g}..{high:g})")
    return float(value)


def _user_id(obj: dict) -> int | None:
    """userId is a string of digits, or "" when logged out (a JSON number is accepted too)."""
    if "userId" not in obj:
        raise Invalid("missing required field 'userId'")
    value = obj["userId"]
    if value is None or value == "":
        return None
    if type(value) is str:
        if not (value.isascii() and value.isdigit()):
            raise Invalid(f"field 'userId' must be digits or empty, not {value[:40]!r}")
        value = int(value)
    elif type(value) is not int:
        raise Invalid(f"field 'userId' must be a string, not a {_json_type(value)}")
    if not 0 <= value <= INT32_MAX:
        raise Invalid(f"field 'userId' is out of range ({value})")
    return value


def event_row(obj: dict, file_idx: int, line: int) -> tuple:
    """The staging.events row of one log event, or Invalid with the reason."""
    ts = _integer(obj, "ts", 0, TS_MAX)
    user_id = _user_id(obj)
    session_id = _integer(obj, "sessionId", 0, INT32_MAX)
    item = _integer(obj, "itemInSession", 0, INT32_MAX)
    page = _text(obj, "page", True)
    if page == "NextSong":
        if user_id is None:
            raise Invalid("NextSong event without a userId")
        song = _text(obj, "song", True)
        artist = _text(obj, "artist", True)
        length = _number(obj, "length", 0.0, LENGTH_MAX, True)
    else:
        song = _text(obj, "song", False)
        artist = _text(obj, "artist", False)
        length = _number(obj, "length", 0.0, LENGTH_MAX, False)
    return (
        file_idx, line, ts, user_id, session_id, item, page,
        _text(obj, "method", True),
        _integer(obj, "status", 100, 599),
        _text(obj, "auth", True),
        _text(obj, "level", True),
        _text(obj, "firstName", False),
        _text(obj, "lastName", False),
        _text(obj, "gender", False),
        _text(obj, "location", False),
        _text(obj, "userAgent", False),
        _number(obj, "registration", 0.0, float(TS_MAX), False),
        song, artist, length,
    )


def _optional_text(value: object) -> bool:
    return value is None or type(value) is str


def event_row_fast(obj: dict, file_idx: int, line: int) -> tuple | None:
    """event_row for a well-formed event, in one pass; None when any check needs a closer look.

    Most records are valid, and checking them field by field with a helper per field took most
    of the parse time. Anything unusual falls back to event_row, which names the fault. The
    caller has made sure the raw line holds no escaped NUL.
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
    if page == "NextSong" and (not user or song is None or artist is None or length is None):
        return None
    return (file_idx, line, ts, int(user) if user else None, session_id, item, page, method,
            status, auth, level, first, last, gender, location, agent, registration, song,
            artist, length)


def song_row(obj: dict, file_idx: int, line: int) -> tuple:
    """The staging.songs row of one song record, or Invalid with the reason."""
    song_id = _text(obj, "song_id", True)
    artist_id = _text(obj, "artist_id", True)
    if not song_id:
        raise Invalid("field 'song_id' is empty")
    if not artist_id:
        raise Invalid("field 'artist_id' is empty")
    return (
        file_idx, line, song_id,
        _text(obj, "title", True),
        artist_id,
        _text(obj, "artist_name", True),
        _text(obj, "artist_location", False),
        _number(obj, "artist_latitude", -90.0, 90.0, False),
        _number(obj, "artist_longitude", -180.0, 180.0, False),
        _number(obj, "duration", 0.0, LENGTH_MAX, True),
        _integer(obj, "year", 0, 9999),
    )


def parse_file(source: SourceFile, file_idx: int, stats: FileStats,
               on_reject: Callable[[int, str, str], None] | None = None) -> Iterator[tuple]:
    """Rows of one file for COPY; counts go to `stats` as the rows stream by.

    A rejected record goes to `on_reject(line, raw, reason)` when given (the stager copies it
    out, so a file of bad lines is not held in memory), else to `stats.rejects`.
    """
    digest = hashlib.sha256()
    is_song = source.kind == "song"
    records = _song_records(source, digest) if is_song else _lines(source.path, digest)
    make_row = song_row if is_song else event_row
    try:
        for line, raw in records:
            stats.read += 1
            obj = _parse(raw)
            try:
                if type(obj) is str:
                    raise Invalid(obj)
                row = None
                if not is_song and b"\\u0000" not in raw:
                    row = event_row_fast(obj, file_idx, line)
                if row is None:
                    row = make_row(obj, file_idx, line)
            except Invalid as exc:
                stats.rejected += 1
                if on_reject is None:
                    stats.rejects.append((line, _decode_raw(raw), str(exc)))
                else:
                    on_reject(line, _decode_raw(raw), str(exc))
                continue
            if is_song:
                stats.songs += 1
            elif row[6] == "NextSong":
                stats.song_plays += 1
            else:
                stats.other_pages += 1
            yield row
    except OSError as exc:
        raise SparkifyError(f"cannot read {source.path}: {exc.strerror or exc}") from exc
    stats.sha256 = digest.hexdigest()


def read_lines(path: Path, numbers: set[int]) -> dict[int, str]:
    """The raw text of some lines, for records rejected after staging (duplicates)."""
    found: dict[int, str] = {}
    with open(path, "rb") as handle:
        for current, raw in enumerate(handle, start=1):
            if current in numbers:
                if current == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                found[current] = _decode_raw(raw.rstrip(b"\r\n"))
    return found
