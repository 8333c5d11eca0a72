"""What the tests comparing the two engines share: each warehouse table as a sorted list of
rows (surrogate ids aside; each row's file named by its manifest path), a comparison that says
which rows differ, and the Spark settings that make the tests' short jobs start fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sparkify.spark.session import QUICK_COMPILER
from tests.support.helpers import query

# Each table as a sorted list of rows, with the file a row came from named by its path.
SNAPSHOT = {
    "songplays": """SELECT start_time, user_id, level, song_id, artist_id, session_id,
                           item_in_session, location, user_agent, song_title, artist_name,
                           song_length, m.path, source_line
                    FROM songplays JOIN sparkify.manifest m ON m.file_id = source_file_id""",
    "events": """SELECT event_time, user_id, session_id, item_in_session, page, method, status,
                        auth, level, first_name, last_name, gender, location, user_agent,
                        registration, song, artist, length, m.path, source_line
                 FROM events JOIN sparkify.manifest m ON m.file_id = source_file_id""",
    "users": "SELECT * FROM users",
    "songs": "SELECT * FROM songs",
    "artists": "SELECT * FROM artists",
    "time": "SELECT * FROM time",
    "user_song_plays": "SELECT * FROM user_song_plays",
    "manifest": """SELECT path, kind, size_bytes, mtime_ns, etag, sha256, records_read,
                          records_loaded, song_plays, other_pages, rejected
                   FROM sparkify.manifest""",
    "rejects": "SELECT path, line_number, raw, reason, reason_code FROM sparkify.rejects",
    "names": "SELECT verbatim, repaired FROM sparkify.names",
    # what people read: names repaired (core/names.py)
    "popular_songs": "SELECT * FROM popular_songs",
    "popular_artists": "SELECT * FROM popular_artists",
    "user_profiles": "SELECT * FROM user_profiles",
}

# The tests' jobs are short: the JVMs' quick compiler alone (no C2) makes a build of the sample
# on two cores take about 60% of the time (measured: 31 s instead of 52 on the cluster, cold),
# on the cluster's executors too. With the code cache kept at its size: see spark/session.py.
FAST_START = {"spark.driver.extraJavaOptions": QUICK_COMPILER,
              "spark.executor.extraJavaOptions": QUICK_COMPILER}
FAST_START_ARGS = [arg for key, value in FAST_START.items() for arg in ("--conf", f"{key}={value}")]


def snapshot(settings) -> dict[str, list[tuple]]:
    return {table: sorted(query(settings, text), key=repr) for table, text in SNAPSHOT.items()}


def _shown(row: tuple, width: int = 400) -> str:
    text = repr(row)
    return text if len(text) <= width else f"{text[:width]}… ({len(text)} characters)"


def differences(left: list[tuple], right: list[tuple], names=("spark", "load"),
                most: int = 8) -> str:
    """The rows only one side has (each side's first `most`), one a line; '' when equal."""
    counted: dict[tuple, int] = {}
    for row in left:
        counted[row] = counted.get(row, 0) + 1
    for row in right:
        counted[row] = counted.get(row, 0) - 1
    only = {names[0]: [r for r, n in counted.items() if n > 0],
            names[1]: [r for r, n in counted.items() if n < 0]}
    lines = []
    for side, rows in only.items():
        lines += [f"  only in {side} ({len(rows)} rows):"]
        lines += [f"    {_shown(row)}" for row in sorted(rows, key=repr)[:most]]
    return "\n".join(lines) if any(only.values()) else ""


def assert_same_warehouse(spark_db, pg_db) -> None:
    """Every table equal, row for row; else each differing table with its differing rows."""
    left, right = snapshot(spark_db), snapshot(pg_db)
    report = [f"{table}:\n{found}" for table in SNAPSHOT
              if (found := differences(left[table], right[table]))]
    assert not report, "the two warehouses differ\n" + "\n".join(report)


# spark.sparkify.parse's Spark-reader path (spark/read.py): chosen by size otherwise, and the
# tests' roots are small enough to be parsed on the driver
NATIVE = {"spark.sparkify.parse": "native"}


@contextlib.contextmanager
def spark_conf(spark: Any, settings: dict[str, str]) -> Iterator[Any]:
    """`spark` with `settings` set for the block, unset after it."""
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield spark
    finally:
        for key in settings:
            spark.conf.unset(key)

