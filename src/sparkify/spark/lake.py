"""The lake's layout: versions of Parquet tables and the pointer to the current one.

    LAKE/_current                     the name of the current version (replaced atomically)
    LAKE/versions/<version>/<table>/  Parquet, Hive-partitioned as tables.LAKE_PARTITIONS
    LAKE/_checkpoints/<version>/      a build's checkpoints on a cluster, while it runs

A build writes a new version and only then points `_current` at it, so a build killed midway
leaves the lake as it was (its half-written version is removed by the next build). Partitions
of the facts (a day each) that no changed file has rows in, and the tables a build did not
change, are hard links to the previous version's files: written once, shared by both.
LAKE is a folder (local, or mounted on every Spark worker).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import operator
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkify.core.records import RejectCode
from sparkify.core.tables import LAKE_PARTITIONS, STAR_TABLES
from sparkify.errors import SparkifyError

DAILY = ("year", "month", "day")  # the facts' partitions: integers
# Tables small beside the facts (dimensions, bookkeeping): one task writes each, so a table
# is a few files, not one per task and partition. (Plays per user and song are about as many
# as the plays: written by as many tasks.)
ONE_TASK = ("artists", "songs", "users", "manifest", "names")
KEEP_VERSIONS = 2  # the current one and the one before (for a publish reading it right now)


class Lake:
    def __init__(self, root: str | Path) -> None:
        text = str(root)
        if "://" in text and not text.startswith("file://"):
            raise SparkifyError(f"LAKE must be a folder (local, or mounted on every worker), "
                                f"not {text}")
        self.path = Path(text.removeprefix("file://")).absolute()
        if self.path.exists() and not self.path.is_dir():
            raise SparkifyError(f"LAKE {self.path} is not a folder")
        self.root = str(self.path)

    # -- versions --------------------------------------------------------------------------

    def current(self) -> str | None:
        pointer = self.path / "_current"
        try:
            version = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not (self.path / "versions" / version).is_dir():
            raise SparkifyError(f"{pointer} names version {version!r}, which is not there")
        return version

    def require_current(self) -> str:
        version = self.current() if self.path.is_dir() else None
        if version is None:
            raise SparkifyError(f"{self.root} holds no lake yet: run `sparkify lake build "
                                f"DATA_ROOT {self.root}` first")
        return version

    def new_version(self) -> str:
        """A fresh version's name: sortable by time, unique."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return f"{stamp}-{uuid.uuid4().hex[:8]}"

    def table_path(self, version: str, table: str) -> Path:
        return self.path / "versions" / version / table

    def scratch(self, version: str) -> Path:
        """Where a build on a cluster keeps its checkpoints (every worker reaches the lake):
        removed when the build ends, or by the next one after a kill."""
        return self.path / "_checkpoints" / version

    def make_current(self, version: str) -> None:
        """Point `_current` at `version` (atomic), then remove versions no longer needed."""
        temporary = self.path / f"_current.{version}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(version + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path / "_current")
        self._prune(version)

    def _prune(self, current: str) -> None:
        versions = sorted(p.name for p in (self.path / "versions").iterdir() if p.is_dir())
        done = [v for v in versions if v <= current]
        for name in done[:-KEEP_VERSIONS] + [v for v in versions if v > current]:
            shutil.rmtree(self.path / "versions" / name, ignore_errors=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One build at a time on a lake; a second one says so instead of waiting."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SparkifyError(f"another build is writing {self.root}; "
                                    "wait for it to finish") from None
            yield

    def drop_unfinished(self) -> None:
        """Versions newer than the current one, and checkpoints: builds that did not finish."""
        shutil.rmtree(self.path / "_checkpoints", ignore_errors=True)
        current = self.current()
        folder = self.path / "versions"
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.is_dir() and (current is None or entry.name > current):
                    shutil.rmtree(entry, ignore_errors=True)

    # -- reading ---------------------------------------------------------------------------

    def dataset(self, version: str, table: str) -> Any:
        """A table of `version` for pyarrow; partition values typed as tables.py says (an id
        stays text even when it is all digits). A damaged file fails its reader (pyarrow's
        ArrowException): rows are never left out (unreadable_lake makes it one line)."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        fields = [(column, pa.int32() if column in DAILY else pa.string())
                  for column in LAKE_PARTITIONS[table]]
        partitioning = ds.partitioning(pa.schema(fields), flavor="hive") if fields else None
        return ds.dataset(self.table_path(version, table), format="parquet",
                          partitioning=partitioning)

    def counts(self, version: str) -> dict[str, int]:
        """Rows of the star's tables, as `sparkify load` reports them."""
        return {table: self.dataset(version, table).count_rows() for table in STAR_TABLES}

    def manifest_files(self, version: str) -> dict[str, tuple]:
        rows = self.dataset(version, "manifest").to_table(
            columns=["path", "size_bytes", "mtime_ns", "etag", "kind"]).to_pylist()
        return {r["path"]: (r["size_bytes"], r["mtime_ns"], r["etag"], r["kind"]) for r in rows}

    def partitioned_by_day(self, version: str) -> bool:
        """Whether `version`'s facts are in day folders (a lake built before they were is in
        month folders: its next build is a whole one)."""
        events = self.table_path(version, "events")
        return not any(events.glob("year=*/month=*/*.parquet"))

    # what a build by day asks of the current version: read here, on the driver, no Spark job

    def duplicate_paths(self, version: str) -> set[str]:
        """The files of `version` with an event rejected as a duplicate."""
        import pyarrow.compute as pc

        duplicate = pc.field("reason_code") == RejectCode.DUPLICATE.value
        found = self.dataset(version, "rejects").to_table(columns=["path"], filter=duplicate)
        return set(found.column(0).unique().to_pylist())

    def days_of(self, version: str, paths: set[str]) -> set[tuple[int, int, int]]:
        """The days the events of `version` read from `paths` are of."""
        import pyarrow.compute as pc

        if not paths:
            return set()
        found = self.dataset(version, "events").to_table(
            columns=list(DAILY), filter=pc.field("source_path").isin(sorted(paths)))
        return set(zip(*(found.column(c).to_pylist() for c in DAILY), strict=True))

    def paths_on(self, version: str, days: set[tuple[int, int, int]]) -> set[str]:
        """The files the events of `version` on `days` were read from."""
        import pyarrow.compute as pc

        if not days:
            return set()
        wanted = [(pc.field("year") == y) & (pc.field("month") == m) & (pc.field("day") == d)
                  for y, m, d in sorted(days)]
        found = self.dataset(version, "events").to_table(
            columns=["source_path"], filter=functools.reduce(operator.or_, wanted))
        return set(found.column(0).unique().to_pylist())

    def read(self, spark: Any, version: str, table: str) -> Any:
        """A table of `version` for Spark, its schema given (read here from a file's footer):
        left to Spark, each read would cost a job of its own to find it."""
        frame = spark.read.schema(_spark_schema(self.dataset(version, table).schema)).parquet(
            str(self.table_path(version, table)))
        for column in LAKE_PARTITIONS[table]:
            if column in DAILY:  # partition values are read as text (no type inference)
                frame = frame.withColumn(column, frame[column].cast("int"))
        return frame

    # -- writing ---------------------------------------------------------------------------

    def write(self, spark: Any, frame: Any, table: str, version: str, previous: str | None,
              days: set[tuple[int, int, int]] | None) -> dict[str, int]:
        """Write `table` into `version`: whole, or (`days` given, a daily table) only those
        days, the others linked from `previous`. Returns partitions written and kept."""
        target = self.table_path(version, table)
        parts = LAKE_PARTITIONS[table]
        if table in ONE_TASK:
            frame = frame.coalesce(1)
        if days is None or previous is None or parts != DAILY:
            frame.write.mode("overwrite").partitionBy(*parts).parquet(str(target))
            return {"written": _partition_count(target, parts), "kept": 0}
        kept = 0
        for day, folder in _daily_folders(self.table_path(previous, table)):
            if day not in days:
                parts_of_day = (f"{k}={v}" for k, v in zip(DAILY, day, strict=True))
                _link_tree(folder, target.joinpath(*parts_of_day))
                kept += 1
        if days:
            writer = frame.where(in_days(days)).write.mode("overwrite").option(
                "partitionOverwriteMode", "dynamic")
            writer.partitionBy(*parts).parquet(str(target))
        target.mkdir(parents=True, exist_ok=True)
        return {"written": _partition_count(target, parts) - kept, "kept": kept}

    def link(self, table: str, version: str, previous: str) -> dict[str, int]:
        """`table` of `version` as it is in `previous` (hard links): a table no change touched."""
        source, target = self.table_path(previous, table), self.table_path(version, table)
        for folder in sorted({p.parent for p in source.rglob("*.parquet")} | {source}):
            _link_tree(folder, target / folder.relative_to(source))
        return {"written": 0, "kept": _partition_count(target, LAKE_PARTITIONS[table])}


