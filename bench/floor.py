"""The floor: the cost of writing a load's result, which no loader can beat.

    python bench/floor.py SOURCE_DB TARGET_DB [--scratch DIR]

Dumps the final rows of every table `sparkify load` fills (the star, the events fact,
user_song_plays, the manifest and rejects) from SOURCE_DB with binary COPY TO into scratch
files, then times binary COPY FROM of those rows into TARGET_DB, made fresh with the same
schema, constraints and indexes, in one transaction, tables in foreign-key order. Reading the
source and parsing JSON are not part of the floor: only writing the result is. Both databases
live on the server SPARKIFY_HOME names. measure() says how foreign keys are treated.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from psycopg import sql

from sparkify.config import Settings, load_settings
from sparkify.core.tables import STAR_TABLES as STAR
from sparkify.core.tables import WAREHOUSE
from sparkify.postgres.db import connect, ensure_database
from sparkify.postgres.schema import create_all

# Foreign keys point backwards in the warehouse order (songs -> artists; songplays -> time, ...
# rejects -> manifest), so COPY can fill the tables one after another.
FLOOR_TABLES = tuple(t.qualified for t in WAREHOUSE)
STAR_TABLES = tuple(f"public.{name}" for name in STAR)
BLOCK = 1 << 20


@dataclass
class FloorResult:
    seconds: float = 0.0  # COPY FROM of every table and the commit
    star_seconds: float = 0.0  # the same, without the events table
    dump_seconds: float = 0.0  # not part of the floor; for the record
    tables: dict[str, dict] = field(default_factory=dict)  # name -> rows, bytes, seconds

    def to_dict(self) -> dict:
        return {"seconds": self.seconds, "star_seconds": self.star_seconds,
                "dump_seconds": self.dump_seconds, "tables": self.tables}


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", [table]).fetchall()
    return [name for (name,) in rows]


def _name(table: str) -> sql.Identifier:
    return sql.Identifier(*table.split("."))


def dump(conn: psycopg.Connection, scratch: Path) -> dict[str, dict]:
    """Every FLOOR_TABLES table, all columns, as a binary COPY file in `scratch`."""
    files = {}
    for table in FLOOR_TABLES:
        columns = _columns(conn, table)
        path = scratch / f"{table}.copy"
        query = sql.SQL("COPY {} ({}) TO STDOUT (FORMAT binary)").format(
            _name(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
        with open(path, "wb") as out, conn.cursor().copy(query) as copy:
            out.writelines(copy)
        rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            _name(table))).fetchone()[0]
        files[table] = {"path": path, "columns": columns, "rows": rows,
                        "bytes": path.stat().st_size}
    return files


def copy_in(conn: psycopg.Connection, files: dict[str, dict]) -> FloorResult:
    """Time binary COPY FROM of the dumped rows, one transaction, committed."""
    result = FloorResult()
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        for table in FLOOR_TABLES:
            info = files[table]
            table_started = time.perf_counter()
            query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
                _name(table), sql.SQL(", ").join(map(sql.Identifier, info["columns"])))
            with open(info["path"], "rb") as source, cur.copy(query) as copy:
                while block := source.read(BLOCK):
                    copy.write(block)
            elapsed = time.perf_counter() - table_started
            result.tables[table] = {"rows": info["rows"], "bytes": info["bytes"],
                                    "seconds": elapsed}
    result.seconds = time.perf_counter() - started  # includes the commit
    commit = result.seconds - sum(t["seconds"] for t in result.tables.values())
    result.star_seconds = sum(result.tables[t]["seconds"] for t in STAR_TABLES) + commit
    return result


def measure(settings: Settings, source_db: str, target_db: str,
            scratch: Path | None = None) -> dict[str, FloorResult]:
    """Dump `source_db`, then time the COPY into `target_db`, made fresh, two ways.

    "floor": foreign keys not checked row by row (session_replication_role = replica, which
    skips their triggers; the rows are known to satisfy them); primary keys, unique and check
    constraints, NOT NULL and every index are enforced as usual. That is the least any loader
    must pay to write these rows. "fk_checked": the same with a trigger check per row and
    foreign key, PostgreSQL's default, for comparison.
    """
    folder = Path(tempfile.mkdtemp(prefix="floor-", dir=scratch))
    try:
        started = time.perf_counter()
        with connect(replace(settings, database=source_db)) as conn:
            files = dump(conn, folder)
        dump_seconds = time.perf_counter() - started
        results = {}
        for variant in ("floor", "fk_checked"):
            ensure_database(settings, target_db, drop=True)
            target = replace(settings, database=target_db)
            with connect(target, autocommit=True) as conn:
                create_all(conn)
                # user_song_plays is copied like the rest: its triggers on songplays stay off
                conn.execute("ALTER TABLE public.songplays DISABLE TRIGGER USER")
            with connect(target, autocommit=True) as conn:
                if variant == "floor":
                    conn.execute("SET session_replication_role = replica")
                results[variant] = copy_in(conn, files)
                results[variant].dump_seconds = dump_seconds
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source_db")
    parser.add_argument("target_db")
    parser.add_argument("--scratch", type=Path, default=None,
                        help="folder for the dumped rows (default: the system's temp folder)")
    args = parser.parse_args(argv)
    results = measure(load_settings(), args.source_db, args.target_db, args.scratch)
    print(json.dumps({name: result.to_dict() for name, result in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
