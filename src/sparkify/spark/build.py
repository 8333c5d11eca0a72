"""`sparkify lake build`: the ETL as a Spark job, from a data root into a Parquet lake.

The files are found on the driver (sources.discover, as `sparkify load` finds them), then read
by Spark's own readers and checked by column expressions rendered from core/fields.py, the few
records those cannot vouch for going through the loader's own validator (spark/read.py). Only
log files new or changed since the current version are parsed; the others' rows come from it.
The set-based steps are the SQL of spark/sql/, whose rules come from core.sqltext.
Independent jobs run side by side (spark/jobs.py). Each build is written to a new version of
the lake and made current at the end (lake.py): a build cut short leaves the lake as it was.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sparkify.core.fields import EVENT_FIELDS
from sparkify.core.records import RejectCode
from sparkify.core.result import LoadResult
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import LAKE_PARTITIONS
from sparkify.errors import SparkifyError
from sparkify.sources.extract import duplicate_rejects
from sparkify.sources.files import Root, SourceFile, describe_root, discover, find_sources
from sparkify.spark import lake as lake_mod
from sparkify.spark import names as spark_names
from sparkify.spark import read as reader
from sparkify.spark.columns import column_type
from sparkify.spark.jobs import side_by_side
from sparkify.spark.session import is_local

Notify = Callable[[str], None]

_FACTS = ("file_idx int, path string, kind string, size_bytes bigint, mtime_ns bigint, "
          "etag string")
SHUFFLE_BYTES = 64 << 20  # input bytes per shuffle partition (AQE merges smaller ones)
SPLITS_PER_CORE = 4  # input splits per core: tasks of even length finish together
# The steps, each the view of the spark/sql/ file of its name, in waves: a wave's steps read
# only earlier waves' views (and `names`, registered with the first). Those read by later steps
# are KEPT: computed once, side by side, as checkpoints (_keeping), so the plans built on them
# stay short (planning a plan that holds the parse's took most of a small build's time).
WAVES = (("events_all", "songs", "artists"), ("users", "songplays", "events", "manifest"),
         ("time", "user_song_plays"))
KEPT = ("events_all", "songs", "artists", "songplays", "manifest")


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


def build(spark: Any, root: Root, lake: str, notify: Notify | None = None) -> BuildResult:
    """Build the lake from every file under `root`; a no-op when no file changed.

    `spark`: a SparkSession, or a function that starts one, called only when there is work
    (a wrong root or an up-to-date lake then costs no JVM) with the input's size in bytes.
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
        spark = spark(sum(f.size for f in files))
    _size_tasks(spark, files)
    notify(f"parsing {result.files_loaded:,} files")
    version = layout.new_version()
    views = _parse(spark, files, layout, previous, changed)
    with _keeping(spark, layout, version) as keep:
        _steps(spark, keep)
        rejects = _rejects(spark, files)
        notify(f"writing version {version}")
        touched = _touched_months(spark, changed, previous, layout)
        kinds = {key: facts[-1] for key, facts in {**previous_files, **now}.items()}
        songs_changed = any(kinds[key] == "song" for key in changed)  # matches may change

        def write(table: str) -> None:
            frame = rejects if table == "rejects" else spark.table(table)
            months = None if songs_changed and table == "songplays" else touched
            result.partitions[table] = layout.write(spark, frame, table, version, previous,
                                                    months)

        notify(f"writing {len(LAKE_PARTITIONS)} tables")
        side_by_side(spark, [functools.partial(write, table) for table in LAKE_PARTITIONS])
        layout.make_current(version)
        _totals(spark, result, None if previous is None else changed)  # manifest still kept
    for frame in views:
        frame.unpersist()
    result.version, result.built = version, True
    result.tables = layout.counts(version)
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _keeping(spark: Any, layout: lake_mod.Lake, version: str) -> Iterator[Callable[[Any], Any]]:
    """How a step read by later ones is computed once and its plan cut short, and freed at
    the end: a local checkpoint (the executors' memory and disk) in local mode, where losing an
    executor is losing the driver; on a cluster a checkpoint in the lake's folder, which every
    worker reaches and which outlives a lost executor (a local one cannot be computed again)."""
    local = is_local(spark.sparkContext.master)
    scratch = layout.scratch(version)
    if not local:
        spark.sparkContext.setCheckpointDir(str(scratch))
    kept: list[Any] = []

    def keep(frame: Any) -> Any:
        frame = frame.localCheckpoint(eager=True) if local else frame.checkpoint(eager=True)
        kept.append(frame)
        return frame

    try:
        yield keep
    finally:
        for frame in kept:  # unpersist() does not reach a checkpoint's blocks
            frame._jdf.queryExecution().analyzed().rdd().unpersist(False)
        shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(OSError):
            scratch.parent.rmdir()  # when no other build's is there


def _steps(spark: Any, keep: Callable[[Any], Any]) -> None:
    """Every step's view, wave by wave (WAVES), the KEPT ones through `keep`."""

    def step(name: str) -> None:
        view = spark.sql(read_sql(name, "spark"))
        if name in KEPT:
            view = keep(view)
        view.createOrReplaceTempView(name)

    for number, wave in enumerate(WAVES):
        work: list[Callable[[], Any]] = [functools.partial(step, name) for name in wave]
        if number == 0:  # the view `names`, which songplays and users join
            work.append(lambda: spark_names.register(spark))
        side_by_side(spark, work)


