"""Source files into parsed rows and rejects, with Spark's own readers.

Each file is read whole (`wholetext`: never split, so line numbers are exact, and its hash is
of its bytes), packed with others into few tasks. Its bytes are split at "\\n" as `sparkify
load` splits them (as Latin-1, which maps each byte to one character, so bytes that are not
UTF-8 survive to the reject's raw text); a first line loses its BOM, a line its "\\r"s, blank
lines are no records. A song file of several records' lines goes whole to the validator (it is
one spread object or JSON lines, as records.song_records decides). Each record is read by
from_json with the schema rendered from core/fields.py; one not certainly clean
(spark/columns.py) goes to the validator itself (spark/fallback.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from sparkify.core.fields import FIELDS
from sparkify.errors import SparkifyError
from sparkify.sources.files import SourceFile
from sparkify.spark import columns, fallback

REJECTS = "file_idx int, line_number int, raw string, reason string, reason_code string"
_BLANK = "^[ \\t\\r\\x0B\\f]*$"  # what bytes.strip() strips, and nothing else


@dataclass
class Parsed:
    rows: Any  # columns.row_schema(kind)
    rejects: Any  # REJECTS
    hashes: Any  # file_idx int, sha256 string
    cached: list[Any]  # what the three are read from: unpersist when done


def _contents(spark: Any, files: list[tuple[int, SourceFile]]) -> tuple[Any, list[int]]:
    """(file_idx, data: the file's bytes) of local `files`, each file one row; and the indexes
    of those Spark did not give (it skips names starting with "_"), for the validator to read.

    The files' common folder is read, not each path: a list of paths is checked one by one,
    in a Spark job of its own past a few dozen. Files there that the listing does not hold
    (written since) fall out at the join."""
    from pyspark.sql import functions as F

    folder = os.path.commonpath([os.path.dirname(f.key) for _, f in files])
    frame = (spark.read.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.json")
             .text(folder, wholetext=True))
    index = {f.key: idx for idx, f in files}
    # a file's path as Spark gives it, percent-encoded, without the file: scheme
    found = {path: index[unquote(path)] for path in
             (urlparse(uri).path for uri in frame.inputFiles()) if unquote(path) in index}
    paths = spark.createDataFrame(list(found.items()), "uri string, file_idx int")
    uri = F.regexp_replace(F.col("_metadata.file_path"), "^file:(//)?", "")
    contents = frame.select(uri.alias("uri"), F.col("value").cast("binary").alias("data"))
    contents = contents.join(F.broadcast(paths), "uri").drop("uri")
    return contents, sorted(set(index.values()) - set(found.values()))


def _lines(kind: str, contents: Any) -> Any:
    """(file_idx, line, whole, data, sha256): each file's hash on a row of line 0, then each
    record's line, or (a song file of several lines) the whole file as line 1."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(F.decode("data", "ISO-8859-1"), "^\u00ef\u00bb\u00bf", "")
    lines = F.split(text, "\n", -1)  # Latin-1: one character per byte, so split loses nothing
    whole = F.lit(False)
    if kind == "song":
        whole = F.size(F.filter(lines, lambda ln: ~ln.rlike(_BLANK))) > 1
        lines = F.when(whole, F.array(text)).otherwise(lines)
    frame = contents.select("file_idx", whole.alias("whole"), F.posexplode(
        F.concat(F.array(F.sha2("data", 256)), lines)).alias("line", "text"))
    frame = frame.where((F.col("line") == 0) | ~F.col("text").rlike(_BLANK))
    record = F.when(F.col("whole"), F.col("text")).otherwise(
        F.regexp_replace("text", "\r+$", ""))
    return frame.select(
        "file_idx", "line", "whole",
        F.when(F.col("line") > 0, F.encode(record, "ISO-8859-1")).alias("data"),
        F.when(F.col("line") == 0, F.col("text")).alias("sha256"))


INPUTS = "file_idx int, line int, whole boolean, data binary, key string, sha256 string"


MODES = ("native", "arrow", "python")


def parse(spark: Any, kind: str, files: list[tuple[int, SourceFile]],
          mode: str = "native") -> Parsed:
    """The rows, rejects and hashes of `files` (one kind). `mode` (MODES): records checked
    natively, only the others through the validator; every record through the validator
    (files still read by Spark); every file read and validated in Python (object stores)."""
    from pyspark.sql import functions as F

    if mode not in MODES:
        raise SparkifyError(f"spark.sparkify.parse takes one of {', '.join(MODES)}, "
                            f"not {mode!r}")
    if mode == "python" or any(f.is_object for _, f in files) or not files:
        inputs = spark.createDataFrame(
            [(idx, 0, True, None, f.key, None) for idx, f in files], INPUTS)
        inputs = inputs.repartition(max(1, min(len(files), spark.sparkContext
                                               .defaultParallelism * 4)))
        return parse_inputs(kind, inputs, native=False)
    contents, unread = _contents(spark, files)
    inputs = _lines(kind, contents).withColumn("key", F.lit(None).cast("string"))
    if unread:
        keys = dict(files)
        inputs = inputs.unionByName(spark.createDataFrame(
            [(idx, 0, True, None, keys[idx].key, None) for idx in unread], INPUTS))
    return parse_inputs(kind, inputs, native=mode == "native")


def _materialized(frame: Any) -> Any:
    """`frame` cached and computed now: the views built on it run their stages side by side,
    and each would compute a cache not yet filled."""
    frame = frame.persist()
    frame.count()
    return frame


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
    theirs = theirs.select("file_idx", F.explode(fallback.udf(kind, F)(
        "line", "whole", "data", "key")).alias("r")).select("file_idx", "r.*")
    theirs = _materialized(theirs)
    rows = checked.where("clean").select("file_idx", "line", *names).unionByName(
        theirs.where("line > 0 AND reason IS NULL").select("file_idx", "line", *names))
    rejects = theirs.where("reason IS NOT NULL").select(
        "file_idx", F.col("line").alias("line_number"), "raw", "reason", "reason_code")
    hashes = checked.where(marker & F.col("sha256").isNotNull()).select(
        "file_idx", "sha256").unionByName(theirs.where("line = 0").select("file_idx", "sha256"))
    return Parsed(rows, rejects, hashes, [checked, theirs])
