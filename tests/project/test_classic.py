"""The classic interface: sql_queries.py, then `python create_tables.py` and `python etl.py`."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sparkify.core.sqltext import read_sql
from sparkify.postgres.db import connect
from tests.support.helpers import event, query, scalar, song, write_log, write_song
from tests.support.prerequisites import REPO


def classic(script: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """A root script run as the classic project says, with the venv's python."""
    return subprocess.run([sys.executable, str(REPO / script), *args], cwd=cwd,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300,
                          check=False)


def test_create_tables_then_etl_load_the_sample(settings, sample_root):
    with connect(settings, autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (x int)")  # create_tables.py starts from nothing
    created = classic("create_tables.py")
    assert created.returncode == 0, created.stderr
    # the embedded server's database is dropped and made again; a server of the user's keeps
    # its database, and in it what is not the project's
    assert scalar(settings, "SELECT to_regclass('public.leftover') IS NULL") != settings.external
    assert scalar(settings, "SELECT count(*) FROM songplays") == 0

    loaded = classic("etl.py", str(sample_root))
    assert loaded.returncode == 0, loaded.stderr
    assert "6820 song plays" in loaded.stdout
    counts = query(settings, """
        SELECT (SELECT count(*) FROM songplays), (SELECT count(*) FROM users),
               (SELECT count(*) FROM songs), (SELECT count(*) FROM artists),
               (SELECT count(*) FROM time),
               (SELECT count(*) FROM songplays WHERE song_id IS NOT NULL)""")
    assert counts == [(6820, 97, 71, 69, 6813, 1)]
    assert dict(query(settings, "SELECT level, count(*) FROM users GROUP BY 1")) == {
        "paid": 22, "free": 75}


def root_module(name: str):
    """A classic script imported as a module, to call its main() in this process."""
    sys.path.insert(0, str(REPO))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO))


def run_main(main, *args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(*args)
        sys.exit(0)
    out, err = capsys.readouterr()
    return exited.value.code or 0, out, err


def test_etl_without_argument_reads_data_under_the_current_folder(settings, tmp_path,
                                                                  monkeypatch, capsys):
    etl = root_module("etl")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(etl.main, [], capsys=capsys)
    assert code == 2 and err.count("\n") == 1 and "data" in err
    write_song(tmp_path / "data", "A/a.json", song())
    write_log(tmp_path / "data", "2018/a.json", [event(), event(itemInSession=1)])
    code, out, err = run_main(etl.main, [], capsys=capsys)
    assert code == 0, err
    assert "2 song plays" in out
    assert scalar(settings, "SELECT count(*) FROM songplays WHERE song_id = 'SO1'") == 2
    assert str((tmp_path / "data").resolve()) in scalar(
        settings, "SELECT min(path) FROM sparkify.manifest")


def test_classic_scripts_report_errors_in_one_line(settings, tmp_path, monkeypatch, capsys):
    etl, create_tables = root_module("etl"), root_module("create_tables")
    write_log(tmp_path, "a.json", [event(song="BOOM")])
    with connect(settings, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected failure'; END $$;
            CREATE TRIGGER boom BEFORE INSERT ON public.songplays
            FOR EACH ROW EXECUTE FUNCTION public.boom();
            ALTER TABLE public.songplays ENABLE ALWAYS TRIGGER boom;""")
    code, _, err = run_main(etl.main, [str(tmp_path)], capsys=capsys)
    assert code == 2 and err.count("\n") == 1 and "injected failure" in err
    nowhere = tmp_path / "no-server"
    nowhere.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"postgresql:///x?host={nowhere}")
    for code, _, err in (run_main(create_tables.main, capsys=capsys),
                         run_main(etl.main, [str(tmp_path)], capsys=capsys)):
        assert code == 2, err
        assert err.count("\n") == 1 and "cannot reach the database" in err


def test_etl_usage_errors(capsys):
    etl = root_module("etl")
    assert run_main(etl.main, ["a", "b"], capsys=capsys)[0] == 2
    code, out, _ = run_main(etl.main, ["--help"], capsys=capsys)
    assert code == 0 and "DATA_ROOT" in out


CLASSIC_NAMES = [
    "songplay_table_drop", "user_table_drop", "song_table_drop", "artist_table_drop",
    "time_table_drop", "songplay_table_create", "user_table_create", "song_table_create",
    "artist_table_create", "time_table_create", "songplay_table_insert", "user_table_insert",
    "song_table_insert", "artist_table_insert", "time_table_insert", "song_select",
]


def test_sql_queries_exposes_the_classic_names_and_lists(settings):
    sys.path.insert(0, str(REPO))
    try:
        import sql_queries as q
    finally:
        sys.path.remove(str(REPO))
    for name in CLASSIC_NAMES:
        assert isinstance(getattr(q, name), str) and getattr(q, name).strip(), name
    for name in ("songplay", "user", "song", "artist", "time"):
        assert "ON CONFLICT" in getattr(q, f"{name}_table_insert"), name
    for name in ("songplay", "user", "song", "artist", "time"):
        assert getattr(q, f"{name}_table_create") in q.create_table_queries
        assert getattr(q, f"{name}_table_drop") in q.drop_table_queries

    # one copy of the SQL: the classic names are the loader's own statements
    assert q.songplay_table_insert == read_sql("insert_songplays")
    assert q.user_table_insert == read_sql("insert_users")
    assert q.song_select == read_sql("song_select")

    with connect(settings, autocommit=True) as conn:
        for statement in q.drop_table_queries:
            conn.execute(statement)
        assert conn.execute("SELECT to_regclass('public.songplays')").fetchone()[0] is None
        for statement in q.create_table_queries:
            conn.execute(statement)
        for statement in q.create_table_queries:  # safe to run again
            conn.execute(statement)
        conn.execute("INSERT INTO artists (artist_id, name, source_path) "
                     "VALUES ('AR1', 'Band', 'x')")
        conn.execute("INSERT INTO songs (song_id, title, artist_id, year, duration, source_path) "
                     "VALUES ('SO1', 'Hey', 'AR1', 0, 200.5, 'x')")
        # the classic look-up, with a length tolerance rather than float equality
        assert conn.execute(q.song_select, ("Hey", "Band", 200.504)).fetchall() == [("SO1", "AR1")]
        assert conn.execute(q.song_select, ("Hey", "Band", 200.6)).fetchall() == []
        assert conn.execute(q.song_select, ("Hey", "Other", 200.5)).fetchall() == []
