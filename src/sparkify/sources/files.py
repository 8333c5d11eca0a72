"""Where the source files are: a local folder or an object store, behind one interface.

A data root is a folder or a URL (`s3://bucket/prefix`, or any other file system fsspec knows:
`gs://`, `az://`, `file://`) that holds song_data/ and log_data/. Either way the loader sees
the same thing: `SourceFile`s with a key (the absolute path, or the object's URL: what the
manifest records), a size, a version token (the mtime; for an object, its ETag) and `open()`.

Listing streams: a folder is walked one sorted folder at a time, a bucket one page of a
thousand keys at a time, so memory does not grow with the number of files. Objects are fetched
a few at a time side by side (`opened`), as one request per small song file would otherwise
leave the parser waiting on the network.

Credentials and the endpoint come from where the AWS tools look for them (AWS_PROFILE,
AWS_ACCESS_KEY_ID…, AWS_ENDPOINT_URL[_S3]); SPARKIFY_ANON=1 (`--anon`) reads without any.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

from sparkify.errors import SparkifyError
from sparkify.sources.store import filesystem, store_errors

KINDS = (("song", "song_data"), ("log", "log_data"))
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
FETCH_THREADS = 16  # objects fetched side by side
FETCH_AHEAD_BYTES = 32 << 20  # bytes of fetched objects held ahead of the parser at most
FETCH_WHOLE_MAX = 8 << 20  # objects up to this size are fetched whole; larger ones stream
READ_BLOCK = 4 << 20  # an object that streams is read this much at a time
LIST_PAGE = 1000  # keys taken from a listing at a time (S3 returns up to 1,000 per request)

Root = str | Path


@dataclass(frozen=True)
class SourceFile:
    """One source file or object; `key` is the manifest's key, absolute or a URL."""

    key: str
    kind: str  # "song" or "log"
    size: int
    mtime_ns: int  # a file's mtime; an object's last-modified time
    etag: str | None = None  # an object's ETag: with the size, what says it is unchanged

    def __post_init__(self) -> None:
        if not isinstance(self.key, str):  # a Path, as callers that walk folders pass
            object.__setattr__(self, "key", os.fspath(self.key))

    @property
    def path(self) -> Path:
        """The file's path (local files only)."""
        return Path(self.key)

    @property
    def is_object(self) -> bool:
        return is_url(self.key)

    def open(self) -> BinaryIO:
        return open_source(self.key, self.size)


def is_url(root: Root) -> bool:
    """A URL of a file system other than the local one (`file://` is a local folder)."""
    return isinstance(root, str) and bool(_URL.match(root)) and not root.startswith("file://")


def normalise_root(root: Root) -> Root:
    """`file://` URLs become paths, so a folder has one key whichever way it is named."""
    if isinstance(root, str) and root.startswith("file://"):
        return Path(root.removeprefix("file://") or "/")
    if isinstance(root, str) and not is_url(root):
        return Path(root)
    if isinstance(root, str):
        return root.rstrip("/")
    return root


def describe_root(root: Root) -> str:
    """The data root as the load's result shows it: the absolute folder, or the URL."""
    root = normalise_root(root)
    return root if isinstance(root, str) else str(root.resolve())


def discover(root: Root) -> list[SourceFile]:
    """Every *.json under root/song_data and root/log_data, songs first, each sorted by key."""
    return [SourceFile(*entry) for entry in find_sources(root)]


def find_sources(root: Root) -> Iterator[tuple[str, str, int, int, str | None]]:
    """`discover` as (key, kind, size, mtime_ns, etag), one file at a time: memory does not
    grow with the number of files, and no objects are built for files that are not loaded.

    A wrong root is an error at once; an unreadable folder or broken link when reached.
    Hidden files and folders (".ipynb_checkpoints", editor swap files) are not data.
    """
    root = normalise_root(root)
    if isinstance(root, str):
        return _find_objects(root)
    if not root.exists():
        raise SparkifyError(f"data root {root} does not exist; pass the folder that holds "
                            "song_data/ and log_data/")
    if not root.is_dir():
        raise SparkifyError(f"data root {root} is not a folder")
    root = root.resolve()
    if not any((root / sub).is_dir() for _, sub in KINDS):
        raise SparkifyError(f"{root} holds neither song_data/ nor log_data/; pass the folder "
                            "that holds them")
    for _, sub in KINDS:
        if (root / sub).exists() and not (root / sub).is_dir():
            raise SparkifyError(f"{root / sub} is not a folder; song_data and log_data are "
                                "the folders that hold the JSON files")
    _check_name(str(root))
    return ((path, kind, st.st_size, st.st_mtime_ns, None)
            for kind, sub in KINDS if (root / sub).is_dir()
            for path, st in _sorted_walk(str(root / sub),
                                         frozenset({os.path.realpath(root / sub)})))


