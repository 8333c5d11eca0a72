"""Stage a batch: parse its files and COPY their rows, rejects and counts into a staging slot.

Parsing is Python work and the transform is database work, so on two cores they should run at
once: `StagingWorker` stages the next batch in a second process, with its own connection,
while the loading process transforms the current one from the other slot.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import queue
from collections.abc import Callable

import psycopg
from psycopg import Copy, sql

from sparkify.config import Settings
from sparkify.core.records import EVENT_COLUMNS, SONG_COLUMNS, FileStats
from sparkify.core.tables import STAGING_FILE_COLUMNS, STAGING_REJECT_COLUMNS
from sparkify.errors import SparkifyError
from sparkify.postgres import liveness
from sparkify.postgres.db import connect, database_error
from sparkify.sources.extract import SourceFile, parse_file
from sparkify.sources.files import opened

Batch = list[tuple[SourceFile, bool]]  # (file, replaces an earlier version of it)
STAGING_TABLES = ("files", "songs", "events", "rejects", "duplicates")


def quiet_driver_warnings() -> None:
    """psycopg logs a warning when it cannot end a COPY on a connection already lost; the
    error that lost it is what the user is told, in one line, so that warning is not shown
    (Python would print it on stderr, having no handler for it)."""
    logging.getLogger("psycopg").addHandler(logging.NullHandler())


def _copy_statement(slot: str, table: str, columns: tuple[str, ...]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(slot, table), sql.SQL(", ").join(map(sql.Identifier, columns)))


REJECTS_HELD_MAX = 4 << 20  # bytes of rejected raw text held before it is copied out


class _RowCopy:
    """The COPY of a batch's rows, which can pause so that rejects are copied in between."""

    def __init__(self, cur: psycopg.Cursor, statement: sql.Composed) -> None:
        self._cur, self._statement = cur, statement
        self._context: contextlib.AbstractContextManager[Copy] | None = None
        self.copy: Copy | None = None

    def open(self) -> None:
        self._context = self._cur.copy(self._statement)
        self.copy = self._context.__enter__()

    def close(self, error: BaseException | None = None) -> None:
        """End the COPY: completed, or (with `error`) aborted."""
        if self._context is not None:
            context, self._context, self.copy = self._context, None, None
            context.__exit__(type(error) if error else None, error,
                             error.__traceback__ if error else None)


def _empty_slot(conn: psycopg.Connection, slot: str) -> None:
    """TRUNCATE gives an unlogged table new files; in a transaction of its own it commits at
    once. Inside the COPY's transaction, a crash of the server during the whole COPY would
    leave files that fail PostgreSQL's next start (recovery.UNLOGGED_RESET_FAILURE)."""
    with conn.transaction():
        conn.execute(sql.SQL("TRUNCATE {}").format(
            sql.SQL(", ").join(sql.Identifier(slot, t) for t in STAGING_TABLES)))


