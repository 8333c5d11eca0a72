"""Checks: the real sample passes every one; each breakage is reported by exactly its check."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sparkify import checks
from sparkify.checks import classic_statements, find_sql_queries, run_checks, sql_checks
from sparkify.cli import cli
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import load
from tests.support.helpers import break_db, event, query, write_log

EXPECTED_NAMES = (
    [f"schema.{kind}.{t}" for kind in ("columns", "primary_key", "not_null")
     for t in ("songplays", "users", "songs", "artists", "time", "events")]
    + ["schema.foreign_keys.songplays", "schema.foreign_keys.songs",
       "schema.natural_key.songplays", "schema.natural_key.events", "sql.inserts"]
    + [f"sql.on_conflict.{n}_table_insert"
       for n in ("artist", "event", "song", "songplay", "time", "user")]
    + [f"data.not_empty.{t}" for t in ("songplays", "time", "users", "songs", "artists", "events")]
    + [f"data.orphans.{r}" for r in ("songplays.user_id", "songplays.song_id",
                                     "songplays.artist_id", "songs.artist_id", "events.user_id")]
    + [f"data.duplicates.{t}" for t in ("songplays", "users", "songs", "artists", "time", "events")]
    + ["data.time.covers_songplays", "data.time.parts", "data.users.level",
       "data.songplays.song_match", "data.user_song_plays.counts", "data.manifest.balance",
       "data.rejects.duplicates",
       "data.manifest.events",
       "data.manifest.songplays", "data.manifest.rejects", "data.manifest.songs",
       "data.manifest.artists", "data.rejects.share"]
)


def failures(results) -> dict[str, str]:
    return {r.name: r.detail for r in results if not r.passed}


def test_the_sample_passes_every_check(sample_settings):
    results = run_checks(sample_settings)
    assert [r.name for r in results] == EXPECTED_NAMES
    assert failures(results) == {}
    assert not [r.name for r in results if r.warning]
    details = {r.name: r.detail for r in results}
    assert details["data.manifest.songplays"] == (
        "songplays holds 6,820 rows, the manifest 6,820 song plays, file by file")
    assert details["data.rejects.share"] == "0 of 8,127 records rejected (0.00%), within 1.00%"


def test_checks_are_not_fooled_by_the_session_time_zone(sample_settings):
    # every hour (and some days) differ in New York: the parts must be compared in UTC
    with connect(sample_settings) as conn:
        conn.execute("SET TimeZone = 'America/New_York'")
        conn.commit()
        assert failures(run_checks(conn)) == {}


def test_a_connection_passed_in_is_left_idle_and_open(sample_settings):
    from psycopg import pq

    with connect(sample_settings) as conn:
        run_checks(conn)
        assert not conn.closed
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE


BREAKAGES = {
    "drop a NOT NULL": (
        ["ALTER TABLE users ALTER COLUMN level DROP NOT NULL"],
        {"schema.not_null.users": "public.users: required column(s) allow NULL: level"}),
    "drop a primary key": (
        ["ALTER TABLE events DROP CONSTRAINT events_pkey"],
        {"schema.primary_key.events": "public.events has no primary key (expected on event_id)"}),
    "drop a referenced primary key and duplicate a user": (
        ["ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE",
         "INSERT INTO users SELECT * FROM users WHERE user_id = (SELECT min(user_id) FROM users)"],
        {"schema.primary_key.users": "public.users has no primary key (expected on user_id)",
         "schema.foreign_keys.songplays": "missing foreign key(s): songplays.user_id → "
                                          "users.user_id",
         "data.duplicates.users": "1 at fault: user_id 2: 2 rows"}),
    "change a column's type": (
        ["ALTER TABLE time ALTER COLUMN hour TYPE integer"],
        {"schema.columns.time": "public.time: hour is integer (expected smallint)"}),
    "drop a column": (
        ["ALTER TABLE events DROP COLUMN source_line"],
        {"schema.columns.events": "public.events: missing column(s) source_line",
         # the latest-event rule breaks ties by line: the level check cannot run without it;
         # the manifest check reads events but not that column; the not-null check skips it
         "data.users.level": "could not run: column e.source_line does not exist"}),
    "drop the natural key": (
        ["ALTER TABLE songplays DROP CONSTRAINT songplays_natural_key"],
        {"schema.natural_key.songplays": "public.songplays has no UNIQUE (session_id, "
                                         "item_in_session, start_time): a replayed event could "
                                         "be loaded twice"}),
    "insert an orphan songplay": (
        ["ALTER TABLE songplays DROP CONSTRAINT songplays_user_id_fkey",
         ("INSERT INTO songplays (start_time, user_id, level, session_id, item_in_session, "
         "song_title, artist_name, song_length, source_file_id, source_line) "
         "SELECT start_time, 999999, level, session_id, item_in_session + 1000, song_title, "
         "artist_name, song_length, source_file_id, source_line FROM songplays "
         "ORDER BY songplay_id LIMIT 1")],
        {"schema.foreign_keys.songplays": "missing foreign key(s): songplays.user_id → "
                                          "users.user_id",
         "data.orphans.songplays.user_id": "1 at fault: songplay_id 6821 has user_id 999999",
         "data.manifest.songplays": "songplays holds 6,821 rows, the manifest 6,820 song "
                                    "plays, file by file; 1 file(s) disagree: "}),
    "delete a time row": (
        ["ALTER TABLE songplays DROP CONSTRAINT songplays_start_time_fkey",
         ("DELETE FROM time WHERE start_time = (SELECT start_time FROM songplays "
         "WHERE songplay_id = 1)")],
        {"schema.foreign_keys.songplays": "missing foreign key(s): songplays.start_time → "
                                          "time.start_time",
         "data.time.covers_songplays": "1 at fault: songplay_id 1 at "}),
    "shift a time row's hour": (
        [("UPDATE time SET hour = (hour + 1) % 24 "
         "WHERE start_time = (SELECT min(start_time) FROM time)")],
        {"data.time.parts": "1 at fault: "}),
    "change a user's level": (
        [("UPDATE users SET level = CASE level WHEN 'free' THEN 'paid' ELSE 'free' END "
         "WHERE user_id = 15")],
        {"data.users.level": "1 at fault: user_id 15 is "}),
    "delete a user who only browsed": (
        ["DELETE FROM users WHERE user_id NOT IN (SELECT user_id FROM songplays)"],
        {"data.orphans.events.user_id": "1 at fault: user_id "}),
    "mismatch a matched play's length": (
        ["UPDATE songplays SET song_length = song_length + 0.5 WHERE song_id IS NOT NULL"],
        {"data.songplays.song_match": "1 at fault: songplay_id "}),
    "miscount a user's plays of a song": (
        [("UPDATE user_song_plays SET plays = plays + 1 WHERE (user_id, song_title, artist_name) "
          "= (SELECT user_id, song_title, artist_name FROM songplays WHERE songplay_id = 1)")],
        {"data.user_song_plays.counts": "1 at fault: user_id "}),
    "unbalance a file in the manifest": (
        ["ALTER TABLE sparkify.manifest DROP CONSTRAINT manifest_check",
         ("UPDATE sparkify.manifest SET records_read = records_read + 1 "
         "WHERE path = (SELECT min(path) FROM sparkify.manifest WHERE kind = 'log')")],
        {"data.manifest.balance": "1 at fault: "}),
    "lose an event the manifest counts": (
        [("DELETE FROM events WHERE event_id = (SELECT min(event_id) FROM events "
         "WHERE user_id IS NULL)")],
        {"data.manifest.events": "events holds 8,055 rows, the manifest 8,056 loaded events"}),
    "empty a fact table": (
        ["TRUNCATE songplays"],
        {"data.not_empty.songplays": "public.songplays is empty, yet 6,820 song plays were "
                                     "loaded",
         "data.manifest.songplays": "songplays holds 0 rows, the manifest 6,820 song plays"}),
    "a song no loaded file accounts for": (
        [("INSERT INTO songs SELECT 'SOX', title, artist_id, year, duration, '/elsewhere.json' "
         "FROM songs LIMIT 1")],
        {"data.manifest.songs": "2 at fault: song_id SOX from /elsewhere.json; songs holds 72 "
                                "rows, the manifest loaded 71 song records"}),
}


@pytest.mark.parametrize("statements, expected", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_each_breakage_is_reported_by_exactly_its_checks(sample_settings, statements, expected):
    break_db(sample_settings, *statements)
    found = failures(run_checks(sample_settings))
    assert set(found) == set(expected), found
    for name, start in expected.items():
        assert found[name].startswith(start), (name, found[name])


def test_an_empty_database_fails_every_not_empty_check(settings):
    found = failures(run_checks(settings))
    assert set(found) == {f"data.not_empty.{t}" for t in checks.TABLES}
    assert found["data.not_empty.users"] == ("public.users is empty: no file is loaded yet "
                                             "(run `sparkify load`)")


def test_tables_with_nothing_of_their_kind_loaded_may_be_empty(settings, tmp_path):
    # only logged-out, non-song events: no song files, no plays, no users
    write_log(tmp_path, "a.json", [event(page="Home", userId="", auth="Logged Out", song=None,
                                         artist=None, length=None)])
    load(settings, tmp_path, notify=lambda m: None)
    results = {r.name: r for r in run_checks(settings)}
    assert failures(results.values()) == {}
    assert results["data.not_empty.songs"].detail == ("public.songs is empty, as expected: no "
                                                      "song records loaded")
    assert results["data.not_empty.events"].detail == "public.events has rows"


def test_a_missing_table_fails_its_checks_and_the_others_still_run(sample_settings):
    break_db(sample_settings, "DROP TABLE events CASCADE")
    found = failures(run_checks(sample_settings))
    for name in ("schema.columns.events", "schema.primary_key.events", "schema.not_null.events",
                 "schema.natural_key.events", "data.not_empty.users", "data.manifest.events"):
        assert name in found
    assert found["schema.columns.events"] == "table public.events is missing"
    assert found["data.users.level"].startswith("could not run: relation \"public.events\"")
    assert "data.time.parts" not in found and "schema.columns.songs" not in found


def test_rejects_over_the_share_warn_without_failing(settings, tmp_path):
    write_log(tmp_path, "a.json", [event(), "{not json", event(itemInSession=1, ts=1541105831796)])
    load(settings, tmp_path, notify=lambda m: None)
    share = {r.name: r for r in run_checks(settings)}["data.rejects.share"]
    assert share.passed and share.warning
    assert share.detail.startswith("1 of 3 records rejected (33.33%), over 1.00%")
    relaxed = {r.name: r for r in run_checks(settings, max_reject_share=0.5)}
    assert relaxed["data.rejects.share"].warning is False
    assert failures(relaxed.values()) == {}


def test_a_duplicate_whose_original_is_gone_is_reported(settings, tmp_path):
    home = {"page": "Home", "song": None, "artist": None, "length": None, "itemInSession": 1}
    write_log(tmp_path, "a.json", [event(), event(**home)])
    write_log(tmp_path, "b.json", [event(**home)])  # the same event again: a duplicate
    load(settings, tmp_path, notify=lambda m: None)
    results = run_checks(settings, max_reject_share=0.5)
    assert failures(results) == {}
    assert {r.name: r.detail for r in results}["data.rejects.duplicates"] == (
        "every record rejected as a duplicate has its original in events")
    # what a reload of a.json without that event leaves behind: the manifest agrees, the
    # event is lost, only b.json's reject remembers it
    break_db(settings, "DELETE FROM events WHERE item_in_session = 1",
             "ALTER TABLE sparkify.manifest DROP CONSTRAINT manifest_check",
             "UPDATE sparkify.manifest SET records_read = records_read - 1, "
             "records_loaded = records_loaded - 1, other_pages = other_pages - 1 "
             "WHERE path LIKE '%/a.json'")
    found = failures(run_checks(settings, max_reject_share=0.5))
    assert found == {"data.rejects.duplicates": f"1 at fault: {tmp_path / 'log_data/b.json'}:1"}


# --- SQL sanity --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def statements() -> dict[str, str]:
    path = find_sql_queries()
    assert path is not None and path.name == "sql_queries.py"
    return classic_statements(path)


def test_sql_queries_inserts_are_found_and_pass(statements):
    assert sorted(statements) == ["artist_table_insert", "event_table_insert",
                                  "song_table_insert", "songplay_table_insert",
                                  "time_table_insert", "user_table_insert"]
    assert failures(sql_checks(statements)) == {}


def _without_conflict(text: str) -> str:
    return text[:text.upper().index("ON CONFLICT")] + ";"


SQL_BREAKAGES = {
    "no ON CONFLICT on users": (
        "user_table_insert", _without_conflict,
        ("user_table_insert (INSERT INTO users) has no ON CONFLICT clause: a reload would fail "
        "or duplicate rows; expected ON CONFLICT (user_id) DO UPDATE")),
    "no ON CONFLICT on songplays": (
        "songplay_table_insert", _without_conflict,
        "songplay_table_insert (INSERT INTO songplays) has no ON CONFLICT clause"),
    "DO NOTHING where users must follow the latest level": (
        "user_table_insert", lambda t: _without_conflict(t)[:-1] + " ON CONFLICT (user_id) "
                                                                  "DO NOTHING;",
        "user_table_insert: DO NOTHING where users must follow the latest value"),
    "DO UPDATE that forgets the level": (
        "user_table_insert", lambda t: t.replace("level = excluded.level,", ""),
        "user_table_insert: DO UPDATE leaves level at the old value"),
    "a conflict target that is not the key": (
        "time_table_insert", lambda t: t.replace("ON CONFLICT (start_time)",
                                                 "ON CONFLICT (hour)"),
        "time_table_insert: ON CONFLICT (hour) is not time's key (start_time)"),
    "no conflict target": (
        "event_table_insert",
        lambda t: t.replace("ON CONFLICT ON CONSTRAINT events_natural_key", "ON CONFLICT"),
        "event_table_insert: ON CONFLICT names no key"),
    "the surrogate key as target": (
        "songplay_table_insert",
        lambda t: t.replace("ON CONSTRAINT songplays_natural_key", "(songplay_id)"),
        "songplay_table_insert: ON CONFLICT (songplay_id) is not songplays's key"),
}


@pytest.mark.parametrize("name, breaks, detail", SQL_BREAKAGES.values(), ids=SQL_BREAKAGES.keys())
def test_each_broken_insert_is_reported_by_its_check(statements, name, breaks, detail):
    broken = dict(statements)
    broken[name] = breaks(statements[name])
    assert broken[name] != statements[name]
    found = failures(sql_checks(broken))
    assert list(found) == [f"sql.on_conflict.{name}"]
    assert found[f"sql.on_conflict.{name}"].startswith(detail)


def test_a_comment_mentioning_on_conflict_does_not_count(statements):
    text = "-- ON CONFLICT (user_id) DO UPDATE\n" + _without_conflict(
        statements["user_table_insert"])
    found = failures(sql_checks({**statements, "user_table_insert": text}))
    assert list(found) == ["sql.on_conflict.user_table_insert"]


def test_a_table_without_an_insert_is_reported(statements):
    fewer = {k: v for k, v in statements.items() if k != "time_table_insert"}
    assert failures(sql_checks(fewer)) == {"sql.inserts": "no INSERT for table(s) time"}


def test_run_checks_takes_a_copy_of_the_statements(sample_settings, statements):
    broken = {**statements, "artist_table_insert": _without_conflict(
        statements["artist_table_insert"])}
    found = failures(run_checks(sample_settings, statements=broken))
    assert list(found) == ["sql.on_conflict.artist_table_insert"]


# --- the command line --------------------------------------------------------------------------


def test_check_json_on_the_sample(sample_settings):
    outcome = CliRunner().invoke(cli, ["check", "--json"])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["passed"] is True
    assert [c["name"] for c in report["checks"]] == EXPECTED_NAMES
    assert set(report["checks"][0]) == {"name", "passed", "detail", "warning"}


def test_check_fails_with_exit_1_naming_the_check(sample_settings):
    break_db(sample_settings, "UPDATE users SET level = 'gold' WHERE user_id = 15")
    outcome = CliRunner().invoke(cli, ["check"])
    assert outcome.exit_code == 1
    assert "data.users.level" in outcome.stdout and "FAIL" in outcome.stdout
    assert "1 of" in outcome.stdout and "checks failed" in outcome.stdout
    outcome = CliRunner().invoke(cli, ["check", "--json"])
    report = json.loads(outcome.stdout)
    assert outcome.exit_code == 1 and report["passed"] is False
    assert [c["name"] for c in report["checks"] if not c["passed"]] == ["data.users.level"]


def test_check_exits_2_when_the_database_is_unreachable(pg_server, monkeypatch):
    monkeypatch.setenv("SPARKIFY_DATABASE", "sparkify_test_no_such_database")
    outcome = CliRunner().invoke(cli, ["check", "--json"])
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "does not exist" in outcome.stderr


@pytest.mark.parametrize("given, warned", [("0.5", False), ("50%", False), ("1%", True)])
def test_check_max_reject_share(settings, tmp_path, given, warned):
    write_log(tmp_path, "a.json", [event(), "{not json", event(itemInSession=1, ts=1541105831796)])
    load(settings, tmp_path, notify=lambda m: None)
    outcome = CliRunner().invoke(cli, ["check", "--json", "--max-reject-share", given])
    assert outcome.exit_code == 0, outcome.output
    share = json.loads(outcome.stdout)["checks"][-1]
    assert share["name"] == "data.rejects.share" and share["warning"] is warned


def test_check_rejects_a_bad_share(settings):
    outcome = CliRunner().invoke(cli, ["check", "--max-reject-share", "150%"])
    assert outcome.exit_code == 2
    assert "between 0 and 1" in outcome.stderr


def test_load_runs_the_checks_into_its_one_json_object(settings, tmp_path):
    write_log(tmp_path, "a.json", [event()])
    outcome = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"])
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.stdout)
    assert payload["checks"]["passed"] is True
    assert [c["name"] for c in payload["checks"]["checks"]] == EXPECTED_NAMES
    write_log(tmp_path, "b.json", [event(sessionId=2)])
    outcome = CliRunner().invoke(cli, ["load", str(tmp_path), "--json", "--no-check"])
    assert outcome.exit_code == 0 and "checks" not in json.loads(outcome.stdout)


def test_load_exits_1_when_its_checks_fail(settings, tmp_path):
    break_db(settings, "ALTER TABLE users ALTER COLUMN level DROP NOT NULL")
    write_log(tmp_path, "a.json", [event()])
    outcome = CliRunner().invoke(cli, ["load", str(tmp_path)])
    assert outcome.exit_code == 1
    assert "schema.not_null.users" in outcome.stdout
    # the rows are loaded all the same: the checks report, they do not undo
    assert query(settings, "SELECT count(*) FROM songplays") == [(1,)]
    outcome = CliRunner().invoke(cli, ["load", str(tmp_path), "--no-check"])
    assert outcome.exit_code == 0
