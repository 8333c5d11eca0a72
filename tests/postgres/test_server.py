"""The embedded server: where its socket goes, and that its data outlives a stop."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from sparkify.postgres import server as server_mod
from sparkify.postgres.server import PORT, SOCKET_PATH_MAX, EmbeddedServer


def socket_path(server: EmbeddedServer) -> str:
    return str(server.socket_dir() / f".s.PGSQL.{PORT}")


@pytest.fixture
def as_user(monkeypatch):
    """Folders as a user who is not root sees them: the data lives under SPARKIFY_HOME."""
    monkeypatch.setattr(server_mod, "_running_as_root", lambda: False)


def test_a_long_home_gets_a_socket_folder_within_the_limit(tmp_path, as_user):
    home = tmp_path / ("a-rather-long-folder-name-" * 5) / "project" / ".sparkify"
    server = EmbeddedServer(home)
    assert server.pgdata == home / "server" / "pgdata"
    assert len(str(server.pgdata / f".s.PGSQL.{PORT}")) > SOCKET_PATH_MAX
    assert server.socket_dir() != server.pgdata
    assert len(socket_path(server).encode()) <= SOCKET_PATH_MAX
    # the same home always finds the same socket; another long home another one
    assert EmbeddedServer(home).socket_dir() == server.socket_dir()
    assert EmbeddedServer(home / "other").socket_dir() != server.socket_dir()
    assert f"host={server.socket_dir()}" in server.url("sparkifydb")


def test_a_deep_temporary_folder_is_not_used_for_the_socket(tmp_path, as_user, monkeypatch):
    deep = tmp_path / ("t" * 100)
    deep.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(deep))
    server = EmbeddedServer(tmp_path / ("h" * 100))
    assert len(socket_path(server).encode()) <= SOCKET_PATH_MAX


def test_a_short_home_keeps_the_socket_in_the_data_folder(as_user):
    # short whatever the temporary folder (pytest's can be deep): paths only, nothing written
    server = EmbeddedServer(Path("/tmp/s/.sparkify"))
    assert server.socket_dir() == server.pgdata
    assert len(socket_path(server).encode()) <= SOCKET_PATH_MAX


def test_a_multibyte_home_is_measured_in_bytes(tmp_path, as_user):
    # a path of exactly the limit in characters, but more in bytes: "é" is two bytes
    suffix = len(f"/server/pgdata/.s.PGSQL.{PORT}")
    count = SOCKET_PATH_MAX - len(str(tmp_path)) - 1 - suffix
    if count < 1:
        pytest.skip("the temporary folder is too deep for this case")
    server = EmbeddedServer(tmp_path / ("é" * count))
    assert len(str(server.pgdata / f".s.PGSQL.{PORT}")) == SOCKET_PATH_MAX
    assert len(socket_path(server).encode()) <= SOCKET_PATH_MAX


def test_as_root_the_data_lives_in_a_folder_made_for_it(tmp_path, monkeypatch):
    monkeypatch.setattr(server_mod, "_running_as_root", lambda: True)
    home = tmp_path / ("deep-" * 30)
    server = EmbeddedServer(home)
    assert server.server_dir.parent == server_mod.ROOT_SERVER_BASE
    assert server.server_dir != EmbeddedServer(tmp_path / "other").server_dir
    assert len(socket_path(server).encode()) <= SOCKET_PATH_MAX


def test_restart_after_stop_reuses_the_data(tmp_path):
    server = EmbeddedServer(tmp_path / "home")
    try:
        server.ensure_running()
        pid = server.running_info()["pid"]
        server.ensure_running()  # already running: the same server
        assert server.running_info()["pid"] == pid
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE kept")
        with psycopg.connect(server.url("kept"), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (x text); INSERT INTO t VALUES ('still here')")

        assert server.stop() is True
        assert server.running_info() is None
        assert server.stop() is False
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.url("kept"), connect_timeout=5).close()

        server.ensure_running()
        with psycopg.connect(server.url("kept")) as conn:
            assert conn.execute("SELECT x FROM t").fetchall() == [("still here",)]
    finally:
        server.stop()
        if server.server_dir != server.home / "server":
            shutil.rmtree(server.server_dir, ignore_errors=True)


def test_a_folder_that_is_no_data_folder_is_not_overwritten(tmp_path, as_user):
    home = tmp_path / "home"
    server = EmbeddedServer(home)
    server.pgdata.mkdir(parents=True)
    (server.pgdata / "precious.txt").write_text("mine")
    from sparkify.errors import SparkifyError

    with pytest.raises(SparkifyError, match="holds no PostgreSQL data folder"):
        server._initdb(Path("/nonexistent-bin"))
    assert (server.pgdata / "precious.txt").read_text() == "mine"


def test_the_server_starts_with_bulk_load_settings_that_the_user_can_override(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("SPARKIFY_PG_OPTIONS", "-c fsync=off -c max_wal_size=2GB")
    server = EmbeddedServer(tmp_path / "home")
    try:
        server.ensure_running()
        with psycopg.connect(server.url("postgres")) as conn:
            def show(name: str) -> str:
                return conn.execute(f"SHOW {name}").fetchone()[0]
            assert (show("shared_buffers"), show("checkpoint_timeout")) == ("512MB", "30min")
            assert show("max_wal_size") == "2GB"  # the user's option wins over ours (8GB)
            assert show("fsync") == "off"
        assert "max_wal_size=8GB" in server_mod.SERVER_SETTINGS
    finally:
        server.stop()
        if server.server_dir != server.home / "server":
            shutil.rmtree(server.server_dir, ignore_errors=True)


def test_a_server_whose_home_folder_was_removed_still_stops(tmp_path):
    """As root the data lives outside SPARKIFY_HOME: removing the home (or cloning the
    project again at the same path) leaves its server running, and `db stop` must stop it."""
    if not server_mod._running_as_root():
        pytest.skip("as a user the data lives inside the home: removing it removes the server")
    server = EmbeddedServer(tmp_path / "home")
    try:
        server.ensure_running()
        shutil.rmtree(server.home)
        assert server.stop() is True
        assert server.running_info() is None
    finally:
        server.stop()
        shutil.rmtree(server.server_dir, ignore_errors=True)