# -- local folders ------------------------------------------------------------------------------


def _sorted_walk(folder: str, above: frozenset[str]) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of the *.json files under `folder`, in the order of their path strings.
    `above`: the real paths of the folders walked down to it (a link back to one is a loop).

    A folder sorts by its name + "/", the prefix of every path below it, so walking each
    folder's sorted entries yields the same order as sorting all paths, without holding them.
    A link to a folder is walked as the folder (data linked in is data); a pipe, socket or
    device named *.json is an error, as reading it could wait for ever.
    """
    try:
        with os.scandir(folder) as scan:
            entries = [(entry.name + "/" if entry.is_dir() else entry.name, entry)
                       for entry in scan if not entry.name.startswith(".")]
    except OSError as exc:  # an unreadable folder is an error, not a silently smaller load
        _unreadable(exc)
    entries.sort(key=lambda pair: pair[0])
    for key, entry in entries:
        if not key.endswith(("/", ".json")):
            continue
        _check_name(entry.path)
        if key.endswith("/"):
            real = os.path.realpath(entry.path)
            if real in above:
                raise SparkifyError(f"{entry.path} links back to a folder above it ({real}); "
                                    "remove the link and load again")
            yield from _sorted_walk(entry.path, above | {real})
            continue
        try:
            st = entry.stat()  # follows a link: a broken one is an error
        except OSError as exc:
            _unreadable(exc)
        if not stat.S_ISREG(st.st_mode):
            raise SparkifyError(f"cannot read {entry.path}: not a regular file (a pipe, socket "
                                "or device); fix or remove it and load again")
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


# -- object stores ------------------------------------------------------------------------------


def _find_objects(url: str) -> Iterator[tuple[str, str, int, int, str | None]]:
    """Check the root now (a missing bucket or prefix, no access: an error before anything
    is written), then list its objects when iterated."""
    fs, base = filesystem(url)
    with store_errors(url):
        names = {_leaf(info["name"]) for info in fs.ls(base, detail=True, refresh=True)
                 if info.get("type") == "directory"}
    kinds = [(kind, sub) for kind, sub in KINDS if sub in names]
    if not kinds:
        raise SparkifyError(f"{url} holds neither song_data/ nor log_data/; pass the prefix "
                            "that holds them")
    return _list_objects(url, fs, base, kinds)


def _list_objects(url: str, fs, base: str, kinds: list[tuple[str, str]]
                  ) -> Iterator[tuple[str, str, int, int, str | None]]:
    protocol = url.split("://", 1)[0].lower()
    protocol = "s3" if protocol == "s3a" else protocol  # one key per object, however named
    for kind, sub in kinds:
        prefix = f"{base.rstrip('/')}/{sub}/"
        with store_errors(url + "/" + sub):
            for info in _walk_store(fs, prefix):
                name = info["name"]
                relative = name[len(prefix):]
                if (info.get("type") == "directory" or not relative.endswith(".json")
                        or any(part.startswith(".") for part in relative.split("/"))):
                    continue
                yield (f"{protocol}://{name}", kind, int(info["size"]),
                       _mtime_ns(info), _etag(info))


def _walk_store(fs, prefix: str) -> Iterator[dict]:
    """Info of every object under `prefix`, in key order, a page at a time.

    S3 lists a prefix flat, a thousand keys a request (s3fs's paginated listing); another
    file system is walked one sorted folder at a time, as a local folder is.
    """
    pages = getattr(fs, "_iterdir", None)
    if pages is not None and getattr(fs, "loop", None) is not None:
        from fsspec.asyn import sync

        bucket, key, _ = fs.split_path(prefix)
        listing = pages(bucket, prefix=key, delimiter="")
        while page := sync(fs.loop, _take, listing, LIST_PAGE):
            page.sort(key=lambda info: info["name"])  # S3 lists in key order; others may not
            yield from page
        return
    yield from _walk_folders(fs, prefix.rstrip("/"))


async def _take(listing, count: int) -> list[dict]:
    """The next `count` entries of an async listing (fewer at its end)."""
    page = []
    async for info in listing:
        page.append(info)
        if len(page) >= count:
            break
    return page


def _walk_folders(fs, folder: str) -> Iterator[dict]:
    entries = sorted(fs.ls(folder, detail=True, refresh=True),
                     key=lambda info: info["name"] + ("/" if info["type"] == "directory" else ""))
    for info in entries:
        if _leaf(info["name"]).startswith("."):
            continue
        if info["type"] == "directory":
            yield from _walk_folders(fs, info["name"])
        else:
            yield info


def _leaf(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def _etag(info: dict) -> str | None:
    tag = info.get("ETag") or info.get("etag")
    return str(tag).strip('"') if tag else None


def _mtime_ns(info: dict) -> int:
    """Last-modified time in ns (0 when the store gives none: the ETag then decides)."""
    value = info.get("LastModified") or info.get("last_modified") or info.get("mtime")
    if value is None:
        return 0
    if hasattr(value, "timestamp"):
        return int(value.timestamp() * 1_000_000) * 1000
    return int(float(value) * 1_000_000_000)


# -- reading ------------------------------------------------------------------------------------


def open_source(key: str, size: int | None = None) -> BinaryIO:
    """A file's or object's bytes, read as a stream (`size`, when known, spares a request)."""
    if not is_url(key):
        return open(key, "rb")
    fs, path = filesystem(key)
    with store_errors(key):
        extra = {"size": size} if size is not None else {}
        handle = fs.open(path, "rb", block_size=READ_BLOCK, **extra)
    return io.BufferedReader(_Guarded(handle, key), buffer_size=1 << 20)


class _Guarded(io.RawIOBase):
    """A store's file whose read errors become one-line SparkifyErrors naming the object."""

    def __init__(self, handle, key: str) -> None:
        self._handle, self._key = handle, key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with store_errors(self._key):
            data = self._handle.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def fetch(key: str) -> bytes:
    """A whole file's or object's bytes."""
    if not is_url(key):
        with open(key, "rb") as handle:
            return handle.read()
    fs, path = filesystem(key)
    with store_errors(key):
        return fs.cat_file(path)


def opened(sources: Iterable[SourceFile]
           ) -> Generator[tuple[SourceFile, BinaryIO | None], None, None]:
    """Each source with its bytes, in order: fetched already, or None (open it yourself).

    Objects up to FETCH_WHOLE_MAX are fetched FETCH_THREADS at a time ahead of the reader,
    at most FETCH_AHEAD_BYTES of them held. Local files and larger objects are None: they
    stream when their turn comes. Memory stays bounded whatever the number of objects.
    """
    ahead: list[tuple[SourceFile, Future[bytes] | None]] = []
    held = 0
    iterator = iter(sources)
    with ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="fetch") as pool:
        try:
            while True:
                while len(ahead) < 2 * FETCH_THREADS and held < FETCH_AHEAD_BYTES:
                    source = next(iterator, None)
                    if source is None:
                        break
                    whole = source.is_object and source.size <= FETCH_WHOLE_MAX
                    ahead.append((source, pool.submit(fetch, source.key) if whole else None))
                    held += source.size if whole else 0
                if not ahead:
                    return
                source, pending = ahead.pop(0)
                if pending is None:
                    yield source, None
                    continue
                held -= source.size
                yield source, io.BytesIO(pending.result())
        finally:
            for _, pending in ahead:
                if pending is not None:
                    pending.cancel()


def read_failed(key: str, exc: OSError) -> SparkifyError:
    """The one-line error of a listed file or object that could not be read (gone since, or
    unreadable)."""
    return SparkifyError(f"cannot read {key}: {exc.strerror or exc}")


def file_sha256(key: str | Path) -> str:
    """The SHA-256 of a file's or object's bytes, read a block at a time."""
    import hashlib

    digest = hashlib.sha256()
    key = os.fspath(key)
    try:
        with open_source(key) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise read_failed(key, exc) from exc
    return digest.hexdigest()
