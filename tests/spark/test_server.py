"""`sparkify lake serve` and `lake build --server` (spark/server.py): a real server process and
real clients. Builds through it equal builds in process, a new day too; a client that goes away
stops its build and the server goes on; a server killed midway leaves the lake as it was, its
client says so in one line, and a new server takes the socket over; a connection that says
nothing is dropped and holds no one up; two clients at once are built one after the other; a
build that fails in Spark is one line to its client, and the server goes on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sparkify.spark.build import build
from sparkify.spark.lake import Lake
from sparkify.spark.server import HANDSHAKE_SECONDS, key_file
from tests.support.engines import FAST_START_ARGS
from tests.support.faults import CLI
from tests.support.helpers import copy_sample, event, write_log
from tests.support.lakes import LAKE_TABLES, lake_rows

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]

# COLUMNS: a client's lines unwrapped (rich wraps them at 80 columns off a terminal)
ENV = dict(os.environ, PYSPARK_PYTHON=sys.executable, COLUMNS="1000")
LATE = 1541105830796 + 40 * 86400_000  # the adversarial root's last day, 11 December 2018


class Server:
    """`sparkify lake serve SOCKET --master local[2]`, its log in a file (a pipe would be held
    open by its JVM too)."""

    def __init__(self, folder: Path) -> None:
        self.socket, self.log = folder / "lake.sock", folder / "server.log"
        with open(self.log, "wb") as log:
            self.process = psutil.Popen([*CLI, "lake", "serve", str(self.socket), "--master",
                                         "local[2]", *FAST_START_ARGS], env=ENV,
                                        stdout=log, stderr=subprocess.STDOUT)
        self.wait_for("lake server ready on", 180)  # a dead server's key may still be there
        assert key_file(self.socket).exists()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, words: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while words not in self.text():
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, f"{words!r} not in the server's log"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.is_running():
            self.process.terminate()
            self.process.wait(timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def two_days(shared_spark, sample_root, tmp_path_factory):
    """The sample's songs and first two days of logs, and their lake built in process:
    (root, lake, result). Small: a few seconds' build through a server."""
    base = tmp_path_factory.mktemp("two-days")
    root, lake = base / "root", base / "lake"
    copy_sample(sample_root, root, range(1, 3))
    return root, lake, build(shared_spark.live(), root, str(lake))


def started(root: Path, lake: Path, server: Server, *extra: str) -> psutil.Popen:
    """`lake build ROOT LAKE --server` under way, its output piped."""
    return psutil.Popen([*CLI, "lake", "build", str(root), str(lake), "--server",
                         str(server.socket), *extra], env=ENV, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)


def client(root: Path, lake: Path, server: Server, *extra: str) -> subprocess.CompletedProcess:
    process = started(root, lake, server, "--json", *extra)
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def built_through(root: Path, lake: Path, server: Server) -> dict:
    done = client(root, lake, server)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_same(lake: Path, version: str, reference: Path, ref_version: str) -> None:
    for table in (*LAKE_TABLES, "manifest", "names"):
        assert lake_rows(lake, version, table) == lake_rows(reference, ref_version, table), table


def test_builds_through_the_server_equal_builds_in_process(server, adversarial_lake, shared_spark,
                                                           tmp_path):
    """Every bad record and tie of the adversarial root, built by the server, as in process;
    then a new day, built by day, as the whole root in one go; then nothing to do."""
    root, reference, ref = adversarial_lake
    lake = tmp_path / "lake"
    first = built_through(root, lake, server)
    assert first["built"] and first["tables"] == ref.tables
    assert_same(lake, first["version"], reference, ref.version)

    days = tmp_path / "days"
    shutil.copytree(root, days)
    built_through(days, tmp_path / "days-lake", server)
    write_log(days, "2018/12/z.json", [event(ts=LATE + 1000, userId="5", lastName="Latest")])
    added = built_through(days, tmp_path / "days-lake", server)
    assert added["files"]["loaded"] == 1 and added["partitions"]["songs"]["written"] == 0
    whole = build(shared_spark.live(), days, str(tmp_path / "whole"))
    assert_same(tmp_path / "days-lake", added["version"], tmp_path / "whole", whole.version)

    again = built_through(days, tmp_path / "days-lake", server)
    assert not again["built"] and again["version"] == added["version"]


