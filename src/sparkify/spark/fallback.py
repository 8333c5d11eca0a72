"""The records Spark's own reader cannot be trusted with, through the loader's validator.

A narrow path: only what spark/columns.py did not find certainly clean comes here (bad
records, `\\u` escapes, bytes that are not UTF-8, song files spread over several lines), in an
Arrow-batched Python UDF (no pickled tuples; a clean record passes it as a null). One input is
one record (a line's bytes and its number) or one whole file (`whole`: its bytes, split into
records exactly as `sparkify load` splits them). What comes out is the validator's own: the
row, or the reject with its reason and code. Where Spark cannot read the files (a data root in
an object store) or when asked to (`--conf spark.sparkify.parse=python`, to measure), whole
files come this way by key (`data` null): read here, their hash on a record of line 0.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from sparkify.core.fields import FIELDS
from sparkify.core.records import (
    EVENT_COLUMNS,
    SONG_COLUMNS,
    FileStats,
    log_records,
    parse_records,
    song_records,
)
from sparkify.sources.files import open_source
from sparkify.spark.columns import column_type

WHOLE_FILE_MAX = 8 << 20  # as sources/extract.py: larger song files are read as lines
# where each declared field is in a validator's row (records.SONG_COLUMNS / EVENT_COLUMNS)
_ORDER = {kind: [columns.index(s.column) for s in FIELDS[kind]]
          for kind, columns in (("song", SONG_COLUMNS), ("log", EVENT_COLUMNS))}
EXTRA = (("raw", "string"), ("reason", "string"), ("reason_code", "string"),
         ("sha256", "string"))


def record_fields(kind: str) -> list[tuple[str, str]]:
    """(name, Spark type) of one result: line, the kind's columns, then EXTRA (null for a
    row)."""
    return [("line", "int"), *((s.column, column_type(s)) for s in FIELDS[kind]), *EXTRA]


def results_ddl(kind: str) -> str:
    """DDL of the results with their file: file_idx, then record_fields."""
    return ", ".join(f"{name} {type_}" for name, type_ in [("file_idx", "int"),
                                                            *record_fields(kind)])


def record_type(kind: str) -> str:
    """The struct of one result (record_fields)."""
    return "struct<" + ", ".join(f"{name}: {type_}" for name, type_ in record_fields(kind)) + ">"


def _records(kind: str, line: int, whole: bool, data: bytes) -> Any:
    if not whole:
        return [(line, data)]
    if kind == "song" and len(data) <= WHOLE_FILE_MAX:
        return song_records(data)
    return log_records(io.BytesIO(data))


def validate(kind: str, line: int, whole: bool, data: bytes | None,
             key: str | None) -> list[tuple] | None:
    """The results of one input (None for a clean record, which passes as data=None)."""
    if data is None and key is None:
        return None
    results: list[tuple] = []
    blank = (None,) * len(FIELDS[kind])
    if data is None:
        with open_source(key or "") as handle:
            data = handle.read()
        results.append((0, *blank, None, None, None, hashlib.sha256(data).hexdigest()))
    stats = FileStats()
    order = _ORDER[kind]
    for row in parse_records(kind, _records(kind, line, whole, bytes(data)), 0, stats):
        results.append((row[1], *(row[i] for i in order), None, None, None, None))
    results += [(number, *blank, raw, reason, code, None)
                for number, raw, reason, code in stats.rejects]
    return results


def udf(kind: str, functions: Any) -> Any:
    """validate() as a Spark UDF over (line, whole, data, key): an array of record_type."""
    def run(line: int, whole: bool, data: bytes | None, key: str | None) -> list | None:
        return validate(kind, line, whole, data, key)

    return functions.udf(run, f"array<{record_type(kind)}>", useArrow=True)
