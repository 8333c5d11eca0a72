"""`sparkify lake publish`: the lake's current version into the PostgreSQL warehouse.

One transaction replaces what the warehouse holds: a reader sees the old warehouse or the new
one, never half of either (nor, where the rows are emptied with DELETE, an empty one: see
writing.delete_all). Each table is read from Parquet with pyarrow, its files mapped to
manifest ids, written as CSV by pyarrow and sent with COPY; no Spark and no JVM are needed.
A full replace every time: at the lake's sizes it is a few seconds of COPY (bench/RESULTS.md,
spark section), where moving only what changed would need a diff of every table against the
warehouse, and could no longer promise tables equal to the lake's.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from sparkify.config import Settings
from sparkify.core.tables import CHECKED, MANIFEST_COLUMNS, REJECT_COLUMNS, surrogate_key
from sparkify.errors import SparkifyError
from sparkify.postgres import schema
from sparkify.postgres.db import connect, skip_reference_triggers
from sparkify.postgres.load.finish import finish
from sparkify.postgres.writing import delete_all, pause_upkeep, truncate_all, writing
from sparkify.spark.lake import Lake

# Warehouse table <- lake table of the same name, in the order the foreign keys want, with the
# columns COPY fills (from tables.CHECKED, surrogate keys left to the warehouse; the lake's
# partition columns of songplays and events, year and month, stay behind; file ids come from
# the manifest).
COPIED = ("artists", "songs", "users", "time", "events", "songplays")


def _columns(table: str) -> tuple[str, ...]:
    if table == "rejects":
        return REJECT_COLUMNS
    return tuple(column for column in CHECKED[table].columns
                 if column not in surrogate_key(table))


COPIES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (table, _columns(table)) for table in (*COPIED, "rejects")) + (
    ("names", ("verbatim", "repaired")),)  # the names the build repaired (spark/names.py)
QUALIFIED = {"rejects": "sparkify.rejects", "manifest": "sparkify.manifest",
             "names": "sparkify.names"}
BATCH_ROWS = 65536  # rows read from Parquet and sent to COPY at a time
Notify = Callable[[str], None]


@dataclass
class PublishResult:
    lake: str
    version: str
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"lake": self.lake, "version": self.version, "tables": self.tables,
                "seconds": round(self.seconds, 3)}


def publish(settings: Settings, lake: str, notify: Notify | None = None) -> PublishResult:
    import pyarrow as pa

    try:
        return _publish(settings, lake, notify)
    except (pa.ArrowException, FileNotFoundError) as exc:  # the transaction is undone
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        if isinstance(exc, FileNotFoundError):  # pyarrow's names the path alone
            first = f"{exc.filename or first} is missing"
        raise SparkifyError(f"cannot read the lake {lake}: {first}; the warehouse is as it "
                            "was") from exc


def _publish(settings: Settings, lake: str, notify: Notify | None) -> PublishResult:
    started = time.perf_counter()
    notify = notify or (lambda message: None)
    layout = Lake(lake)
    version = layout.require_current()
    result = PublishResult(lake=layout.root, version=version)
    # one transaction: the whole warehouse, or nothing new; no load meanwhile
    with writing(settings, autocommit=False, notify=notify) as conn:
        unchecked = skip_reference_triggers(conn)  # per-row FK triggers off where allowed
        conn.execute("SET LOCAL work_mem = '256MB'")
        pause_upkeep(conn)  # first: the play counts' delete trigger is not to run
        # readers keep the old warehouse until the commit (tests/postgres/test_readers.py);
        # without the superuser's trigger switch, a DELETE would be too slow: TRUNCATE
        (delete_all if unchecked else truncate_all)(conn)
        notify("publishing the manifest")
        file_ids = _copy_manifest(conn, layout, version)
        for table, columns in COPIES:
            notify(f"publishing {table}")
            _copy_table(conn, layout.dataset(version, table), table, columns, file_ids)
        notify("counting plays per user and song, building the analytics indexes")
        finish(settings, conn, recount=True, build_indexes=True, beside=False)
        result.tables = schema.row_counts(conn)
    with connect(settings, autocommit=True) as conn:
        conn.execute("ANALYZE")
    result.seconds = time.perf_counter() - started
    return result


def _copy_manifest(conn: psycopg.Connection, layout: Lake, version: str) -> dict[str, int]:
    """The manifest, in the order the loader registers files (songs first, each by path);
    returns path -> file_id."""
    import pyarrow.compute as pc

    table = layout.dataset(version, "manifest").to_table()
    order = pc.sort_indices(table, sort_keys=[("kind", "descending"), ("path", "ascending")])
    table = table.take(order).select(list(MANIFEST_COLUMNS))
    _copy_arrow(conn, "sparkify.manifest", MANIFEST_COLUMNS, table.to_batches(BATCH_ROWS))
    return dict(conn.execute("SELECT path, file_id FROM sparkify.manifest").fetchall())


def _copy_table(conn: psycopg.Connection, dataset: Any, table: str, columns: tuple[str, ...],
                file_ids: dict[str, int]) -> None:
    """Stream a lake table into COPY a batch at a time: memory does not grow with the table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    path_column = "path" if table == "rejects" else "source_path"
    id_column = "file_id" if table == "rejects" else "source_file_id"
    paths = pa.array(list(file_ids), pa.string())
    ids = pa.array(list(file_ids.values()), pa.int32())

    def batches() -> Iterator[Any]:
        for batch in dataset.to_batches(batch_size=BATCH_ROWS):
            if id_column in columns:  # the file each row came from, as its manifest id
                found = pc.take(ids, pc.index_in(batch[path_column], value_set=paths))
                batch = batch.append_column(id_column, found)
            yield batch.select(columns)

    _copy_arrow(conn, QUALIFIED.get(table, f"public.{table}"), columns, batches())


def _copy_arrow(conn: psycopg.Connection, target: str, columns: tuple[str, ...],
                batches: Iterable[Any]) -> None:
    """COPY Arrow batches as CSV (pyarrow quotes every text, so "" stays an empty string
    and only a missing value is NULL)."""
    from pyarrow import csv

    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(*target.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for batch in batches:
            buffer = io.BytesIO()
            csv.write_csv(batch, buffer, csv.WriteOptions(include_header=False))
            copy.write(buffer.getvalue())