def stage_batch(conn: psycopg.Connection, slot: str, batch: Batch,
                progress: Callable[[SourceFile], None] | None = None) -> None:
    """Empty `slot`, then fill it with the batch (one transaction, committed on return).

    Memory stays flat whatever the input: rows stream into COPY, and rejects are copied out
    whenever those held pass REJECTS_HELD_MAX (the row COPY pauses meanwhile: one connection
    runs one COPY at a time).
    """
    kind = batch[0][0].kind
    table, columns = ("songs", SONG_COLUMNS) if kind == "song" else ("events", EVENT_COLUMNS)
    rejects_copy = _copy_statement(slot, "rejects", STAGING_REJECT_COLUMNS)
    _empty_slot(conn, slot)
    with conn.transaction(), conn.cursor() as cur:
        rows = _RowCopy(cur, _copy_statement(slot, table, columns))
        held: list[tuple[int, int, str, str, str]] = []
        held_bytes = 0

        def copy_rejects() -> None:
            nonlocal held_bytes
            with cur.copy(rejects_copy) as copy:
                for reject in held:
                    copy.write_row(reject)
            held.clear()
            held_bytes = 0

        stats: list[FileStats] = []
        rows.open()
        files = opened(source for source, _ in batch)  # objects fetched ahead
        try:
            for idx, (source, handle) in enumerate(files):
                def rejected(line: int, raw: str, reason: str, code: str,
                             idx: int = idx) -> None:
                    nonlocal held_bytes
                    held.append((idx, line, raw, reason, code))
                    held_bytes += len(raw) + len(reason)
                    if held_bytes > REJECTS_HELD_MAX:
                        rows.close()
                        copy_rejects()
                        rows.open()

                file_stats = FileStats()
                for row in parse_file(source, idx, file_stats, rejected, handle):
                    # open here: only `rejected` closes it, and it opens it again
                    rows.copy.write_row(row)  # type: ignore[union-attr]
                stats.append(file_stats)
                if progress:
                    progress(source)
        except BaseException as error:
            files.close()  # stops the fetches ahead
            rows.close(error)
            raise
        rows.close()
        copy_rejects()
        _copy_files(cur, slot, kind, batch, stats)
        # Statistics of this batch, not of whatever the table held when last analyzed: the
        # transform's joins are planned from them (autovacuum is off on staging).
        cur.execute(sql.SQL("ANALYZE {}, {}").format(sql.Identifier(slot, table),
                                                     sql.Identifier(slot, "files")))


def _copy_files(cur: psycopg.Cursor, slot: str, kind: str, batch: Batch,
                stats: list[FileStats]) -> None:
    """The batch's files, each with what became of its records, into the slot's files table."""
    with cur.copy(_copy_statement(slot, "files", STAGING_FILE_COLUMNS)) as copy:
        for idx, ((source, reloaded), s) in enumerate(zip(batch, stats, strict=True)):
            copy.write_row((idx, source.key, kind, source.size, source.mtime_ns, source.etag,
                            s.sha256, s.read, s.rejected, s.song_plays, s.other_pages, reloaded))


def _next_job(jobs):
    """The next job, or None once the loading process has gone (killed, say): never linger."""
    parent = mp.parent_process()
    while True:
        try:
            return jobs.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None


def _worker_main(settings: Settings, jobs, results) -> None:
    """Second process: stage each (slot, batch) job; report progress, completion or error."""
    quiet_driver_warnings()
    try:
        with connect(settings, autocommit=True) as conn:
            while (job := _next_job(jobs)) is not None:
                slot, batch = job
                stage_batch(conn, slot, batch,
                            progress=lambda source: results.put(("file", source)))
                results.put(("staged", slot))
                job = batch = None  # not held while the next batch arrives
    except SparkifyError as exc:
        results.put(("error", str(exc)))
    except psycopg.Error as exc:  # the server named, whichever process saw it go first
        results.put(("error", liveness.stalled() or str(
            database_error(exc, lambda: settings, "while staging"))))
    except Exception as exc:  # noqa: BLE001 - reported by the parent as one line
        results.put(("error", f"staging failed: {type(exc).__name__}: {exc}"))


class StagingWorker:
    """A second process that stages batches while this one transforms."""

    def __init__(self, settings: Settings, progress: Callable[[SourceFile], None] | None) -> None:
        # spawn, not fork: a forked child would share this process's open connection
        context = mp.get_context("spawn")
        self._jobs = context.Queue()
        self._results = context.Queue()
        self._progress = progress
        self._process = context.Process(target=_worker_main,
                                        args=(settings, self._jobs, self._results), daemon=True)
        self._process.start()

    def submit(self, slot: str, batch: Batch) -> None:
        self._jobs.put((slot, batch))

    def wait(self, slot: str) -> None:
        """Block until `slot` is staged; pass progress on; raise a worker error as one line."""
        while True:
            try:
                kind, value = self._results.get(timeout=1.0)
            except queue.Empty:
                if not self._process.is_alive():
                    raise SparkifyError("the staging process died unexpectedly") from None
                continue
            if kind == "file":
                if self._progress:
                    self._progress(value)
            elif kind == "staged" and value == slot:
                return
            elif kind == "error":
                raise SparkifyError(value)

    def close(self) -> None:
        if self._process.is_alive():
            self._jobs.put(None)
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
