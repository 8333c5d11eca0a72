"""Plan a load in the database: the files found are compared with the manifest and cut into
batches there (table `todo`), so the loader's memory does not grow with the number of files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from sparkify.core.sqltext import read_sql
from sparkify.postgres.db import one
from sparkify.postgres.load.stage import Batch
from sparkify.sources.files import Root, SourceFile, file_sha256, find_sources

BATCH_BYTES = 32 << 20  # input per transaction: large enough to amortise, small enough to pipeline
BATCH_FILES = 2_500
PARALLEL_BYTES = 24 << 20  # below this much input, staging in a second process does not pay


@dataclass(frozen=True)
class LoadOptions:
    """How a load cuts its work; the defaults are the measured ones (bench/RESULTS.md)."""

    batch_bytes: int = BATCH_BYTES  # input per transaction
    batch_files: int = BATCH_FILES  # files per transaction
    parallel_bytes: int = PARALLEL_BYTES  # from this much input on: bulk, and a second process
    # Which files found this load may (re)load, by (key, kind); None: all. Every file is still
    # listed, so a reload's orphaned duplicates are found in files outside the selection too.
    select: Callable[[str, str], bool] | None = None


@dataclass
class Plan:
    """What a load will do: the files found, and those to (re)load in how many batches."""

    found: int = 0
    files: int = 0
    bytes: int = 0
    batches: int = 0


def plan(conn: psycopg.Connection, root: Root, options: LoadOptions = LoadOptions()) -> Plan:
    """List the files (or objects) under `root` in temporary tables, compare them with the
    manifest, and cut those to load into batches (table `todo`).

    Size and version (a file's mtime, an object's ETag) equal to the manifest's: unchanged,
    not read. A local file of the same size and another mtime: the content hash decides, so
    a `touch` costs a hash, not a reload.
    """
    sources = find_sources(root)  # a wrong root fails here, before anything is written
    conn.execute(read_sql("plan_create"))
    with conn.cursor() as cur:
        with cur.copy("COPY found (ord, path, kind, size_bytes, mtime_ns, etag, selected) "
                      "FROM STDIN") as copy:
            for ord_, (key, kind, size, mtime_ns, etag) in enumerate(sources):
                selected = options.select is None or options.select(key, kind)
                copy.write_row((ord_, key, kind, size, mtime_ns, etag, selected))
        touched = [(mtime_ns, etag, key) for key, mtime_ns, etag, sha256
                   in cur.execute(read_sql("plan_touched")).fetchall()
                   if file_sha256(key) == sha256]
        if touched:
            cur.executemany("UPDATE sparkify.manifest SET mtime_ns = %s, etag = %s "
                            "WHERE path = %s", touched)
        cut_batches(conn, options=options)
        found = one(cur.execute("SELECT count(*) FROM found"))[0]
        files, size, count = one(cur.execute(
            "SELECT count(*), coalesce(sum(size_bytes), 0), coalesce(max(batch), 0) FROM todo"
        ))
    return Plan(found=found, files=files, bytes=int(size), batches=count)


def fetch_batch(conn: psycopg.Connection, number: int) -> Batch:
    """Batch `number` (1-based) of the plan: its files in path order."""
    rows = conn.execute("SELECT path, kind, size_bytes, mtime_ns, etag, reloaded FROM todo "
                        "WHERE batch = %s ORDER BY ord", [number]).fetchall()
    return [(SourceFile(key, kind, size, mtime_ns, etag), reloaded)
            for key, kind, size, mtime_ns, etag, reloaded in rows]


def cut_batches(conn: psycopg.Connection, paths: list[str] | None = None,
                options: LoadOptions = LoadOptions()) -> int:
    """Fill `todo` with the files to load, in batches; return how many batches.

    Without `paths`: the found files new or changed since the manifest. With: those found files.
    """
    conn.execute("DELETE FROM todo")
    conn.execute(read_sql("plan_todo"), {"batch_bytes": options.batch_bytes,
                                         "batch_files": options.batch_files, "paths": paths})
    return one(conn.execute("SELECT coalesce(max(batch), 0) FROM todo"))[0]
