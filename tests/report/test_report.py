"""`sparkify report` and the analytics views.

On the real sample every figure is checked against a computation made here straight from the
JSON files (never from our tables), so a wrong view cannot agree with itself.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.core.names import repair
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.schema import VIEW_FILES
from tests.support.helpers import (
    event,
    query,
    read_events,
    scalar,
    song,
    write_log,
    write_song,
)
from tests.support.prerequisites import REPO

# -- independent reading of the sample --------------------------------------------------------


def execute(settings, statement: str) -> None:
    with connect(settings, autocommit=True) as conn:
        conn.execute(statement)


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts / 1000, tz=UTC)


@pytest.fixture(scope="module")
def sample_events(sample_root) -> list[dict]:
    return read_events(sample_root)


@pytest.fixture(scope="module")
def report(pg_server, sample_root) -> dict:
    """`sparkify report --json` on a fresh copy of the loaded sample, run once per module."""
    from tests.plugins.postgres import SAMPLE_TEMPLATE, _clone

    patch = pytest.MonkeyPatch()
    try:
        _clone(SAMPLE_TEMPLATE, patch)
        result = CliRunner().invoke(cli, ["report", "--json"])
    finally:
        patch.undo()
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # the whole of stdout is the one object


def plays_of(events: list[dict]) -> list[dict]:
    """The song plays, their names as people read them (the views show them repaired)."""
    return [{**e, "song": repair(e["song"]), "artist": repair(e["artist"])}
            for e in events if e["page"] == "NextSong"]


def latest_per_user(events: list[dict]) -> dict[int, dict]:
    latest: dict[int, dict] = {}
    for e in sorted((e for e in events if e["userId"]),
                    key=lambda e: (e["ts"], e["_order"])):
        latest[int(e["userId"])] = e
    return latest


def sessions_of(events: list[dict]) -> dict[tuple, list[dict]]:
    sessions: dict[tuple, list[dict]] = defaultdict(list)
    for e in events:
        if e["userId"]:
            sessions[(e["sessionId"], e["userId"])].append(e)
    return sessions


# -- the required figures on the sample ------------------------------------------------------


def test_sample_top_songs_and_artists_count_every_play(report, sample_events):
    """Counted per name as people read it: the logs' mis-encoded names repaired."""
    plays = plays_of(sample_events)
    songs = Counter((e["song"], e["artist"]) for e in plays)
    expected = [{"song": s, "artist": a, "plays": n}
                for (s, a), n in sorted(songs.items(), key=lambda i: (-i[1], i[0]))[:10]]
    assert [{k: s[k] for k in ("song", "artist", "plays")} for s in report["top_songs"]] \
        == expected
    assert report["top_songs"][0] == {**expected[0], "listeners": len(
        {e["userId"] for e in plays if (e["song"], e["artist"]) == (
            expected[0]["song"], expected[0]["artist"])})}
    artists = Counter(e["artist"] for e in plays)
    assert [{k: a[k] for k in ("artist", "plays")} for a in report["top_artists"]] == [
        {"artist": a, "plays": n}
        for a, n in sorted(artists.items(), key=lambda i: (-i[1], i[0]))[:10]]


def test_sample_top_artists_read_bjork_and_no_mis_encoded_name(report):
    assert {"artist": "Bj\u00f6rk", "plays": 33} in report["top_artists"]
    shown = [a["artist"] for a in report["top_artists"]]
    shown += [text for s in report["top_songs"] for text in (s["song"], s["artist"])]
    assert not [text for text in shown if "\u00c3" in text]


def test_sample_match_rate_is_the_share_of_plays_found_in_song_data(report, sample_events,
                                                                     sample_root):
    catalog = [json.loads(p.read_text(encoding="utf-8"))
               for p in (sample_root / "song_data").rglob("*.json")]
    plays = plays_of(sample_events)
    matched = sum(any(repair(s["title"]) == repair(e["song"])  # the rule: names repaired
                      and repair(s["artist_name"]) == repair(e["artist"])
                      and abs(s["duration"] - e["length"]) <= 0.01 for s in catalog)
                  for e in plays)
    assert matched == 1  # the sample's published figure
    assert report["match_rate"] == pytest.approx(matched / len(plays))
    assert report["catalog"] == {"plays": len(plays), "matched_plays": matched,
                                 "match_rate": pytest.approx(matched / len(plays))}


