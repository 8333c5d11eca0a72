"""Source files into parsed rows and rejects: with Spark's own readers, or for a small input
(DRIVER_MAX_BYTES) on the driver, by the loader's validator, the results sent as Arrow batches.

Log files are read line by line (split at "\\n" as `sparkify load` splits them; a big file in
several tasks), each line numbered by its place in its split after the lines of the file's
earlier splits; their hashes are computed on the driver meanwhile. Song files are small: each
is read whole and split the same way, and one of several records' lines goes whole to the
validator (it is one spread object or JSON lines, as records.song_records decides). Bytes are
handled as Latin-1, which maps each byte to one character, so bytes that are not UTF-8 survive
to the reject's raw text; a first line loses its BOM, a line its "\\r"s, blank lines are no
records. Each record is read by from_json with the schema rendered from core/fields.py; one
not certainly clean (spark/columns.py) goes to the validator itself (spark/fallback.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

from sparkify.core.fields import FIELDS
from sparkify.errors import SparkifyError
from sparkify.sources.files import SourceFile, file_sha256, read_failed
from sparkify.spark import columns, fallback, frames

REJECTS = "file_idx int, line_number int, raw string, reason string, reason_code string"
_BLANK = f"^[ \\t\\r\\x0B\\f]*{columns.END}"  # what bytes.strip() strips, and nothing else
_BOM = "^\u00ef\u00bb\u00bf"  # UTF-8's byte order mark, read as Latin-1: a first line loses it
_CRS = f"\r+{columns.END}"  # a record's line loses its "\\r"s
PATHS_MAX = 32  # Spark's parallelPartitionDiscovery.threshold: more paths, a job to list them


@dataclass
class Parsed:
    rows: Any  # columns.row_schema(kind)
    rejects: Any  # REJECTS
    hashes: Any  # file_idx int, sha256 string
    cached: list[Any]  # what the three are read from: unpersist when done
    days: set[tuple[int, int, int]] | None = None  # of the rows' ts (UTC), when known here


def _scan(spark: Any, files: list[tuple[int, SourceFile]], lines: bool) -> tuple[Any, list[int]]:
    """Spark's text reader over the local `files`, `file_idx` joined on: whole files (`data`:
    a file's bytes, one row each), or (`lines`) each line's bytes with where it was read
    (`block`: its split's offset; `at`: its position in the task). Also the indexes of the
    files Spark did not give (it skips names starting with "_"), for the validator.

    A few files are read by path; more, their common folder: a list of paths is checked one
    by one, in a Spark job of its own past a few dozen (PATHS_MAX). Files there that are not
    to be read (unchanged, or written since the listing) fall out at the join."""
    from pyspark.sql import functions as F

    if len(files) <= PATHS_MAX:
        targets = [f.key for _, f in files]
    else:
        targets = [os.path.commonpath([os.path.dirname(f.key) for _, f in files])]
    reader = spark.read.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.json")
    frame = (reader.option("lineSep", "\n").text(targets) if lines
             else reader.text(targets, wholetext=True))
    index = {f.key: idx for idx, f in files}
    # a file's path as Spark gives it, percent-encoded, without the file: scheme
    found = {path: index[unquote(path)] for path in
             (urlparse(uri).path for uri in frame.inputFiles()) if unquote(path) in index}
    paths = frames.small(spark, list(found.items()), "uri string, file_idx int")
    uri = F.regexp_replace(F.col("_metadata.file_path"), "^file:(//)?", "")
    position = ([F.col("_metadata.file_block_start").alias("block"),
                 F.monotonically_increasing_id().alias("at")] if lines else [])
    scanned = frame.select(uri.alias("uri"), *position,
                           F.col("value").cast("binary").alias("data"))
    scanned = scanned.join(F.broadcast(paths), "uri").drop("uri")
    return scanned, sorted(set(index.values()) - set(found.values()))


def _numbered(scanned: Any) -> Any:
    """(file_idx, line, data) of scanned lines: a line's number in its file is its position
    in its split (`at` counts a task's lines in order) after the lines of the file's earlier
    splits, counted first (a split is a block of a big file, so files are read in parallel)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    splits = scanned.groupBy("file_idx", "block").agg(F.min("at").alias("first"),
                                                      F.count(F.lit(1)).alias("n"))
    earlier = Window.partitionBy("file_idx").orderBy("block").rowsBetween(
        Window.unboundedPreceding, -1)
    splits = splits.select("file_idx", "block", (
        F.coalesce(F.sum("n").over(earlier), F.lit(0)) - F.col("first") + 1).alias("shift"))
    numbered = scanned.join(F.broadcast(splits), ["file_idx", "block"])
    return numbered.select("file_idx", (F.col("at") + F.col("shift")).cast("int").alias("line"),
                           "data")


def _song_lines(contents: Any) -> Any:
    """(file_idx, line, whole, data, sha256) of whole song files: each file's hash on a row of
    line 0, then each record's line, or (a file of several records' lines) the whole file as
    line 1, for the validator to split as records.song_records does."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(F.decode("data", "ISO-8859-1"), _BOM, "")
    lines = F.split(text, "\n", -1)  # Latin-1: one character per byte, so split loses nothing
    whole = F.size(F.filter(lines, lambda ln: ~ln.rlike(_BLANK))) > 1
    lines = F.when(whole, F.array(text)).otherwise(lines)
    frame = contents.select("file_idx", whole.alias("whole"), F.posexplode(
        F.concat(F.array(F.sha2("data", 256)), lines)).alias("line", "text"))
    frame = frame.where((F.col("line") == 0) | ~F.col("text").rlike(_BLANK))
    record = F.when(F.col("whole") | ~F.col("text").endswith("\r"), F.col("text")).otherwise(
        F.regexp_replace("text", _CRS, ""))
    return frame.select(
        "file_idx", "line", "whole",
        F.when(F.col("line") > 0, F.encode(record, "ISO-8859-1")).alias("data"),
        F.when(F.col("line") == 0, F.col("text")).alias("sha256"))


def _log_lines(spark: Any, files: list[tuple[int, SourceFile]]) -> tuple[Any, list[int]]:
    """INPUTS of local log files read line by line (split at "\\n" as `sparkify load` splits
    them; big files in several tasks): a first line loses its BOM, a line its "\\r"s, blank
    lines are no records. Their hashes are not here (_hashed)."""
    from pyspark.sql import functions as F

    scanned, unread = _scan(spark, files, lines=True)
    numbered = _numbered(scanned)
    text = F.col("data").cast("string")
    # most lines are kept as read; a first line with a BOM, or a line ending in "\r", is
    # mended as Latin-1 (one character per byte: bytes that are not UTF-8 survive)
    latin = F.decode("data", "ISO-8859-1")
    first = F.col("line") == 1
    mended = F.regexp_replace(F.when(first, F.regexp_replace(latin, _BOM, "")).otherwise(latin),
                              _CRS, "")
    data = F.when((first & text.startswith("\ufeff")) | text.endswith("\r"),
                  F.encode(mended, "ISO-8859-1")).otherwise(F.col("data"))
    lines = numbered.select("file_idx", "line", data.alias("data")).where(
        ~F.col("data").cast("string").rlike(_BLANK))
    return lines.select("file_idx", "line", F.lit(False).alias("whole"), "data",
                        F.lit(None).cast("string").alias("key"),
                        F.lit(None).cast("string").alias("sha256")), unread


def _hashed(spark: Any, files: list[tuple[int, SourceFile]],
            parsing: Callable[[], Parsed]) -> Parsed:
    """`parsing()`'s Parsed with the hashes of `files` added: computed here while Spark
    parses (hashlib runs outside the interpreter's lock), read a block at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sparkify-hash") as pool:
        digests = pool.map(lambda item: file_sha256(item[1].key), files)
        parsed = parsing()
        rows = [(idx, digest) for (idx, _), digest in zip(files, digests, strict=True)]
    hashes = frames.small(spark, rows, "file_idx int, sha256 string")
    return Parsed(parsed.rows, parsed.rejects, parsed.hashes.unionByName(hashes), parsed.cached)


INPUTS = "file_idx int, line int, whole boolean, data binary, key string, sha256 string"


MODES = ("auto", "native", "driver", "arrow", "python")
# `auto` parses on the driver up to this many bytes of one kind's files, and natively past it.
# Spark's parse has a fixed cost (compiling its plans and code: about 5 s of a new day's 8 s),
# and the loader's validator reads some 50 MB/s on one core: under this size the driver is
# done first, and its rows (as Arrow batches in the driver's heap) stay small.
DRIVER_MAX_BYTES = 64 << 20
BATCH_ROWS = 10_000  # rows per Arrow batch: Spark makes a partition of each
# Every scan of the batches converts them to rows again: past this many, they are converted
# once into Spark's cache (K=10's 80,000: the collector's threads took 3 CPU seconds, not 8),
# below it the cache's own job costs more than it saves (K=1: 0.5 to 1 s).
CACHE_ROWS = 20_000


def parse(spark: Any, kind: str, files: list[tuple[int, SourceFile]],
          mode: str = "auto") -> Parsed:
    """The rows, rejects and hashes of `files` (one kind). `mode` (MODES): `driver` below
    DRIVER_MAX_BYTES of local files, else `native`; records checked natively, only the others
    through the validator; every file read and validated on the driver, the results sent as
    Arrow batches; every record through the validator (files still read by Spark); every file
    read and validated on the workers (object stores)."""
    from pyspark.sql import functions as F

    if mode not in MODES:
        raise SparkifyError(f"spark.sparkify.parse takes one of {', '.join(MODES)}, "
                            f"not {mode!r}")
    if not files:
        return nothing_parsed(spark, kind)
    local = not any(f.is_object for _, f in files)
    if mode == "auto":
        small = sum(f.size for _, f in files) <= DRIVER_MAX_BYTES
        mode = "driver" if small and local else "native"
    if mode == "driver":
        return _on_driver(spark, kind, files)
    if mode == "python" or not local:
        inputs = frames.small(
            spark, [(idx, 0, True, None, f.key, None) for idx, f in files], INPUTS)
        inputs = inputs.repartition(max(1, min(len(files), spark.sparkContext
                                               .defaultParallelism * 4)))
        return parse_inputs(kind, inputs, native=False)
    native = mode == "native"
    if kind == "log":
        inputs, unread = _log_lines(spark, files)
        inputs = _with_unread(spark, inputs, files, unread)
        skipped = set(unread)  # the validator gives their hashes
        return _hashed(spark, [(idx, f) for idx, f in files if idx not in skipped],
                       lambda: parse_inputs(kind, inputs, native=native))
    contents, unread = _scan(spark, files, lines=False)
    inputs = _song_lines(contents).withColumn("key", F.lit(None).cast("string"))
    return parse_inputs(kind, _with_unread(spark, inputs, files, unread), native=native)


def _with_unread(spark: Any, inputs: Any, files: list[tuple[int, SourceFile]],
                 unread: list[int]) -> Any:
    """`inputs` and, for each file Spark did not give, an input the validator reads by key
    (and hashes)."""
    if not unread:
        return inputs
    keys = dict(files)
    return inputs.unionByName(frames.small(
        spark, [(idx, 0, True, None, keys[idx].key, None) for idx in unread], INPUTS))


def _materialized(frame: Any) -> Any:
    """`frame` cached and computed now: the views built on it run their stages side by side,
    and each would compute a cache not yet filled."""
    frame = frame.persist()
    frame.count()
    return frame


def nothing_parsed(spark: Any, kind: str) -> Parsed:
    """Parsed of no input, with no Spark job."""
    return Parsed(frames.small(spark, [], columns.row_schema(kind)),
                  frames.small(spark, [], REJECTS),
                  frames.small(spark, [], "file_idx int, sha256 string"), [])


def parse_inputs(kind: str, inputs: Any, native: bool = True) -> Parsed:
    """Parsed of INPUTS rows: a hash (line 0, sha256 given), a record (line, data), a whole
    file (whole, data) or a file to read (key). Each record is read and checked once (kept in
    Spark's cache); only those not clean pass through Python."""
    from pyspark.sql import functions as F

    names = [s.column for s in FIELDS[kind]]
    marker = F.col("line") == 0
    if native:  # read once into a column, then checked (a projection keeps it computed once)
        raw = F.col("data").cast("string")
        inputs = inputs.withColumn("record", columns.read(kind, raw, F))
        clean, mine = columns.parsed(kind, F.col("record"), raw, F)
        clean = clean & ~F.col("whole") & F.expr("is_valid_utf8(cast(data as string))")
        checked = inputs.select("file_idx", "line", "whole", "key", "sha256",
                                (clean & ~marker).alias("clean"),
                                F.when(~clean & ~marker, F.col("data")).alias("data"), *mine)
    else:
        checked = inputs.select("file_idx", "line", "whole", "key", "sha256",
                                F.lit(False).alias("clean"),
                                F.when(~marker | F.col("key").isNotNull(), F.col("data"))
                                .alias("data"),
                                *(F.lit(None).cast(columns.column_type(s)).alias(s.column)
                                  for s in FIELDS[kind]))
    checked = _materialized(checked)
    theirs = checked.where(~F.col("clean") & (F.col("data").isNotNull()
                                              | F.col("key").isNotNull()))
    if theirs.isEmpty():  # nothing for the validator: no Python worker started for nothing
        theirs = frames.small(checked.sparkSession, [], fallback.results_ddl(kind))
    else:
        theirs = _materialized(theirs.select("file_idx", F.explode(fallback.udf(kind, F)(
            "line", "whole", "data", "key")).alias("r")).select("file_idx", "r.*"))
    validated = _validated(kind, theirs)
    rows = checked.where("clean").select("file_idx", "line", *names).unionByName(
        validated.rows)
    hashes = checked.where(marker & F.col("sha256").isNotNull()).select(
        "file_idx", "sha256").unionByName(validated.hashes)
    return Parsed(rows, validated.rejects, hashes, [checked, theirs])


def _validated(kind: str, results: Any) -> Parsed:
    """The rows, rejects and hashes in the validator's `results` (file_idx, then
    fallback.record_fields)."""
    from pyspark.sql import functions as F

    names = [s.column for s in FIELDS[kind]]
    return Parsed(
        results.where("line > 0 AND reason IS NULL").select("file_idx", "line", *names),
        results.where("reason IS NOT NULL").select(
            "file_idx", F.col("line").alias("line_number"), "raw", "reason", "reason_code"),
        results.where("line = 0").select("file_idx", "sha256"), [])


def _on_driver(spark: Any, kind: str, files: list[tuple[int, SourceFile]]) -> Parsed:
    """Parsed of `files` read and validated here, as `sparkify load` does, the results sent
    to Spark in Arrow batches: no plan to compile, no Python worker, and no Spark job unless
    there are more than CACHE_ROWS results."""
    import pyarrow as pa

    schema = frames.arrow_schema(fallback.results_ddl(kind))
    batches: list[Any] = []
    pending: list[tuple] = []

    def flush() -> None:
        batches.append(frames.batch(pending, schema))
        pending.clear()

    for idx, source in files:
        try:
            results = fallback.validate(kind, line=0, whole=True, data=None,
                                        key=source.key) or []
        except OSError as exc:  # gone or unreadable since it was listed: as the loader says it
            raise read_failed(source.key, exc) from exc
        pending += [(idx, *result) for result in results]
        if len(pending) >= BATCH_ROWS:
            flush()
    if pending or not batches:
        flush()
    table = pa.Table.from_batches(batches, schema)
    frame = spark.createDataFrame(table)
    if table.num_rows > CACHE_ROWS:
        frame = _materialized(frame)
    validated = _validated(kind, frame)
    days = _utc_days(table) if kind == "log" else None
    return Parsed(validated.rows, validated.rejects, validated.hashes, [frame], days)


def _utc_days(results: Any) -> set[tuple[int, int, int]]:
    """(year, month, day) in UTC of the events among the validator's `results`, as
    settled.day_columns has them: here, with no Spark job."""
    import pyarrow.compute as pc

    rows = results.filter(pc.and_(pc.greater(results["line"], 0),
                                  pc.is_null(results["reason"])))
    days = pc.unique(pc.divide(rows["ts"], 86_400_000)).to_pylist()  # ts >= 0: floor
    return {(d.year, d.month, d.day) for d in
            (datetime.fromtimestamp(day * 86_400, UTC) for day in days)}
