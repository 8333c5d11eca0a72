"""Stream the source files' records through the rules of records.py.

Finding the files, local or in an object store, is sources.py's; its names are kept here.

Every record read ends up either as a typed row ready for COPY or as a reject with its line
number, raw text and reason: nothing is dropped silently. Files are read line by line (song
files, which hold one small object, whole), so memory does not grow with the input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from sparkify.core.records import (
    BOM,
    DUPLICATE_REASON,
    FileStats,
    OnReject,
    RejectCode,
    decode_raw,
    log_records,
    parse_records,
    song_records,
)
from sparkify.sources.files import (
    KINDS,
    SourceFile,
    discover,
    file_sha256,
    find_sources,
    open_source,
    read_failed,
)

WHOLE_FILE_MAX = 8 << 20  # song files up to this size are read whole (one object, any layout)

__all__ = [
    "KINDS",
    "SourceFile",
    "discover",
    "duplicate_rejects",
    "file_sha256",
    "find_sources",
    "parse_file",
    "read_lines",
]


def parse_file(source: SourceFile, file_idx: int, stats: FileStats,
               on_reject: OnReject | None = None,
               handle: BinaryIO | None = None) -> Iterator[tuple]:
    """Rows of one file for COPY, by the rules of records.py; its hash goes to `stats`.

    A rejected record goes to `on_reject(line, raw, reason, code)` when given (the stager
    copies it out, so a file of bad lines is not held in memory), else to `stats.rejects`.
    `handle`: the file's bytes already open (sources.opened fetches objects ahead), else
    the file is opened here.
    """
    digest = hashlib.sha256()
    try:
        with handle or source.open() as stream:
            if source.kind == "song" and source.size <= WHOLE_FILE_MAX:
                data = stream.read()
                digest.update(data)
                records: Iterator[tuple[int, bytes]] = song_records(data)
            else:
                records = log_records(stream, digest)
            yield from parse_records(source.kind, records, file_idx, stats, on_reject)
    except OSError as exc:
        raise read_failed(source.key, exc) from exc
    stats.sha256 = digest.hexdigest()


def read_lines(key: str, numbers: set[int]) -> dict[int, str]:
    """The raw text of some lines of a file or object, for records rejected after staging
    (duplicates)."""
    found: dict[int, str] = {}
    with open_source(key) as handle:
        for current, raw in enumerate(handle, start=1):
            if current in numbers:
                if current == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                found[current] = decode_raw(raw.rstrip(b"\r\n"))
    return found


def duplicate_rejects(duplicates: Iterable[tuple[int, int]],
                      key_of: Callable[[int], str]) -> list[tuple[int, int, str, str, str]]:
    """The reject rows (file_idx, line, raw, reason, code) of events found to be replays after
    parsing, by either engine: each file read once for its raw lines (`key_of(file_idx)`)."""
    pairs = sorted(set(duplicates))
    wanted: dict[int, set[int]] = {}
    for idx, line in pairs:
        wanted.setdefault(idx, set()).add(line)
    raw = {idx: read_lines(key_of(idx), lines) for idx, lines in wanted.items()}
    return [(idx, line, raw[idx].get(line, ""), DUPLICATE_REASON, RejectCode.DUPLICATE.value)
            for idx, line in pairs]