def test_sample_plays_by_hour_are_utc_and_cover_all_24_hours(report, sample_events):
    hours = Counter(utc(e["ts"]).hour for e in plays_of(sample_events))
    assert report["plays_by_hour"] == [{"hour": h, "plays": hours.get(h, 0)} for h in range(24)]
    events = Counter(utc(e["ts"]).hour for e in sample_events)
    assert report["events_by_hour"] == [{"hour": h, "events": events.get(h, 0)}
                                        for h in range(24)]


def test_sample_users_by_level_and_gender_at_their_latest_event(report, sample_events):
    latest = latest_per_user(sample_events)
    assert report["users_by_level"] == dict(Counter(e["level"] for e in latest.values()))
    assert report["users_by_level"] == {"free": 75, "paid": 22}
    assert report["users_by_gender"] == dict(Counter(e["gender"] for e in latest.values()))
    assert sum(report["users_by_gender"].values()) == 97


def test_sample_sessions_count_length_and_songs(report, sample_events):
    sessions = sessions_of(sample_events)
    lengths = [(max(e["ts"] for e in s) - min(e["ts"] for e in s)) / 1000
               for s in sessions.values()]
    songs = [sum(e["page"] == "NextSong" for e in s) for s in sessions.values()]
    assert len(sessions) == 911
    got = report["sessions"]
    assert got["count"] == len(sessions)
    assert got["avg_length_seconds"] == pytest.approx(statistics.fmean(lengths))
    assert got["avg_songs"] == pytest.approx(statistics.fmean(songs))
    assert got["users"] == len({user for _, user in sessions})


def test_sample_status_codes_and_platform_health(report, sample_events):
    statuses = Counter(str(e["status"]) for e in sample_events)
    assert report["status_codes"] == dict(statuses) == {"200": 7846, "307": 201, "404": 9}
    platform = report["platform"]
    assert platform["error_rate"] == pytest.approx(
        sum(e["status"] >= 400 for e in sample_events) / len(sample_events))
    assert platform["logged_out_share"] == pytest.approx(
        sum(e["auth"] == "Logged Out" for e in sample_events) / len(sample_events))
    pages = Counter(e["page"] for e in sample_events)
    assert {p["page"]: p["requests"] for p in platform["by_page"]} == dict(pages)
    hours = Counter(utc(e["ts"]).strftime("%Y-%m-%dT%H") for e in sample_events)
    assert {h["hour_start"][:13]: h["requests"] for h in platform["requests_by_hour"]} \
        == dict(hours)


def test_sample_activity_by_weekday_and_day(report, sample_events):
    plays = plays_of(sample_events)
    weekdays = Counter(utc(e["ts"]).isoweekday() for e in plays)
    assert [(w["weekday"], w["plays"]) for w in report["activity_by_weekday"]] == [
        (d, weekdays.get(d, 0)) for d in range(1, 8)]
    days = Counter(utc(e["ts"]).date().isoformat() for e in plays)
    by_day = {d["day"]: d["plays"] for d in report["activity_by_day"]}
    assert {d: n for d, n in by_day.items() if n} == dict(days)
    dau = defaultdict(set)
    for e in sample_events:
        if e["userId"]:
            dau[utc(e["ts"]).date().isoformat()].add(e["userId"])
    assert {d["day"]: d["users"] for d in report["engagement"]["daily_active_users"]} == {
        d: len(u) for d, u in dau.items()}


def test_sample_trends_by_level_and_state(report, sample_events):
    plays = plays_of(sample_events)
    by_level = Counter((utc(e["ts"]).date().isoformat(), e["level"]) for e in plays)
    assert {(r["day"], r["level"]): r["plays"] for r in report["trends"]["by_level"]} \
        == dict(by_level)
    states = Counter(e["location"].rsplit(", ", 1)[1].split("-")[0] for e in plays)
    top = sorted(states.items(), key=lambda i: (-i[1], i[0]))[:5]
    assert [(s["state"], s["plays"]) for s in report["trends"]["top_states"]] == top
    assert sum(r["plays"] for r in report["trends"]["by_state"]) == len(plays)


def test_sample_plays_per_user_and_its_distribution(report, sample_events):
    per_user = Counter(e["userId"] for e in plays_of(sample_events))
    got = report["engagement"]["plays_per_user"]
    assert got["users"] == len(per_user) == 96
    assert got["max"] == max(per_user.values())
    assert got["median"] == statistics.median(per_user.values())
    buckets = Counter(n.bit_length() - 1 for n in per_user.values())  # 2^k <= n < 2^(k+1)
    assert [(b["low"], b["high"], b["users"]) for b in got["distribution"]] == [
        (2 ** k, 2 ** (k + 1) - 1, buckets[k]) for k in sorted(buckets)]


