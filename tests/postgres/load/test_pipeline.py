"""The load rules of issue 2 (parts 6-8), each on a small hand-made data set in tmp_path."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import LoadOptions, load
from tests.support.helpers import event, query, scalar, song, write_log, write_song
from tests.support.loads import snapshot

T0 = 1541105830796  # 2018-11-01 20:57:10.796 UTC
MIN = 60_000


def run(settings, root: Path, **kwargs):
    return load(settings, root, notify=lambda message: None, **kwargs)


def nothing(**fields) -> dict:
    """A logged-in event that is not a song play."""
    return event(**{"page": "Home", "method": "GET", "song": None, "artist": None,
                    "length": None, **fields})


def checksums(settings) -> dict[str, str]:
    """One md5 per base table of public and sparkify: equal checksums, equal content."""
    with connect(settings, autocommit=True) as conn:
        tables = conn.execute("""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_schema IN ('public', 'sparkify') AND table_type = 'BASE TABLE'
            ORDER BY 1, 2""").fetchall()
        return {f"{schema}.{table}": conn.execute(
            sql.SQL("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "
                    "ORDER BY t::text)), '') FROM {}.{} t").format(
                sql.Identifier(schema), sql.Identifier(table))).fetchone()[0]
            for schema, table in tables}


# -- songplays and pages ----------------------------------------------------------------------


def test_songplays_are_the_next_song_events_and_other_pages_are_counted(settings, tmp_path):
    write_log(tmp_path, "a.json", [
        event(itemInSession=0, ts=T0),
        nothing(itemInSession=1, ts=T0 + MIN),
        event(itemInSession=2, ts=T0 + 2 * MIN, song="Other"),
        nothing(itemInSession=3, ts=T0 + 3 * MIN, page="Logout"),
        nothing(itemInSession=4, ts=T0 + 4 * MIN, userId="", auth="Logged Out", page="Home",
                firstName=None, lastName=None),
        nothing(itemInSession=5, ts=T0 + 5 * MIN, userId="8", page="Error", status=404),
    ])
    result = run(settings, tmp_path)
    assert result.events == {"read": 6, "song_plays": 2, "other_pages": 4, "rejected": 0}
    assert query(settings, "SELECT item_in_session, song_title FROM songplays ORDER BY 1") == [
        (0, "Some Song"), (2, "Other")]
    assert scalar(settings, "SELECT count(*) FROM events") == 6
    assert query(settings, "SELECT song_plays, other_pages FROM sparkify.manifest") == [(2, 4)]
    # every user seen with a userId, whatever the page; a logged-out event makes none
    assert query(settings, "SELECT user_id FROM users ORDER BY 1") == [(7,), (8,)]
    assert result.tables == {"songplays": 2, "users": 2, "songs": 0, "artists": 0, "time": 2}


def test_songplay_level_is_the_level_at_the_time_of_the_play(settings, tmp_path):
    write_log(tmp_path, "a.json", [
        event(itemInSession=0, ts=T0, level="free"),
        event(itemInSession=1, ts=T0 + MIN, level="paid"),
        event(itemInSession=2, ts=T0 + 2 * MIN, level="free"),
    ])
    run(settings, tmp_path)
    assert query(settings, "SELECT item_in_session, level FROM songplays ORDER BY 1") == [
        (0, "free"), (1, "paid"), (2, "free")]
    assert scalar(settings, "SELECT level FROM users WHERE user_id = 7") == "free"


# -- users: the latest event by ts wins, whatever the order -----------------------------------

LATEST = nothing(itemInSession=9, ts=T0 + 60 * MIN, level="paid", firstName="Latest",
                 location="Paris, FR")
OLDER = [event(itemInSession=i, ts=T0 + i * MIN, level="free", firstName=f"Old{i}")
         for i in range(3)]


@pytest.mark.parametrize("arrangement", [
    "latest last", "latest in the first file", "lines reversed",
    "latest loaded first, older file later", "older loaded first, latest file later"])
def test_users_take_the_latest_event_by_ts_whatever_the_order(settings, tmp_path, arrangement):
    if arrangement == "latest last":
        write_log(tmp_path, "a.json", [*OLDER, LATEST])
    elif arrangement == "latest in the first file":
        write_log(tmp_path, "a.json", [LATEST])
        write_log(tmp_path, "b.json", OLDER)
    elif arrangement == "lines reversed":
        write_log(tmp_path, "a.json", [LATEST, *reversed(OLDER)])
    elif arrangement == "latest loaded first, older file later":
        write_log(tmp_path, "z.json", [LATEST])
        run(settings, tmp_path)
        write_log(tmp_path, "a.json", OLDER)
    else:
        write_log(tmp_path, "z.json", OLDER)
        run(settings, tmp_path)
        write_log(tmp_path, "a.json", [LATEST])
    run(settings, tmp_path)
    assert query(settings, "SELECT user_id, first_name, level, location, last_seen_at FROM users"
                 ) == [(7, "Latest", "paid", "Paris, FR",
                        datetime.fromtimestamp((T0 + 60 * MIN) / 1000, UTC))]
    # the plays keep the level they were played at
    assert {r[0] for r in query(settings, "SELECT level FROM songplays")} == {"free"}


TIED_LATER_PATH = nothing(sessionId=2, ts=T0, level="paid", firstName="FromZ")
TIED_EARLIER_PATH = nothing(sessionId=1, ts=T0, level="free", firstName="FromA")


@pytest.mark.parametrize("arrangement", ["one load", "later path first", "earlier path first"])
def test_a_tie_on_ts_goes_to_the_later_path_whatever_the_load_order(settings, tmp_path,
                                                                    arrangement):
    """rules.USER_LATEST: same ts, then the file whose path sorts last. A file with an
    earlier path loaded after the other used to win the tie (insert_users took `>=`)."""
    first, second = (("z.json", [TIED_LATER_PATH]), ("a.json", [TIED_EARLIER_PATH]))
    if arrangement == "earlier path first":
        first, second = second, first
    write_log(tmp_path, *first)
    if arrangement != "one load":
        run(settings, tmp_path)
    write_log(tmp_path, *second)
    run(settings, tmp_path)
    assert query(settings, "SELECT first_name, level FROM users") == [("FromZ", "paid")]


# -- song matching ----------------------------------------------------------------------------


def test_song_matching_uses_title_artist_and_a_length_tolerance(settings, tmp_path):
    write_song(tmp_path, "A/a.json", song(song_id="SO1", artist_id="AR1", title="Hey",
                                          artist_name="Band", duration=200.5))
    plays = {
        0: {"song": "Hey", "artist": "Band", "length": 200.5},  # exact
        1: {"song": "Hey", "artist": "Band", "length": 200.505},  # within tolerance
        2: {"song": "Hey", "artist": "Band", "length": 200.499},  # within tolerance, below
        3: {"song": "Hey", "artist": "Band", "length": 200.6},  # outside
        4: {"song": "Hey", "artist": "Other", "length": 200.5},  # wrong artist
        5: {"song": "Hey!", "artist": "Band", "length": 200.5},  # wrong title
    }
    write_log(tmp_path, "a.json", [event(itemInSession=i, ts=T0 + i * MIN, **fields)
                                   for i, fields in plays.items()])
    run(settings, tmp_path)
    assert query(settings, "SELECT item_in_session, song_id, artist_id FROM songplays ORDER BY 1"
                 ) == [(0, "SO1", "AR1"), (1, "SO1", "AR1"), (2, "SO1", "AR1"),
                       (3, None, None), (4, None, None), (5, None, None)]
    # what the event said is kept, matched or not
    assert scalar(settings, "SELECT song_length FROM songplays WHERE item_in_session = 3") == 200.6


def test_the_closest_song_wins_when_two_are_within_tolerance(settings, tmp_path):
    write_song(tmp_path, "a.json", "\n".join(json.dumps(s) for s in [
        song(song_id="SO1", duration=200.508), song(song_id="SO2", duration=200.503)]))
    write_log(tmp_path, "a.json", [event(length=200.5)])
    run(settings, tmp_path)
    assert scalar(settings, "SELECT song_id FROM songplays") == "SO2"


def test_plays_loaded_before_their_song_are_matched_when_it_arrives(settings, tmp_path):
    write_log(tmp_path, "a.json", [event(length=200.5), event(itemInSession=1, length=999.0)])
    run(settings, tmp_path)
    assert scalar(settings, "SELECT count(song_id) FROM songplays") == 0
    write_song(tmp_path, "a.json", song(duration=200.5))
    run(settings, tmp_path)
    assert query(settings, "SELECT item_in_session, song_id FROM songplays ORDER BY 1") == [
        (0, "SO1"), (1, None)]


# -- the same song or artist in several files --------------------------------------------------

VERSIONS = {
    "A/a.json": [song(song_id="SO1", title="Version A", artist_id="AR1", artist_name="Name A",
                      duration=100.0, year=1990)],
    "Z/z.json": [song(song_id="SO1", title="Version Z", artist_id="AR1", artist_name="Name Z",
                      duration=101.0, year=1999),
                 song(song_id="SO2", title="Other", artist_id="AR1", artist_name="Name Z2")],
    "M/m.json": [song(song_id="SO2", title="Other M", artist_id="AR2", artist_name="Two")],
}


@pytest.mark.parametrize("order", [("A/a.json", "M/m.json", "Z/z.json"),
                                   ("Z/z.json", "M/m.json", "A/a.json"),
                                   ("M/m.json", "A/a.json", "Z/z.json"), "all at once"])
def test_the_same_song_or_artist_in_several_files_is_one_row_whatever_the_order(
        settings, tmp_path, order):
    names = list(VERSIONS) if order == "all at once" else list(order)
    for i, name in enumerate(names):
        records = VERSIONS[name]
        write_song(tmp_path, name, "\n".join(json.dumps(r) for r in records))
        if order != "all at once" or i == len(names) - 1:
            run(settings, tmp_path)
    z = str((tmp_path / "song_data" / "Z/z.json").resolve())
    # the record from the path that sorts last wins; in a file, the later line
    assert query(settings, "SELECT song_id, title, artist_id, year, duration, source_path "
                           "FROM songs ORDER BY 1") == [
        ("SO1", "Version Z", "AR1", 1999, 101.0, z), ("SO2", "Other", "AR1", 2000, 200.5, z)]
    assert query(settings, "SELECT artist_id, name FROM artists ORDER BY 1") == [
        ("AR1", "Name Z2"), ("AR2", "Two")]


# -- idempotent and incremental ---------------------------------------------------------------


def test_loading_the_sample_again_loads_nothing_and_changes_nothing(sample_settings,
                                                                    sample_root):
    before = checksums(sample_settings)
    result = run(sample_settings, sample_root)
    assert (result.files_loaded, result.files_skipped) == (0, 101)
    assert result.songs == {"read": 0, "loaded": 0, "rejected": 0}
    assert result.events == {"read": 0, "song_plays": 0, "other_pages": 0, "rejected": 0}
    assert checksums(sample_settings) == before


def small_root(root: Path) -> None:
    write_song(root, "A/a.json", song())
    write_log(root, "2018/a.json", [event(itemInSession=i, ts=T0 + i * MIN) for i in range(3)]
              + ["not json"], mtime_ns=1_600_000_000_000_000_000)
    write_log(root, "2018/b.json", [event(sessionId=2, userId="8", ts=T0 + i * MIN,
                                          itemInSession=i) for i in range(2)],
              mtime_ns=1_600_000_000_000_000_000)


def test_a_rerun_of_small_data_changes_nothing_and_a_touch_reloads_nothing(settings, tmp_path):
    small_root(tmp_path)
    first = run(settings, tmp_path)
    assert first.files_loaded == 3 and first.events["rejected"] == 1
    before = checksums(settings)
    again = run(settings, tmp_path)
    assert (again.files_loaded, again.files_skipped) == (0, 3)
    assert checksums(settings) == before
    os.utime(tmp_path / "log_data/2018/a.json")  # same content, new mtime
    touched = run(settings, tmp_path)
    assert touched.files_loaded == 0 and touched.events["read"] == 0
    after = checksums(settings)
    assert {k for k in before if before[k] != after[k]} <= {"sparkify.manifest"}
    assert after["public.events"] == before["public.events"]


def test_a_file_added_later_loads_only_that_file(settings, tmp_path):
    small_root(tmp_path)
    run(settings, tmp_path)
    manifest = query(settings, "SELECT file_id, path, loaded_at FROM sparkify.manifest")
    write_log(tmp_path, "2018/c.json", [event(sessionId=3, ts=T0 + 9 * MIN)])
    result = run(settings, tmp_path)
    assert (result.files_loaded, result.files_skipped) == (1, 3)
    assert result.events == {"read": 1, "song_plays": 1, "other_pages": 0, "rejected": 0}
    assert set(manifest) < set(query(settings,
                                     "SELECT file_id, path, loaded_at FROM sparkify.manifest"))
    assert scalar(settings, "SELECT count(*) FROM songplays") == 6


def test_a_changed_file_is_reloaded_without_duplicates_and_users_repaired(settings, tmp_path):
    small_root(tmp_path)
    write_log(tmp_path, "2018/a.json", [
        event(itemInSession=0, ts=T0, level="free"),
        nothing(itemInSession=1, ts=T0 + 50 * MIN, level="paid", firstName="Newest"),
        event(userId="55", sessionId=77, ts=T0 + 99 * MIN),  # a user and a time only here
        "not json"])
    write_log(tmp_path, "2018/z.json", [event(sessionId=9, ts=T0 + 10 * MIN, level="free",
                                              firstName="Middle")])
    run(settings, tmp_path)
    assert query(settings, "SELECT first_name, level FROM users WHERE user_id = 7") == [
        ("Newest", "paid")]
    file_id = scalar(settings, "SELECT file_id FROM sparkify.manifest WHERE path LIKE '%/a.json' "
                               "AND kind = 'log'")

    # the new version drops the newest event and the broken line, and changes a play
    write_log(tmp_path, "2018/a.json", [event(itemInSession=0, ts=T0, level="free", song="New"),
                                        event(itemInSession=2, ts=T0 + 2 * MIN)])
    result = run(settings, tmp_path)
    assert (result.files_loaded, result.events["read"]) == (1, 2)
    assert query(settings, "SELECT first_name, level, last_seen_at FROM users WHERE user_id = 7"
                 ) == [("Middle", "free", datetime.fromtimestamp((T0 + 10 * MIN) / 1000, UTC))]
    assert query(settings, """
        SELECT p.item_in_session, p.song_title FROM songplays p
        WHERE p.source_file_id = %s ORDER BY 1""", [file_id]) == [(0, "New"), (2, "Some Song")]
    assert scalar(settings, "SELECT count(*) FROM sparkify.rejects WHERE file_id = %s",
                  [file_id]) == 0
    assert scalar(settings, "SELECT count(*) FROM users WHERE user_id = 55") == 0
    assert scalar(settings, "SELECT count(*) FROM time WHERE start_time = %s",
                  [datetime.fromtimestamp((T0 + 99 * MIN) / 1000, UTC)]) == 0
    assert query(settings, "SELECT records_read, records_loaded, rejected FROM sparkify.manifest "
                           "WHERE file_id = %s", [file_id]) == [(2, 2, 0)]
    # the same tables as a load from nothing
    incremental = snapshot(settings)
    refreshed = run(settings, tmp_path, full_refresh=True)
    assert refreshed.files_loaded == 4
    assert snapshot(settings) == incremental


def test_a_changed_song_file_replaces_its_song(settings, tmp_path):
    write_song(tmp_path, "A/a.json", song(song_id="SO1", title="Old", duration=100.0))
    write_log(tmp_path, "a.json", [event(song="Old", length=100.0),
                                   event(itemInSession=1, song="New", length=150.0)])
    run(settings, tmp_path)
    write_song(tmp_path, "A/a.json", song(song_id="SO1", title="New", duration=150.0))
    os.utime(tmp_path / "song_data/A/a.json", ns=(1, 1))
    run(settings, tmp_path)
    assert query(settings, "SELECT song_id, title, duration FROM songs") == [
        ("SO1", "New", 150.0)]
    incremental = snapshot(settings)
    run(settings, tmp_path, full_refresh=True)
    assert snapshot(settings) == incremental


def test_a_song_gone_from_a_changed_file_is_gone_from_the_star(settings, tmp_path):
    write_song(tmp_path, "A/a.json", "\n".join(json.dumps(s) for s in [
        song(song_id="SO1", artist_id="AR1", title="Gone", duration=100.0),
        song(song_id="SO2", artist_id="AR2", title="Stays", artist_name="Two", duration=50.0)]))
    write_song(tmp_path, "B/b.json", song(song_id="SO3", artist_id="AR1", title="Third",
                                          duration=70.0))
    write_log(tmp_path, "a.json", [event(song="Gone", length=100.0),
                                   event(itemInSession=1, song="Stays", artist="Two",
                                         length=50.0)])
    run(settings, tmp_path)
    assert scalar(settings, "SELECT count(song_id) FROM songplays") == 2
    write_song(tmp_path, "A/a.json", "\n".join(json.dumps(s) for s in [
        song(song_id="SO2", artist_id="AR2", title="Stays", artist_name="Two", duration=50.0),
        song(song_id="SO9", artist_id="AR9", title="New", artist_name="Nine")]))
    os.utime(tmp_path / "song_data/A/a.json", ns=(1, 1))
    run(settings, tmp_path)
    assert query(settings, "SELECT song_id FROM songs ORDER BY 1") == [("SO2",), ("SO3",),
                                                                       ("SO9",)]
    assert query(settings, "SELECT song_title, song_id FROM songplays ORDER BY 1") == [
        ("Gone", None), ("Stays", "SO2")]
    incremental = snapshot(settings)
    run(settings, tmp_path, full_refresh=True)
    assert snapshot(settings) == incremental


def test_full_refresh_rebuilds_from_nothing(settings, tmp_path):
    small_root(tmp_path)
    run(settings, tmp_path)
    (tmp_path / "log_data/2018/b.json").unlink()  # incremental loads never forget a file
    assert run(settings, tmp_path).files_loaded == 0
    assert scalar(settings, "SELECT count(*) FROM users WHERE user_id = 8") == 1
    result = run(settings, tmp_path, full_refresh=True)
    assert (result.files_loaded, result.files_skipped) == (2, 0)
    assert result.events == {"read": 4, "song_plays": 3, "other_pages": 0, "rejected": 1}
    assert scalar(settings, "SELECT count(*) FROM users WHERE user_id = 8") == 0
    assert scalar(settings, "SELECT count(*) FROM sparkify.manifest") == 2
    assert scalar(settings, "SELECT min(file_id) FROM sparkify.manifest") == 1


# -- a crash leaves nothing of its batch ------------------------------------------------------


def assert_nothing_of_the_logs(settings) -> None:
    assert query(settings, """
        SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM songplays),
               (SELECT count(*) FROM users), (SELECT count(*) FROM time),
               (SELECT count(*) FROM sparkify.rejects),
               (SELECT count(*) FROM sparkify.manifest WHERE kind = 'log')""") == [
        (0, 0, 0, 0, 0, 0)]


def test_an_unreadable_file_late_in_a_batch_leaves_nothing_of_the_batch(settings, tmp_path):
    small_root(tmp_path)
    # /proc/self/mem cannot be read from its start, even by root: a real I/O error
    (tmp_path / "log_data/2018/c.json").symlink_to("/proc/self/mem")
    with pytest.raises(SparkifyError, match="c.json"):
        run(settings, tmp_path)
    assert_nothing_of_the_logs(settings)
    (tmp_path / "log_data/2018/c.json").unlink()
    result = run(settings, tmp_path)
    assert result.events["read"] == 6 and scalar(settings, "SELECT count(*) FROM events") == 5


def test_a_failure_keeps_the_batches_before_it_whole_and_nothing_of_its_own(settings, tmp_path):
    for f in range(5):
        write_log(tmp_path, f"{f}.json", [event(sessionId=f, itemInSession=i) for i in range(3)])
    (tmp_path / "log_data/3.json").unlink()
    (tmp_path / "log_data/3.json").symlink_to("/proc/self/mem")
    with pytest.raises(SparkifyError, match="3.json"):
        run(settings, tmp_path, options=LoadOptions(batch_files=2))  # batches: 0-1, 2-3, 4
    assert query(settings, "SELECT path, records_loaded FROM sparkify.manifest ORDER BY 1") == [
        (str((tmp_path / f"log_data/{f}.json").resolve()), 3) for f in (0, 1)]
    assert query(settings, "SELECT DISTINCT session_id FROM events ORDER BY 1") == [(0,), (1,)]
    assert scalar(settings, "SELECT count(*) FROM songplays") == 6


def test_a_database_failure_late_in_a_batch_leaves_nothing_of_the_batch(settings, tmp_path):
    small_root(tmp_path)
    write_log(tmp_path, "2018/c.json", [event(sessionId=5, song="BOOM")])
    with connect(settings, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.song_title = 'BOOM' THEN RAISE EXCEPTION 'injected failure'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER boom BEFORE INSERT ON public.songplays
            FOR EACH ROW EXECUTE FUNCTION public.boom();
            -- fire even when the loader sets session_replication_role = replica
            ALTER TABLE public.songplays ENABLE ALWAYS TRIGGER boom;""")
    with pytest.raises(psycopg.Error, match="injected failure"):
        run(settings, tmp_path)
    assert_nothing_of_the_logs(settings)
    with connect(settings, autocommit=True) as conn:
        conn.execute("DROP TRIGGER boom ON public.songplays")
    assert run(settings, tmp_path).events["read"] == 7
    assert scalar(settings, "SELECT count(*) FROM songplays") == 6


