"""Load a data root into the star: diff against the manifest, COPY into staging, transform.

Each batch of files is one transaction: staging is filled by COPY, set-based SQL moves it into
the star, and the files' manifest rows are written with it. A crash leaves no half-loaded file;
a file whose size and mtime are those the manifest holds is not read again.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from . import schema
from .config import Settings
from .db import connect, ensure_database, read_sql
from .extract import (
    EVENT_COLUMNS,
    SONG_COLUMNS,
    FileStats,
    SourceFile,
    discover,
    file_sha256,
    parse_file,
    read_lines,
)

BATCH_BYTES = 64 << 20  # input per transaction: large enough to amortise, small enough to stay flat
BATCH_FILES = 5_000
LOCK_KEY = 0x5A_4B_1F_00  # pg_advisory_lock key held by the one load running on a database
DUPLICATE_REASON = "duplicate event: one with the same sessionId, itemInSession and ts is loaded"

Progress = Callable[[SourceFile], None]


@dataclass
class LoadResult:
    data_root: str
    files_loaded: int = 0
    files_skipped: int = 0
    songs: dict[str, int] = field(default_factory=lambda: {"read": 0, "loaded": 0, "rejected": 0})
    events: dict[str, int] = field(
        default_factory=lambda: {"read": 0, "song_plays": 0, "other_pages": 0, "rejected": 0})
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return self.songs["rejected"] + self.events["rejected"]

    def to_dict(self) -> dict:
        return {"tables": self.tables, "songs": self.songs, "events": self.events,
                "files": {"loaded": self.files_loaded, "skipped": self.files_skipped},
                "data_root": self.data_root, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Known:
    size: int
    mtime_ns: int
    sha256: str


def plan(files: list[SourceFile], known: dict[str, Known]) -> tuple[list[tuple[SourceFile, bool]],
                                                                  list[tuple[int, str]]]:
    """Files to (re)load with whether they replace an earlier version, and files merely touched.

    Size and mtime equal to the manifest's: unchanged, not read. Otherwise the content hash
    decides, so a `touch` costs a hash, not a reload.
    """
    todo: list[tuple[SourceFile, bool]] = []
    touched: list[tuple[int, str]] = []
    for source in files:
        before = known.get(str(source.path))
        if before is None:
            todo.append((source, False))
        elif before.size == source.size and before.mtime_ns == source.mtime_ns:
            continue
        elif before.size == source.size and file_sha256(source.path) == before.sha256:
            touched.append((source.mtime_ns, str(source.path)))
        else:
            todo.append((source, True))
    return todo, touched


def batches(todo: list[tuple[SourceFile, bool]]) -> Iterator[list[tuple[SourceFile, bool]]]:
    """Consecutive runs of one kind, cut by size and file count."""
    batch: list[tuple[SourceFile, bool]] = []
    size = 0
    for item in todo:
        if batch and (item[0].kind != batch[0][0].kind or size >= BATCH_BYTES
                      or len(batch) >= BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item[0].size
    if batch:
        yield batch


def load(settings: Settings, root: Path, full_refresh: bool = False,
         progress: Progress | None = None, on_plan: Callable[[int, int], None] | None = None,
         notify: Callable[[str], None] | None = None) -> LoadResult:
    """Load every new or changed file under `root`; report what happened."""
    started = time.perf_counter()
    notify = notify or (lambda message: print(message, file=sys.stderr))
    files = discover(root)
    result = LoadResult(data_root=str(root.resolve()))
    ensure_database(settings)
    with connect(settings, autocommit=True) as conn:
        schema.create_all(conn)
        _take_load_lock(conn, notify)
        if full_refresh:
            truncate_all(conn)
        todo, touched = plan(files, _known_files(conn))
        if touched:
            with conn.cursor() as cur:
                cur.executemany("UPDATE sparkify.manifest SET mtime_ns = %s WHERE path = %s",
                                touched)
        result.files_skipped = len(files) - len(todo)
        if on_plan:
            on_plan(len(todo), sum(source.size for source, _ in todo))
        for batch in batches(todo):
            _load_batch(conn, batch, result, progress)
            result.files_loaded += len(batch)
        result.tables = schema.row_counts(conn)
    result.seconds = time.perf_counter() - started
    return result


def truncate_all(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE public.songplays, public.events, public.users, public.songs, "
                 "public.artists, public.time, sparkify.rejects, sparkify.manifest "
                 "RESTART IDENTITY CASCADE")


def _take_load_lock(conn: psycopg.Connection, notify: Callable[[str], None]) -> None:
    """One load at a time per database: a second one waits for the first to finish."""
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
        notify("another load is running on this database; waiting for it to finish")
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])


def _known_files(conn: psycopg.Connection) -> dict[str, Known]:
    rows = conn.execute("SELECT path, size_bytes, mtime_ns, sha256 FROM sparkify.manifest")
    return {path: Known(size, mtime, sha) for path, size, mtime, sha in rows}


def _load_batch(conn: psycopg.Connection, batch: list[tuple[SourceFile, bool]],
                result: LoadResult, progress: Progress | None) -> None:
    kind = batch[0][0].kind
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("TRUNCATE staging.files, staging.songs, staging.events, staging.rejects, "
                    "staging.duplicates")
        stats = _stage_rows(cur, batch, kind, progress)
        with cur.copy("COPY staging.rejects (file_idx, line, raw, reason) FROM STDIN") as copy:
            for idx, file_stats in enumerate(stats):
                for line, raw, reason in file_stats.rejects:
                    copy.write_row((idx, line, raw, reason))
        with cur.copy("COPY staging.files (file_idx, path, kind, size_bytes, mtime_ns, sha256, "
                      "records_read, rejected, song_plays, other_pages, reloaded) "
                      "FROM STDIN") as copy:
            for idx, ((source, reloaded), s) in enumerate(zip(batch, stats, strict=True)):
                copy.write_row((idx, str(source.path), kind, source.size, source.mtime_ns,
                                s.sha256, s.read, s.rejected, s.song_plays, s.other_pages,
                                reloaded))
        cur.execute(read_sql("register_files"))
        reloading = any(reloaded for _, reloaded in batch)
        if reloading:
            cur.execute(read_sql("forget_files"))
        if kind == "song":
            cur.execute(read_sql("insert_artists"))
            cur.execute(read_sql("insert_songs"))
            cur.execute(read_sql("rematch_songplays"))
        else:
            staged = sum(s.song_plays + s.other_pages for s in stats)
            cur.execute(read_sql("insert_users"))
            cur.execute(read_sql("insert_time"))
            cur.execute(read_sql("insert_events"))
            if cur.rowcount < staged:
                _reject_duplicates(cur, batch, stats)
            cur.execute(read_sql("insert_songplays"))
        if reloading:
            cur.execute(read_sql("repair_after_reload"))
        cur.execute(read_sql("insert_rejects"))
    _add_totals(result, kind, stats)


def _stage_rows(cur: psycopg.Cursor, batch: list[tuple[SourceFile, bool]], kind: str,
                progress: Progress | None) -> list[FileStats]:
    table, columns = ("songs", SONG_COLUMNS) if kind == "song" else ("events", EVENT_COLUMNS)
    stats: list[FileStats] = []
    with cur.copy(f"COPY staging.{table} ({', '.join(columns)}) FROM STDIN") as copy:
        for idx, (source, _) in enumerate(batch):
            file_stats = FileStats()
            for row in parse_file(source, idx, file_stats):
                copy.write_row(row)
            stats.append(file_stats)
            if progress:
                progress(source)
    return stats


def _reject_duplicates(cur: psycopg.Cursor, batch: list[tuple[SourceFile, bool]],
                       stats: list[FileStats]) -> None:
    """Events skipped by ON CONFLICT become rejects of their file, with their raw line."""
    cur.execute(read_sql("find_duplicates"))
    duplicates = cur.execute(
        "SELECT file_idx, line, page FROM staging.duplicates ORDER BY file_idx, line").fetchall()
    wanted: dict[int, set[int]] = {}
    for idx, line, _ in duplicates:
        wanted.setdefault(idx, set()).add(line)
    raw = {idx: read_lines(batch[idx][0].path, lines) for idx, lines in wanted.items()}
    with cur.copy("COPY staging.rejects (file_idx, line, raw, reason) FROM STDIN") as copy:
        for idx, line, page in duplicates:
            copy.write_row((idx, line, raw[idx].get(line, ""), DUPLICATE_REASON))
            file_stats = stats[idx]
            file_stats.rejected += 1
            if page == "NextSong":
                file_stats.song_plays -= 1
            else:
                file_stats.other_pages -= 1
    cur.execute(read_sql("count_duplicates"))


def _add_totals(result: LoadResult, kind: str, stats: list[FileStats]) -> None:
    for s in stats:
        if kind == "song":
            result.songs["read"] += s.read
            result.songs["loaded"] += s.songs
            result.songs["rejected"] += s.rejected
        else:
            result.events["read"] += s.read
            result.events["song_plays"] += s.song_plays
            result.events["other_pages"] += s.other_pages
            result.events["rejected"] += s.rejected