def test_sample_conversion_counts_level_changes_between_events(report, sample_events):
    by_user = defaultdict(list)
    for e in sample_events:
        if e["userId"]:
            by_user[e["userId"]].append(e)
    changes = []
    for user, events in by_user.items():
        events.sort(key=lambda e: (e["ts"], e["sessionId"], e["itemInSession"]))
        changes += [(user, b["level"]) for a, b in pairwise(events)
                    if a["level"] != b["level"]]
    conversion = report["conversion"]
    assert conversion["users_changed"] == len({u for u, _ in changes}) == 8
    assert conversion["upgrades"] == sum(level == "paid" for _, level in changes)
    assert conversion["downgrades"] == sum(level == "free" for _, level in changes)
    assert sum(d["upgrades"] + d["downgrades"] for d in conversion["by_day"]) == len(changes)


def test_sample_demographics_count_users_and_their_plays(report, sample_events):
    latest = latest_per_user(sample_events)
    plays = Counter(int(e["userId"]) for e in plays_of(sample_events))
    by_gender = defaultdict(lambda: [0, 0])
    for user, e in latest.items():
        by_gender[e["gender"]][0] += 1
        by_gender[e["gender"]][1] += plays.get(user, 0)
    assert {g["gender"]: [g["users"], g["plays"]]
            for g in report["demographics"]["by_gender"]} == dict(by_gender)
    states = Counter(e["location"].rsplit(", ", 1)[1].split("-")[0] for e in latest.values())
    assert {s["state"]: s["users"] for s in report["demographics"]["by_state"]} == dict(states)


def test_sample_preferences_name_each_users_most_played_artist(report, sample_events):
    plays = plays_of(sample_events)
    per_user = Counter(e["userId"] for e in plays)
    top_user = min(per_user, key=lambda u: (-per_user[u], int(u)))
    artists = Counter(e["artist"] for e in plays if e["userId"] == top_user)
    first = report["preferences"]["most_active_users"][0]
    assert (first["user_id"], first["plays"]) == (int(top_user), per_user[top_user])
    assert first["top_artist"] == min(artists, key=lambda a: (-artists[a], a))
    assert report["recommendations"]["user_id"] == int(top_user)
    assert len(report["recommendations"]["items"]) == 10


def test_sample_user_preferences_name_every_users_top_artist_and_song(sample_settings,
                                                                      sample_events):
    """Every user's row, from the JSON, and the same as rank 1 of user_top_artists/_songs."""
    plays = plays_of(sample_events)
    expected = set()
    for user in {e["userId"] for e in plays}:
        mine = [e for e in plays if e["userId"] == user]
        artists = Counter(e["artist"] for e in mine)
        songs = Counter((e["song"], e["artist"]) for e in mine)
        artist = min(artists, key=lambda a: (-artists[a], a))
        song = min(songs, key=lambda s: (-songs[s], s))
        expected.add((int(user), len(mine), artist, artists[artist], *song, songs[song]))
    rows = query(sample_settings, "SELECT * FROM user_preferences")
    assert set(rows) == expected and len(rows) == len(expected)
    assert rows and set(rows) == set(query(sample_settings, """
        SELECT a.user_id, p.plays, a.artist, a.plays, s.song, s.artist, s.plays
        FROM user_top_artists a
        JOIN user_top_songs s ON s.user_id = a.user_id AND s.rank = 1
        JOIN plays_per_user p ON p.user_id = a.user_id
        WHERE a.rank = 1"""))


def test_user_rankings_put_more_plays_first_then_byte_order(settings, tmp_path):
    """Ties by name in byte order ('B' < 'a' < 'b' < 'é'), and only after the play count."""
    played = [("x", "b")] * 2 + [("x", "B")] * 2 + [("y", "a")] * 2 + [("y", "é")] * 2 \
        + [("A", "Z")]
    write_log(tmp_path, "a.json", [
        event(userId="1", itemInSession=i, ts=1541105830000 + 1000 * i, song=s, artist=a)
        for i, (s, a) in enumerate(played)])
    load(settings, tmp_path, notify=lambda m: None)
    assert query(settings, "SELECT rank, artist, plays FROM user_top_artists "
                           "WHERE user_id = 1 ORDER BY rank") == [
        (1, "B", 2), (2, "a", 2), (3, "b", 2), (4, "é", 2), (5, "Z", 1)]
    assert query(settings, "SELECT rank, song, artist, plays FROM user_top_songs "
                           "WHERE user_id = 1 ORDER BY rank") == [
        (1, "x", "B", 2), (2, "x", "b", 2), (3, "y", "a", 2), (4, "y", "é", 2),
        (5, "A", "Z", 1)]
    assert query(settings, "SELECT * FROM user_preferences") == [
        (1, 9, "B", 2, "x", "B", 2)]
    assert query(settings, "SELECT artist, users, plays FROM favourite_artists") == [
        ("B", 1, 2)]


