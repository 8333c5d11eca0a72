"""Load a data root into the star: diff against the manifest, COPY into staging, transform.

Each batch of files is one transaction: staging is filled by COPY, set-based SQL moves it into
the star, and the files' manifest rows are written with it. A crash leaves no half-loaded file;
a file whose size and mtime are those the manifest holds is not read again.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from . import schema
from .config import Settings
from .db import connect, ensure_database, read_sql
from .errors import SparkifyError
from .extract import SourceFile, file_sha256, find_sources, read_lines
from .records import DUPLICATE_REASON, RejectCode
from .schema import STAGING_SLOTS, slot_sql
from .stage import Batch, StagingWorker, stage_batch
from .tables import truncate_statement

BATCH_BYTES = 32 << 20  # input per transaction: large enough to amortise, small enough to pipeline
BATCH_FILES = 2_500
ANALYTICS_INDEXES = "views/analytics_indexes"  # built after a bulk load, not row by row
PARALLEL_BYTES = 24 << 20  # below this much input, staging in a second process does not pay
# Memory an index build may sort in, per connection, on the server: the analytics indexes,
# and user_song_plays' key and rank index, which its recount builds.
SORT_MEMORY = "SET maintenance_work_mem = '512MB'"
LOCK_KEY = 0x5A_4B_1F_00  # pg_advisory_lock key held by the one load running on a database

Progress = Callable[[SourceFile], None]


@dataclass(frozen=True)
class LoadOptions:
    """How a load cuts its work; the defaults are the measured ones (bench/RESULTS.md)."""

    batch_bytes: int = BATCH_BYTES  # input per transaction
    batch_files: int = BATCH_FILES  # files per transaction
    parallel_bytes: int = PARALLEL_BYTES  # from this much input on: bulk, and a second process


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


@dataclass
class Plan:
    """What a load will do: the files found, and those to (re)load in how many batches."""

    found: int = 0
    files: int = 0
    bytes: int = 0
    batches: int = 0


def plan(conn: psycopg.Connection, root: Path, options: LoadOptions = LoadOptions()) -> Plan:
    """List the files under `root` in temporary tables, compare them with the manifest, and
    cut those to load into batches (table `todo`).

    Size and mtime equal to the manifest's: unchanged, not read. Otherwise the content hash
    decides, so a `touch` costs a hash, not a reload.
    """
    sources = find_sources(root)  # a wrong root fails here, before anything is written
    conn.execute(read_sql("plan_create"))
    with conn.cursor() as cur:
        with cur.copy("COPY found (ord, path, kind, size_bytes, mtime_ns) FROM STDIN") as copy:
            for ord_, (path, kind, size, mtime_ns) in enumerate(sources):
                copy.write_row((ord_, path, kind, size, mtime_ns))
        touched = [(mtime_ns, path) for path, mtime_ns, sha256
                   in cur.execute(read_sql("plan_touched")).fetchall()
                   if file_sha256(Path(path)) == sha256]
        if touched:
            cur.executemany("UPDATE sparkify.manifest SET mtime_ns = %s WHERE path = %s",
                            touched)
        cut_batches(conn, options=options)
        found = cur.execute("SELECT count(*) FROM found").fetchone()[0]
        files, size, count = cur.execute(
            "SELECT count(*), coalesce(sum(size_bytes), 0), coalesce(max(batch), 0) FROM todo"
        ).fetchone()
    return Plan(found=found, files=files, bytes=int(size), batches=count)


def fetch_batch(conn: psycopg.Connection, number: int) -> Batch:
    """Batch `number` (1-based) of the plan: its files in path order."""
    rows = conn.execute("SELECT path, kind, size_bytes, mtime_ns, reloaded FROM todo "
                        "WHERE batch = %s ORDER BY ord", [number]).fetchall()
    return [(SourceFile(Path(path), kind, size, mtime_ns), reloaded)
            for path, kind, size, mtime_ns, reloaded in rows]


def cut_batches(conn: psycopg.Connection, paths: list[str] | None = None,
                options: LoadOptions = LoadOptions()) -> int:
    """Fill `todo` with the files to load, in batches; return how many batches.

    Without `paths`: the found files new or changed since the manifest. With: those found files.
    """
    conn.execute("DELETE FROM todo")
    conn.execute(read_sql("plan_todo"), {"batch_bytes": options.batch_bytes,
                                         "batch_files": options.batch_files, "paths": paths})
    return conn.execute("SELECT coalesce(max(batch), 0) FROM todo").fetchone()[0]


def load(settings: Settings, root: Path, full_refresh: bool = False,
         progress: Progress | None = None, on_plan: Callable[[int, int], None] | None = None,
         notify: Callable[[str], None] | None = None, parallel: bool | None = None,
         options: LoadOptions | None = None) -> LoadResult:
    """Load every new or changed file under `root`; report what happened.

    `parallel`: stage in a second process (default: for several batches of real size).
    """
    started = time.perf_counter()
    options = options or LoadOptions()
    notify = notify or (lambda message: print(message, file=sys.stderr))
    find_sources(root)  # a wrong root is reported before the database is touched
    result = LoadResult(data_root=str(root.resolve()))
    ensure_database(settings)
    with connect(settings, autocommit=True) as conn:
        _take_load_lock(conn, notify)  # first: two loads must not create the tables at once
        if schema.is_created(conn):
            schema.create_tables(conn)  # adds what a newer version defines; views stay as they are
        else:
            schema.create_all(conn)
        conn.execute("SET work_mem = '256MB'")  # the batch's sorts and hashes stay in memory
        verify_references = _skip_reference_triggers(conn)
        if full_refresh:
            truncate_all(conn)
        work = plan(conn, root, options)
        result.files_skipped = work.found - work.files
        if on_plan:
            on_plan(work.files, work.bytes)
        bulk = _is_bulk(conn, work, options)
        build_indexes = bulk or _analytics_indexes_missing(conn)  # missing: a load cut short
        if bulk:
            _drop_analytics_indexes(conn)
        recount = bulk or _play_counts_paused(conn)
        if bulk:
            conn.execute("SELECT sparkify.pause_user_song_plays()")
        if parallel is None:  # a second process costs about a second to start: worth it when big
            parallel = work.batches > 1 and work.bytes >= options.parallel_bytes
        try:
            if parallel:
                _load_pipelined(settings, conn, work, result, progress, verify_references)
            else:
                for number in range(1, work.batches + 1):
                    _load_in_turn(conn, fetch_batch(conn, number), result, progress,
                                  verify_references)
            if conn.execute("SELECT bool_or(reloaded) FROM todo").fetchone()[0]:
                _restore_orphaned_duplicates(conn, result, verify_references, options)
        except BaseException:
            # Committed batches keep their indexes and counts; the error the user needs is the
            # one that stopped the load, not one of finishing on a connection it broke.
            with contextlib.suppress(Exception):
                _finish(settings, conn, recount=recount, build_indexes=build_indexes)
            raise
        _finish(settings, conn, recount=recount, build_indexes=build_indexes)
        result.tables = schema.row_counts(conn)
    result.seconds = time.perf_counter() - started
    return result


def _finish(settings: Settings, conn: psycopg.Connection, recount: bool,
            build_indexes: bool) -> None:
    """Recount user_song_plays and build the analytics indexes, side by side when both.

    The recount is an INSERT ... SELECT, which PostgreSQL runs without parallel workers, and
    by now the parsing is over: the indexes are built on a second connection while this one
    recounts (at K=1000: 64 s one after the other, 52 s side by side). The recount's last step,
    enabling songplays' triggers, waits for the songplays index being built; the builds need
    nothing the recount holds, so the two cannot deadlock.
    """
    if conn.closed:  # cut off (a second Ctrl-C, the server gone): the next load finishes
        return
    conn.execute(SORT_MEMORY)
    statements = sql_statements(read_sql(ANALYTICS_INDEXES)) if build_indexes else []
    builder = _Background(settings, statements) if statements and recount else None
    try:
        if recount:  # a scan of songplays, whose analytics indexes are not there to tempt the planner
            with conn.transaction():
                conn.execute("SELECT sparkify.recount_user_song_plays()")
        if builder is not None:
            builder.join()
    except BaseException:
        if builder is not None:
            builder.stop()
        raise
    if builder is not None and builder.connected:
        if builder.error is not None:
            raise builder.error
    elif statements:  # one connection only, or no second to be had (max_connections, say)
        for statement in statements:
            conn.execute(statement)


def sql_statements(text: str) -> list[str]:
    """The statements of a .sql file with no semicolon inside a statement (no function bodies)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


