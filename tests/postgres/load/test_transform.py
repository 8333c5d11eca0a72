"""The set-based foreign-key check that stands in for PostgreSQL's per-row triggers.

The loader inserts under session_replication_role = replica, so nothing but
verify_batch_keys.sql stops a batch whose plays point at a missing user or start time, or
whose songs point at a missing artist. Each test leaves out the statement that would have
made the referenced row and expects the whole batch refused.
"""

import pytest

from sparkify.errors import SparkifyError
from sparkify.postgres.load import transform as transform_module
from sparkify.postgres.load.pipeline import load
from tests.support.helpers import event, scalar, song, write_log, write_song


def _leave_out(monkeypatch, statement: str) -> None:
    real = transform_module.read_sql
    monkeypatch.setattr(transform_module, "read_sql",
                        lambda name: "SELECT 1" if name == statement else real(name))


@pytest.mark.parametrize("statement", ["insert_users", "insert_time"])
def test_a_play_without_its_user_or_time_refuses_the_batch(settings, tmp_path, monkeypatch,
                                                            statement):
    write_log(tmp_path, "day.json", [event(itemInSession=i, ts=1541105830796 + i * 1000)
                                     for i in range(3)])
    _leave_out(monkeypatch, statement)
    with pytest.raises(SparkifyError, match="3 rows of the batch .* reference missing"):
        load(settings, tmp_path, notify=lambda m: None)
    for table in ("songplays", "events", "sparkify.manifest"):
        assert scalar(settings, f"SELECT count(*) FROM {table}") == 0


def test_a_song_without_its_artist_refuses_the_batch(settings, tmp_path, monkeypatch):
    write_song(tmp_path, "a.json", song())
    _leave_out(monkeypatch, "insert_artists")
    with pytest.raises(SparkifyError, match="1 rows of the batch .* reference missing"):
        load(settings, tmp_path, notify=lambda m: None)
    assert scalar(settings, "SELECT count(*) FROM songs") == 0


def test_plays_far_apart_in_one_batch_pass(settings, tmp_path):
    """Start times are looked up within the batch's span: its ends must be inside it."""
    write_log(tmp_path, "a.json", [event(ts=1541105830796)])
    write_log(tmp_path, "b.json", [event(sessionId=2, ts=1543622400000)])  # a month later
    write_log(tmp_path, "c.json", [event(sessionId=3, ts=1541000000000)])  # before both
    assert load(settings, tmp_path, notify=lambda m: None).files_loaded == 3
    assert scalar(settings, "SELECT count(*) FROM songplays") == 3


def test_the_check_passes_when_the_rows_came_from_an_earlier_load(settings, tmp_path,
                                                                  monkeypatch):
    """Time rows made by an earlier batch count: the check looks at the table, not the batch."""
    write_log(tmp_path, "a.json", [event()])
    load(settings, tmp_path, notify=lambda m: None)
    write_log(tmp_path, "b.json", [event(sessionId=2, userId="8")])  # same millisecond
    _leave_out(monkeypatch, "insert_time")
    assert load(settings, tmp_path, notify=lambda m: None).files_loaded == 1


def test_one_missing_start_time_among_present_ones_refuses_the_batch(settings, tmp_path,
                                                                      monkeypatch):
    """The missing time lies inside the batch's span, between start times that are there."""
    times = [1541105830796 + i * 1000 for i in range(3)]
    write_log(tmp_path, "day.json", [event(itemInSession=i, ts=ts) for i, ts in enumerate(times)])
    real = transform_module.read_sql

    def insert_time_but_the_middle(name):
        text = real(name)
        if name == "insert_time":
            text = text.replace("WHERE page = 'NextSong'",
                                f"WHERE page = 'NextSong' AND ts <> {times[1]}")
            assert str(times[1]) in text
        return text

    monkeypatch.setattr(transform_module, "read_sql", insert_time_but_the_middle)
    with pytest.raises(SparkifyError, match="1 rows of the batch .* reference missing"):
        load(settings, tmp_path, notify=lambda m: None)
    assert scalar(settings, "SELECT count(*) FROM time") == 0