def test_report_says_genre_is_not_in_the_source(report, sample_settings):
    assert report["genre"] is None
    assert any("Genre is not in the source data" in note for note in report["notes"])
    text = CliRunner().invoke(cli, ["report"]).stdout
    assert "Genre is not in the source data" in text


# -- one user ---------------------------------------------------------------------------------


def test_report_for_one_user_matches_their_events(sample_settings, sample_events):
    result = CliRunner().invoke(cli, ["report", "--user", "15", "--json"])
    assert result.exit_code == 0, result.output
    user = json.loads(result.stdout)["user"]
    mine = [e for e in sample_events if e["userId"] == "15"]
    played = plays_of(mine)
    assert user["plays"] == len(played)
    songs = Counter((e["song"], e["artist"]) for e in played)
    assert [(s["song"], s["artist"], s["plays"]) for s in user["top_songs"]] == [
        (s, a, n) for (s, a), n in sorted(songs.items(), key=lambda i: (-i[1], i[0]))[:10]]
    assert user["sessions"]["count"] == len({e["sessionId"] for e in mine})
    assert [(c["from_level"], c["to_level"]) for c in user["level_changes"]] == [
        ("paid", "free"), ("free", "paid")]  # user 15 downgraded, then upgraded again
    assert user["level"] == latest_per_user(sample_events)[15]["level"]
    played_keys = set(songs)
    assert all((r["song"], r["artist"]) not in played_keys for r in user["recommendations"])
    terminal = CliRunner().invoke(cli, ["report", "--user", "15"])
    assert terminal.exit_code == 0 and "Recommended (never played)" in terminal.stdout


