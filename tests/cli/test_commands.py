"""The `sparkify` command: help everywhere, one JSON object, one-line errors, server commands."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.postgres.db import connect
from sparkify.postgres.server import EmbeddedServer
from tests.support.helpers import event, query, scalar, song, write_log, write_song

ENV_KEYS = ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def sparkify(*args: str, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command in its own process: real stdout, stderr and exit code."""
    return subprocess.run([sys.executable, "-m", "sparkify", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(extra)
    return env


def runner_env(**extra: str | None) -> dict:
    """Environment for CliRunner: no server named unless `extra` names one."""
    return {**dict.fromkeys(ENV_KEYS), **extra}


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sparkify: error: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr


def all_commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))
        else:
            yield (*path, name)


# -- help -------------------------------------------------------------------------------------


def test_every_command_has_help():
    paths = list(all_commands())
    assert {("init",), ("load",), ("status",), ("db", "start"), ("db", "stop"), ("db", "status"),
            ("db", "url")} <= set(paths)
    for path in paths:
        result = invoke(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith("Usage: "), path
        if path:
            # says what it does, beyond the usage line
            assert len(result.output.strip().splitlines()) >= 3, path


def test_python_dash_m_sparkify_is_the_command():
    done = subprocess.run([sys.executable, "-m", "sparkify", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and "load" in done.stdout and done.stderr == ""


# -- load -------------------------------------------------------------------------------------


def small_root(root: Path) -> None:
    write_song(root, "a.json", song())
    write_log(root, "a.json", [event(), event(itemInSession=1, page="Home", song=None,
                                              artist=None, length=None), "not json"])


def test_load_json_prints_one_object_with_the_summary_keys(settings, tmp_path):
    small_root(tmp_path)
    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # 1 only when post-load checks fail
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("}\n")
    payload = json.loads(result.stdout)
    assert payload["tables"] == {"songplays": 1, "users": 1, "songs": 1, "artists": 1, "time": 1}
    assert payload["songs"] == {"read": 1, "loaded": 1, "rejected": 0}
    assert payload["events"] == {"read": 3, "song_plays": 1, "other_pages": 1, "rejected": 1}
    assert isinstance(payload["seconds"], float) and payload["seconds"] >= 0
    again = json.loads(invoke("load", str(tmp_path), "--json").stdout)
    assert again["events"]["read"] == 0 and again["tables"] == payload["tables"]


def test_load_summary_shows_read_loaded_and_rejected(settings, tmp_path):
    small_root(tmp_path)
    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--no-check"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "songs" in out and "events" in out and "rejected" in out
    events_row = next(line for line in out.splitlines() if line.strip(" │|").startswith("events"))
    assert [c.strip() for c in events_row.strip(" │|").split("│")][1:] == ["3", "2", "1", "1", "1"]
    assert "1 records rejected" in out


def test_load_strict_exits_1_when_records_were_rejected(settings, tmp_path):
    small_root(tmp_path)
    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--strict", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["events"]["rejected"] == 1


@pytest.mark.parametrize("case", ["missing", "a file", "no data folders"])
def test_a_wrong_data_root_is_one_line_and_exit_2(settings, tmp_path, case):
    root = tmp_path / "root"
    if case == "a file":
        root.write_text("{}")
    elif case == "no data folders":
        root.mkdir()
    result = CliRunner().invoke(cli, ["load", str(root), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr, str(root))


def test_load_without_argument_reads_data_under_the_current_folder(settings, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(cli, ["load"])
    assert missing.exit_code == 2
    assert_one_line_error(missing.stderr, "data")
    small_root(tmp_path / "data")
    result = CliRunner().invoke(cli, ["load", "--json"])
    assert json.loads(result.stdout)["events"]["read"] == 3


def test_an_unreachable_database_is_one_line_and_exit_2(tmp_path):
    nowhere = tmp_path / "no-server"
    nowhere.mkdir()
    small_root(tmp_path)
    done = sparkify("load", str(tmp_path), "--json", env=clean_env(
        DATABASE_URL=f"postgresql://app:s3cret@/sparkifydb?host={nowhere}"))
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert_one_line_error(done.stderr, "cannot reach the database", str(nowhere))
    assert "s3cret" not in done.stderr
    # libpq's PG* variables name a server too
    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"],
                                env=runner_env(PGHOST=str(nowhere), PGPASSWORD="s3cret"))
    assert result.exit_code == 2 and result.stdout == ""
    assert_one_line_error(result.stderr, "cannot reach the database", str(nowhere))
    assert "s3cret" not in result.stderr


@pytest.mark.embedded
def test_database_url_names_the_server_and_no_embedded_one_starts(settings, pg_server, tmp_path):
    url = EmbeddedServer(pg_server.home).url(settings.database)
    home = tmp_path / "unused-home"
    small_root(tmp_path)
    # the database comes from the URL
    env = runner_env(DATABASE_URL=url, SPARKIFY_HOME=str(home), SPARKIFY_DATABASE=None)
    done = CliRunner().invoke(cli, ["load", str(tmp_path), "--json", "--no-check"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["tables"]["songplays"] == 1
    assert scalar(settings, "SELECT count(*) FROM songplays") == 1
    assert not home.exists()
    refused = CliRunner().invoke(cli, ["db", "start"], env=env)
    assert refused.exit_code == 2
    assert_one_line_error(refused.stderr, "external server")


def test_init_creates_the_database_when_absent(pg_server, monkeypatch):
    name = f"sparkify_test_init_{os.getpid()}"
    monkeypatch.setenv("SPARKIFY_DATABASE", name)
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert scalar(replace(pg_server, database="postgres"),
                  "SELECT count(*) FROM pg_database WHERE datname = %s", [name]) == 1
    tables = query(replace(pg_server, database=name), """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""")
    assert {"songplays", "users", "songs", "artists", "time"} <= {t for (t,) in tables}


@pytest.mark.parametrize(("args", "said"), [
    (["recommend", "abc"], "'abc' is not a valid integer. (see `sparkify recommend --help`)"),
    (["load", "--bogus"], "No such option '--bogus'. (see `sparkify load --help`)"),
    (["--bogus"], "No such option '--bogus'."),
    (["nosuch"], "No such command 'nosuch'. (see `sparkify --help`)"),
    (["db", "nosuch"], "No such command 'nosuch'. (see `sparkify db --help`)"),
    (["lake", "build"], "Missing argument 'DATA_ROOT'. (see `sparkify lake build --help`)"),
])
def test_a_usage_error_is_one_line_naming_the_help_to_read(args, said):
    """As README says of every error with exit code 2 (click's own took four lines)."""
    done = sparkify(*args, env=clean_env())
    assert done.returncode == 2 and not done.stdout
    assert_one_line_error(done.stderr, said)
    assert done.stderr.startswith("sparkify: error: ")


def test_grant_read_refuses_what_it_could_not_honestly_report(settings):
    """An empty name, one PostgreSQL would cut to 63 bytes, a superuser (which reads and writes
    everything whatever it is granted): each one line, and no role made."""
    superuser = query(settings, "SELECT current_user")[0][0]
    for role, said in (("", "a role name has 1 to 63 bytes, not 0"),
                       ("r" * 70, "a role name has 1 to 63 bytes, not 70"),
                       (superuser, f"role {superuser!r} is a superuser")):
        result = CliRunner().invoke(cli, ["grant-read", role])
        assert result.exit_code == 2 and result.stdout == "", result.output
        assert_one_line_error(result.stderr, said)
    assert query(settings, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'rrrr%'") == [(0,)]


def test_a_reader_that_goes_away_ends_the_command_quietly_as_its_signal_would(settings):
    """`sparkify status | head -1`: exit 141 and nothing on stderr, as for a command SIGPIPE
    ends; not 1, which says the checks failed (rich's own choice)."""
    process = subprocess.Popen([sys.executable, "-m", "sparkify", "status"], env=dict(os.environ),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before it writes: its first line meets a pipe no one reads
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141 and err == b""


# -- db url -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "postgresql://analyst:s3cret@db.example.com:6543/warehouse",
    "postgresql://analyst@db.example.com/warehouse?password=s3cret&sslmode=require",
    "host=db.example.com user=analyst password=s3cret dbname=warehouse",
    "postgresql://analyst:s%33cret@db.example.com/warehouse",
])
def test_db_url_never_prints_the_password(url):
    result = invoke("db", "url", env=clean_env(DATABASE_URL=url))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "s3cret" not in out and "s%33cret" not in out and "password" not in out
    assert "db.example.com" in out and "analyst" in out and "warehouse" in out


@pytest.mark.parametrize("url", [
    "postgres://analyst:S3cretPW@[::1",  # an IPv6 host never closed
    "postgresql://analyst:S3cret%zzPW@127.0.0.1:1/warehouse",  # a bad escape in the password
    "postgresql://analyst:S3cretPW@127.0.0.1/warehouse?nosuchoption=S3cretPW",
    "host=127.0.0.1 user=analyst password='S3cret PW",  # a quote never closed
])
def test_a_url_libpq_cannot_read_is_one_line_that_never_shows_it(url):
    """libpq's own reason quotes the text it stumbled on: the password, here."""
    for command in (["db", "url"], ["status"], ["load", "nowhere"]):
        done = sparkify(*command, env=clean_env(DATABASE_URL=url))
        assert done.returncode == 2 and not done.stdout, done.stderr
        assert_one_line_error(done.stderr, "DATABASE_URL is not a connection URL or string")
        assert "S3cret" not in done.stderr and "analyst" not in done.stderr


@pytest.mark.embedded
def test_db_url_of_the_embedded_server_reaches_it(settings):
    url = invoke("db", "url").stdout.strip()
    import psycopg

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == settings.database


# -- db start / status / stop on a home of its own --------------------------------------------


@pytest.fixture
def own_home(tmp_path):
    """A SPARKIFY_HOME of this test's own; its server is stopped and removed afterwards."""
    home = tmp_path / "home"
    yield home
    server = EmbeddedServer(home)
    try:
        server.stop()
    finally:
        if server.server_dir != home / "server":  # as root, the data lives outside the home
            shutil.rmtree(server.server_dir, ignore_errors=True)


def test_db_start_status_reuse_and_stop(own_home, tmp_path):
    env = clean_env(SPARKIFY_HOME=str(own_home))
    env.pop("SPARKIFY_DATABASE", None)
    env.pop("XDG_RUNTIME_DIR", None)  # stderr stays quiet without it too
    parent_mode = tmp_path.stat().st_mode

    started = sparkify("db", "start", env=env)
    assert started.returncode == 0, started.stderr
    assert started.stderr == ""
    info = EmbeddedServer(own_home).running_info()
    assert info is not None

    running = sparkify("db", "status", env=env)
    assert running.returncode == 0 and f"pid {info['pid']}" in running.stdout

    again = sparkify("db", "start", env=env)  # a second command reuses the running server
    assert again.returncode == 0 and again.stderr == ""
    assert EmbeddedServer(own_home).running_info()["pid"] == info["pid"]
    url = CliRunner().invoke(cli, ["db", "url"], env=runner_env(
        SPARKIFY_HOME=str(own_home), SPARKIFY_DATABASE=None)).stdout.strip()
    assert "sparkifydb" in url and info["socket_dir"] in url
    import psycopg

    with psycopg.connect(url) as conn:  # `db start` created sparkifydb
        assert conn.execute("SELECT current_database()").fetchone()[0] == "sparkifydb"

    # run as root, no folder of the user's was opened to others
    assert tmp_path.stat().st_mode == parent_mode
    assert not parent_mode & (stat.S_IROTH | stat.S_IXOTH)

    done = sparkify("db", "stop", env=env)
    assert done.returncode == 0 and "stopped" in done.stdout
    assert EmbeddedServer(own_home).running_info() is None
    stopped = CliRunner().invoke(cli, ["db", "status"], env=runner_env(
        SPARKIFY_HOME=str(own_home), SPARKIFY_DATABASE=None))
    assert stopped.exit_code == 1 and "stopped" in stopped.stdout
    looked = CliRunner().invoke(cli, ["status", "--json"], env=runner_env(
        SPARKIFY_HOME=str(own_home), SPARKIFY_DATABASE=None))
    assert looked.exit_code == 0 and json.loads(looked.stdout)["running"] is False
    # what a stopped server holds is not known without starting it
    assert json.loads(looked.stdout)["exists"] is json.loads(looked.stdout)["initialised"] is None
    located = CliRunner().invoke(cli, ["db", "url"], env=runner_env(
        SPARKIFY_HOME=str(own_home), SPARKIFY_DATABASE=None))
    assert located.exit_code == 0 and "sparkifydb" in located.stdout
    assert EmbeddedServer(own_home).running_info() is None  # a URL lookup starts nothing


def test_status_of_a_missing_database_says_so_and_creates_nothing(pg_server, monkeypatch):
    name = f"sparkify_test_never_{os.getpid()}"
    monkeypatch.setenv("SPARKIFY_DATABASE", name)
    result = invoke("status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["exists"] is False and report["initialised"] is False
    assert "no such database" in invoke("status").stdout
    assert scalar(replace(pg_server, database="postgres"),
                  "SELECT count(*) FROM pg_database WHERE datname = %s", [name]) == 0


def test_load_on_a_terminal_shows_progress_then_the_summary(settings, tmp_path):
    import pty
    import select

    small_root(tmp_path)
    controller, terminal = pty.openpty()
    server = {"DATABASE_URL": settings.database_url} if settings.database_url else {}
    env = clean_env(SPARKIFY_HOME=str(settings.home), SPARKIFY_DATABASE=settings.database,
                    TERM="xterm", COLUMNS="120", **server)  # the pass's server, PG15 included
    proc = subprocess.Popen([sys.executable, "-m", "sparkify", "load", str(tmp_path)], env=env,
                            stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=60)
    os.close(controller)
    text = shown.decode(errors="replace")
    assert proc.returncode in (0, 1), text
    assert "loading" in text  # the progress bar, drawn while the files load
    assert "Rows in the star" in text and "songplays" in text


@pytest.mark.embedded
@pytest.mark.parametrize("args", [("db", "start"), ("status",), ("db", "url")])
def test_a_sparkify_home_that_is_a_file_is_one_line_and_exit_2(tmp_path, args):
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = CliRunner().invoke(cli, list(args), env=clean_env(SPARKIFY_HOME=str(home)))
    assert result.exit_code == 2, result.output
    assert_one_line_error(result.stderr, "SPARKIFY_HOME", str(home))


def test_status_json_and_init_drop(settings, tmp_path):
    small_root(tmp_path)
    invoke("load", str(tmp_path), "--no-check")
    result = invoke("status", "--json")
    assert result.exit_code == 0 and result.stdout.count("\n") == 1
    report = json.loads(result.stdout)
    assert report["database"] == settings.database and report["initialised"] is True
    assert report["tables"]["songplays"] == 1 and report["tables"]["events"] == 2
    assert report["files"]["count"] == 2 and report["rejects"] == 1
    assert report["files"]["records_read"] == (report["files"]["records_loaded"]
                                               + report["files"]["records_rejected"])
    kept = invoke("init")
    assert kept.exit_code == 0
    assert scalar(settings, "SELECT count(*) FROM songplays") == 1
    dropped = invoke("init", "--drop")
    assert dropped.exit_code == 0
    assert scalar(settings, "SELECT count(*) FROM songplays") == 0


def test_a_file_unreadable_while_planning_is_one_line_and_exit_2(settings, tmp_path):
    small_root(tmp_path)
    empty = tmp_path / "log_data" / "empty.json"
    empty.write_bytes(b"")
    assert invoke("load", str(tmp_path), "--no-check").exit_code == 0
    empty.unlink()
    empty.symlink_to("/proc/self/mem")  # same size (0), new mtime, and no byte can be read
    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert_one_line_error(result.stderr, "empty.json")


def test_pg_variables_name_the_server_and_the_database():
    result = invoke("db", "url", env=runner_env(PGHOST="/srv/pg", PGDATABASE="analytics",
                                                SPARKIFY_DATABASE=None))
    assert result.exit_code == 0
    assert result.stdout.strip() == "dbname=analytics"  # libpq adds the PG* host itself


@pytest.mark.embedded
def test_a_server_that_ends_the_connection_mid_load_is_one_line_with_where_to_look(settings,
                                                                                   tmp_path):
    """A full disk or a crash ends the load's connection: say so, and where the log is."""
    from sparkify.postgres.writing import LOCK_KEY

    small_root(tmp_path)
    env = clean_env(SPARKIFY_HOME=str(settings.home), SPARKIFY_DATABASE=settings.database)
    with connect(settings, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])  # the load will wait on it
        proc = subprocess.Popen([sys.executable, "-m", "sparkify", "load", str(tmp_path)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        waiting = []
        for _ in range(400):
            waiting = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'SELECT pg_advisory_lock%%' AND pid <> pg_backend_pid()"
            ).fetchall()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the load never waited for the lock"
        holder.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    last = stderr.strip().splitlines()[-1]
    assert "Traceback" not in stderr
    assert last.startswith("sparkify: error: database error: ")
    assert "the server ended the connection" in last
    assert str(EmbeddedServer(settings.home).log_file) in last