class _Background(threading.Thread):
    """Statements run one by one on their own connection while the caller goes on.

    The thread only waits for the server, so the GIL costs nothing here.
    """

    def __init__(self, settings: Settings, statements: list[str]) -> None:
        super().__init__(daemon=True)
        self.settings, self.statements = settings, statements
        self.error: BaseException | None = None
        self.connected = False
        self._conn: psycopg.Connection | None = None
        self._stopping = threading.Event()
        self.start()

    def run(self) -> None:
        try:
            with connect(self.settings, autocommit=True) as conn:
                self._conn, self.connected = conn, True
                conn.execute(SORT_MEMORY)
                for statement in self.statements:
                    if self._stopping.is_set():
                        return
                    conn.execute(statement)
        except BaseException as exc:  # noqa: BLE001 - every error is the caller's to raise
            self.error = None if self._stopping.is_set() else exc

    def stop(self, patience: float = 60.0) -> None:
        """Cancel the statement running and wait for the thread to end (within `patience`).

        Cancels again while the thread lives: one sent just before a statement starts is lost.
        """
        self._stopping.set()
        deadline = time.monotonic() + patience
        while self.is_alive() and time.monotonic() < deadline:
            if self._conn is not None:
                with contextlib.suppress(Exception):  # a server that is gone cannot be told
                    self._conn.cancel_safe(timeout=5)
            self.join(0.5)