# -- two loads at once ------------------------------------------------------------------------


def wait_for_waiters(settings, count: int) -> None:
    """Wait until `count` sessions of the database wait on a lock: the loads run side by side."""
    deadline = time.monotonic() + 30
    waiting = 0
    while time.monotonic() < deadline:
        waiting = scalar(settings, """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'""")
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {waiting} of {count} loads reached the database together")


def two_loads_held(settings, data, hold: str, release: str) -> list[tuple[str, str]]:
    """Two `sparkify load --json` of `data` started while a session holds `hold`, both seen
    waiting on it, then let go (`release`: "commit" or "rollback"); both succeed. Their
    (stdout, stderr)."""
    env = {**os.environ, "SPARKIFY_DATABASE": settings.database}
    command = [sys.executable, "-m", "sparkify", "load", str(data), "--json"]
    with connect(settings) as blocker:
        blocker.execute(hold)
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        wait_for_waiters(settings, 2)
        getattr(blocker, release)()
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    return outputs


def test_two_loads_at_once_never_duplicate(settings, tmp_path):
    for f in range(12):
        write_log(tmp_path, f"2018/{f:02}.json",
                  [event(sessionId=f, itemInSession=i, ts=T0 + i * MIN, userId=str(f + 1))
                   for i in range(20)])
    # hold the manifest so that neither load can finish before both have started
    outputs = two_loads_held(settings, tmp_path,
                             "LOCK TABLE sparkify.manifest IN ACCESS EXCLUSIVE MODE", "commit")
    results = [json.loads(out) for out, _ in outputs]
    assert sorted(r["files"]["loaded"] for r in results) == [0, 12]
    assert any("another load" in err for _, err in outputs)
    assert query(settings, """
        SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM songplays),
               (SELECT count(*) FROM sparkify.manifest), (SELECT count(*) FROM sparkify.rejects)
        """) == [(240, 240, 12, 0)]