def _size_tasks(spark: Any, files: list[SourceFile]) -> None:
    """Shuffle partitions from the input's size (Spark's 200 is for many machines), and
    input splits of a few per core (Spark packs files into one per core, so one task late
    leaves a core idle), unless set (--conf, spark-defaults.conf)."""
    conf = spark.sparkContext.getConf()
    parallelism = spark.sparkContext.defaultParallelism
    if not conf.contains("spark.sql.shuffle.partitions"):
        wanted = max(parallelism, -(-sum(f.size for f in files) // SHUFFLE_BYTES))
        spark.conf.set("spark.sql.shuffle.partitions", str(wanted))
    if not conf.contains("spark.sql.files.minPartitionNum"):
        spark.conf.set("spark.sql.files.minPartitionNum", str(SPLITS_PER_CORE * parallelism))


def _parse(spark: Any, files: list[SourceFile], layout: lake_mod.Lake, previous: str | None,
           changed: set[str]) -> list[Any]:
    """The views parsed_songs, parsed_events, parse_rejects and files. Every song file is
    read (they are small; who wins among them needs them all); of the log files, only those
    new or changed since `previous`, the others' events and rejects coming from it."""
    indexed = list(enumerate(files))
    mode = spark.conf.get("spark.sparkify.parse", reader.MODES[0])
    facts = spark.createDataFrame([(i, f.key, f.kind, f.size, f.mtime_ns, f.etag)
                                   for i, f in indexed], _FACTS)
    facts.createOrReplaceTempView("file_facts")
    songs, new_logs = side_by_side(spark, [
        lambda: reader.parse(spark, "song", [(i, f) for i, f in indexed if f.kind == "song"],
                             mode),
        lambda: reader.parse(spark, "log", [(i, f) for i, f in indexed if f.kind == "log" and (
            previous is None or f.key in changed)], mode)])
    logs = [new_logs]
    if previous is not None:
        logs.append(_previous_logs(spark, facts, layout, previous, changed))
    songs.rows.createOrReplaceTempView("parsed_songs")
    events, rejects, hashes = logs[0].rows, songs.rejects, songs.hashes
    for part in logs[1:]:
        events = events.unionByName(part.rows)
    for part in logs:
        rejects, hashes = rejects.unionByName(part.rejects), hashes.unionByName(part.hashes)
    events.createOrReplaceTempView("parsed_events")
    rejects.createOrReplaceTempView("parse_rejects")
    hashes.createOrReplaceTempView("file_hashes")
    spark.sql(read_sql("files", "spark")).createOrReplaceTempView("files")
    return [frame for part in (songs, *logs) for frame in part.cached]


def _previous_logs(spark: Any, facts: Any, layout: lake_mod.Lake, previous: str,
                   changed: set[str]) -> reader.Parsed:
    """What the previous version holds of the log files not changed since: their events, the
    duplicates among them (read again from their raw text, as they may be kept now), their
    rejects and hashes."""
    from pyspark.sql import functions as F

    kept = facts.where((F.col("kind") == "log") & ~F.col("path").isin(sorted(changed)))
    kept = kept.select("file_idx", "path")
    events = layout.read(spark, previous, "events").withColumnRenamed(
        "source_path", "path").join(F.broadcast(kept), "path")
    values = {"ts": F.expr("unix_millis(event_time)")}
    rows = events.select("file_idx", F.col("source_line").cast("int").alias("line"), *(
        values.get(s.column, F.col(s.column)).cast(column_type(s)).alias(s.column)
        for s in EVENT_FIELDS))
    old = layout.read(spark, previous, "rejects").join(F.broadcast(kept), "path")
    replays = old.where(F.col("reason_code") == RejectCode.DUPLICATE.value).select(
        "file_idx", F.col("line_number").alias("line"), F.lit(False).alias("whole"),
        F.col("raw").cast("binary").alias("data"), F.lit(None).cast("string").alias("key"),
        F.lit(None).cast("string").alias("sha256"))
    again = reader.parse_inputs("log", replays)
    refused = old.where(F.col("reason_code") != RejectCode.DUPLICATE.value).select(
        "file_idx", "line_number", "raw", "reason", "reason_code")
    hashes = layout.read(spark, previous, "manifest").join(F.broadcast(kept), "path").select(
        "file_idx", "sha256")
    return reader.Parsed(rows.unionByName(again.rows), refused.unionByName(again.rejects),
                         hashes, again.cached)


def _rejects(spark: Any, files: list[SourceFile]) -> Any:
    """Records that could not be loaded: those the rules refused, and the duplicates, whose
    raw text is read again from their files (as the PostgreSQL loader does)."""
    duplicates = spark.sql("SELECT file_idx, line FROM events_all WHERE duplicate").collect()
    rows = duplicate_rejects(((row.file_idx, row.line) for row in duplicates),
                             lambda idx: files[idx].key)
    found = spark.createDataFrame(rows, reader.REJECTS)
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