def _analytics_index_names() -> list[str]:
    return re.findall(r"CREATE INDEX IF NOT EXISTS\s+([\w.]+)", read_sql(ANALYTICS_INDEXES))


def _analytics_indexes_missing(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT bool_or(to_regclass(name) IS NULL) FROM unnest(%s::text[]) name",
                        [_analytics_index_names()]).fetchone()[0]


def _is_bulk(conn: psycopg.Connection, work: Plan, options: LoadOptions) -> bool:
    """A load at least as big as what is loaded already (and big at all): a first load, say."""
    incoming = work.bytes
    loaded = conn.execute("SELECT coalesce(sum(size_bytes), 0) FROM sparkify.manifest").fetchone()
    return incoming >= options.parallel_bytes and incoming >= loaded[0]


def _play_counts_paused(conn: psycopg.Connection) -> bool:
    """user_song_plays' triggers left paused by a bulk load that did not finish."""
    return conn.execute(read_sql("play_counts_paused")).fetchone()[0]


def _drop_analytics_indexes(conn: psycopg.Connection) -> None:
    """Drop the indexes only the analytics need, to build them once after a bulk load.

    Kept up row by row, they cost a bulk load more than building them afresh from sorted
    input. Meanwhile the views still answer, only slower. Constraint indexes stay.
    """
    for name in _analytics_index_names():
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(
            sql.Identifier(*name.split("."))))


def _load_in_turn(conn: psycopg.Connection, batch: Batch, result: LoadResult,
                  progress: Progress | None, verify_references: bool) -> None:
    stage_batch(conn, STAGING_SLOTS[0], batch, progress)
    _transform(conn, STAGING_SLOTS[0], batch, result, verify_references)


def _restore_orphaned_duplicates(conn: psycopg.Connection, result: LoadResult,
                                 verify_references: bool, options: LoadOptions) -> None:
    """A reloaded file may have dropped the original of an event another file repeats (and
    had rejected as a duplicate): reload those other files so that the event comes back."""
    for _ in range(3):  # each round can only orphan duplicates of the files it reloads
        paths = [row[0] for row in conn.execute(read_sql("orphaned_duplicates"))]
        count = cut_batches(conn, paths, options) if paths else 0
        if not count:
            return
        for number in range(1, count + 1):
            batch = fetch_batch(conn, number)
            _load_in_turn(conn, batch, result, None, verify_references)
            result.files_skipped -= len(batch)  # unchanged, yet loaded again


def _load_pipelined(settings: Settings, conn: psycopg.Connection, work: Plan,
                    result: LoadResult, progress: Progress | None,
                    verify_references: bool) -> None:
    """Batch k+1 is parsed and staged by a second process while batch k is transformed."""
    worker = StagingWorker(settings, progress)
    slots = len(STAGING_SLOTS)
    try:
        staged = {}  # batch number -> files, for the batches submitted and not transformed
        for number in range(1, min(slots, work.batches) + 1):
            staged[number] = fetch_batch(conn, number)
            worker.submit(STAGING_SLOTS[number - 1], staged[number])
        for number in range(1, work.batches + 1):
            slot = STAGING_SLOTS[(number - 1) % slots]
            worker.wait(slot)
            _transform(conn, slot, staged.pop(number), result, verify_references)
            if number + slots <= work.batches:
                staged[number + slots] = fetch_batch(conn, number + slots)
                worker.submit(slot, staged[number + slots])
    finally:
        worker.close()


