"""The real sample loads to the exact figures of ../shared/data/README.md."""

import json

from sparkify.postgres.load.pipeline import load
from tests.support.helpers import query, scalar


def test_sample_loads_to_the_published_figures(sample_settings):
    counts = dict(query(sample_settings, """
        SELECT 'songplays', count(*) FROM songplays UNION ALL
        SELECT 'users', count(*) FROM users UNION ALL
        SELECT 'songs', count(*) FROM songs UNION ALL
        SELECT 'artists', count(*) FROM artists UNION ALL
        SELECT 'time', count(*) FROM time UNION ALL
        SELECT 'events', count(*) FROM events"""))
    assert counts == {"songplays": 6820, "users": 97, "songs": 71, "artists": 69,
                      "time": 6813, "events": 8056}


def test_sample_users_levels_at_latest_event(sample_settings):
    levels = dict(query(sample_settings, "SELECT level, count(*) FROM users GROUP BY level"))
    assert levels == {"paid": 22, "free": 75}


def test_sample_has_exactly_one_matched_play(sample_settings):
    assert scalar(sample_settings, "SELECT count(*) FROM songplays WHERE song_id IS NOT NULL") == 1
    assert scalar(sample_settings,
                  "SELECT count(*) FROM songplays WHERE artist_id IS NOT NULL") == 1


def test_sample_play_levels_are_the_level_at_play_time(sample_settings, sample_root):
    expected = set()
    for path in (sample_root / "log_data").rglob("*.json"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                e = json.loads(line)
                if e["page"] == "NextSong":
                    expected.add((e["sessionId"], e["itemInSession"], e["level"]))
    loaded = set(query(sample_settings,
                       "SELECT session_id, item_in_session, level FROM songplays"))
    assert loaded == expected
    # and users.level is the latest level, which for the users who changed differs
    assert scalar(sample_settings, """
        SELECT count(DISTINCT p.user_id) FROM songplays p JOIN users u USING (user_id)
        WHERE p.level <> u.level""") > 0


def test_sample_load_json_summary(settings, sample_root):
    result = load(settings, sample_root, notify=lambda m: None).to_dict()
    assert result["tables"] == {"songplays": 6820, "users": 97, "songs": 71, "artists": 69,
                                "time": 6813}
    assert result["songs"] == {"read": 71, "loaded": 71, "rejected": 0}
    assert result["events"] == {"read": 8056, "song_plays": 6820, "other_pages": 1236,
                                "rejected": 0}
