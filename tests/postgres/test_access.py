"""Least privilege: a role that owns one database and nothing more, and a reader role.

Runs on the suite's server, whichever it is (the embedded PostgreSQL 18, or PostgreSQL 15 on
loopback with scram passwords in the second pass). The owner has no SUPERUSER, CREATEDB or
CREATEROLE, and may not connect to the `postgres` maintenance database.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from sparkify.postgres.db import connect, server_conninfo
from tests.support.prerequisites import REPO

ENV_KEYS = ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE",
            "SPARKIFY_DATABASE", "PGPASSWORD", "PGUSER")


@dataclass
class Roles:
    database: str
    owner: str
    reader: str
    password: str
    admin_conninfo: str  # the suite's superuser, on the role's database

    def url(self, role: str, password: str | None = None, database: str | None = None) -> str:
        return make_conninfo(self.admin_conninfo, user=role,
                             password=self.password if password is None else password,
                             dbname=database or self.database)


def run(*args: str, url: str, cwd: Path = REPO, **extra: str) -> subprocess.CompletedProcess:
    """A command in its own process, with DATABASE_URL as the only server setting."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(DATABASE_URL=url, **extra)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def sparkify(*args: str, url: str, **extra: str) -> subprocess.CompletedProcess:
    return run("-m", "sparkify", *args, url=url, **extra)


def admin(roles: Roles, database: str | None = None) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(roles.admin_conninfo, dbname=database or roles.database),
                           autocommit=True)


@pytest.fixture(scope="module")
def roles(pg_server):
    """An owner role and its database, and a reader role; dropped afterwards."""
    tag = f"{os.getpid()}"
    made = Roles(database=f"sparkify_test_lp_{tag}", owner=f"sparkify_owner_{tag}",
                 reader=f"sparkify_reader_{tag}", password=secrets.token_urlsafe(12),
                 admin_conninfo=server_conninfo(pg_server, "postgres"))
    with admin(made, "postgres") as conn:
        for role in (made.owner, made.reader):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 "PASSWORD {}").format(sql.Identifier(role),
                                                       sql.Literal(made.password)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(made.database), sql.Identifier(made.owner)))
        # a managed server's owner role often may not reach the maintenance database
        conn.execute("REVOKE CONNECT ON DATABASE postgres FROM PUBLIC")
    try:
        yield made
    finally:
        with admin(made, "postgres") as conn:
            conn.execute("GRANT CONNECT ON DATABASE postgres TO PUBLIC")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(made.database)))
            for role in (made.reader, made.owner):
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def database_oid(roles: Roles) -> int:
    with admin(roles, "postgres") as conn:
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = %s",
                           [roles.database]).fetchone()
        assert row is not None, "the database is gone"
        return int(row[0])


def star_counts(roles: Roles) -> tuple:
    with admin(roles) as conn:
        row = conn.execute("""
            SELECT (SELECT count(*) FROM songplays), (SELECT count(*) FROM users),
                   (SELECT count(*) FROM songs), (SELECT count(*) FROM artists),
                   (SELECT count(*) FROM time)""").fetchone()
    assert row is not None
    return tuple(row)


def assert_no_secret(roles: Roles, *results: subprocess.CompletedProcess) -> None:
    for result in results:
        assert roles.password not in result.stdout + result.stderr


def assert_one_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr


@pytest.fixture(scope="module")
def loaded(roles, sample_root):
    """The classic scripts run as the owner: create_tables.py, then etl.py on the sample."""
    with admin(roles) as conn:
        conn.execute("CREATE TABLE owners_own (x int)")  # not the project's: must survive
        conn.execute(sql.SQL("ALTER TABLE owners_own OWNER TO {}").format(
            sql.Identifier(roles.owner)))
    before = database_oid(roles)
    url = roles.url(roles.owner)
    created = run("create_tables.py", url=url)
    etl = run("etl.py", str(sample_root), url=url)
    assert created.returncode == 0, created.stderr
    assert etl.returncode == 0, etl.stderr
    assert_no_secret(roles, created, etl)
    assert database_oid(roles) == before  # emptied in place, never dropped
    return roles