def test_two_loads_at_once_on_a_database_without_tables(pg_server, tmp_path):
    name = f"sparkify_test_fresh_{os.getpid()}"
    with connect(pg_server, "postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = dataclasses.replace(pg_server, database=name)
    for f in range(3):
        write_log(tmp_path, f"{f}.json", [event(sessionId=f, itemInSession=i) for i in range(5)])
    # an uncommitted schema of the same name: both loads wait on it, then go at once
    outputs = two_loads_held(settings, tmp_path, "CREATE SCHEMA sparkify", "rollback")
    assert sorted(json.loads(out)["files"]["loaded"] for out, _ in outputs) == [0, 3]
    assert scalar(settings, "SELECT count(*) FROM events") == 15


# -- nothing is dropped silently --------------------------------------------------------------


def test_records_read_are_loaded_plus_rejected_per_file_and_in_the_summary(settings, tmp_path):
    write_song(tmp_path, "a.json", song())
    write_song(tmp_path, "b.json", "{oops")
    write_log(tmp_path, "a.json", [event(), nothing(itemInSession=1), "[]", "{",
                                   event(itemInSession=2, userId="")])
    write_log(tmp_path, "b.json", [event(), nothing(itemInSession=1),  # replays of a.json
                                   event(itemInSession=3)])
    result = run(settings, tmp_path)
    assert result.songs == {"read": 2, "loaded": 1, "rejected": 1}
    assert result.events == {"read": 8, "song_plays": 2, "other_pages": 1, "rejected": 5}
    rows = query(settings, """
        SELECT m.path, m.records_read, m.records_loaded, m.song_plays, m.other_pages, m.rejected,
               (SELECT count(*) FROM sparkify.rejects r WHERE r.file_id = m.file_id)
        FROM sparkify.manifest m ORDER BY m.kind DESC, m.path""")
    table = {Path(p).parent.name + "/" + Path(p).name: rest for p, *rest in rows}
    assert table == {"song_data/a.json": [1, 1, 0, 0, 0, 0],
                     "song_data/b.json": [1, 0, 0, 0, 1, 1],
                     "log_data/a.json": [5, 2, 1, 1, 3, 3],
                     "log_data/b.json": [3, 1, 1, 0, 2, 2]}
    for _, read, loaded, _, _, rejected, _ in rows:
        assert read == loaded + rejected
    loaded = scalar(settings, "SELECT count(*) FROM events")
    assert loaded == result.events["song_plays"] + result.events["other_pages"]


# -- text as given ----------------------------------------------------------------------------

TEXTS = {
    "quotes": "It's \"quoted\" and 'single'",
    "backslashes": "C:\\path\\to\\file \\\\ end\\",
    "tab and newline": "a\tb\nc\r\nd",
    "copy null marker": "\\N",
    "unicode": "Björk · 東京 · 🎵 · e\u0301 · \u200b",
    "sql": "'); DROP TABLE users; -- \" OR 1=1",
    "percent": "%s %(name)s {0} $1",
    "empty": "",
}


def test_text_is_stored_exactly_as_given(settings, tmp_path):
    big_agent = "Mozilla/5.0 " + "x\\y\t\"z\" " * (100_000 // 8)
    assert len(big_agent) > 100_000
    records = [event(itemInSession=i, ts=T0 + i * MIN, song=text, artist=text, location=text,
                     userAgent=text, firstName=text, userId=str(i + 1))
               for i, text in enumerate(TEXTS.values())]
    records.append(event(itemInSession=99, userAgent=big_agent, userId="99"))
    write_log(tmp_path, "a.json", records)
    write_song(tmp_path, "a.json", "\n".join(json.dumps(song(song_id=f"SO{i}", title=text,
                                                             artist_id=f"AR{i}",
                                                             artist_name=text))
                                   for i, text in enumerate(TEXTS.values())))
    result = run(settings, tmp_path)
    assert result.rejected == 0
    for i, text in enumerate(TEXTS.values()):
        assert query(settings, "SELECT song_title, artist_name, location, user_agent "
                               "FROM songplays WHERE item_in_session = %s", [i]
                     ) == [(text, text, text, text)]
        assert query(settings, "SELECT song, user_agent FROM events WHERE item_in_session = %s",
                     [i]) == [(text, text)]
        assert query(settings, "SELECT first_name, location FROM users WHERE user_id = %s",
                     [i + 1]) == [(text, text)]
        assert query(settings, "SELECT s.title, a.name FROM songs s JOIN artists a USING "
                               "(artist_id) WHERE song_id = %s", [f"SO{i}"]) == [(text, text)]
    assert scalar(settings, "SELECT user_agent FROM songplays WHERE item_in_session = 99"
                  ) == big_agent
    # titles and names equal to the event's, so every play matched its song
    assert scalar(settings, "SELECT count(song_id) FROM songplays") == len(TEXTS)


def test_the_mis_encoded_sample_text_is_stored_as_given(sample_settings, sample_root):
    expected = set()
    for path in sorted((sample_root / "log_data").rglob("*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\\u00c3" in line:
                e = json.loads(line)
                expected.add((e["sessionId"], e["itemInSession"], e["artist"], e["song"]))
    assert len(expected) > 100
    assert any("Ã\x83Â¶rk" in (artist or "") for _, _, artist, _ in expected)
    loaded = set(query(sample_settings, """
        SELECT session_id, item_in_session, artist, song FROM events
        WHERE artist LIKE '%Ã%' OR song LIKE '%Ã%'"""))
    assert loaded == expected


# -- bad input goes to the rejects table ------------------------------------------------------


def test_bad_records_go_to_rejects_with_file_line_raw_text_and_reason(settings, tmp_path):
    good = event(itemInSession=0)
    bad = [
        ("not json", "not valid JSON"),
        ("\\N\t'); DROP TABLE users; -- \\ \"é", "not valid JSON"),  # kept as it was
        ("42", "not a JSON object (a number)"),
        (json.dumps({k: v for k, v in event().items() if k != "userId"}),
         "missing required field 'userId'"),
        (json.dumps(event(ts=None)), "field 'ts' is null"),
        (json.dumps({k: v for k, v in event().items() if k != "sessionId"}),
         "missing required field 'sessionId'"),
        (json.dumps(event(userId="", auth="Logged Out")), "NextSong event without a userId"),
        (json.dumps(event(length="long")), "field 'length' must be a number"),
        (json.dumps(event(song="nul\u0000here")), "field 'song' holds a NUL character"),
        (json.dumps(event(sessionId=10**12)), "field 'sessionId' is out of range"),
        (json.dumps(event(status=-200)), "field 'status' is out of range"),
    ]
    write_log(tmp_path, "a.json", [good] + [raw for raw, _ in bad] + [event(itemInSession=1)])
    # the same event again in another file, and again in the same file
    write_log(tmp_path, "b.json", [event(itemInSession=5), good, event(itemInSession=5)])
    result = run(settings, tmp_path)
    assert result.events == {"read": 16, "song_plays": 3, "other_pages": 0, "rejected": 13}
    rows = query(settings, "SELECT path, line_number, raw, reason FROM sparkify.rejects "
                           "ORDER BY path, line_number")
    a, b = (str((tmp_path / "log_data" / n).resolve()) for n in ("a.json", "b.json"))
    assert [(p, n, raw) for p, n, raw, _ in rows] == (
        [(a, i + 2, raw) for i, (raw, _) in enumerate(bad)]
        + [(b, 2, json.dumps(good)), (b, 3, json.dumps(event(itemInSession=5)))])
    for (_, _, _, reason), (_, expected) in zip(rows, bad, strict=False):
        assert reason.startswith(expected), reason
    assert all("duplicate" in reason for *_, reason in rows[-2:])
    assert scalar(settings, "SELECT count(*) FROM songplays") == 3
    # a replay in a file loaded later is rejected too, and never becomes a second row
    write_log(tmp_path, "c.json", [good])
    assert run(settings, tmp_path).events["rejected"] == 1
    assert scalar(settings, "SELECT count(*) FROM songplays") == 3


def test_a_rejected_replay_leaves_no_trace_in_the_star(settings, tmp_path):
    # same session, item and time as a loaded event, but another page and another level
    write_log(tmp_path, "a.json", [nothing(ts=T0, level="free")])
    write_log(tmp_path, "b.json", [event(ts=T0, level="paid", firstName="Replay")])
    result = run(settings, tmp_path)
    assert result.events == {"read": 2, "song_plays": 0, "other_pages": 1, "rejected": 1}
    assert query(settings, """
        SELECT (SELECT count(*) FROM songplays), (SELECT count(*) FROM time),
               (SELECT count(*) FROM events)""") == [(0, 0, 1)]
    assert query(settings, "SELECT first_name, level FROM users") == [("Ann", "free")]


# -- time is UTC whatever the session's TimeZone ----------------------------------------------

# Sunday 2018-12-30 11:00 UTC and Monday 2018-12-31 11:30 UTC: in Kiritimati (UTC+14), the
# next day, another weekday, and for the second one another month and year.
TZ_PLAYS = [1546167600000, 1546255800000, T0]


def expected_time() -> list[tuple]:
    rows = []
    for ts in TZ_PLAYS:
        t = datetime.fromtimestamp(ts / 1000, UTC)
        rows.append((t, t.hour, t.day, t.isocalendar().week, t.month, t.year, t.isoweekday()))
    return sorted(rows)


@pytest.mark.parametrize("how", ["PGTZ", "database TimeZone"])
def test_time_is_utc_whatever_the_session_time_zone(settings, tmp_path, monkeypatch, how):
    if how == "PGTZ":
        monkeypatch.setenv("PGTZ", "Pacific/Kiritimati")
    else:
        with connect(settings, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} SET TimeZone = 'Pacific/Kiritimati'").format(
                sql.Identifier(settings.database)))
    write_log(tmp_path, "a.json", [event(itemInSession=i, ts=ts) for i, ts in enumerate(TZ_PLAYS)])
    run(settings, tmp_path)
    assert scalar(settings, "SHOW TimeZone") == "Pacific/Kiritimati"
    rows = query(settings, "SELECT start_time, hour, day, week, month, year, weekday FROM time "
                           "ORDER BY 1")
    assert rows == expected_time()
    assert [r[1:] for r in rows[1:]] == [(11, 30, 52, 12, 2018, 7), (11, 31, 1, 12, 2018, 1)]
    assert sorted(r[0] for r in query(settings, "SELECT start_time FROM songplays")) == [
        datetime.fromtimestamp(ts / 1000, UTC) for ts in sorted(TZ_PLAYS)]


# -- the schema the load fills ----------------------------------------------------------------


def test_the_star_has_keys_types_and_not_null_where_the_source_always_gives(settings):
    keys = dict(query(settings, """
        SELECT r.relname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE n.nspname = 'public' AND c.contype = 'p'"""))
    assert keys.items() >= {
        "songplays": "PRIMARY KEY (songplay_id)", "users": "PRIMARY KEY (user_id)",
        "songs": "PRIMARY KEY (song_id)", "artists": "PRIMARY KEY (artist_id)",
        "time": "PRIMARY KEY (start_time)", "events": "PRIMARY KEY (event_id)"}.items()
    tables = {t for (t,) in query(settings, """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""")}
    assert tables <= set(keys), "every table has a primary key"
    foreign = {d for (d,) in query(settings, """
        SELECT pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'public.songplays'::regclass AND contype = 'f'""")}
    assert foreign == {"FOREIGN KEY (start_time) REFERENCES \"time\"(start_time)",
                       "FOREIGN KEY (user_id) REFERENCES users(user_id)",
                       "FOREIGN KEY (song_id) REFERENCES songs(song_id)",
                       "FOREIGN KEY (artist_id) REFERENCES artists(artist_id)"}
    assert scalar(settings, """
        SELECT pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'public.songplays'::regclass AND contype = 'u'""") == (
        "UNIQUE (session_id, item_in_session, start_time)")
    columns = {(t, c): (ty, nullable) for t, c, ty, nullable in query(settings, """
        SELECT table_name, column_name, data_type, is_nullable = 'YES'
        FROM information_schema.columns WHERE table_schema = 'public'""")}
    assert columns["songplays", "start_time"] == ("timestamp with time zone", False)
    assert columns["songplays", "user_id"] == ("integer", False)
    assert columns["songplays", "song_id"][1] and columns["songplays", "artist_id"][1]
    assert columns["songplays", "session_id"] == ("integer", False)
    assert columns["songs", "duration"] == ("double precision", False)
    assert columns["artists", "latitude"] == ("double precision", True)
    assert columns["users", "level"] == ("text", False)
    assert columns["time", "weekday"][1] is False
    # staging and bookkeeping live outside public
    assert scalar(settings, """
        SELECT count(*) FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name IN ('manifest', 'rejects', 'files')""") == 0
    with pytest.raises(psycopg.errors.UniqueViolation), connect(settings) as conn:
        for _ in range(2):  # the natural key: a replayed event cannot become a second play
            conn.execute("""
                INSERT INTO users (user_id, level, last_seen_at) VALUES (1, 'free', now())
                ON CONFLICT DO NOTHING;
                INSERT INTO time VALUES ('2018-11-01 00:00+00', 0, 1, 44, 11, 2018, 4)
                ON CONFLICT DO NOTHING;
                INSERT INTO songplays (start_time, user_id, level, session_id, item_in_session,
                                       song_title, artist_name, song_length, source_file_id,
                                       source_line)
                VALUES ('2018-11-01 00:00+00', 1, 'free', 1, 1, 's', 'a', 1, 1, 1)""")
