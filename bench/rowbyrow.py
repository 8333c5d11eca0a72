"""The tutorial's way of loading, kept as the yardstick `sparkify load` is measured against.

    python bench/rowbyrow.py DATA_ROOT [--time-limit SECONDS] [--json]

Written the way the classic "Data Modeling with Postgres" etl.py loads, on the same schema as
`sparkify load` (the database SPARKIFY_DATABASE names; its tables must exist): every file is
parsed on its own with the standard json module (no pandas), every row is one INSERT, every song
play is one SELECT to find its song, and each file is one commit. Records are validated by the
same rules as the fast path (sparkify.sources.extract), so both load the same records; invalid
ones are skipped and counted, not stored.

Where this way is wrong, on purpose, because the tutorial is (bench/README.md says more):
- song_select compares durations with `=` on a float, so a play whose length is not the very
  same double as the song's duration finds no song (the fast path allows 0.01 s);
- users: one upsert per event, the last row processed wins, not the latest event by ts;
- songs and artists: the first record of an id wins (DO NOTHING), not the file that sorts last.

With --time-limit it stops when the time is up (songs may use at most half of it, so that
events are always measured) and reports what it reached; the harness extrapolates from the
records per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from sparkify.config import load_settings
from sparkify.core.records import BOM, Invalid, RejectCode, event_row, song_row
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect
from sparkify.sources.extract import SourceFile, discover

SQL_DIR = Path(__file__).resolve().parent / "sql"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def statement(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class Deadline(Exception):
    """The time bound was reached in the middle of a file."""


class RowByRow:
    """One connection, one cursor, one statement per row: the tutorial's etl.py."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.cur = conn.cursor()
        self.sql = {name: statement(name) for name in (
            "rowbyrow_insert_file", "rowbyrow_file_counts", "rowbyrow_insert_artist",
            "rowbyrow_insert_song", "rowbyrow_insert_event", "rowbyrow_upsert_user",
            "rowbyrow_insert_time", "rowbyrow_song_select", "rowbyrow_insert_songplay")}
        self.statements = 0
        self.processed = {"song": 0, "log": 0}  # records handled, the file in progress included
        self.song_lookups = 0
        self.songs_found = 0

    def run(self, name: str, params: tuple) -> None:
        self.cur.execute(self.sql[name], params)
        self.statements += 1

    def register(self, source: SourceFile) -> int:
        self.run("rowbyrow_insert_file", (str(source.path), source.kind, source.size,
                                          source.mtime_ns))
        return self.cur.fetchone()[0]

    def process_song_file(self, source: SourceFile, deadline: float) -> dict:
        file_id = self.register(source)
        counts = {"read": 0, "loaded": 0, "rejected": 0}
        for line, text in song_records(source.path):
            if time.perf_counter() > deadline:
                raise Deadline
            counts["read"] += 1
            self.processed["song"] += 1
            try:
                obj = json.loads(text)
                if not isinstance(obj, dict):
                    raise Invalid(RejectCode.NOT_OBJECT, "not a JSON object")
                (_, _, song_id, title, artist_id, artist_name, location, latitude, longitude,
                 duration, year) = song_row(obj, 0, line)
            except (ValueError, Invalid):
                counts["rejected"] += 1
                continue
            path = str(source.path)
            self.run("rowbyrow_insert_artist",
                     (artist_id, artist_name, location, latitude, longitude, path))
            self.run("rowbyrow_insert_song", (song_id, title, artist_id, year, duration, path))
            counts["loaded"] += 1
        self.run("rowbyrow_file_counts", (counts["read"], counts["loaded"], 0, 0,
                                          counts["rejected"], file_id))
        return counts

    def process_log_file(self, source: SourceFile, deadline: float) -> dict:
        file_id = self.register(source)
        counts = {"read": 0, "song_plays": 0, "other_pages": 0, "rejected": 0}
        for line, text in log_lines(source.path):
            if time.perf_counter() > deadline:
                raise Deadline
            counts["read"] += 1
            self.processed["log"] += 1
            try:
                obj = json.loads(text)
                if not isinstance(obj, dict):
                    raise Invalid(RejectCode.NOT_OBJECT, "not a JSON object")
                row = event_row(obj, 0, line)
            except (ValueError, Invalid):
                counts["rejected"] += 1
                continue
            (_, _, ts, user_id, session_id, item, page, method, status, auth, level, first_name,
             last_name, gender, location, user_agent, registration, song, artist, length) = row
            start = EPOCH + timedelta(milliseconds=ts)
            self.run("rowbyrow_insert_event",
                     (start, user_id, session_id, item, page, method, status, auth, level,
                      first_name, last_name, gender, location, user_agent, registration, song,
                      artist, length, file_id, line))
            if user_id is not None:
                self.run("rowbyrow_upsert_user",
                         (user_id, first_name, last_name, gender, level, location, start))
            if page != "NextSong":
                counts["other_pages"] += 1
                continue
            counts["song_plays"] += 1
            iso = start.isocalendar()
            self.run("rowbyrow_insert_time", (start, start.hour, start.day, iso.week,
                                              start.month, start.year, iso.weekday))
            self.run("rowbyrow_song_select", (song, artist, length))
            found = self.cur.fetchone()
            self.song_lookups += 1
            song_id, artist_id = found if found else (None, None)
            self.songs_found += found is not None
            self.run("rowbyrow_insert_songplay",
                     (start, user_id, level, song_id, artist_id, session_id, item, location,
                      user_agent, song, artist, length, file_id, line))
        self.run("rowbyrow_file_counts",
                 (counts["read"], counts["song_plays"] + counts["other_pages"],
                  counts["song_plays"], counts["other_pages"], counts["rejected"], file_id))
        return counts


