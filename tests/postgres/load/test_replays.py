"""A replayed event stays loaded once when the file holding its original changes."""

from sparkify.postgres.load.pipeline import load
from tests.support.helpers import event, query, write_log


def _quiet(message: str) -> None:
    pass


def test_event_comes_back_from_its_replay_when_the_original_file_drops_it(settings, tmp_path):
    original = event(sessionId=5, itemInSession=1, ts=1541105830796, userId="7")
    other = event(sessionId=5, itemInSession=2, ts=1541105840796, userId="7")
    write_log(tmp_path, "a.json", [original, other])
    write_log(tmp_path, "b.json", [original])
    first = load(settings, tmp_path, notify=_quiet)
    assert first.events["rejected"] == 1  # b's copy is a duplicate
    assert query(settings, "SELECT path LIKE '%b.json', reason LIKE 'duplicate%' "
                           "FROM sparkify.rejects") == [(True, True)]

    write_log(tmp_path, "a.json", [other])  # a no longer holds the original
    second = load(settings, tmp_path, notify=_quiet)

    assert query(settings, "SELECT session_id, item_in_session FROM events ORDER BY 2") == [
        (5, 1), (5, 2)]
    assert query(settings, "SELECT count(*) FROM songplays") == [(2,)]
    assert query(settings, "SELECT count(*) FROM sparkify.rejects") == [(0,)]
    assert query(settings, """SELECT path LIKE '%b.json', records_read, records_loaded, rejected
                              FROM sparkify.manifest ORDER BY path""") == [
        (False, 1, 1, 0), (True, 1, 1, 0)]
    assert second.files_loaded + second.files_skipped == 2


def test_unchanged_files_without_orphaned_duplicates_are_not_reread(settings, tmp_path):
    write_log(tmp_path, "a.json", [event(sessionId=1, itemInSession=i) for i in range(3)])
    write_log(tmp_path, "b.json", [event(sessionId=2, itemInSession=i) for i in range(3)])
    load(settings, tmp_path, notify=_quiet)
    write_log(tmp_path, "a.json", [event(sessionId=1, itemInSession=i) for i in range(2)])
    again = load(settings, tmp_path, notify=_quiet)
    assert (again.files_loaded, again.files_skipped) == (1, 1)
    assert query(settings, "SELECT count(*) FROM events") == [(5,)]


def test_a_big_file_of_bad_lines_loads_every_reject_in_bounded_chunks(settings, tmp_path,
                                                                       monkeypatch):
    from sparkify.postgres.load import stage

    monkeypatch.setattr(stage, "REJECTS_HELD_MAX", 10_000)  # many pauses of the row COPY
    lines = []
    for i in range(300):
        lines.append(event(sessionId=9, itemInSession=i))
        lines.append("not json " + "x" * 200 + f" {i}")
    write_log(tmp_path, "mixed.json", lines)
    result = load(settings, tmp_path, notify=_quiet)
    assert result.events == {"read": 600, "song_plays": 300, "other_pages": 0, "rejected": 300}
    assert query(settings, "SELECT count(*), count(DISTINCT line_number), min(line_number), "
                           "max(line_number) FROM sparkify.rejects") == [(300, 300, 2, 600)]
    assert query(settings, "SELECT count(*) FROM events") == [(300,)]
