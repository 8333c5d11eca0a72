"""Which UTC day a log file holds, and a file filter that selects days for a load.

The app writes one log file per UTC day, named for it: log_data/YYYY/MM/YYYY-MM-DD-events.json.
A daily load (`api.load(root, days=…)`, the Dagster partitions) reads the log files of its
days by that name, and with them every song file and every log file whose name carries no
date: those belong to no day, so whichever load comes first takes them (once: the manifest).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def log_day(key: str) -> str | None:
    """The day (YYYY-MM-DD) in a log file's name (the last one there), or None."""
    name = key.rstrip("/").rsplit("/", 1)[-1]
    for year, month, day in reversed(_DAY.findall(name)):
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:  # 2018-13-45 is not a day
            continue
    return None


def day_keys(days: Iterable[str | dt.date]) -> frozenset[str]:
    """Days as YYYY-MM-DD keys; a bad one is a ValueError naming it."""
    keys = set()
    for day in days:
        text = day.isoformat() if isinstance(day, dt.date) else str(day)
        keys.add(dt.date.fromisoformat(text).isoformat())
    return frozenset(keys)


@dataclass(frozen=True)
class DayFilter:
    """A load's file filter (LoadOptions.select): song files, undated log files, and the log
    files of `days`. A plain value, so it pickles like the rest of a load's options."""

    days: frozenset[str]

    def __call__(self, key: str, kind: str) -> bool:
        if kind != "log":
            return True
        day = log_day(key)
        return day is None or day in self.days
