"""A reader role polls the warehouse throughout a K=10 load: every snapshot it takes is whole.

At each snapshot (one REPEATABLE READ transaction): each loaded file's manifest row agrees with
its rows in songplays, events and rejects, and its counts balance; no play lacks its time or
users row; the analytics views answer.
"""

from __future__ import annotations

import subprocess

import psycopg
import pytest
from faults import CLI

from sparkify.core.sqltext import read_sql
from sparkify.postgres.server import EmbeddedServer

pytestmark = pytest.mark.embedded  # the reader is created by grant-read on the embedded server

READER = "faults_reader"
VIEWS = ("popular_songs", "daily_active_users", "user_top_artists", "session_summary",
         "catalog_match_rate")
ORPHAN_PLAYS = """SELECT count(*) FROM songplays s
                  LEFT JOIN time t ON t.start_time = s.start_time
                  LEFT JOIN users u ON u.user_id = s.user_id
                  WHERE t.start_time IS NULL OR u.user_id IS NULL"""


def check_snapshot(conn: psycopg.Connection) -> int:
    """The invariants, in one snapshot; the number of files loaded so far."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files = conn.execute("SELECT count(*) FROM sparkify.manifest").fetchone()[0]
        for check in ("checks/manifest_files", "checks/manifest_balance"):
            assert conn.execute(read_sql(check)).fetchall() == [], (check, files)
        assert conn.execute(ORPHAN_PLAYS).fetchone() == (0,), files
        for view in VIEWS:
            conn.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
    return files


def test_a_reader_sees_a_whole_warehouse_at_every_snapshot_of_a_load(settings, tmp_path):
    data = tmp_path / "k10"
    subprocess.run([*CLI, "generate", str(data), "--scale", "10"], check=True,
                   capture_output=True, timeout=120)
    subprocess.run([*CLI, "grant-read", READER], check=True, capture_output=True, timeout=120)
    url = EmbeddedServer(settings.home).url(settings.database or "sparkifydb", READER)
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