def test_what_is_wrong_is_one_line(server, tmp_path, sample_root):
    missing = client(sample_root, tmp_path / "lake", server, "--master", "local[1]")
    assert missing.returncode == 2 and "give --master and --conf to" in missing.stderr
    nowhere = client(tmp_path / "nowhere", tmp_path / "lake", server)
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr and len(nowhere.stderr.splitlines()) == 1
    gone = subprocess.run([*CLI, "lake", "build", str(sample_root), str(tmp_path / "lake"),
                           "--server", str(tmp_path / "none.sock")], env=ENV,
                          capture_output=True, text=True, timeout=120, check=False)
    assert gone.returncode == 2 and "no lake server on" in gone.stderr
    assert "sparkify lake serve" in gone.stderr and len(gone.stderr.splitlines()) == 1
    second = subprocess.run([*CLI, "lake", "serve", str(server.socket)], env=ENV,
                            capture_output=True, text=True, timeout=120, check=False)
    assert second.returncode == 2 and "already runs on" in second.stderr
    # the socket and its key are the server's user's alone
    assert server.socket.stat().st_mode & 0o077 == 0
    assert key_file(server.socket).stat().st_mode & 0o777 == 0o600
    # a key others could have written is refused before anything is read from its socket
    fake = tmp_path / "fake.sock"
    key_file(fake).write_bytes(b"k" * 32)
    key_file(fake).chmod(0o644)
    foreign = subprocess.run([*CLI, "lake", "build", str(sample_root), str(tmp_path / "lake"),
                              "--server", str(fake)], env=ENV, capture_output=True, text=True,
                             timeout=120, check=False)
    assert foreign.returncode == 2 and "is not this user's alone" in foreign.stderr
    # a path that is not a socket is never removed to make room for one
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    taken = subprocess.run([*CLI, "lake", "serve", str(notes)], env=ENV, capture_output=True,
                           text=True, timeout=120, check=False)
    assert taken.returncode == 2 and "is not a lake server's" in taken.stderr
    assert notes.read_text() == "mine"
    assert not (tmp_path / "lake").exists() or not any((tmp_path / "lake").iterdir())


def _started_writing(lake: Path, process: psutil.Popen, seconds: float = 120) -> None:
    """Wait until the build has a version folder (its steps under way)."""
    deadline = time.monotonic() + seconds
    while not list(lake.glob("versions/*")):
        assert process.poll() is None, "the build ended before it was cut short"
        assert time.monotonic() < deadline, "the build did not start"
        time.sleep(0.05)


