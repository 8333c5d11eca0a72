"""The files a load would read now: the manifest's diff, without loading anything.

It is the loader's own plan (plan.py), made in a transaction that is then rolled back, so it
names exactly the files `load` would read (a touched file whose content hash is the
manifest's is not among them) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparkify.config import Settings
from sparkify.postgres import schema
from sparkify.postgres.db import DatabaseMissing, connect
from sparkify.postgres.load.plan import LoadOptions, plan
from sparkify.sources.days import log_day
from sparkify.sources.files import Root, find_sources


@dataclass(frozen=True)
class PendingFile:
    """A new or changed file: its manifest key, kind, size and version, and for a log file
    the day its name carries (None: a song file, or a log file named for no day)."""

    key: str
    kind: str
    size: int
    version: str  # an object's ETag, else the file's mtime in ns
    day: str | None

    @property
    def identity(self) -> str:
        """Key, size and version: another identity means another content to load."""
        return f"{self.key}\0{self.size}\0{self.version}"


def pending_files(settings: Settings, root: Root,
                  options: LoadOptions | None = None) -> list[PendingFile]:
    """Every file under `root` that a load with `options` would (re)load now, in load order."""
    options = options or LoadOptions()
    try:
        conn = connect(settings)
    except DatabaseMissing:
        return _everything(root, options)
    with conn:
        if not schema.is_created(conn):
            return _everything(root, options)
        try:
            plan(conn, root, options)
            rows = conn.execute("SELECT path, kind, size_bytes, mtime_ns, etag FROM todo "
                                "ORDER BY ord").fetchall()
        finally:
            conn.rollback()  # the plan's re-stamping of touched files is the load's to do
    return [_pending(*row) for row in rows]


def _everything(root: Root, options: LoadOptions) -> list[PendingFile]:
    """No warehouse yet: every (selected) file is new."""
    return [_pending(key, kind, size, mtime_ns, etag)
            for key, kind, size, mtime_ns, etag in find_sources(root)
            if options.select is None or options.select(key, kind)]


def _pending(key: str, kind: str, size: int, mtime_ns: int, etag: str | None) -> PendingFile:
    return PendingFile(key, kind, int(size), etag if etag is not None else str(mtime_ns),
                       log_day(key) if kind == "log" else None)
