"""Names as people wrote them (core/names.py): mis-encoded names repaired for readers and for
song matching, the text as received kept byte for byte."""

from __future__ import annotations

import pytest

from sparkify.core.names import repair
from sparkify.core.sqltext import read_sql
from sparkify.generate.ids import mojibake
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import load
from tests.support.helpers import event, query, scalar, song, write_log, write_song

# The sample's damaged names (UTF-8 read as Latin-1, twice) and what they say.
DAMAGED = {
    "Bj\u00c3\u0083\u00c2\u00b6rk": "Bj\u00f6rk",
    "Beyonc\u00c3\u0083\u00c2\u00a9": "Beyonc\u00e9",
    "Michael Bubl\u00c3\u0083\u00c2\u00a9": "Michael Bubl\u00e9",
    "Markus Kruneg\u00c3\u0083\u00c2\u00a5rd": "Markus Kruneg\u00e5rd",
    "R\u00c3\u0083\u00c2\u00b6yksopp": "R\u00f6yksopp",
    "Repr\u00c3\u0083\u00c2\u00a9sente": "Repr\u00e9sente",
}
# Correct text that must come back byte for byte: accents, and `Ã` where it is meant.
INTACT = ("S\u00e3o Paulo", "na\u00efve", "Mot\u00f6rhead", "\u00c3GUA", "Montserrat Caball\u00e9",
          "\u00c3ngel", "\u00c3gua Viva", "S\u00c3O PAULO", "\u00c3\u00c2", "FA\u00c7ADE",
          "Guns N\u2019 Roses", "\ufb01sh", "Sigur R\u00f3s", "Jos\u00e9 Merc\u00e9",
          "e\u0301", "Coldplay", "", "\u5149\u826f", "\u0411\u0438-2")


@pytest.mark.parametrize(("damaged", "meant"), DAMAGED.items())
def test_the_sample_s_damaged_names_are_repaired(damaged, meant):
    assert repair(damaged) == meant


@pytest.mark.parametrize("text", INTACT)
def test_correct_names_are_left_alone(text):
    assert repair(text) == text


@pytest.mark.parametrize("meant", [*DAMAGED.values(), *INTACT[:5]])
def test_the_generator_s_damage_is_undone(meant):
    assert repair(mojibake(meant)) == meant


def _load(settings, root):
    load(settings, root, notify=lambda message: None)


def test_received_text_is_kept_and_readers_see_it_repaired(settings, tmp_path):
    """events and songplays keep the log's text; views, the profile and the names table read
    it repaired; two spellings of one name count as one artist."""
    bjork = mojibake("Bj\u00f6rk")
    write_log(tmp_path, "a.json", [
        event(itemInSession=0, ts=1541105830000, song="Undo", artist=bjork,
              firstName=mojibake("Ren\u00e9e"), location=mojibake("Montr\u00e9al, QC")),
        event(itemInSession=1, ts=1541105840000, song="Joga", artist="Bj\u00f6rk"),
        event(itemInSession=2, ts=1541105850000, song="Undo", artist=bjork,
              firstName=mojibake("Ren\u00e9e"), location=mojibake("Montr\u00e9al, QC")),
        event(userId="8", itemInSession=3, ts=1541105860000, song="Undo", artist="Bj\u00f6rk"),
        event(userId="7", itemInSession=4, ts=1541105870000, song="Undo", artist="Bj\u00f6rk",
              firstName=mojibake("Ren\u00e9e"), location=mojibake("Montr\u00e9al, QC"))])
    _load(settings, tmp_path)
    assert {row[0] for row in query(settings, "SELECT artist FROM events")} == {
        bjork, "Bj\u00f6rk"}
    assert scalar(settings, "SELECT convert_to(artist_name, 'UTF8') FROM songplays LIMIT 1") \
        == bjork.encode("utf-8")
    assert query(settings, "SELECT artist, plays FROM popular_artists") == [("Bj\u00f6rk", 5)]
    # user 7 played both spellings of Undo: one listener
    assert query(settings, "SELECT song, artist, plays, listeners FROM popular_songs "
                 "ORDER BY rank") == [("Undo", "Bj\u00f6rk", 4, 2), ("Joga", "Bj\u00f6rk", 1, 1)]
    assert query(settings, "SELECT first_name, location FROM user_profiles ORDER BY user_id") \
        == [("Ren\u00e9e", "Montr\u00e9al, QC"), ("Ann", "Austin, TX")]
    assert query(settings, "SELECT metro_area FROM plays_by_day_and_location ORDER BY 1") == [
        ("Austin",), ("Montr\u00e9al",)]
    assert query(settings, "SELECT first_name FROM users WHERE user_id = 7") == [
        (mojibake("Ren\u00e9e"),)]
    assert query(settings, "SELECT user_id, rank, artist, plays FROM user_top_artists "
                 "ORDER BY 1") == [(7, 1, "Bj\u00f6rk", 4), (8, 1, "Bj\u00f6rk", 1)]
    assert query(settings, "SELECT user_id, song, plays FROM user_top_songs ORDER BY 1, 2") == [
        (7, "Joga", 1), (7, "Undo", 3), (8, "Undo", 1)]


@pytest.mark.parametrize("songs_first", [True, False])
def test_a_mis_encoded_play_finds_its_catalog_song(settings, tmp_path, songs_first):
    """Whether the song arrives before its plays or after (rematch_songplays.sql)."""
    write_song(tmp_path, "A/A/A/TR1.json", song(title="Repr\u00e9sente",
                                                  artist_name="Alliance Ethnik"))
    write_log(tmp_path, "a.json", [event(song=mojibake("Repr\u00e9sente"),
                                         artist="Alliance Ethnik", length=200.504)])
    if songs_first:
        _load(settings, tmp_path)
    else:
        (tmp_path / "song_data").rename(tmp_path / "later")
        _load(settings, tmp_path)
        assert scalar(settings, "SELECT song_id FROM songplays") is None
        (tmp_path / "later").rename(tmp_path / "song_data")
        _load(settings, tmp_path)
    assert query(settings, "SELECT song_id, song_title FROM songplays") == [
        ("SO1", mojibake("Repr\u00e9sente"))]
    assert scalar(settings, "SELECT matched_plays FROM catalog_match_rate") == 1
    with connect(settings, autocommit=True) as conn:  # the classic look-up agrees
        found = conn.execute(read_sql("song_select"), (mojibake("Repr\u00e9sente"),
                                                       "Alliance Ethnik", 200.5)).fetchall()
    assert found == [("SO1", "AR1")]
