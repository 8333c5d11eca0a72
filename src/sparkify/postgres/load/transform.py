"""Move a staged batch into the star: the statement files of sql/, in order, in one transaction.

The steps are data (STEPS): which file, for which kind of batch, and when. A step may raise a
flag that a later step waits for (a tie among a user's latest events, a duplicate event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from sparkify.core.names import repair_all
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import STAGING_REJECT_COLUMNS
from sparkify.errors import SparkifyError
from sparkify.postgres.db import one
from sparkify.postgres.load.stage import Batch
from sparkify.postgres.schema import slot_sql
from sparkify.sources.extract import duplicate_rejects

# (records read, loaded, song plays, other pages, rejected, files) of a batch: batch_totals.sql
BatchTotals = tuple[int, int, int, int, int, int]


@dataclass
class _Run:
    """One batch's transform under way: its cursor, slot and the flags raised so far."""

    cur: psycopg.Cursor
    slot: str
    batch: Batch
    flags: set[str] = field(default_factory=set)

    def sql(self, name: str) -> psycopg.Cursor:
        return self.cur.execute(slot_sql(read_sql(name), self.slot))

    def scalar(self, text: str) -> int:
        row = self.cur.execute(slot_sql(text, self.slot)).fetchone()
        return int(row[0] or 0) if row else 0


@dataclass(frozen=True)
class Step:
    """Run sql/<file>.sql for batches of `kind` (None: both), when flag `when` is raised
    (None: always); then `after(run, cursor)`, which may raise flags."""

    file: str
    kind: str | None = None
    when: str | None = None
    after: Callable[[_Run, psycopg.Cursor], None] | None = None


def _found_ties(run: _Run, cur: psycopg.Cursor) -> None:
    while cur.nextset():  # the file's last statement (the INSERT) holds the count
        pass
    if cur.rowcount > 0:
        run.flags.add("refresh_users")


def _found_duplicates(run: _Run, cur: psycopg.Cursor) -> None:
    """Events skipped by ON CONFLICT become rejects of their file, with their raw line."""
    if cur.rowcount >= run.scalar("SELECT sum(song_plays + other_pages) FROM staging.files"):
        return
    run.flags |= {"duplicates", "refresh_users"}
    run.sql("find_duplicates")
    duplicates = run.cur.execute(slot_sql(
        "SELECT file_idx, line FROM staging.duplicates ORDER BY file_idx, line", run.slot)
    ).fetchall()
    rows = duplicate_rejects(duplicates, lambda idx: run.batch[idx][0].key)
    copy_sql = slot_sql(f"COPY staging.rejects ({', '.join(STAGING_REJECT_COLUMNS)}) "
                        "FROM STDIN", run.slot)
    with run.cur.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)
    run.sql("count_duplicates")


def _add_names(run: _Run, cur: psycopg.Cursor) -> None:
    """The batch's new names, repaired here (core/names.py), into sparkify.names."""
    fresh = [row[0] for row in cur.fetchall()]
    if fresh:
        with run.cur.copy("COPY sparkify.names (verbatim, repaired) FROM STDIN") as copy:
            for row in repair_all(fresh):
                copy.write_row(row)


STEPS: tuple[Step, ...] = (
    Step("register_files"),
    Step("new_names", after=_add_names),
    Step("forget_files", when="reloading"),
    Step("insert_artists", kind="song"),
    Step("insert_songs", kind="song"),
    Step("rematch_songplays", kind="song"),
    Step("find_user_ties", kind="log", after=_found_ties),
    Step("insert_users", kind="log"),
    Step("insert_time", kind="log"),
    Step("insert_events", kind="log", after=_found_duplicates),
    Step("insert_songplays", kind="log"),
    Step("refresh_users", when="refresh_users"),
    Step("repair_after_reload", when="reloading"),
    Step("insert_rejects"),
)


def transform_batch(conn: psycopg.Connection, slot: str, batch: Batch,
                    verify_references: bool) -> BatchTotals:
    """Move a staged batch into the star with its manifest rows, in one transaction."""
    kind = batch[0][0].kind
    with conn.transaction(), conn.cursor() as cur:
        run = _Run(cur, slot, batch)
        if any(reloaded for _, reloaded in batch):
            run.flags |= {"reloading", "refresh_users"}
        for step in STEPS:
            if step.kind in (None, kind) and (step.when is None or step.when in run.flags):
                result = run.sql(step.file)
                if step.after is not None:
                    step.after(run, result)
        if verify_references:
            broken = run.sql("verify_batch_keys").fetchone()
            if broken and broken[0]:
                raise SparkifyError(f"{broken[0]} rows of the batch starting with "
                                    f"{batch[0][0].key} reference missing dimension rows; "
                                    "nothing of it was loaded")
        totals = one(run.sql("batch_totals"))
    read, loaded, song_plays, other_pages, rejected, files = totals
    return read, loaded, song_plays, other_pages, rejected, files