def log_lines(path: Path):
    """Non-blank lines with their 1-based numbers (numbered as the fast path numbers them)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            if raw.strip():
                yield number, raw.rstrip(b"\r\n")


def song_records(path: Path):
    """A song file holds one JSON object (on one or several lines), or JSON lines."""
    data = path.read_bytes()
    data = data.removeprefix(BOM)
    lines = [(n, ln) for n, ln in enumerate(data.split(b"\n"), start=1) if ln.strip()]
    if not lines:
        return
    try:
        json.loads(data)
    except ValueError:
        if len(lines) > 1:
            yield from lines
            return
    yield lines[0][0], data.strip()


def load(conn: psycopg.Connection, root: Path, time_limit: float | None) -> dict:
    """Songs first, then logs (so plays can find their songs), one commit per file."""
    loader = RowByRow(conn)
    files = discover(root)
    started = time.perf_counter()
    end = started + time_limit if time_limit else float("inf")
    phases = {kind: {"files_total": sum(f.kind == kind for f in files), "files_done": 0,
                     "records": 0, "seconds": 0.0, "finished": False} for kind in ("song", "log")}
    extra = {"song_plays": 0, "other_pages": 0, "rejected": 0}
    stopped = False
    for kind in ("song", "log"):
        phase = phases[kind]
        phase_started = time.perf_counter()
        # songs get at most half the time bound, so that events are always measured
        deadline = phase_started + time_limit / 2 if time_limit and kind == "song" else end
        try:
            for source in (f for f in files if f.kind == kind):
                if kind == "song":
                    counts = loader.process_song_file(source, deadline)
                else:
                    counts = loader.process_log_file(source, deadline)
                    for key in extra:
                        extra[key] += counts[key]
                conn.commit()
                phase["files_done"] += 1
            phase["finished"] = True
        except Deadline:
            conn.commit()  # what the file in progress reached: it counts in the rate
            stopped = True
        phase["seconds"] = time.perf_counter() - phase_started
        phase["records"] = loader.processed[kind]
    return {"finished": not stopped, "time_limit": time_limit,
            "seconds": time.perf_counter() - started, "songs": phases["song"],
            "events": {**phases["log"], **extra}, "statements": loader.statements,
            "song_lookups": loader.song_lookups, "songs_found": loader.songs_found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_root", type=Path)
    parser.add_argument("--time-limit", type=float, default=0,
                        help="stop after this many seconds (0: no bound)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        with connect(load_settings()) as conn:
            # the tutorial's tables have no triggers: songplays' count triggers (they keep
            # user_song_plays, which the tutorial has not) would only slow it down
            conn.execute("ALTER TABLE public.songplays DISABLE TRIGGER USER")
            conn.commit()
            result = load(conn, args.data_root, args.time_limit or None)
    except SparkifyError as exc:
        print(f"rowbyrow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(result))
    else:
        state = "finished" if result["finished"] else "stopped at the time bound"
        print(f"{state} after {result['seconds']:.1f} s: {result['songs']['records']:,} songs, "
              f"{result['events']['records']:,} events, {result['statements']:,} statements, "
              f"{result['songs_found']:,} of {result['song_lookups']:,} song look-ups matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