def test_owner_role_runs_the_classic_scripts_on_the_sample(loaded):
    roles = loaded
    assert star_counts(roles) == (6820, 97, 71, 69, 6813)
    with admin(roles) as conn:
        assert conn.execute("SELECT to_regclass('public.owners_own') IS NOT NULL").fetchone()[0]
        owners = {row[0] for row in conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('public', 'sparkify')")}
    assert owners == {roles.owner}
    checked = sparkify("check", "--json", url=roles.url(roles.owner))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert all(result["passed"] for result in json.loads(checked.stdout)["checks"])
    located = sparkify("db", "status", url=roles.url(roles.owner))  # without `postgres`
    assert located.returncode == 0 and "reachable" in located.stdout, located.stdout
    assert_no_secret(roles, checked, located)


def test_rerunning_create_tables_empties_the_database_in_place(loaded, sample_root):
    roles = loaded
    before = database_oid(roles)
    url = roles.url(roles.owner)
    for command in (("create_tables.py",), ("-m", "sparkify", "init", "--drop")):
        emptied = run(*command, url=url)
        assert emptied.returncode == 0, emptied.stderr
        assert database_oid(roles) == before
        assert star_counts(roles) == (0, 0, 0, 0, 0)
    again = run("etl.py", str(sample_root), url=url)
    assert again.returncode == 0, again.stderr
    assert star_counts(roles) == (6820, 97, 71, 69, 6813)


def test_a_database_the_role_may_not_create_is_one_line_and_nothing_is_made(roles):
    missing = f"{roles.database}_missing"
    for command in (("create_tables.py",), ("-m", "sparkify", "init"),
                    ("-m", "sparkify", "load", "../shared/data/sparkify-sample")):
        result = run(*command, url=roles.url(roles.owner, database=missing))
        assert result.returncode == 2, result.stderr
        assert_one_line(result)
        assert "CREATEDB" in result.stderr or "does not exist" in result.stderr, result.stderr
        assert_no_secret(roles, result)
    with admin(roles, "postgres") as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            [missing]).fetchone()[0] == 0


def test_rebuild_refused_before_any_drop_when_the_role_lacks_a_privilege(loaded, sample_root):
    roles = loaded
    with admin(roles) as conn:  # a table of the warehouse that the owner does not own
        conn.execute("ALTER TABLE public.time OWNER TO CURRENT_USER")
    try:
        refused = run("create_tables.py", url=roles.url(roles.owner))
        assert refused.returncode == 2, refused.stderr
        assert "nothing was dropped" in refused.stderr and "public.time" in refused.stderr
        assert star_counts(roles) == (6820, 97, 71, 69, 6813)
    finally:
        with admin(roles) as conn:
            conn.execute(sql.SQL("ALTER TABLE public.time OWNER TO {}").format(
                sql.Identifier(roles.owner)))


def test_a_reader_reads_everything_and_writes_nothing(loaded, tmp_path):
    roles = loaded
    granted = sparkify("grant-read", roles.reader, url=roles.url(roles.owner))
    assert granted.returncode == 0, granted.stderr
    reader = roles.url(roles.reader)
    report = sparkify("report", "--html", str(tmp_path / "report.html"), url=reader)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(page) > 10_000 and roles.password not in page
    status = sparkify("status", "--json", url=reader)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["tables"]["songplays"] == 6820
    recommend = sparkify("recommend", "15", "--json", url=reader)
    assert recommend.returncode == 0, recommend.stderr
    checked = sparkify("check", "--json", url=reader)
    assert checked.returncode == 0 and json.loads(checked.stdout)["passed"], checked.stdout
    load = sparkify("load", "../shared/data/sparkify-sample", url=reader)
    assert load.returncode == 2
    assert_one_line(load, "may only read")
    assert_no_secret(roles, granted, report, status, recommend, checked, load)
    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM sparkify.rejects").fetchone()[0] >= 0
        assert conn.execute("SELECT count(*) FROM popular_songs").fetchone()[0] > 0
        refused = ("DELETE FROM songplays",
                   "INSERT INTO users (user_id, level, last_seen_at) VALUES (0, 'free', now())",
                   "CREATE TABLE public.mine (x int)", "SELECT count(*) FROM staging.events",
                   "TRUNCATE sparkify.manifest", "CREATE SCHEMA mine")
        for write in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(write)