def test_report_for_an_unknown_user_is_one_line_exit_2(sample_settings):
    result = CliRunner().invoke(cli, ["report", "--user", "999999"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("sparkify: error: no user 999999 in the warehouse; "
                                     "`sparkify report` lists the most active users")


# -- rules ------------------------------------------------------------------------------------


def test_hours_and_days_are_utc_whatever_the_session_time_zone(sample_settings, report):
    database = sample_settings.database
    execute(sample_settings, f'ALTER DATABASE "{database}" SET timezone TO \'Asia/Kolkata\'')
    shifted = json.loads(CliRunner().invoke(cli, ["report", "--json"]).stdout)
    assert scalar(sample_settings, "SHOW timezone") == "Asia/Kolkata"
    for key in ("plays_by_hour", "activity_by_weekday", "activity_by_day"):
        assert shifted[key] == report[key]
    assert shifted["engagement"]["daily_active_users"] == \
        report["engagement"]["daily_active_users"]


def test_empty_warehouse_reports_zeros_in_every_form(settings, tmp_path):
    result = CliRunner().invoke(cli, ["report", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["plays_by_hour"] == [{"hour": h, "plays": 0} for h in range(24)]
    assert data["sessions"]["count"] == 0 and data["sessions"]["avg_length_seconds"] == 0
    assert data["match_rate"] == 0 and data["top_songs"] == [] and data["status_codes"] == {}
    assert data["recommendations"] == {"user_id": None, "items": []}
    assert CliRunner().invoke(cli, ["report"]).exit_code == 0
    out = tmp_path / "empty.html"
    assert CliRunner().invoke(cli, ["report", "--html", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").count('<figure class="chart"') == 9


def test_text_from_the_data_is_escaped_in_html_and_terminal(settings, tmp_path):
    root = tmp_path / "data"
    title, artist = "<script>alert(1)</script>", "[/bold] & \"Friends\""
    write_log(root, "a.json", [
        event(song=title, artist=artist, ts=1541105830796 + i * 1000, itemInSession=i)
        for i in range(3)])
    load(settings, root, notify=lambda m: None)
    page = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp; &quot;Friends&quot;" in html
    terminal = CliRunner().invoke(cli, ["report"], terminal_width=200)
    assert terminal.exit_code == 0, terminal.output
    assert artist in terminal.stdout  # printed as it is, not read as rich markup


def test_html_report_is_self_contained(sample_settings, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(out)])
    assert result.exit_code == 0 and result.stdout.strip() == f"wrote {out}"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for outside in ("http://", "https://", "<script", "<link", "src=", "@import"):
        assert outside not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for number in range(1, 10):
        assert html.count(f'<figure class="chart" data-question="{number}">') == 1
    # --html - writes the page to stdout instead
    piped = CliRunner().invoke(cli, ["report", "--html", "-"])
    assert piped.stdout.lstrip().startswith("<!DOCTYPE html>")


def test_html_and_json_together_keep_stdout_one_object(sample_settings, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--json", "--html", str(out)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["sessions"]["count"] == 911
    assert out.exists() and "wrote" in result.stderr


def test_html_to_a_missing_folder_is_one_line_exit_2(sample_settings, tmp_path):
    result = CliRunner().invoke(cli, ["report", "--html", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2
    assert result.stderr.startswith("sparkify: error: cannot write") and \
        result.stderr.count("\n") == 1


def test_a_database_without_the_views_says_to_run_init(settings):
    execute(settings, "DROP VIEW public.popular_songs CASCADE")
    result = CliRunner().invoke(cli, ["report"])
    assert result.exit_code == 2
    assert "run `sparkify init`" in result.stderr
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0  # and init, run again, restores them
    assert CliRunner().invoke(cli, ["report", "--json"]).exit_code == 0


# -- the views are part of the schema ---------------------------------------------------------


def _analytics_objects(settings) -> set[str]:
    return {name for (name,) in query(settings, """
        SELECT viewname FROM pg_views WHERE schemaname = 'public'
        UNION SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION SELECT indexname FROM pg_indexes WHERE schemaname = 'public'""")}


def test_every_view_file_is_created_documented_and_safe_to_rerun(settings):
    expected = {name.split("/")[1] for name in VIEW_FILES} - {"analytics_indexes"}
    assert expected <= _analytics_objects(settings)
    undocumented = query(settings, """
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
          AND obj_description(c.oid, 'pg_class') IS NULL""")
    assert undocumented == []
    for name in VIEW_FILES:
        text = (REPO / "src/sparkify/postgres/sql" / f"{name}.sql").read_text(encoding="utf-8")
        assert text.startswith("-- "), f"{name}.sql has no leading comment"
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0


def test_create_tables_py_creates_the_views(settings):
    env = {**os.environ, "SPARKIFY_DATABASE": settings.database}
    result = subprocess.run([sys.executable, "create_tables.py"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert {"popular_songs", "session_summary", "recommend_songs"} <= \
        _analytics_objects(settings)


def test_location_helpers_split_metro_and_principal_state(settings):
    rows = query(settings, """
        SELECT location_metro(l), location_state(l) FROM unnest(ARRAY[
            'New York-Newark-Jersey City, NY-NJ-PA', 'Austin-Round Rock, TX', 'Nowhere',
            NULL]) AS l""")
    assert rows == [("New York-Newark-Jersey City", "NY"), ("Austin-Round Rock", "TX"),
                    ("Nowhere", None), (None, None)]


def test_sessions_split_by_user_and_plays_keep_what_the_event_said(settings, tmp_path):
    """Two users in one sessionId are two sessions; an unmatched play still counts."""
    root = tmp_path / "data"
    write_song(root, "s.json", song(title="Known", artist_name="Band", duration=100.0))
    write_log(root, "a.json", [
        event(userId="1", sessionId=5, itemInSession=0, ts=1541105830000, song="Known",
              artist="Band", length=100.004),
        event(userId="1", sessionId=5, itemInSession=1, ts=1541105890000, song="Unknown",
              artist="Band", length=50.0),
        event(userId="2", sessionId=5, itemInSession=2, ts=1541105900000, page="Home",
              song=None, artist=None, length=None),
        event(userId="", auth="Logged Out", sessionId=5, itemInSession=3, ts=1541105990000,
              page="Login", song=None, artist=None, length=None, status=307),
    ])
    load(settings, root, notify=lambda m: None)
    data = json.loads(CliRunner().invoke(cli, ["report", "--json"]).stdout)
    assert data["sessions"]["count"] == 2  # (5, 1) and (5, 2); the logged-out event is none
    assert data["sessions"]["avg_length_seconds"] == pytest.approx((60 + 0) / 2)
    assert data["sessions"]["avg_songs"] == pytest.approx(1.0)
    assert data["match_rate"] == pytest.approx(0.5)
    assert data["top_artists"] == [{"artist": "Band", "plays": 2}]
    assert data["status_codes"] == {"200": 3, "307": 1}
