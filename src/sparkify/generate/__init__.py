"""Synthetic Sparkify data in the exact source format, at any size, streamed to disk.

The real sample is too small to prove speed and cannot ship with the repository, so this package
writes a data root that the loader cannot tell from the real one: the same layout, field order,
JSON types and byte-level quirks (song files as `json.dumps` writes them; log lines compact, with
`\\/` and `\\uXXXX` escapes, and no newline after a file's last line).

How it stays fast and flat:
- Nothing is stored per song, and per user only the level and when the next session may
  start: every attribute is a pure function of (seed, index) through a 64-bit mixer, so a
  catalog of a million songs costs no memory. Names, titles and lengths are rendered to JSON
  once per process, into small tables that every play picks from.
- Sessions are simulated whole when they start (a user never has two at once). Each event goes
  to the bucket of its hour as (ts, template, values); once an hour has started all its
  sessions, its bucket is sorted by time, formatted and appended to the day's file. Memory
  holds that hour and what open sessions put into the next few, not the data set.
- Each log line is one `bytes % tuple` on a per-session template that already holds the
  user's fields; a random draw or two per event picks the page, song and gap.
- The event budget is spent hour by hour: each hour starts sessions for its share (by the
  daily rhythm) of what is left, so `events=N` writes exactly N events.

The package's modules, in the order data flows: `words` (lists names are made of), `ids`
(hashes, ids, escapes), `catalog` (songs and artists), `users`, `pages`, `simulation`
(sessions into hourly buckets) and `writer` (song and log files); `config` holds what to make.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from sparkify.errors import OptionError, SparkifyError
from sparkify.generate.config import (
    DEFAULT_MATCH_RATE,
    DEFAULT_SEED,
    DEFAULT_START,
    DEMO_DAYS,
    DEMO_EVENTS,
    MAX_EVENTS,
    SAMPLE_DAYS,
    SAMPLE_EVENTS,
    SAMPLE_SONGS,
    SAMPLE_USERS,
    GenerateConfig,
    GenerateResult,
)
from sparkify.generate.simulation import Simulation
from sparkify.generate.writer import DayWriter, write_catalog

__all__ = [
    "DEFAULT_MATCH_RATE", "DEFAULT_SEED", "DEFAULT_START", "DEMO_DAYS", "DEMO_EVENTS",
    "MAX_EVENTS", "SAMPLE_DAYS", "SAMPLE_EVENTS", "SAMPLE_SONGS", "SAMPLE_USERS",
    "GenerateConfig", "GenerateResult", "generate",
]


def generate(out: Path, config: GenerateConfig, force: bool = False,
             progress: Callable[[int, int], None] | None = None) -> GenerateResult:
    """Write a data root (song_data/ and log_data/) under `out`; same config, same bytes.

    `progress(days_done, events_written)` is called after each simulated day.
    """
    config.validate()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SparkifyError(f"{out} exists and is not a folder; choose another")
    existing = [out / sub for sub in ("song_data", "log_data") if (out / sub).exists()]
    if existing and not force:
        raise OptionError(f"{out} already holds {existing[0].name}/; pass {{force}} to replace "
                          "song_data/ and log_data/ there, or choose an empty folder",
                          force="force=True")
    started = time.perf_counter()
    try:
        for folder in existing:
            shutil.rmtree(folder)
        out.mkdir(parents=True, exist_ok=True)
        result = GenerateResult(out=str(out.resolve()), config=asdict(config))
        simulation = Simulation(config, result)
        catalog_started = time.perf_counter()
        write_catalog(out, simulation.songs, result)
        result.song_seconds = time.perf_counter() - catalog_started
        simulation.run(DayWriter(out, result), progress)
    except OSError as exc:
        raise SparkifyError(f"cannot write under {out}: {exc.strerror or exc}") from exc
    result.pages = {page: n for page, n in simulation.pages.items() if n}
    result.seconds = time.perf_counter() - started
    return result