def test_a_readers_grants_outlive_a_rebuild_and_cover_new_tables(loaded, sample_root):
    roles = loaded
    owner = roles.url(roles.owner)
    assert sparkify("grant-read", roles.reader, url=owner).returncode == 0
    assert run("create_tables.py", url=owner).returncode == 0
    assert run("etl.py", str(sample_root), url=owner).returncode == 0
    with psycopg.connect(owner, autocommit=True) as conn:  # made after the grant
        conn.execute("CREATE VIEW public.owners_view AS SELECT count(*) AS n FROM songplays")
    with psycopg.connect(roles.url(roles.reader), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM songplays").fetchone()[0] == 6820
        assert conn.execute("SELECT n FROM public.owners_view").fetchone()[0] == 6820
        assert conn.execute("SELECT count(*) FROM sparkify.manifest").fetchone()[0] > 0


def test_grant_read_names_a_missing_role_on_a_server_of_ones_own(loaded):
    result = sparkify("grant-read", "no_such_role_here", url=loaded.url(loaded.owner))
    assert result.returncode == 2
    assert_one_line(result, "no_such_role_here", "does not exist")


def test_a_wrong_password_is_one_line_without_the_password(roles):
    wrong = "Wrong-" + secrets.token_urlsafe(8)
    url = roles.url(roles.owner, password=wrong)
    for args in (("status",), ("load", "../shared/data/sparkify-sample"), ("db", "url"),
                 ("check", "--json")):
        result = sparkify(*args, url=url)
        assert wrong not in result.stdout + result.stderr, args
        if args != ("db", "url"):
            if "host=127.0.0.1" not in roles.admin_conninfo and "@127.0.0.1" not in url:
                continue  # the embedded server trusts its socket: any password passes
            assert result.returncode == 2, (args, result.stderr)
            assert_one_line(result)
    via_env = sparkify("status", url=roles.url(roles.owner, password=""), PGPASSWORD=wrong)
    assert wrong not in via_env.stdout + via_env.stderr


def test_a_bulk_load_without_replication_role_keeps_every_foreign_key(roles, sample_root):
    """The owner may not turn the per-row foreign-key triggers off: a bulk load (pipelined,
    indexes rebuilt after) runs with them on; every key is still there, valid, and the checks
    (foreign keys among them) all pass after."""
    from sparkify import api
    from sparkify.config import Settings
    from sparkify.postgres.load.pipeline import LoadOptions

    settings = Settings(home=Path("unused"), database_url=roles.url(roles.owner),
                        database=None, data_root=sample_root)
    assert run("create_tables.py", url=roles.url(roles.owner)).returncode == 0

    def foreign_keys() -> set:
        with admin(roles) as conn:
            return set(conn.execute(
                "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace = 'public'::regnamespace").fetchall())

    keys = foreign_keys()
    assert len(keys) == 5 and all(valid for _, _, valid in keys)
    api.load(sample_root, settings=settings,
             options=LoadOptions(parallel_bytes=1, batch_files=8))  # bulk, in several batches
    assert foreign_keys() == keys
    with connect(settings, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM songplays").fetchone()[0] == 6820
    assert api.check(settings=settings).passed


@pytest.mark.parametrize("given, shown", [
    ("postgresql://u:s3cret@h:5432/db?sslmode=verify-full&sslrootcert=/ca.pem",
     "postgresql://u@h:5432/db?sslmode=verify-full&sslrootcert=/ca.pem"),
    ("postgresql://u@h/db?password=s3cret&sslmode=require", "postgresql://u@h/db?sslmode=require"),
    ("postgresql://u@/db?host=/run/a%20b&password=s3cret", "postgresql://u@/db?host=/run/a%20b"),
    ("host=h user=u password=s3cret sslmode=require", "host=h user=u sslmode=require"),
    ("service=warehouse", "service=warehouse"),
])
def test_a_connection_string_is_printed_without_its_password(given, shown):
    from psycopg.conninfo import conninfo_to_dict

    from sparkify.postgres.db import redact

    printed = redact(given)
    assert "s3cret" not in printed
    assert conninfo_to_dict(printed) == conninfo_to_dict(shown)  # the rest kept, libpq's reading


@pytest.mark.slow  # starts a Jupyter kernel
@pytest.mark.parametrize("role", ["owner", "reader"])
def test_the_notebook_runs_as_the_owner_and_as_a_reader(loaded, role, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    roles = loaded
    assert sparkify("grant-read", roles.reader, url=roles.url(roles.owner)).returncode == 0
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env["DATABASE_URL"] = roles.url(roles.owner if role == "owner" else roles.reader)
    nb = nbformat.read(REPO / "test.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3")
    with client.setup_kernel(cwd=str(REPO), env=env):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)  # a cell that raises fails the test
    shown = "\n".join(str(output) for cell in nb.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    assert "songplays" in shown and roles.password not in shown


def test_an_older_server_is_one_line_naming_the_version_and_the_minimum(loaded, monkeypatch):
    from click.testing import CliRunner

    from sparkify.cli import cli
    from sparkify.postgres import db

    monkeypatch.setattr(db, "MIN_SERVER_VERSION", 990000)  # as if the server were too old
    monkeypatch.setenv("DATABASE_URL", loaded.url(loaded.owner))
    monkeypatch.delenv("SPARKIFY_DATABASE", raising=False)
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs 99 or newer" in lines[0], result.stderr
    assert "the server is PostgreSQL 1" in lines[0] and loaded.password not in lines[0]


@pytest.mark.embedded
def test_grant_read_on_the_embedded_server_creates_a_socket_only_reader(sample_settings):
    from click.testing import CliRunner

    from sparkify.cli import cli

    role = f"sparkify_analyst_{os.getpid()}"
    try:
        granted = CliRunner().invoke(cli, ["grant-read", role])
        assert granted.exit_code == 0 and "created role" in granted.stdout, granted.output
        url = CliRunner().invoke(cli, ["db", "url", "--user", role]).stdout.strip()
        assert f"{role}@" in url
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM songplays").fetchone()[0] == 6820
            assert not conn.execute("SELECT rolsuper OR rolcreatedb OR rolcreaterole"
                                    " FROM pg_roles WHERE rolname = current_user").fetchone()[0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM users")
        again = CliRunner().invoke(cli, ["grant-read", role])  # granting twice is fine
        assert again.exit_code == 0 and "created role" not in again.stdout
    finally:  # its grants are in this database only
        with connect(sample_settings, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with connect(replace(sample_settings, database="postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.slow  # Dagster migrates its storage
def test_dagster_state_of_a_role_without_createdb_lives_in_a_schema_readers_cannot_use(
        loaded, tmp_path):
    """No CREATEDB: `sparkify dagster init` falls back to a schema of the warehouse's database,
    Dagster's own instance works there, and a reader role cannot reach it."""
    import dagster as dg

    roles = loaded
    home = tmp_path / "dagster-home"
    done = sparkify("dagster", "init", "--home", str(home), url=roles.url(roles.owner))
    assert done.returncode == 0, done.stderr
    assert f"schema dagster of database {roles.database}" in done.stdout
    assert_no_secret(roles, done)
    assert roles.password not in (home / "dagster.yaml").read_text(encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:  # creates its tables there
        assert list(instance.get_runs()) == []
    with admin(roles) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'dagster'"
                              ).fetchone()
    assert tables is not None and tables[0] > 0
    granted = sparkify("grant-read", roles.reader, url=roles.url(roles.owner))
    assert granted.returncode == 0, granted.stderr
    with psycopg.connect(roles.url(roles.reader), autocommit=True) as conn:
        for statement in ("SELECT count(*) FROM dagster.runs", "CREATE TABLE dagster.mine (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
