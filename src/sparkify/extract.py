"""Find the source files, then stream their records through the rules of records.py.

Every record read ends up either as a typed row ready for COPY or as a reject with its line
number, raw text and reason: nothing is dropped silently. Files are read line by line (song
files, which hold one small object, whole), so memory does not grow with the input.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from .errors import SparkifyError
from .records import BOM, FileStats, OnReject, decode_raw, log_records, parse_records, song_records

KINDS = (("song", "song_data"), ("log", "log_data"))
WHOLE_FILE_MAX = 8 << 20  # song files up to this size are read whole (one object, any layout)

@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute; the manifest's key
    kind: str  # "song" or "log"
    size: int
    mtime_ns: int


def discover(root: Path) -> list[SourceFile]:
    """Every *.json under root/song_data and root/log_data, songs first, each sorted by path."""
    return [SourceFile(Path(path), kind, size, mtime_ns)
            for path, kind, size, mtime_ns in find_sources(root)]


def find_sources(root: Path) -> Iterator[tuple[str, str, int, int]]:
    """`discover` as (path, kind, size, mtime_ns), one file at a time: memory does not grow
    with the number of files, and no objects are built for files that are not loaded.

    A wrong root is an error at once; an unreadable folder or broken link when reached.
    Hidden files and folders (".ipynb_checkpoints", editor swap files) are not data.
    """
    if not root.exists():
        raise SparkifyError(f"data root {root} does not exist; pass the folder that holds "
                            "song_data/ and log_data/")
    if not root.is_dir():
        raise SparkifyError(f"data root {root} is not a folder")
    root = root.resolve()
    if not any((root / sub).is_dir() for _, sub in KINDS):
        raise SparkifyError(f"{root} holds neither song_data/ nor log_data/; pass the folder "
                            "that holds them")
    _check_name(str(root))
    return ((path, kind, st.st_size, st.st_mtime_ns)
            for kind, sub in KINDS if (root / sub).is_dir()
            for path, st in _sorted_walk(str(root / sub)))


def _sorted_walk(folder: str) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of the *.json files under `folder`, in the order of their path strings.

    A folder sorts by its name + "/", the prefix of every path below it, so walking each
    folder's sorted entries yields the same order as sorting all paths, without holding them.
    """
    try:
        with os.scandir(folder) as scan:
            entries = [(entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name,
                        entry) for entry in scan if not entry.name.startswith(".")]
    except OSError as exc:  # an unreadable folder is an error, not a silently smaller load
        _unreadable(exc)
    entries.sort(key=lambda pair: pair[0])
    for key, entry in entries:
        if not key.endswith(("/", ".json")):
            continue
        _check_name(entry.path)
        if key.endswith("/"):
            yield from _sorted_walk(entry.path)
            continue
        try:
            st = entry.stat()  # follows a link: a broken one is an error
        except OSError as exc:
            _unreadable(exc)
        if not stat.S_ISDIR(st.st_mode):  # a link to a folder is not walked, as os.walk does
            yield entry.path, st


def _check_name(path: str) -> None:
    """The manifest keeps paths as text: a name that is not UTF-8 cannot be recorded."""
    if path.isascii():
        return
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise SparkifyError(f"the name of {shown} is not UTF-8 text; rename it and load again"
                            ) from None


def _unreadable(exc: OSError) -> NoReturn:
    broken = " (a broken link?)" if isinstance(exc, FileNotFoundError) else ""
    raise SparkifyError(f"cannot read {exc.filename}: {exc.strerror or exc}{broken}; "
                        "fix or remove it and load again") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise SparkifyError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


def parse_file(source: SourceFile, file_idx: int, stats: FileStats,
               on_reject: OnReject | None = None) -> Iterator[tuple]:
    """Rows of one file for COPY, by the rules of records.py; its hash goes to `stats`.

    A rejected record goes to `on_reject(line, raw, reason, code)` when given (the stager
    copies it out, so a file of bad lines is not held in memory), else to `stats.rejects`.
    """
    digest = hashlib.sha256()
    try:
        with open(source.path, "rb") as handle:
            if source.kind == "song" and source.size <= WHOLE_FILE_MAX:
                data = handle.read()
                digest.update(data)
                records: Iterator[tuple[int, bytes]] = song_records(data)
            else:
                records = log_records(handle, digest)
            yield from parse_records(source.kind, records, file_idx, stats, on_reject)
    except OSError as exc:
        raise SparkifyError(f"cannot read {source.path}: {exc.strerror or exc}") from exc
    stats.sha256 = digest.hexdigest()


def read_lines(path: Path, numbers: set[int]) -> dict[int, str]:
    """The raw text of some lines, for records rejected after staging (duplicates)."""
    found: dict[int, str] = {}
    with open(path, "rb") as handle:
        for current, raw in enumerate(handle, start=1):
            if current in numbers:
                if current == 1 and raw.startswith(BOM):
                    raw = raw[len(BOM):]
                found[current] = decode_raw(raw.rstrip(b"\r\n"))
    return found
