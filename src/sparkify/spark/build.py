"""`sparkify lake build`: the ETL as a Spark job, from a data root into a Parquet lake.

The files are found on the driver (sources.discover, as `sparkify load` finds them), then read,
parsed and validated on the workers by extract.parse_file and records.py: the rules the
PostgreSQL loader applies, from the same code. The set-based steps are the SQL of sql/spark/,
whose tie-breaks and tolerance come from core.sqltext. Each build is written to a new
version of the lake and made current at the end (lake.py): a build cut short leaves the lake
as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sparkify.core.records import (
    DUPLICATE_REASON,
    EVENT_COLUMNS,
    SONG_COLUMNS,
    FileStats,
    RejectCode,
)
from sparkify.core.result import LoadResult
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import LAKE_PARTITIONS
from sparkify.errors import SparkifyError
from sparkify.sources.extract import parse_file, read_lines
from sparkify.sources.files import Root, SourceFile, describe_root, discover, find_sources
from sparkify.spark import lake as lake_mod
from sparkify.spark import names as spark_names

Notify = Callable[[str], None]

# Spark types of the parsed rows, column by column as records.SONG_COLUMNS / EVENT_COLUMNS.
_SONG_TYPES = ("int", "int", "string", "string", "string", "string", "string", "double",
               "double", "double", "int")
_EVENT_TYPES = ("int", "int", "bigint", "int", "int", "int", "string", "string", "int",
                "string", "string", "string", "string", "string", "string", "string", "double",
                "string", "string", "double")
_FILE_COLUMNS = (("file_idx", "int"), ("records_read", "int"), ("rejected", "int"),
                 ("song_plays", "int"), ("other_pages", "int"), ("sha256", "string"))
_REJECT_COLUMNS = (("file_idx", "int"), ("line_number", "int"), ("raw", "string"),
                   ("reason", "string"), ("reason_code", "string"))
# The tables a build computes, in order: each is the view of the sql/spark/ file of its name.
# Those read by later steps are computed once and kept.
REUSED = ("events_all", "songs", "artists", "songplays", "manifest")
STEPS = ("events_all", "songs", "artists", "users", "songplays", "events", "time",
         "user_song_plays", "manifest")


def _ddl(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns)


SONG_SCHEMA = _ddl(tuple(zip(SONG_COLUMNS, _SONG_TYPES, strict=True)))
EVENT_SCHEMA = _ddl(tuple(zip(EVENT_COLUMNS, _EVENT_TYPES, strict=True)))


@dataclass
class BuildResult(LoadResult):
    """What `sparkify load` reports, for a build; and where it went."""

    lake: str = ""
    version: str | None = None
    built: bool = False  # False: the lake was up to date, nothing was written
    partitions: dict[str, dict[str, int]] = field(default_factory=dict)  # written, kept

    def to_dict(self) -> dict:
        return {**super().to_dict(), "lake": self.lake, "version": self.version,
                "built": self.built, "partitions": self.partitions}


def parse_partition(files: Iterator[tuple]) -> Iterator[tuple]:
    """On a worker: each file's rows, tagged ("song" | "event" | "reject" | "file", row)."""
    for file_idx, key, kind, size, mtime_ns, etag in files:
        source = SourceFile(key, kind, size, mtime_ns, etag)
        stats = FileStats()
        tag = "song" if kind == "song" else "event"
        for row in parse_file(source, file_idx, stats):
            yield tag, row
        for line, raw, reason, code in stats.rejects:
            yield "reject", (file_idx, line, raw, reason, code)
        yield "file", (file_idx, stats.read, stats.rejected, stats.song_plays,
                       stats.other_pages, stats.sha256)


def build(spark: Any, root: Root, lake: str, notify: Notify | None = None) -> BuildResult:
    """Build the lake from every file under `root`; a no-op when no file changed.

    `spark`: a SparkSession, or a function that starts one, called only when there is work
    (a wrong root or an up-to-date lake then costs no JVM).
    """
    started = time.perf_counter()
    notify = notify or (lambda message: None)
    find_sources(root)  # a wrong root is one line before Spark does anything
    files = discover(root)
    if not files:
        raise SparkifyError(f"no *.json files under {describe_root(root)}/song_data or log_data")
    layout = lake_mod.Lake(lake)
    with layout.locked():
        layout.drop_unfinished()  # a build killed midway left a version never made current
        return _build(spark, files, layout, root, notify, started)