def truncate_all(conn: psycopg.Connection) -> None:
    conn.execute(truncate_statement())


def _take_load_lock(conn: psycopg.Connection, notify: Callable[[str], None]) -> None:
    """One load at a time per database: a second one waits for the first to finish."""
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
        notify("another load is running on this database; waiting for it to finish")
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])


def _skip_reference_triggers(conn: psycopg.Connection) -> bool:
    """Check foreign keys set-based per batch (verify_batch_keys.sql), not by a trigger per row.

    The per-row triggers cost more than the rest of the insert. Turning them off needs a role
    allowed to set session_replication_role (a superuser, as on the embedded server);
    elsewhere they stay on and the set-based check is skipped.
    """
    try:
        conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def _transform(conn: psycopg.Connection, slot: str, batch: Batch, result: LoadResult,
               verify_references: bool) -> None:
    """Move a staged batch into the star with its manifest rows, in one transaction."""
    kind = batch[0][0].kind

    def run(name: str) -> psycopg.Cursor:
        return cur.execute(slot_sql(read_sql(name), slot))

    with conn.transaction(), conn.cursor() as cur:
        run("register_files")
        reloading = any(reloaded for _, reloaded in batch)
        if reloading:
            run("forget_files")
        if kind == "song":
            run("insert_artists")
            run("insert_songs")
            run("rematch_songplays")
        duplicates = ties = False
        if kind == "log":
            staged = cur.execute(slot_sql(
                "SELECT sum(song_plays + other_pages) FROM staging.files", slot)).fetchone()[0]
            ties = _last_rowcount(run("find_user_ties")) > 0
            run("insert_users")
            run("insert_time")
            duplicates = run("insert_events").rowcount < staged
            if duplicates:
                _reject_duplicates(cur, slot, batch, run)
            run("insert_songplays")
        if reloading or duplicates or ties:
            run("refresh_users")
        if reloading:
            run("repair_after_reload")
        run("insert_rejects")
        if verify_references:
            broken = run("verify_batch_keys").fetchone()[0]
            if broken:
                raise SparkifyError(f"{broken} rows of the batch starting with {batch[0][0].path} "
                                    "reference missing dimension rows; nothing of it was loaded")
        _add_totals(result, kind, run("batch_totals").fetchone())


def _last_rowcount(cur: psycopg.Cursor) -> int:
    """Rows of the last statement of several run at once (the cursor starts at the first)."""
    while cur.nextset():
        pass
    return cur.rowcount


def _reject_duplicates(cur: psycopg.Cursor, slot: str, batch: Batch, run) -> None:
    """Events skipped by ON CONFLICT become rejects of their file, with their raw line."""
    run("find_duplicates")
    duplicates = cur.execute(slot_sql(
        "SELECT file_idx, line FROM staging.duplicates ORDER BY file_idx, line", slot)).fetchall()
    wanted: dict[int, set[int]] = {}
    for idx, line in duplicates:
        wanted.setdefault(idx, set()).add(line)
    raw = {idx: read_lines(batch[idx][0].path, lines) for idx, lines in wanted.items()}
    copy_sql = slot_sql("COPY staging.rejects (file_idx, line, raw, reason, reason_code) "
                        "FROM STDIN", slot)
    with cur.copy(copy_sql) as copy:
        for idx, line in duplicates:
            copy.write_row((idx, line, raw[idx].get(line, ""), DUPLICATE_REASON,
                            RejectCode.DUPLICATE.value))
    run("count_duplicates")


def _add_totals(result: LoadResult, kind: str, totals: tuple) -> None:
    read, loaded, song_plays, other_pages, rejected, files = totals
    result.files_loaded += files
    if kind == "song":
        result.songs["read"] += read
        result.songs["loaded"] += loaded
        result.songs["rejected"] += rejected
    else:
        result.events["read"] += read
        result.events["song_plays"] += song_plays
        result.events["other_pages"] += other_pages
        result.events["rejected"] += rejected
