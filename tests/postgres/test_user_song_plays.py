"""user_song_plays: every user's plays of each song, kept by triggers through every change."""

from __future__ import annotations

from collections import Counter

from sparkify.generate import GenerateConfig, generate
from sparkify.postgres.db import connect
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.schema import create_tables
from tests.support.helpers import query, scalar


def counted(settings) -> Counter:
    """The plays per (user, title, artist), counted here from songplays' rows."""
    return Counter(query(settings, "SELECT user_id, song_title, artist_name FROM songplays"))


def kept(settings) -> Counter:
    rows = query(settings, "SELECT user_id, song_title, artist_name, plays FROM user_song_plays")
    assert all(plays > 0 for *_, plays in rows)
    return Counter({tuple(key): plays for *key, plays in rows})


def assert_agrees(settings) -> None:
    expected = counted(settings)
    assert expected and kept(settings) == expected


def generated(tmp_path):
    config = GenerateConfig.resolve(events=3_000, days=3, songs=120, seed=11, match_rate=0.5)
    generate(tmp_path, config, force=True)
    return tmp_path


def run(settings, root, **kwargs):
    return load(settings, root, notify=lambda message: None, **kwargs)


def test_counts_follow_loads_reloads_and_a_full_refresh(settings, tmp_path):
    root = generated(tmp_path)
    run(settings, root)
    assert_agrees(settings)
    # a changed log file: its old plays are deleted, its new ones inserted
    log = min((root / "log_data").rglob("*.json"))
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[: len(lines) // 2]))
    assert run(settings, root).files_loaded == 1
    assert_agrees(settings)
    # a song file that loses its song: plays lose the match (an UPDATE), counts stay
    song = min((root / "song_data").rglob("*.json"))
    song.write_text("{}")
    run(settings, root)
    assert_agrees(settings)
    run(settings, root, full_refresh=True)
    assert_agrees(settings)


def test_counts_follow_any_writer_of_songplays(settings, tmp_path):
    run(settings, generated(tmp_path))
    with connect(settings, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # as the loader runs
        heavy = conn.execute("SELECT user_id FROM songplays GROUP BY 1 "
                             "ORDER BY count(*) DESC, 1 LIMIT 2").fetchall()
        conn.execute("UPDATE songplays SET user_id = %s "
                     "WHERE user_id = %s AND songplay_id %% 2 = 0",
                     [heavy[1][0], heavy[0][0]])
        conn.execute("UPDATE songplays SET song_title = song_title || ' (live)' "
                     "WHERE songplay_id % 7 = 0")
        conn.execute("UPDATE songplays SET level = 'paid'")  # no count changes
    assert_agrees(settings)
    with connect(settings, autocommit=True) as conn:
        conn.execute("DELETE FROM songplays WHERE songplay_id % 3 = 0")
    assert_agrees(settings)
    with connect(settings, autocommit=True) as conn:
        conn.execute("TRUNCATE songplays")
    assert scalar(settings, "SELECT count(*) FROM user_song_plays") == 0


def test_a_database_made_before_the_table_gets_it_filled(settings, tmp_path):
    run(settings, generated(tmp_path))
    with connect(settings, autocommit=True) as conn:
        conn.execute("DROP TABLE user_song_plays CASCADE")
        for (name,) in conn.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = "
                                    "'public.songplays'::regclass AND tgname LIKE "
                                    "'songplays_count_%'").fetchall():
            conn.execute(f"DROP TRIGGER {name} ON songplays")
        create_tables(conn)
    assert_agrees(settings)


def trigger_states(settings) -> set[str]:
    return {state for (state,) in query(settings, """
        SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'public.songplays'::regclass
          AND tgname LIKE 'songplays_count_%'""")}


def test_a_bulk_load_pauses_the_counts_and_recounts_once(settings, tmp_path):
    from sparkify.postgres.load.pipeline import LoadOptions

    seen = []
    result = load(settings, generated(tmp_path), notify=lambda message: None,
                  options=LoadOptions(parallel_bytes=1),  # any load into an empty db is bulk
                  progress=lambda source: seen.append(trigger_states(settings)))
    assert result.files_loaded > 0 and seen
    assert all(states == {"D"} for states in seen)  # paused while loading
    assert trigger_states(settings) == {"A"}
    assert_agrees(settings)


def test_counts_left_paused_by_a_killed_load_are_redone_by_the_next(settings, tmp_path):
    root = generated(tmp_path)
    run(settings, root)
    with connect(settings, autocommit=True) as conn:
        conn.execute("SELECT sparkify.pause_user_song_plays()")
        conn.execute("DELETE FROM songplays WHERE songplay_id % 5 = 0")  # not counted
    assert kept(settings) != counted(settings)
    assert run(settings, root).files_loaded == 0
    assert trigger_states(settings) == {"A"}
    assert_agrees(settings)
