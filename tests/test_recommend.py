"""`sparkify recommend`: item-to-item co-listening, never a played song, deterministic,
each pick explained, popularity for a user without usable history."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.core.names import repair
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import load
from sparkify.recommend import recommend
from tests.support.helpers import event, query, read_events, write_log

T0 = 1541105830796
NEIGHBOURS = 200  # co-listeners kept, as in co_listening_recommendations.sql


def expected_recommendations(events: list[dict], user: str, limit: int) -> list[tuple]:
    """The ranking computed in Python from raw events, as the docs define it.

    score(t) = sum over the user's songs s of co(s, t); co(s, t) = co-listeners (the 200
    users sharing most of the user's songs) who played both. Order: score, co-listeners, title,
    artist. because: argmax co(s, t), then the user's plays of s, then title, artist. Then
    popular songs fill what is left.
    """
    played: dict[str, Counter] = defaultdict(Counter)
    for e in events:
        if e["page"] == "NextSong":
            played[e["userId"]][(e["song"], e["artist"])] += 1
    mine = played.get(user, Counter())
    overlap = {u: len(set(songs) & set(mine)) for u, songs in played.items() if u != user}
    closest = sorted((u for u in overlap if overlap[u]), key=lambda u: (-overlap[u], int(u)))
    others = {u: set(played[u]) for u in closest[:NEIGHBOURS]}
    score: Counter = Counter()
    listeners: Counter = Counter()
    for u, songs in others.items():
        for t in songs - set(mine):
            score[t] += overlap[u]
            listeners[t] += 1
    ranked = sorted(score, key=lambda t: (-score[t], -listeners[t], t))[:limit]
    picks = []
    for t in ranked:
        co = {s: sum(1 for songs in others.values() if s in songs and t in songs) for s in mine}
        because = min(co, key=lambda s: (-co[s], -mine[s], s))
        picks.append((t[0], t[1], score[t], because[0], because[1], "co-listening"))
    popularity = Counter()
    for songs in played.values():
        popularity.update(songs)
    taken = {(p[0], p[1]) for p in picks} | set(mine)
    for t in sorted(popularity, key=lambda t: (-popularity[t], t)):
        if len(picks) >= limit:
            break
        if t not in taken:
            picks.append((t[0], t[1], popularity[t], None, None, "popularity"))
    return picks


def as_tuples(picks) -> list[tuple]:
    return [(p.song, p.artist, p.score, p.because, p.because_artist, p.basis) for p in picks]


# -- on the real sample -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_events(sample_root) -> list[dict]:
    """The sample's events, song and artist as people read them (recommendations show them
    repaired: core/names.py)."""
    return [{**e, "song": e["song"] and repair(e["song"]),
             "artist": e["artist"] and repair(e["artist"])} for e in read_events(sample_root)]


def test_sample_rankings_equal_an_independent_computation(sample_settings, sample_events):
    # the heaviest listener, a user who changed level, and a light one
    for user in ("49", "15", "2"):
        assert as_tuples(recommend(sample_settings, int(user), 10)) == \
            expected_recommendations(sample_events, user, 10), f"user {user}"


def test_sample_never_recommends_a_played_song_to_anyone(sample_settings):
    users = [u for (u,) in query(sample_settings, "SELECT user_id FROM users ORDER BY 1")]
    assert len(users) == 97
    played = defaultdict(set)
    for user, title, artist in query(sample_settings,
                                     "SELECT user_id, song_title, artist_name FROM songplays"):
        played[user].add((repair(title), repair(artist)))  # as recommendations name them
    for user in users:
        picks = recommend(sample_settings, user, 10)
        assert len(picks) == 10
        assert not {(p.song, p.artist) for p in picks} & played[user], f"user {user}"
        for p in picks:  # each co-listening pick names a song this user played
            if p.basis == "co-listening":
                assert (p.because, p.because_artist) in played[user]


def test_sample_user_without_plays_gets_the_most_played_songs(sample_settings, sample_events):
    users = {e["userId"] for e in sample_events if e["userId"]}
    players = {e["userId"] for e in sample_events if e["page"] == "NextSong"}
    (silent,) = users - players  # the sample has exactly one such user
    picks = recommend(sample_settings, int(silent), 5)
    assert {p.basis for p in picks} == {"popularity"}
    assert all(p.because is None and p.reason == "popular overall" for p in picks)
    songs = Counter((e["song"], e["artist"]) for e in sample_events if e["page"] == "NextSong")
    assert [(p.song, p.artist, p.score) for p in picks] == [
        (s, a, n) for (s, a), n in sorted(songs.items(), key=lambda i: (-i[1], i[0]))[:5]]


# -- small data: ties, top-ups, determinism ---------------------------------------------------


def _plays(user: str, session: int, songs: list[str], start: int) -> list[dict]:
    return [event(userId=user, sessionId=session, itemInSession=i, ts=T0 + (start + i) * 1000,
                  song=title, artist="Band", length=100.0 + i) for i, title in enumerate(songs)]


@pytest.fixture
def small(settings, tmp_path):
    """u1: A B B; u2: A C D; u3: B C E; u4: Z; u5 only browses."""
    root = tmp_path / "data"
    write_log(root, "a.json",
              _plays("1", 1, ["A", "B", "B"], 0) + _plays("2", 2, ["A", "C", "D"], 10)
              + _plays("3", 3, ["B", "C", "E"], 20) + _plays("4", 4, ["Z"], 30)
              + [event(userId="5", sessionId=5, page="Home", song=None, artist=None,
                       length=None, ts=T0 + 40_000)])
    load(settings, root, notify=lambda m: None)
    return settings


def test_co_listening_scores_ties_and_because(small):
    picks = recommend(small, 1, 5)
    # C: co-listened with A (u2) and B (u3) = 2; D and E: 1 each, tie broken by title.
    # C's two seeds tie on co-listeners; B wins because user 1 played it more.
    assert as_tuples(picks) == [
        ("C", "Band", 2, "B", "Band", "co-listening"),
        ("D", "Band", 1, "A", "Band", "co-listening"),
        ("E", "Band", 1, "B", "Band", "co-listening"),
        ("Z", "Band", 1, None, None, "popularity"),  # topped up: the only song left
    ]
    assert picks[0].reason == "listeners of B by Band also played it"


def test_user_whose_songs_nobody_shares_falls_back_to_popularity(small):
    picks = recommend(small, 4, 10)
    assert [(p.song, p.score, p.basis) for p in picks] == [
        ("B", 3, "popularity"), ("A", 2, "popularity"), ("C", 2, "popularity"),
        ("D", 1, "popularity"), ("E", 1, "popularity")]  # never Z, which user 4 played


def test_user_with_no_plays_gets_every_song_by_popularity(small):
    assert [p.song for p in recommend(small, 5, 10)] == ["B", "A", "C", "D", "E", "Z"]


def test_same_data_loaded_in_another_order_gives_the_same_answer(small, settings, tmp_path):
    first = as_tuples(recommend(small, 1, 5))
    for _ in range(3):
        assert as_tuples(recommend(small, 1, 5)) == first
    # reversed file order and shuffled ids: the ranking does not depend on load order
    root = tmp_path / "reversed"
    records = (_plays("3", 3, ["B", "C", "E"], 20) + _plays("2", 2, ["A", "C", "D"], 10)
               + _plays("1", 1, ["A", "B", "B"], 0) + _plays("4", 4, ["Z"], 30))
    for i, record in enumerate(reversed(records)):
        write_log(root, f"{i:03d}.json", [record])
    with connect(small, autocommit=True) as conn:
        conn.execute("TRUNCATE songplays, events, users, time, sparkify.manifest CASCADE")
    load(small, root, notify=lambda m: None)
    assert as_tuples(recommend(small, 1, 5)) == first


def test_limit_is_respected(small):
    assert len(recommend(small, 1, 2)) == 2
    assert [p.song for p in recommend(small, 1, 1)] == ["C"]


# -- the command ------------------------------------------------------------------------------


def test_cli_json_is_a_list_of_explained_picks(small):
    result = CliRunner().invoke(cli, ["recommend", "1", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    picks = json.loads(result.stdout)
    assert [p["song"] for p in picks] == ["C", "D", "E"]
    assert picks[0] == {"song": "C", "artist": "Band", "score": 2, "because": "B",
                        "because_artist": "Band", "basis": "co-listening",
                        "reason": "listeners of B by Band also played it"}


def test_cli_table_names_the_reason(small):
    result = CliRunner().invoke(cli, ["recommend", "4"], terminal_width=200)
    assert result.exit_code == 0
    assert "popular overall" in result.stdout and "Recommendations for user 4" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["recommend", "77"], "no user 77 in the warehouse"),
    (["recommend", "99999999999"], "no user 99999999999 in the warehouse"),
    (["recommend", "1", "--limit", "0"], "0 is not in the range"),
    (["recommend", "x"], "'x' is not a valid integer"),
])
def test_cli_bad_requests_are_one_line_exit_2(small, args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_library_rejects_a_bad_limit(small):
    with pytest.raises(SparkifyError, match="between 1 and 1000"):
        recommend(small, 1, 0)


def test_recommendations_are_planned_for_each_user(sample_settings):
    # a generic plan, reused after five calls, ignores how many songs a user shares with
    # others: on 100x data the heaviest user's answer went from 0.4 s to 7 s (bench/)
    settings = dict(query(sample_settings, """
        SELECT proname, array_to_string(proconfig, ',') FROM pg_proc
        WHERE proname IN ('recommend_songs', 'co_listening_recommendations')"""))
    assert len(settings) == 2
    assert all("plan_cache_mode=force_custom_plan" in s for s in settings.values()), settings
