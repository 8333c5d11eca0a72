"""The PostgreSQL plugin: one real server for the session, a fresh database for each test.

The server is the embedded one (started here, stopped at the end) unless DATABASE_URL is set.
Each test gets its own database cloned from a template (CREATE DATABASE … TEMPLATE), so tests
never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import replace

import pytest
from psycopg import sql

from sparkify.config import Settings, load_settings
from sparkify.postgres.db import connect, ensure_database
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.schema import create_all
from sparkify.postgres.server import EmbeddedServer
from tests.support.prerequisites import SAMPLE

EMPTY_TEMPLATE = "sparkify_test_empty"
SAMPLE_TEMPLATE = "sparkify_test_sample"
_counter = itertools.count()


def _external() -> bool:
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("SPARKIFY_TEST_SERVER"))


def pytest_runtest_setup(item):
    if item.get_closest_marker("embedded") and _external():
        pytest.skip("exercises only the embedded server (this pass runs on a server of its own)")
    if item.get_closest_marker("first_pass") and os.environ.get("SPARKIFY_TEST_SERVER"):
        pytest.skip("ran in the first pass; what it adds on this server, others cover")
    if os.environ.get("SPARKIFY_TEST_SERVER") and "pg_server" not in item.fixturenames:
        # the second pass is for the server: what does not use one ran in the first
        pytest.skip("uses no PostgreSQL server: run once, in the first pass")


def _settings(database: str | None = None) -> Settings:
    base = load_settings()
    return Settings(home=base.home, database_url=base.database_url, database=database,
                    data_root=base.data_root)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """Environment of a running server: SPARKIFY_HOME (embedded) or DATABASE_URL (external)."""
    saved = os.environ.get("SPARKIFY_HOME")
    server = None
    pg15 = None
    if os.environ.get("SPARKIFY_TEST_SERVER") == "pg15" and not os.environ.get("DATABASE_URL"):
        # the second pass: a real PostgreSQL 15 over TCP, scram passwords (tests/support/pg15.py)
        from tests.support.pg15 import Pg15Server

        pg15 = Pg15Server().start()
        os.environ["DATABASE_URL"] = pg15.url()
    if not os.environ.get("DATABASE_URL"):
        home = tmp_path_factory.mktemp("sparkify-home")
        os.environ["SPARKIFY_HOME"] = str(home)
        # fsync off: test data is thrown away, and tests should not wait on the disk
        os.environ.setdefault("SPARKIFY_PG_OPTIONS", "-c fsync=off -c synchronous_commit=off")
        server = EmbeddedServer(home.absolute())
        server.ensure_running()
    settings = _settings()
    for template, loaded in ((EMPTY_TEMPLATE, False), (SAMPLE_TEMPLATE, True)):
        ensure_database(settings, template, drop=True)
        with connect(_settings(template), autocommit=True) as conn:
            create_all(conn)
        if loaded and SAMPLE.is_dir():
            load(_settings(template), SAMPLE, notify=lambda message: None)
    yield settings
    if server is None:
        # someone else's server: leave it as we found it (an embedded one is deleted whole)
        with connect(settings, "postgres", autocommit=True) as conn:
            for (name,) in conn.execute("SELECT datname FROM pg_database"
                                        " WHERE datname LIKE 'sparkify_test%'").fetchall():
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
                    sql.Identifier(name)))
    if pg15 is not None:
        pg15.stop()
        os.environ.pop("DATABASE_URL", None)
    if server is not None:
        server.stop()
        if server.server_dir != server.home / "server":
            shutil.rmtree(server.server_dir, ignore_errors=True)
    if saved is None:
        os.environ.pop("SPARKIFY_HOME", None)
    else:
        os.environ["SPARKIFY_HOME"] = saved


def _clone(template: str, monkeypatch) -> Settings:
    name = f"sparkify_test_{os.getpid()}_{next(_counter)}"
    with connect(_settings(), "postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    monkeypatch.setenv("SPARKIFY_DATABASE", name)
    return _settings(name)


@pytest.fixture
def settings(pg_server, monkeypatch) -> Settings:
    """A fresh database with the schema and no rows; SPARKIFY_DATABASE points at it."""
    return _clone(EMPTY_TEMPLATE, monkeypatch)


@pytest.fixture
def sample_settings(pg_server, monkeypatch, sample_root) -> Settings:
    """A fresh database holding the real sample, loaded once per session."""
    return _clone(SAMPLE_TEMPLATE, monkeypatch)


@pytest.fixture
def second(settings, pg_server):
    """A second fresh database beside `settings`'s, dropped after."""
    name = f"{settings.database}_b"
    with connect(replace(pg_server, database="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    other = replace(settings, database=name)
    with connect(other, autocommit=True) as conn:
        create_all(conn)
    yield other
    with connect(replace(pg_server, database="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def conn(settings):
    with connect(settings, autocommit=True) as connection:
        yield connection
