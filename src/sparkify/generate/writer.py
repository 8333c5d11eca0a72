"""Writing a data root: song_data/, one file per song, and log_data/, one file per day."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from sparkify.generate.catalog import Songs
from sparkify.generate.config import GenerateResult

_WRITE_CHUNK = 2_048  # lines formatted and written at once


class DayWriter:
    """One file per UTC day, written as the hours come; no newline after its last line."""

    def __init__(self, out: Path, result: GenerateResult) -> None:
        self.out = out
        self.result = result
        self.day: date | None = None
        self.handle: BinaryIO | None = None
        self.events = 0

    def write_hour(self, hour_start_ms: int, events: list[tuple[int, bytes, tuple]]) -> None:
        """Format and append one hour's (ts, template, values), a few thousand lines at a time."""
        day = datetime.fromtimestamp(hour_start_ms // 1000, UTC).date()
        if day != self.day:
            self.close()
            folder = self.out / "log_data" / f"{day:%Y}" / f"{day:%m}"
            folder.mkdir(parents=True, exist_ok=True)
            self.handle = open(folder / f"{day:%Y-%m-%d}-events.json", "wb")  # noqa: SIM115
            self.day = day
            self.result.log_files += 1
            separator = b""
        else:
            separator = b"\n"
        handle = self.handle
        assert handle is not None  # opened above for the first hour of every day
        for first in range(0, len(events), _WRITE_CHUNK):
            data = separator + b"\n".join([template % values for _, template, values
                                           in events[first:first + _WRITE_CHUNK]])
            handle.write(data)
            self.result.bytes_written += len(data)
            separator = b"\n"
        self.events += len(events)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.result.events = self.events


def write_catalog(out: Path, songs: Songs, result: GenerateResult) -> None:
    """One song per file, as the Million Song Dataset subset ships them."""
    made: set[Path] = set()
    for i in range(songs.catalog):
        relative, record = songs.song_record(i)
        path = out / relative
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = json.dumps(record).encode("ascii")
        # os.open/write/close: the fewest system calls per file, which is what small files cost
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        result.bytes_written += len(data)
    result.song_files = songs.catalog
    result.songs = songs.catalog
    result.artists = songs.catalog_artists


