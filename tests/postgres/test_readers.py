"""A reader role polls the warehouse throughout a K=10 load, and a `lake publish` of a K=10
lake: every snapshot it takes is whole.

At each snapshot (one REPEATABLE READ transaction): each loaded file's manifest row agrees with
its rows in songplays, events and rejects, and its counts balance; no play lacks its time or
users row; the analytics views answer. During a publish, which replaces the whole warehouse in
one transaction, each snapshot is moreover the old warehouse or the new one, by its row counts.
"""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from sparkify.core.sqltext import read_sql
from sparkify.postgres.server import EmbeddedServer
from tests.support.faults import CLI

pytestmark = pytest.mark.embedded  # the reader is created by grant-read on the embedded server

READER = "faults_reader"
VIEWS = ("popular_songs", "daily_active_users", "user_top_artists", "session_summary",
         "catalog_match_rate")
ORPHAN_PLAYS = """SELECT count(*) FROM songplays s
                  LEFT JOIN time t ON t.start_time = s.start_time
                  LEFT JOIN users u ON u.user_id = s.user_id
                  WHERE t.start_time IS NULL OR u.user_id IS NULL"""


COUNTED = ("sparkify.manifest", "sparkify.rejects", "events", "songplays", "users", "songs",
           "artists", "time", "user_song_plays")
COUNTS = "SELECT " + ", ".join(f"(SELECT count(*) FROM {table})" for table in COUNTED)


def check_snapshot(conn: psycopg.Connection, counts: list | None = None) -> int:
    """The invariants, in one snapshot; the number of files loaded so far. `counts`, when
    given, gets the snapshot's row count of each COUNTED table."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files = conn.execute("SELECT count(*) FROM sparkify.manifest").fetchone()[0]
        for check in ("checks/manifest_files", "checks/manifest_balance"):
            assert conn.execute(read_sql(check)).fetchall() == [], (check, files)
        assert conn.execute(ORPHAN_PLAYS).fetchone() == (0,), files
        for view in VIEWS:
            conn.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
        if counts is not None:
            counts.append(conn.execute(COUNTS).fetchone())
    return files


def reader_url(settings) -> str:
    subprocess.run([*CLI, "grant-read", READER], check=True, capture_output=True, timeout=120)
    return EmbeddedServer(settings.home).url(settings.database or "sparkifydb", READER)


def test_a_reader_sees_a_whole_warehouse_at_every_snapshot_of_a_load(settings, k10_root):
    data = k10_root
    url = reader_url(settings)
    load = subprocess.Popen([*CLI, "load", str(data), "--no-check"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    with psycopg.connect(url, autocommit=True) as reader:
        while load.poll() is None:
            seen.append(check_snapshot(reader))
        _, err = load.communicate(timeout=300)
        assert load.returncode == 0, err
        seen.append(check_snapshot(reader))
    total = seen[-1]
    partial = [files for files in seen if 0 < files < total]
    print(f"\n{len(seen)} snapshots during the load, {len(partial)} of a part-loaded warehouse")
    assert total == 740 and partial, seen  # the load was watched midway, not only after


@pytest.mark.slow
@pytest.mark.usefixtures("java")
def test_a_reader_sees_the_old_or_the_new_warehouse_throughout_a_lake_publish(
        sample_settings, k10_lake):
    """The old warehouse: the sample, loaded by `sparkify load`; the new: a K=10 lake
    (tests/plugins/spark.py's, built once for the run)."""
    lake, built = k10_lake
    assert built.built
    url = reader_url(sample_settings)
    old: list[tuple] = []
    seen: list[tuple] = []
    with psycopg.connect(url, autocommit=True) as reader:
        check_snapshot(reader, old)
        publish = subprocess.Popen([*CLI, "lake", "publish", str(lake)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while publish.poll() is None:
            check_snapshot(reader, seen)
        _, err = publish.communicate(timeout=300)
        assert publish.returncode == 0, err
        new: list[tuple] = []
        assert check_snapshot(reader, new) == 740
    assert old[0] != new[0] and old[0][0] == 101  # the sample's 101 files, then K=10's 740
    others = [counts for counts in seen if counts not in (old[0], new[0])]
    print(f"\n{len(seen)} snapshots during the publish: "
          f"{sum(c == old[0] for c in seen)} of the old warehouse, "
          f"{sum(c == new[0] for c in seen)} of the new, {len(others)} of neither")
    assert seen and not others, (COUNTED, old[0], new[0], others[:5])
