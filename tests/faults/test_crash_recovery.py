"""The embedded server killed (kill -9 of the postmaster): the next command recovers it.

Each test runs its own embedded server (the suite's is left alone) and kills it the way a
crash, an out-of-memory kill or a reboot would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from sparkify.postgres.server import EmbeddedServer
from tests.support.faults import CLI, rerun_equals_clean

pytestmark = pytest.mark.embedded


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A server of this test's own, started; the environment points every command at it."""
    home = (tmp_path / "home").absolute()
    monkeypatch.setenv("SPARKIFY_HOME", str(home))
    for name in ("DATABASE_URL", "SPARKIFY_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    server = EmbeddedServer(home)
    server.ensure_running()
    yield server
    server.stop()
    if server.server_dir != server.home / "server":
        shutil.rmtree(server.server_dir, ignore_errors=True)


def kill_postmaster(server: EmbeddedServer) -> int:
    """kill -9 the postmaster, as a crash would, and wait until it is gone."""
    pid = server.running_info()["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


def log_text(server: EmbeddedServer) -> str:
    return server.log_file.read_text(errors="replace")


def test_a_crash_inside_a_truncate_of_an_unlogged_table_does_not_stop_the_next_start(server):
    """PostgreSQL's first start after such a crash replays the WAL, then fails: `could not
    create file …: File exists` (the issue's case). The loader TRUNCATEs its unlogged staging
    tables for every batch; the next command must start the server anyway."""
    conn = psycopg.connect(server.url("postgres"), autocommit=True)
    conn.execute("CREATE UNLOGGED TABLE staged (x int); INSERT INTO staged VALUES (1)")
    conn.execute("CREATE TABLE kept (x text); INSERT INTO kept VALUES ('committed')")
    conn.execute("BEGIN")
    conn.execute("TRUNCATE staged")  # a new relation file, its init fork WAL-logged
    with psycopg.connect(server.url("postgres"), autocommit=True) as other:
        other.execute("SET synchronous_commit = on")
        other.execute("CREATE TABLE flushed ()")  # the WAL before it reaches the disk
    kill_postmaster(server)
    conn.close()
    server.ensure_running()
    assert re.search(r'FATAL:\s+could not create file "[^"]+": File exists', log_text(server)), \
        "the crash did not reproduce PostgreSQL's failed first start"
    with psycopg.connect(server.url("postgres")) as conn:
        assert conn.execute("SELECT x FROM kept").fetchall() == [("committed",)]
        assert conn.execute("SELECT count(*) FROM staged").fetchone() == (0,)  # unlogged: reset


def test_a_stale_pid_file_naming_another_live_process_is_not_taken_for_the_server(server):
    """After a reboot the dead postmaster's pid may belong to another program."""
    server.stop()
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        pidfile = server.pgdata / "postmaster.pid"
        lines = [str(stranger.pid), str(server.pgdata), "1700000000", "5432",
                 str(server.socket_dir()), "", "  1234  5", "ready   "]
        pidfile.write_text("\n".join(lines) + "\n")
        assert server.running_info() is None
        done = subprocess.run([*CLI, "init"], check=False, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert server.running_info()["pid"] != stranger.pid
        assert stranger.poll() is None  # the other program was left alone
    finally:
        stranger.kill()
        stranger.wait()


def test_a_server_still_shutting_down_is_waited_for(server):
    """A smart shutdown waits for its sessions to end; a command arriving meanwhile waits too,
    then starts the server again."""
    held = psycopg.connect(server.url("postgres"), autocommit=True)
    bin_dir = server._bin_dir()
    server._run([str(bin_dir / "pg_ctl"), "-D", str(server.pgdata), "-m", "smart", "-W", "stop"],
                "stop")
    deadline = time.monotonic() + 10
    while "stopping" not in (server.pgdata / "postmaster.pid").read_text():
        assert time.monotonic() < deadline, "the server never said it was stopping"
        time.sleep(0.05)
    old = int((server.pgdata / "postmaster.pid").read_text().split()[0])
    threading.Timer(2.0, held.close).start()
    server.ensure_running()
    new = server.running_info()
    assert new is not None and new["pid"] != old


# -- a load killed at many points ------------------------------------------------------------

PHASES = {  # what the loading sessions run in each phase of a load (pg_stat_activity.query)
    "copy": re.compile(r"^\s*COPY\b"),
    "transform": re.compile(r"INSERT INTO public\.(events|songplays|users|time)\b"),
    "index": re.compile(r"\bCREATE INDEX\b"),
}
KILLS = ("copy", "transform", "copy", "transform", "index", "copy")


def _wait_for_phase(server: EmbeddedServer, phase: str, load: subprocess.Popen) -> bool:
    """Poll the loader's sessions until one runs a statement of `phase`; False if the load
    ended first."""
    pattern = PHASES[phase]
    while server.running_info() is None:  # the load starts the server the last kill stopped
        if load.poll() is not None:
            return False
        time.sleep(0.01)
    with psycopg.connect(server.url("postgres"), autocommit=True) as watcher:
        while load.poll() is None:
            rows = watcher.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = 'sparkifydb' "
                "AND state = 'active' AND pid <> pg_backend_pid()").fetchall()
            if any(pattern.search(query) for (query,) in rows):
                return True
            time.sleep(0.005)
    return False


@pytest.mark.slow
def test_a_load_killed_with_its_server_at_six_points_ends_as_a_clean_load(server, tmp_path):
    data = tmp_path / "k10"
    subprocess.run([*CLI, "generate", str(data), "--scale", "10"], check=True,
                   capture_output=True, timeout=120)
    hit: list[str] = []
    for phase in KILLS:
        load = subprocess.Popen([*CLI, "load", str(data), "--no-check"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if _wait_for_phase(server, phase, load):
            kill_postmaster(server)
            hit.append(phase)
        _, err = load.communicate(timeout=120)
        if hit and hit[-1] == phase and load.returncode != 0:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("sparkify: error:"), err
            assert load.returncode == 2
        # the next command starts the server: nothing to do by hand
    assert len(hit) >= 5 and set(hit) == set(PHASES), f"phases hit: {hit}"

    rerun_equals_clean(server.home, data)