def test_a_client_that_goes_away_stops_its_build(server, k10_root, sample_root, tmp_path):
    """Its jobs are cancelled at once: it stops well before a whole build's time."""
    started = time.monotonic()
    built_through(k10_root, tmp_path / "whole", server)
    whole = time.monotonic() - started
    lake = tmp_path / "lake"
    builder = psutil.Popen([*CLI, "lake", "build", str(k10_root), str(lake), "--server",
                            str(server.socket), "--json"], env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _started_writing(lake, builder)
    builder.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    server.wait_for(f"{lake}: the client went away; the build stopped")
    stopped = time.monotonic() - killed
    # 0.2 s here, 7 s without the cancelling (the build went on to its next stage), of 18 s
    assert stopped < whole / 6, f"stopped {stopped:.1f} s after its client; a build: {whole:.1f}"
    assert not (lake / "_current").exists()
    after = built_through(sample_root, tmp_path / "next", server)  # the server goes on
    assert after["built"] and after["tables"]["songplays"] == 6820


def test_a_server_killed_midway_leaves_the_lake_as_it_was(k10_root, sample_root, tmp_path):
    dying = Server(tmp_path)
    lake = tmp_path / "lake"
    builder = psutil.Popen([*CLI, "lake", "build", str(k10_root), str(lake), "--server",
                            str(dying.socket), "--json"], env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    _started_writing(lake, builder)
    jvms = [p for p in dying.process.children(recursive=True) if p.name() == "java"]
    dying.process.kill()
    _, err = builder.communicate(timeout=60)
    assert builder.returncode == 2 and "stopped before the build ended" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert not (lake / "_current").exists()
    _, alive = psutil.wait_procs(jvms, timeout=30)
    assert not alive, "the killed server's JVM outlived it"

    again = Server(tmp_path)  # the socket it left is taken over
    try:
        assert built_through(sample_root, tmp_path / "next", again)["built"]
        again.process.send_signal(signal.SIGINT)  # Ctrl-C
        again.process.wait(timeout=120)
    finally:
        again.stop()
    assert again.process.returncode == 0 and "lake server stopping" in again.text()
    assert not again.socket.exists() and not key_file(again.socket).exists()


def test_a_silent_connection_holds_no_one_up(server, two_days, tmp_path):
    """A process that connects and says nothing (no key, no request) is dropped after
    HANDSHAKE_SECONDS; another client is served meanwhile. (Before, the server's accept() sent
    it the key's challenge and waited for its answer for ever, serving no one.)"""
    root, reference, ref = two_days
    with socket.socket(socket.AF_UNIX) as silent:
        silent.connect(str(server.socket))
        opened = time.monotonic()
        builder = started(root, tmp_path / "lake", server, "--json")
        try:
            silent.settimeout(HANDSHAKE_SECONDS + 10)
            while silent.recv(1024):  # the key's challenge, then the end
                pass
            dropped = time.monotonic() - opened
            out, err = builder.communicate(timeout=300)
        finally:
            if builder.poll() is None:
                builder.kill()
    assert HANDSHAKE_SECONDS - 1 < dropped < HANDSHAKE_SECONDS + 10, dropped
    assert builder.returncode == 0, err
    result = json.loads(out)
    assert result["built"]
    assert_same(tmp_path / "lake", result["version"], reference, ref.version)


def _mtimes(lake: Path) -> list[int]:
    return [path.lstat().st_mtime_ns for path in lake.rglob("*")]


def test_two_clients_at_once_are_built_one_after_the_other(server, two_days, tmp_path):
    root, reference, ref = two_days
    lakes = [tmp_path / "a", tmp_path / "b"]
    clients = [started(root, lake, server, "--json") for lake in lakes]
    for lake, process in zip(lakes, clients, strict=True):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        result = json.loads(out)
        assert result["built"]
        assert_same(lake, result["version"], reference, ref.version)
    # one at a time: the lake built second has no file older than the last change to the first
    # (its lock file is made as its build starts, its _current as the first's build ends)
    first, second = sorted(lakes, key=lambda lake: (lake / "_current").stat().st_mtime_ns)
    assert max(_mtimes(first)) <= min(_mtimes(second))


def test_two_clients_of_one_lake_at_once(server, two_days, tmp_path):
    """The second waits its turn (the server's, not the lake lock's `another build is
    writing`), then finds the lake up to date: one line, exit 0, as if it had come later."""
    root, lake = two_days[0], tmp_path / "lake"
    clients = [started(root, lake, server) for _ in range(2)]
    outs = [process.communicate(timeout=300) for process in clients]
    assert [process.returncode for process in clients] == [0, 0], outs
    assert [err for _, err in outs] == ["", ""]
    version, files = Lake(lake).current(), len(list(root.rglob("*.json")))
    built, up_to_date = sorted((out for out, _ in outs), key=lambda out: "up to date" in out)
    assert f"lake {lake}: version {version}" in built.splitlines()
    assert up_to_date.splitlines() == [
        f"lake {lake} is up to date (version {version}): {files} files unchanged"]
    server.wait_for(f"{lake}: up to date")


def test_a_spark_failure_is_one_line_and_the_server_goes_on(server, sample_root, tmp_path):
    """A file of the lake's current version damaged (its bytes no longer match their checksum):
    the next day's build reads it and fails in Spark. Its client says so in one line; the lake
    stays as it was; the server goes on, and builds the day once the file is mended."""
    root, lake = tmp_path / "root", tmp_path / "lake"
    copy_sample(sample_root, root, range(1, 2))
    first = built_through(root, lake, server)
    copy_sample(sample_root, root, range(2, 3))  # a new day: built on the current songs
    damaged = next(Lake(lake).table_path(first["version"], "songs").rglob("*.parquet"))
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[:-16] + bytes(16))
    logged = len(server.text())
    failed = client(root, lake, server)
    assert failed.returncode == 2 and not failed.stdout, failed.stderr
    assert failed.stderr.startswith("sparkify: error: the Spark build failed: "), failed.stderr
    assert damaged.name in failed.stderr and f"the lake {lake} is as it was" in failed.stderr
    assert len(failed.stderr.splitlines()) == 1
    assert Lake(lake).current() == first["version"]
    server.wait_for(f"{lake}: the Spark build failed: ")
    assert server.process.poll() is None and "Traceback" not in server.text()[logged:]

    damaged.write_bytes(whole)
    after = built_through(root, lake, server)
    assert after["built"] and after["files"]["loaded"] == 1