def _build(spark: Any, files: list[SourceFile], layout: lake_mod.Lake, root: Root,
           notify: Notify, started: float) -> BuildResult:
    result = BuildResult(data_root=describe_root(root), lake=layout.root)
    previous = layout.current()
    previous_files = layout.manifest_files(previous) if previous else {}
    now = {f.key: (f.size, f.mtime_ns, f.etag, f.kind) for f in files}
    if previous and previous_files == now:
        result.version, result.files_skipped = previous, len(files)
        result.tables = layout.counts(previous)
        result.seconds = time.perf_counter() - started
        return result
    changed = {key for key, facts in now.items() if previous_files.get(key) != facts}
    changed |= set(previous_files) - set(now)  # files gone: their rows go too
    result.files_loaded = len(files) if not previous else len([k for k in now if k in changed])
    result.files_skipped = len(files) - result.files_loaded
    if callable(spark):
        spark = spark()
    notify(f"parsing {len(files):,} files")
    views = _parse(spark, files)
    spark_names.register(spark)  # the view `names`, which songplays and users join
    cached = []
    for step in STEPS:
        view = spark.sql(read_sql(step, "spark"))
        if step in REUSED:
            view = view.persist()
            cached.append(view)
        view.createOrReplaceTempView(step)
    rejects = _rejects(spark, files)
    version = layout.new_version()
    notify(f"writing version {version}")
    touched = _touched_months(spark, changed, previous, layout)
    kinds = {key: facts[-1] for key, facts in {**previous_files, **now}.items()}
    songs_changed = any(kinds[key] == "song" for key in changed)  # matches may change

    def write(table: str) -> None:
        frame = rejects if table == "rejects" else spark.table(table)
        months = None if songs_changed and table == "songplays" else touched
        result.partitions[table] = layout.write(spark, frame, table, version, previous, months)

    for table in LAKE_PARTITIONS:
        notify(f"writing {table}")
        write(table)
    layout.make_current(version)
    for frame in (views, *cached):
        frame.unpersist()
    _totals(spark, result, None if previous is None else changed)
    result.version, result.built = version, True
    result.tables = layout.counts(version)
    result.seconds = time.perf_counter() - started
    return result


def _parse(spark: Any, files: list[SourceFile]) -> Any:
    """The parsed rows as the views parsed_songs, parsed_events, parse_rejects and files."""
    jobs = [(idx, f.key, f.kind, f.size, f.mtime_ns, f.etag) for idx, f in enumerate(files)]
    slices = max(1, min(len(jobs), spark.sparkContext.defaultParallelism * 4))
    tagged = spark.sparkContext.parallelize(jobs, slices).mapPartitions(parse_partition)
    tagged = tagged.persist()

    def rows(tag: str) -> Any:
        return tagged.filter(lambda item: item[0] == tag).map(lambda item: item[1])

    spark.createDataFrame(rows("song"), SONG_SCHEMA).createOrReplaceTempView("parsed_songs")
    spark.createDataFrame(rows("event"), EVENT_SCHEMA).createOrReplaceTempView("parsed_events")
    spark.createDataFrame(rows("reject"), _ddl(_REJECT_COLUMNS)).createOrReplaceTempView(
        "parse_rejects")
    stats = spark.createDataFrame(rows("file"), _ddl(_FILE_COLUMNS))
    facts = spark.createDataFrame(
        [(idx, f.key, f.kind, f.size, f.mtime_ns, f.etag) for idx, f in enumerate(files)],
        "file_idx int, path string, kind string, size_bytes bigint, mtime_ns bigint, "
        "etag string")
    facts.join(stats, "file_idx").createOrReplaceTempView("files")
    return tagged


def _rejects(spark: Any, files: list[SourceFile]) -> Any:
    """Records that could not be loaded: those the rules refused, and the duplicates, whose
    raw text is read again from their files (as the PostgreSQL loader does)."""
    duplicates = spark.sql("SELECT file_idx, line FROM events_all WHERE duplicate").collect()
    wanted: dict[int, set[int]] = {}
    for row in duplicates:
        wanted.setdefault(row.file_idx, set()).add(row.line)
    raw = {idx: read_lines(files[idx].key, lines) for idx, lines in wanted.items()}
    rows = [(idx, line, raw[idx].get(line, ""), DUPLICATE_REASON, RejectCode.DUPLICATE.value)
            for idx, lines in wanted.items() for line in sorted(lines)]
    found = spark.createDataFrame(rows, _ddl(_REJECT_COLUMNS))
    both = spark.table("parse_rejects").unionByName(found)
    paths = spark.table("files").select("file_idx", "path")
    return both.join(paths, "file_idx").select("path", "line_number", "raw", "reason",
                                               "reason_code")


def _touched_months(spark: Any, changed: set[str], previous: str | None,
                    layout: lake_mod.Lake) -> set[tuple[int, int]] | None:
    """The (year, month) partitions of the facts a changed file has rows in, now or in the
    previous version; None: every partition (a first build)."""
    if previous is None:
        return None
    if not changed:
        return set()
    keys = spark.createDataFrame([(key,) for key in changed], "path string")
    now = spark.table("events_all").join(keys, "path").selectExpr(
        "year(timestamp_millis(ts)) AS year", "month(timestamp_millis(ts)) AS month")
    before = layout.read(spark, previous, "events").withColumnRenamed(
        "source_path", "path").join(keys, "path").select("year", "month")
    return {(row.year, row.month) for row in now.union(before).distinct().collect()}


def _totals(spark: Any, result: BuildResult, changed: set[str] | None) -> None:
    """The load --json figures of the files this build (re)loaded (`changed`; None: all),
    from the manifest it wrote."""
    manifest = spark.table("manifest")
    if changed is not None:
        manifest = manifest.where(manifest.path.isin(sorted(changed)))
    manifest.createOrReplaceTempView("manifest_loaded")
    rows = spark.sql("SELECT kind, sum(records_read) AS read, sum(records_loaded) AS loaded,"
                     " sum(song_plays) AS plays, sum(other_pages) AS other,"
                     " sum(rejected) AS rejected FROM manifest_loaded GROUP BY kind").collect()
    for row in rows:
        if row.kind == "song":
            result.songs.update(read=row.read, loaded=row.loaded, rejected=row.rejected)
        else:
            result.events.update(read=row.read, song_plays=row.plays, other_pages=row.other,
                                 rejected=row.rejected)
