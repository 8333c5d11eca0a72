"""Two loads compared: every table's content without surrogate keys and load times (each row's
file named by its manifest path). The load tests and the fault tests use it."""

from __future__ import annotations

from tests.support.helpers import query

SNAPSHOT = {
    "songplays": """SELECT p.start_time, p.user_id, p.level, p.song_id, p.artist_id, p.session_id,
                           p.item_in_session, p.location, p.user_agent, p.song_title,
                           p.artist_name, p.song_length, m.path, p.source_line
                    FROM songplays p JOIN sparkify.manifest m ON m.file_id = p.source_file_id""",
    "events": """SELECT e.event_time, e.user_id, e.session_id, e.item_in_session, e.page,
                        e.level, e.song, e.artist, e.length, e.user_agent, m.path, e.source_line
                 FROM events e JOIN sparkify.manifest m ON m.file_id = e.source_file_id""",
    "users": "SELECT * FROM users",
    "songs": "SELECT * FROM songs",
    "artists": "SELECT * FROM artists",
    "time": "SELECT * FROM time",
    "manifest": """SELECT path, kind, size_bytes, mtime_ns, sha256, records_read, records_loaded,
                          song_plays, other_pages, rejected FROM sparkify.manifest""",
    "rejects": "SELECT path, line_number, raw, reason FROM sparkify.rejects",
}


def snapshot(settings) -> dict[str, list]:
    """Every table's content without surrogate keys and load times, to compare two loads."""
    return {name: sorted(query(settings, text), key=repr) for name, text in SNAPSHOT.items()}
