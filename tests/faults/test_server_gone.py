"""Your own server going away mid-load: a cut connection, a stalled one, a restart.

A real PostgreSQL 15 on loopback (tests/support/pg15.py), reached through a TCP proxy this test
controls. Each fault ends the load with one line (exit 2) naming the server, within the bound
the README states; what committed is whole; and a rerun equals a clean load.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import threading
import time

import psycopg
import pytest

from sparkify.config import Settings
from tests.support.faults import CLI, nothing_half_loaded
from tests.support.loads import snapshot
from tests.support.pg15 import BIN, Pg15Server, available
from tests.support.prerequisites import missing

TIMEOUT = 4  # SPARKIFY_SERVER_TIMEOUT for these tests: a stall ends within 1.5× that


class Proxy:
    """A TCP proxy on loopback that can cut its connections or hold their bytes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.flowing = asyncio.Event()
        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        started.wait(10)

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.flowing.set()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:  # the server is down (restarting): refuse, as a path to it would
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer),
                             return_exceptions=True)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Bytes one way until that side ends; its end, clean or a reset, ends the other side
        too (the client waiting on a reply must hear the server went, whichever way it went)."""
        try:
            while data := await reader.read(1 << 16):
                await self.flowing.wait()  # stalled: hold the bytes, read no more
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def _call(self, action) -> None:
        asyncio.run_coroutine_threadsafe(action(), self.loop).result(10)

    def cut(self) -> None:
        """Close every connection, both ends, at once (a reset path)."""
        async def cut():
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()
        self._call(cut)

    def stall(self) -> None:
        async def stall():
            self.flowing.clear()
        self._call(stall)

    def resume(self) -> None:
        async def resume():
            self.flowing.set()
        self._call(resume)

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def pg15():
    if not available():
        missing("PostgreSQL 15", "apt-get install postgresql-15")
    server = Pg15Server().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def k10(tmp_path_factory):
    data = tmp_path_factory.mktemp("k10")
    subprocess.run([*CLI, "generate", str(data), "--scale", "10"], check=True,
                   capture_output=True, timeout=120)
    return data


@pytest.fixture(scope="module")
def clean(pg15, k10, tmp_path_factory):
    """The tables of a clean load, straight to the server."""
    settings = _settings(pg15, pg15.url(database="clean"), k10)
    _run("load", str(k10), "--no-check", url=pg15.url(), database="clean", check=True)
    return snapshot(settings)


@pytest.fixture
def proxy(pg15):
    proxy = Proxy(pg15.port)
    yield proxy
    proxy.close()


def _settings(pg15, url: str, data) -> Settings:
    return Settings(home=data, database_url=url, database=None, data_root=data)


def _env(url: str, database: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SPARKIFY_DATABASE": database,
           "SPARKIFY_SERVER_TIMEOUT": str(TIMEOUT)}
    env.pop("SPARKIFY_TEST_SERVER", None)
    return env


def _run(*args: str, url: str, database: str, check: bool = False):
    return subprocess.run([*CLI, *args], env=_env(url, database), capture_output=True,
                          text=True, timeout=300, check=check)


def _load_until_busy(pg15, proxy: Proxy, data, database: str) -> subprocess.Popen:
    """A load through the proxy, returned once it is staging or transforming a batch."""
    load = subprocess.Popen([*CLI, "load", str(data), "--no-check"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env=_env(proxy_url(pg15, proxy), database))
    busy = re.compile(r"^\s*COPY\b|INSERT INTO public\.")
    with psycopg.connect(pg15.url(), autocommit=True) as watcher:
        while load.poll() is None:
            rows = watcher.execute("SELECT query FROM pg_stat_activity WHERE datname = %s AND "
                                   "state = 'active'", [database]).fetchall()
            if any(busy.search(query) for (query,) in rows):
                return load
            time.sleep(0.005)
    pytest.fail(f"the load ended before it was busy: {load.stderr.read()}")


def proxy_url(pg15, proxy: Proxy) -> str:
    return pg15.url().replace(f":{pg15.port}/", f":{proxy.port}/")


def _one_line(load: subprocess.Popen, within: float) -> str:
    try:
        _, err = load.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        load.kill()
        load.communicate()
        raise
    lines = [line for line in err.splitlines() if line.strip()]
    assert load.returncode == 2 and len(lines) == 1, err
    assert lines[0].startswith("sparkify: error:"), err
    return lines[0]


def _nothing_half_loaded(pg15, database: str) -> None:
    nothing_half_loaded(_env(pg15.url(), database))


def _rerun_equals_clean(pg15, proxy: Proxy, data, database: str, clean) -> None:
    done = _run("load", str(data), "--no-check", url=proxy_url(pg15, proxy), database=database)
    assert done.returncode == 0, done.stderr
    assert snapshot(_settings(pg15, pg15.url(database=database), data)) == clean


@pytest.mark.slow
def test_a_connection_cut_mid_load_ends_it_in_one_line_and_a_rerun_completes(
        pg15, proxy, k10, clean):
    load = _load_until_busy(pg15, proxy, k10, "cut")
    proxy.cut()
    line = _one_line(load, within=30)
    assert f"127.0.0.1:{proxy.port}" in line, line
    _nothing_half_loaded(pg15, "cut")
    _rerun_equals_clean(pg15, proxy, k10, "cut", clean)


@pytest.mark.slow
def test_a_server_that_stops_answering_ends_the_load_within_the_bound(pg15, proxy, k10, clean):
    load = _load_until_busy(pg15, proxy, k10, "stall")
    proxy.stall()
    stalled_at = time.monotonic()
    line = _one_line(load, within=60)
    waited = time.monotonic() - stalled_at
    assert "has not answered" in line and f"127.0.0.1:{proxy.port}" in line, line
    assert waited <= 1.5 * TIMEOUT + 5, f"the load waited {waited:.1f} s"  # +5: exit, busy host
    proxy.cut()  # the path comes back: the server sees its sessions end and rolls them back
    proxy.resume()
    _nothing_half_loaded(pg15, "stall")
    _rerun_equals_clean(pg15, proxy, k10, "stall", clean)


@pytest.mark.slow
def test_the_server_restarted_mid_load_ends_it_in_one_line_and_a_rerun_completes(
        pg15, proxy, k10, clean):
    load = _load_until_busy(pg15, proxy, k10, "restart")
    pg15._run(str(BIN / "pg_ctl"), "-D", str(pg15.data), "-l", str(pg15.base / "log"),
              "-m", "fast", "-w", "restart")
    line = _one_line(load, within=60)
    assert f"127.0.0.1:{proxy.port}" in line, line
    _nothing_half_loaded(pg15, "restart")
    _rerun_equals_clean(pg15, proxy, k10, "restart", clean)


@pytest.mark.slow
def test_the_staging_process_names_the_server_too(pg15, proxy, tmp_path):
    """The load's second process (staging) may be the first to see the server go: its line
    names the server as the main process's does (CI once saw it without)."""
    from sparkify.postgres.db import database_error

    url = proxy_url(pg15, proxy)
    with psycopg.connect(url, autocommit=True) as conn:
        proxy.cut()
        with pytest.raises(psycopg.OperationalError) as lost:
            conn.execute("SELECT 1")
    line = str(database_error(lost.value, lambda: _settings(pg15, url, tmp_path),
                              "while staging"))
    assert line.startswith("database error while staging: "), line
    assert f"127.0.0.1:{proxy.port}" in line and "ended the connection" in line, line
