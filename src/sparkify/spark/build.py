"""`sparkify lake build`: the ETL as a Spark job, from a data root into a Parquet lake.

The files are found on the driver (sources.discover, as `sparkify load` finds them), then read
by Spark's own readers and checked by column expressions rendered from core/fields.py, the few
records those cannot vouch for going through the loader's own validator; or, a small input,
read and validated on the driver by that validator (spark/read.py). Only
log files new or changed since the current version are parsed; the others' rows come from it.
When only log files changed, only the days they have events in (UTC) are worked out again: the
facts are partitioned by day, an event's duplicates are of its day, and what the steps need of
the other days comes from the current version as it is (spark/settled.py). The set-based
steps are the SQL of spark/sql/, whose rules come from core.sqltext.
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

from sparkify.core.result import LoadResult
from sparkify.core.sqltext import read_sql
from sparkify.core.tables import LAKE_PARTITIONS
from sparkify.errors import SparkifyError
from sparkify.sources.extract import duplicate_rejects
from sparkify.sources.files import Root, SourceFile, describe_root, discover, find_sources
from sparkify.spark import frames, settled
from sparkify.spark import lake as lake_mod
from sparkify.spark import names as spark_names
from sparkify.spark import read as reader
from sparkify.spark.jobs import running, side_by_side
from sparkify.spark.session import LARGE_INPUT_BYTES, is_local

Notify = Callable[[str], None]

_FACTS = ("file_idx int, path string, kind string, size_bytes bigint, mtime_ns bigint, "
          "etag string")
SHUFFLE_BYTES = 64 << 20  # input bytes per shuffle partition (AQE merges smaller ones)
SPLITS_PER_CORE = 4  # input splits per core: tasks of even length finish together
# Below LARGE_INPUT_BYTES of input, the parsed records cached as they are: compressing them
# took a tenth of K=100's CPU (96-101 s to 87 s in process, bench/RESULTS.md, session 19);
# K=1000's would be some 2.8 GB, more than the driver's heap, so spilled to disk. (Writing a
# task's days to open writers at once, not sorted by day first, saved a little more, but at
# K=100 with the driver's parse its buffers filled the heap: not taken.)
CACHE_COMPRESSED = "spark.sql.inMemoryColumnarStorage.compressed"
# Below INTERPRETED_MAX_BYTES of input, Spark's plans run interpreted, no code generated: for
# the sample's 8,000 events, compiling some 170 generated classes took about 6 s of the driver's
# threads (Spark's CodegenMetrics), and the whole command took 21.6 s against 23.6 s (means of
# eight alternating pairs, bench/RESULTS.md, session 21). K=10 (36 MB) and a new day of K=100
# (12 MB of input, 600,000 plays of the other days read) gained nothing.
INTERPRETED_MAX_BYTES = 8 << 20
INTERPRETED = {"spark.sql.codegen.wholeStage": "false",
               "spark.sql.codegen.factoryMode": "NO_CODEGEN"}
# The steps, each the view of the spark/sql/ file of its name, in waves: a wave's steps read
# only earlier waves' views (and `names`, registered with the first). Those read by later steps
# are KEPT: computed once, side by side, as checkpoints (_keeping), so the plans built on them
# stay short (planning a plan that holds the parse's took most of a small build's time).
WAVES = (("events_all", "songs", "artists"),
         ("user_song_plays", "users", "songplays", "events", "manifest"), ("time",))
KEPT = ("events_all", "songs", "artists", "songplays", "manifest")
SONG_TABLES = ("songs", "artists")  # made of the song files alone


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
    if previous and not layout.partitioned_by_day(previous):
        previous = None  # an older layout's lake: built again whole
    previous_files = layout.manifest_files(previous) if previous else {}
    now = {f.key: (f.size, f.mtime_ns, f.etag, f.kind) for f in files}
    if previous and previous_files == now:
        result.version, result.files_skipped = previous, len(files)
        result.tables = layout.counts(previous)
        result.seconds = time.perf_counter() - started
        return result
    changed = {key for key, facts in now.items() if previous_files.get(key) != facts}
    changed |= set(previous_files) - set(now)  # files gone: their rows go too
    kinds = {key: facts[-1] for key, facts in {**previous_files, **now}.items()}
    songs_changed = any(kinds[key] == "song" for key in changed)  # matches may change
    by_day = previous is not None and not songs_changed  # only the days changed files touch
    result.files_loaded = len(files) if not previous else len([k for k in now if k in changed])
    result.files_skipped = len(files) - result.files_loaded
    if callable(spark):  # by day, only the changed files are parsed
        spark = spark(sum(f.size for f in files if not by_day or f.key in changed))
    _size_tasks(spark, files)
    notify(f"parsing {result.files_loaded:,} files")
    version = layout.new_version()
    views, touched = _parse(spark, files, layout, previous, changed, by_day)

    def write(table: str, frame: Any = None) -> None:
        if previous is not None and by_day and table in SONG_TABLES:  # no song changed
            result.partitions[table] = layout.link(table, version, previous)
            return
        table_days = None if songs_changed and table == "songplays" else touched
        result.partitions[table] = layout.write(spark, spark.table(table) if frame is None
                                                else frame, table, version, previous,
                                                table_days)

    with _keeping(spark, layout, version) as keep, running(spark) as writes:
        def ready(step: str) -> None:  # a table's write starts as soon as its step is done
            if step in LAKE_PARTITIONS:
                writes.start(functools.partial(write, step))

        notify(f"writing version {version}")
        if previous is not None and by_day:
            _steps(spark, keep, ready, SONG_TABLES, layout.read(spark, previous, "names"))
        else:
            _steps(spark, keep, ready)
        writes.start(functools.partial(write, "names"))
        writes.start(functools.partial(write, "rejects", _rejects(spark, files)))
        notify(f"writing {len(LAKE_PARTITIONS)} tables")
        writes.wait()
        _totals(spark, result, None if previous is None else changed)  # manifest still kept
        layout.make_current(version)  # the last step: after it, nothing fails the build
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


def _steps(spark: Any, keep: Callable[[Any], Any], ready: Callable[[str], None],
           done: tuple[str, ...] = (), known_names: Any = None) -> None:
    """Every step's view, wave by wave (WAVES), the KEPT ones through `keep`, each told to
    `ready` once it is there; those `done` are views already (_parse registered them from the
    current version), as are the names `known_names` holds (names.register)."""

    def step(name: str) -> None:
        if name not in done:
            view = spark.sql(read_sql(name, "spark"))
            if name in KEPT:
                view = keep(view)
            view.createOrReplaceTempView(name)
        ready(name)

    for number, wave in enumerate(WAVES):
        work: list[Callable[[], Any]] = [functools.partial(step, name) for name in wave]
        if number == 0:  # the view `names`, which songplays and users join
            work.append(lambda: spark_names.register(spark, known_names))
        side_by_side(spark, work)


def _size_tasks(spark: Any, files: list[SourceFile]) -> None:
    """Shuffle partitions from the input's size (Spark's 200 is for many machines), input
    splits of a few per core (Spark packs files into one per core, so one task late leaves a
    core idle), the cache compressed only from LARGE_INPUT_BYTES of input on, and no code
    generated below INTERPRETED_MAX_BYTES, unless set (--conf, spark-defaults.conf)."""
    conf = spark.sparkContext.getConf()
    parallelism = spark.sparkContext.defaultParallelism
    size = sum(f.size for f in files)
    if not conf.contains("spark.sql.shuffle.partitions"):
        wanted = max(parallelism, -(-size // SHUFFLE_BYTES))
        spark.conf.set("spark.sql.shuffle.partitions", str(wanted))
    if not conf.contains(CACHE_COMPRESSED):  # set either way: a session may build again
        spark.conf.set(CACHE_COMPRESSED, str(size >= LARGE_INPUT_BYTES).lower())
    for key, value in INTERPRETED.items():  # either way too: unset is Spark's default
        if conf.contains(key):
            continue
        if size < INTERPRETED_MAX_BYTES:
            spark.conf.set(key, value)
        else:
            spark.conf.unset(key)
    if not conf.contains("spark.sql.files.minPartitionNum"):
        spark.conf.set("spark.sql.files.minPartitionNum", str(SPLITS_PER_CORE * parallelism))


def _parse(spark: Any, files: list[SourceFile], layout: lake_mod.Lake, previous: str | None,
           changed: set[str], by_day: bool) -> tuple[list[Any], set[settled.Day] | None]:
    """The views parsed_songs, parsed_events, parse_rejects, files and the settled_ ones
    (settled.Settled); and the days changed files have events in, now or in `previous` (None:
    a first build, every day). Of the log files, only those new or changed since `previous`
    are parsed, the others' events and rejects coming from it: all of them, or (`by_day`)
    those of the days changed files have events in. Every song file is read (who wins
    among them needs them all) unless `by_day`, when none changed: then the views songs and
    artists are the current version's tables."""
    indexed = list(enumerate(files))
    mode = spark.conf.get("spark.sparkify.parse", reader.MODES[0])
    facts = frames.small(spark, [(i, f.key, f.kind, f.size, f.mtime_ns, f.etag)
                                for i, f in indexed], _FACTS)
    facts.createOrReplaceTempView("file_facts")
    log_files = [(i, f) for i, f in indexed
                 if f.kind == "log" and (previous is None or f.key in changed)]
    songs = [(i, f) for i, f in indexed if f.kind == "song"] if not by_day else []
    parts = side_by_side(spark, [lambda: reader.parse(spark, "log", log_files, mode),
                                 lambda: reader.parse(spark, "song", songs, mode)])
    touched = late_duplicates = None
    if previous is not None:
        touched = settled.days_touched(parts[0], layout, previous, changed)
        before, late_duplicates = settled.previous_logs(spark, facts, layout, previous,
                                                        changed, touched if by_day else None)
        parts.append(before)

    def union(frames: list[Any]) -> Any:
        return functools.reduce(lambda a, b: a.unionByName(b), frames)

    events = union([part.rows for index, part in enumerate(parts) if index != 1])
    rejects, hashes = union([p.rejects for p in parts]), union([p.hashes for p in parts])
    events.createOrReplaceTempView("parsed_events")
    rejects.createOrReplaceTempView("parse_rejects")
    hashes.createOrReplaceTempView("file_hashes")
    if by_day:
        assert previous is not None and touched is not None
        others = settled.Settled.of_previous(spark, events, late_duplicates, layout, previous,
                                             touched, changed)
        for table in SONG_TABLES:
            layout.read(spark, previous, table).createOrReplaceTempView(table)
    else:
        others = settled.Settled.none(spark, events)
    parts[1].rows.createOrReplaceTempView("parsed_songs")
    for name, frame in vars(others).items():
        frame.createOrReplaceTempView(f"settled_{name}")
    spark.sql(read_sql("files", "spark")).createOrReplaceTempView("files")
    return [frame for part in parts for frame in part.cached], touched


def _rejects(spark: Any, files: list[SourceFile]) -> Any:
    """Records that could not be loaded: those the rules refused, and the duplicates, whose
    raw text is read again from their files (as the PostgreSQL loader does)."""
    duplicates = spark.sql("SELECT file_idx, line FROM events_all WHERE duplicate").collect()
    rows = duplicate_rejects(((row.file_idx, row.line) for row in duplicates),
                             lambda idx: files[idx].key)
    found = frames.small(spark, rows, reader.REJECTS)
    both = spark.table("parse_rejects").unionByName(found)
    paths = spark.table("file_facts").select("file_idx", "path")
    return both.join(paths, "file_idx").select("path", "line_number", "raw", "reason",
                                               "reason_code")


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