def _spark_schema(schema: Any) -> str:
    """DDL of a pyarrow schema's columns, but the partitions' (Spark finds those itself)."""
    import pyarrow as pa

    def spark_type(kind: Any) -> str:
        if pa.types.is_timestamp(kind):
            return "timestamp"
        return {pa.int32(): "int", pa.int64(): "bigint", pa.float64(): "double",
                pa.string(): "string", pa.bool_(): "boolean", pa.binary(): "binary"}[kind]

    partitions = set(DAILY)
    return ", ".join(f"`{f.name}` {spark_type(f.type)}" for f in schema if f.name not in partitions)


def in_days(days: set[tuple[int, int, int]]) -> str:
    """A condition on a daily table's partition columns: its rows of `days` (false for none);
    on a read, only those days' folders are listed."""
    if not days:
        return "false"
    return " OR ".join(f"(year = {y} AND month = {m} AND day = {d})" for y, m, d in sorted(days))


def _daily_folders(table: Path) -> Iterator[tuple[tuple[int, int, int], Path]]:
    if not table.is_dir():
        return
    for folder in sorted(table.glob("year=*/month=*/day=*")):
        day = tuple(int(part.split("=", 1)[1]) for part in folder.relative_to(table).parts)
        yield day, folder  # type: ignore[misc]


def _link_tree(source: Path, target: Path) -> None:
    """`target` holding hard links to the files of `source` (same file system: same lake)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_file() and not entry.name.startswith((".", "_")):
            os.link(entry, target / entry.name)


def _partition_count(table: Path, parts: tuple[str, ...]) -> int:
    if not parts:
        return 1
    return len({p.parent for p in table.glob("/".join(["*"] * len(parts)) + "/*.parquet")})
