"""core/records.py: what a record becomes (a typed row, or a reject with its reason and code),
and the one-pass validation of events agreeing with the field-by-field one it stands in for."""

import json

import pytest

from sparkify.core.records import Invalid, RejectCode, event_row, event_row_fast
from tests.support.helpers import event, parse, song, write_bytes, write_log, write_song


def _checked(obj):
    try:
        return event_row(obj, 0, 1)
    except Invalid:
        return "rejected"


def test_fast_path_gives_the_same_rows_on_the_whole_sample(sample_root):
    seen = 0
    for path in sorted((sample_root / "log_data").rglob("*.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                assert event_row_fast(obj, 0, 1) == event_row(obj, 0, 1)
                seen += 1
    assert seen == 8056


# Each variant with what the fast path must do: "same" (accept, the row event_row gives) or
# "defer" (None: event_row decides). Deferring a valid record costs time, not correctness, but
# accepting one event_row would reject (or turn into another row) loses the reject.
VARIANTS = [
    ({}, "same"), ({"userId": "", "page": "Home", "auth": "Logged Out", "song": None,
                    "artist": None, "length": None}, "same"),
    ({"firstName": None, "lastName": None, "gender": None, "location": None,
      "userAgent": None, "registration": None}, "same"),
    ({"ts": 0}, "same"), ({"length": 0.0}, "same"), ({"status": 599}, "same"),
    ({"ts": "1541105830796"}, "defer"), ({"ts": -1}, "defer"), ({"ts": 10**15}, "defer"),
    ({"ts": True}, "defer"), ({"ts": 1.5}, "defer"), ({"ts": 1541105830796.0}, "defer"),
    ({"sessionId": None}, "defer"), ({"sessionId": 2**31}, "defer"),
    ({"itemInSession": -1}, "defer"), ({"userId": "abc"}, "defer"), ({"userId": 7}, "defer"),
    ({"userId": "99999999999"}, "defer"), ({"userId": "٣"}, "defer"),
    ({"page": None}, "defer"), ({"page": 3}, "defer"), ({"status": 700}, "defer"),
    ({"status": "200"}, "defer"), ({"level": None}, "defer"), ({"length": None}, "defer"),
    ({"length": 200}, "defer"), ({"length": -1.0}, "defer"), ({"length": 1e9}, "defer"),
    ({"song": None}, "defer"), ({"artist": 5}, "defer"), ({"firstName": 1}, "defer"),
    ({"registration": "x"}, "defer"), ({"registration": 1540919166796}, "defer"),
    ({"userId": "", "page": "NextSong"}, "defer"),
]


@pytest.mark.parametrize(("overrides", "expected"), VARIANTS)
def test_fast_path_accepts_valid_events_identically_and_defers_the_rest(overrides, expected):
    obj = event(**overrides)
    fast = event_row_fast(obj, 0, 1)
    if expected == "same":
        assert fast is not None, "a plain valid event must take the fast path"
        assert fast == event_row(obj, 0, 1)
    else:
        assert fast is None


def test_fast_path_defers_missing_fields_to_the_checked_path():
    obj = event()
    del obj["sessionId"]
    assert event_row_fast(obj, 0, 1) is None
    assert _checked(obj) == "rejected"


# -- a log event as a typed row ---------------------------------------------------------------


def test_log_event_becomes_a_typed_row(tmp_path):
    path = write_log(tmp_path, "a.json", [
        event(userId="42", ts=1541105830796, sessionId=583, itemInSession=3, length=298.05506,
              registration=1540919166796.0, status=200),
        event(page="Home", userId="", auth="Logged Out", song=None, artist=None, length=None,
              firstName=None, lastName=None, gender=None, location=None, userAgent=None,
              registration=None, level="free", method="GET", status=307),
    ])
    (play, home), stats = parse(path, "log")
    assert (stats.song_plays, stats.other_pages) == (1, 1)
    assert play["user_id"] == 42 and play["ts"] == 1541105830796 and play["session_id"] == 583
    assert play["length"] == 298.05506 and play["page"] == "NextSong"
    assert home["user_id"] is None and home["song"] is None and home["status"] == 307


# -- rejects: every reason --------------------------------------------------------------------

BAD_EVENTS = {
    "not JSON": ('{"ts": 1541105830796, "userId": ', "not valid JSON"),
    "not an object": ("[1, 2, 3]", "not a JSON object (a array)"),
    "a string": ('"NextSong"', "not a JSON object (a string)"),
    "invalid UTF-8": (b'{"song": "Bj\xf6rk"}', "not valid JSON"),
    "lone surrogate": (json.dumps(event(song="\ud83d")), "not valid JSON"),
    "missing ts": (event(ts=None), "field 'ts' is null"),
    "no ts key": ({k: v for k, v in event().items() if k != "ts"}, "missing required field 'ts'"),
    "no userId key": ({k: v for k, v in event().items() if k != "userId"},
                      "missing required field 'userId'"),
    "no sessionId": ({k: v for k, v in event().items() if k != "sessionId"},
                     "missing required field 'sessionId'"),
    "no itemInSession": ({k: v for k, v in event().items() if k != "itemInSession"},
                         "missing required field 'itemInSession'"),
    "no page": ({k: v for k, v in event().items() if k != "page"}, "missing required field 'page'"),
    "NextSong logged out": (event(userId="", auth="Logged Out"), "NextSong event without a userId"),
    "NextSong without song": (event(song=None), "field 'song' is null"),
    "userId not digits": (event(userId="seven"), "field 'userId' must be digits or empty"),
    "userId a list": (event(userId=[7]), "field 'userId' must be a string, not a array"),
    "ts a string": (event(ts="1541105830796"), "field 'ts' must be an integer, not a string"),
    "ts a boolean": (event(ts=True), "field 'ts' must be an integer, not a boolean"),
    "sessionId fractional": (event(sessionId=1.5), "field 'sessionId' must be an integer"),
    "length a string": (event(length="200"), "field 'length' must be a number, not a string"),
    "level a number": (event(level=1), "field 'level' must be a string, not a number"),
    "NUL in text": (event(userAgent="Mozilla\u0000/5.0"), "field 'userAgent' holds a NUL"),
    "negative ts": (event(ts=-1), "field 'ts' is out of range"),
    "ts in year 3000": (event(ts=32503680000000), "field 'ts' is out of range"),
    "ts beyond 64 bits": ('{"ts": 100000000000000000000000000000}', "field 'ts' is out of range"),
    "sessionId beyond int32": (event(sessionId=2**31), "field 'sessionId' is out of range"),
    "userId beyond int32": (event(userId=str(2**31)), "field 'userId' is out of range"),
    "negative length": (event(length=-1.0), "field 'length' is out of range"),
    "length overflows": ('{"length": 1e400}', "not valid JSON"),
    "status 9999": (event(status=9999), "field 'status' is out of range"),
}


@pytest.mark.parametrize("name", list(BAD_EVENTS))
def test_each_bad_event_is_rejected_with_line_raw_text_and_reason(tmp_path, name):
    bad, reason = BAD_EVENTS[name]
    raw = bad if isinstance(bad, (str, bytes)) else json.dumps(bad)
    raw_bytes = raw if isinstance(raw, bytes) else raw.encode()
    good = json.dumps(event(itemInSession=9)).encode()
    path = write_bytes(tmp_path / "log_data" / "a.json", good + b"\n\n" + raw_bytes + b"\n" + good)
    rows, stats = parse(path, "log")
    assert len(rows) == 2 and (stats.read, stats.rejected) == (3, 1)
    assert stats.read == stats.song_plays + stats.other_pages + stats.rejected
    ((line, text, why, code),) = stats.rejects
    assert line == 3
    assert why.startswith(reason), why
    assert code == expected_code(reason)
    expected_raw = raw_bytes.decode("utf-8", "backslashreplace")
    assert text == expected_raw
    assert "\x00" not in text


# The reject code each kind of reason carries (what SQL and the Spark job match on).
REASON_CODES = (
    ("not valid JSON", RejectCode.NOT_JSON), ("not a JSON object", RejectCode.NOT_OBJECT),
    ("missing required", RejectCode.MISSING_FIELD), ("NextSong event without",
                                                     RejectCode.PLAY_WITHOUT_USER),
    ("holds a NUL", RejectCode.NUL_CHARACTER), ("is null", RejectCode.NULL_FIELD),
    ("must be", RejectCode.WRONG_TYPE), ("out of range", RejectCode.OUT_OF_RANGE),
    ("is empty", RejectCode.EMPTY_ID),
)


def expected_code(reason: str) -> str:
    for part, code in REASON_CODES:
        if part in reason:
            return code.value
    raise AssertionError(f"no code expected for {reason!r}")


BAD_SONGS = {
    "no song_id": ({k: v for k, v in song().items() if k != "song_id"},
                   "missing required field 'song_id'"),
    "empty song_id": (song(song_id=""), "field 'song_id' is empty"),
    "null artist_id": (song(artist_id=None), "field 'artist_id' is null"),
    "no title": ({k: v for k, v in song().items() if k != "title"},
                 "missing required field 'title'"),
    "duration a string": (song(duration="218"), "field 'duration' must be a number"),
    "year fractional": (song(year=1999.5), "field 'year' must be an integer"),
    "latitude out of range": (song(artist_latitude=91.0),
                              "field 'artist_latitude' is out of range"),
    "NUL in title": (song(title="a\u0000b"), "field 'title' holds a NUL"),
    "not an object": ([song()], "not a JSON object (a array)"),
}


@pytest.mark.parametrize("name", list(BAD_SONGS))
def test_each_bad_song_is_rejected_with_its_reason(tmp_path, name):
    bad, reason = BAD_SONGS[name]
    path = write_song(tmp_path, "a.json", json.dumps(bad))
    rows, stats = parse(path, "song")
    assert rows == [] and (stats.read, stats.songs, stats.rejected) == (1, 0, 1)
    ((line, raw, why, code),) = stats.rejects
    assert line == 1 and raw == json.dumps(bad) and why.startswith(reason), why
    assert code == expected_code(reason)


def test_a_literal_nul_byte_is_rejected_and_shown_escaped(tmp_path):
    path = write_bytes(tmp_path / "log_data" / "a.json", b'{"ts": 1\x00}')
    _, stats = parse(path, "log")
    ((_, raw, reason, _),) = stats.rejects
    assert raw == '{"ts": 1\\x00}' and reason.startswith("not valid JSON")
