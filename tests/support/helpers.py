"""Small helpers the tests share: run SQL, write source files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sparkify.config import Settings
from sparkify.core.records import EVENT_COLUMNS, SONG_COLUMNS, FileStats
from sparkify.postgres.db import connect
from sparkify.sources.extract import SourceFile, parse_file


def query(settings: Settings, text: str, params=None) -> list[tuple]:
    with connect(settings, autocommit=True) as conn:
        return conn.execute(text, params).fetchall()


def scalar(settings: Settings, text: str, params=None):
    return query(settings, text, params)[0][0]


def event(**fields) -> dict:
    """A valid logged-in NextSong event; keyword arguments override its fields."""
    base = {
        "artist": "Some Artist", "auth": "Logged In", "firstName": "Ann", "gender": "F",
        "itemInSession": 0, "lastName": "Lee", "length": 200.5, "level": "free",
        "location": "Austin, TX", "method": "PUT", "page": "NextSong",
        "registration": 1540919166796.0, "sessionId": 1, "song": "Some Song", "status": 200,
        "ts": 1541105830796, "userAgent": "\"Mozilla/5.0\"", "userId": "7",
    }
    base.update(fields)
    return base


def song(**fields) -> dict:
    """A valid song record; keyword arguments override its fields."""
    base = {
        "num_songs": 1, "artist_id": "AR1", "artist_latitude": None, "artist_longitude": None,
        "artist_location": "", "artist_name": "Some Artist", "song_id": "SO1",
        "title": "Some Song", "duration": 200.5, "year": 2000,
    }
    base.update(fields)
    return base


def write_log(root: Path, name: str, records: list, mtime_ns: int | None = None) -> Path:
    """A log file of JSON lines; a str record is written as it is (for broken lines)."""
    path = root / "log_data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines), encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def write_song(root: Path, name: str, record) -> Path:
    path = root / "song_data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
    return path


def copy_sample(sample_root: Path, target: Path, days: range) -> None:
    """The sample's songs and the logs of `days` (1-based days of November 2018), mtimes kept."""
    if not (target / "song_data").exists():
        shutil.copytree(sample_root / "song_data", target / "song_data")
    for day in days:
        name = f"2018-11-{day:02d}-events.json"
        source = next((sample_root / "log_data").rglob(name))
        destination = target / "log_data" / source.relative_to(sample_root / "log_data")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def read_events(root: Path) -> list[dict]:
    """Every event of log_data in file order, with its file and line for tie-breaks."""
    events = []
    for path in sorted((root / "log_data").rglob("*.json"), key=str):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                record = json.loads(line)
                record["_order"] = (str(path), number)
                events.append(record)
    return events


def break_db(settings, *statements: str) -> None:
    """Run `statements` on the test's database, first dropping the views (other features' views
    would block altering the columns they read; the checks look at tables only)."""
    with connect(settings, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT format('%I.%I', schemaname, viewname) FROM pg_views "
                                    "WHERE schemaname = 'public'").fetchall():
            conn.execute(f"DROP VIEW IF EXISTS {name} CASCADE")
        for statement in statements:
            conn.execute(statement)


def parse(path: Path, kind: str) -> tuple[list[dict], FileStats]:
    """Rows of one file as dicts keyed by staging column, and what became of its records."""
    st = path.stat()
    stats = FileStats()
    columns = SONG_COLUMNS if kind == "song" else EVENT_COLUMNS
    rows = [dict(zip(columns, row, strict=True))
            for row in parse_file(SourceFile(path, kind, st.st_size, st.st_mtime_ns), 0, stats)]
    return rows, stats


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
