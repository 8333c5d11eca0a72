"""Load a data root into the star: diff against the manifest, COPY into staging, transform.

Each batch of files is one transaction: staging is filled by COPY, set-based SQL moves it into
the star, and the files' manifest rows are written with it. A crash leaves no half-loaded file;
a file whose size and mtime are those the manifest holds is not read again.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

import psycopg

from sparkify.config import Settings
from sparkify.core.result import LoadResult
from sparkify.core.sqltext import read_sql
from sparkify.postgres import schema
from sparkify.postgres.db import one, skip_reference_triggers
from sparkify.postgres.load.finish import (
    analytics_indexes_missing,
    finish,
    play_counts_paused,
)
from sparkify.postgres.load.plan import (
    BATCH_BYTES,
    BATCH_FILES,
    PARALLEL_BYTES,
    LoadOptions,
    Plan,
    cut_batches,
    fetch_batch,
    plan,
)
from sparkify.postgres.load.stage import Batch, StagingWorker, stage_batch
from sparkify.postgres.load.transform import BatchTotals, transform_batch
from sparkify.postgres.schema import STAGING_SLOTS
from sparkify.postgres.writing import pause_upkeep, truncate_all, writing
from sparkify.sources.files import Root, SourceFile, describe_root, find_sources

__all__ = ["BATCH_BYTES", "BATCH_FILES", "PARALLEL_BYTES", "LoadOptions", "LoadResult", "Plan",
           "load", "plan"]


Progress = Callable[[SourceFile], None]


def load(settings: Settings, root: Root, full_refresh: bool = False,
         progress: Progress | None = None, on_plan: Callable[[int, int], None] | None = None,
         notify: Callable[[str], None] | None = None, parallel: bool | None = None,
         options: LoadOptions | None = None) -> LoadResult:
    """Load every new or changed file under `root` (a folder or a URL); report what happened.

    `parallel`: stage in a second process (default: for several batches of real size).
    """
    started = time.perf_counter()
    options = options or LoadOptions()
    notify = notify or (lambda message: print(message, file=sys.stderr))
    find_sources(root)  # a wrong root is reported before the database is touched
    result = LoadResult(data_root=describe_root(root))
    with writing(settings, autocommit=True, notify=notify) as conn:
        conn.execute("SET work_mem = '256MB'")  # the batch's sorts and hashes stay in memory
        verify_references = skip_reference_triggers(conn)
        if full_refresh:
            truncate_all(conn)
        work = plan(conn, root, options)
        result.files_skipped = work.found - work.files
        if on_plan:
            on_plan(work.files, work.bytes)
        bulk = _is_bulk(conn, work, options)
        build_indexes = bulk or analytics_indexes_missing(conn)  # missing: a load cut short
        recount = bulk or play_counts_paused(conn)
        if bulk:
            pause_upkeep(conn)
        if parallel is None:  # a second process costs about a second to start: worth it when big
            parallel = work.batches > 1 and work.bytes >= options.parallel_bytes
        try:
            if parallel:
                _load_pipelined(settings, conn, work, result, progress, verify_references)
            else:
                for number in range(1, work.batches + 1):
                    _load_in_turn(conn, fetch_batch(conn, number), result, progress,
                                  verify_references)
            if one(conn.execute("SELECT bool_or(reloaded) FROM todo"))[0]:
                _restore_orphaned_duplicates(conn, result, verify_references, options)
        except BaseException:
            # Committed batches keep their indexes and counts; the error the user needs is the
            # one that stopped the load, not one of finishing on a connection it broke.
            with contextlib.suppress(Exception):
                finish(settings, conn, recount=recount, build_indexes=build_indexes)
            raise
        finish(settings, conn, recount=recount, build_indexes=build_indexes)
        result.tables = schema.row_counts(conn)
    result.seconds = time.perf_counter() - started
    return result


def _is_bulk(conn: psycopg.Connection, work: Plan, options: LoadOptions) -> bool:
    """A load at least as big as what is loaded already (and big at all): a first load, say."""
    incoming = work.bytes
    loaded = one(conn.execute("SELECT coalesce(sum(size_bytes), 0) FROM sparkify.manifest"))
    return incoming >= options.parallel_bytes and incoming >= loaded[0]


def _load_in_turn(conn: psycopg.Connection, batch: Batch, result: LoadResult,
                  progress: Progress | None, verify_references: bool) -> None:
    stage_batch(conn, STAGING_SLOTS[0], batch, progress)
    _transform(conn, STAGING_SLOTS[0], batch, result, verify_references)


def _transform(conn: psycopg.Connection, slot: str, batch: Batch, result: LoadResult,
               verify_references: bool) -> None:
    _add_totals(result, batch[0][0].kind, transform_batch(conn, slot, batch, verify_references))


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


def _add_totals(result: LoadResult, kind: str, totals: BatchTotals) -> None:
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
