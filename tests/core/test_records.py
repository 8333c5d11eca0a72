"""The one-pass validation of events agrees with the field-by-field one it stands in for."""

import json

import pytest

from sparkify.core.records import Invalid, event_row, event_row_fast
from tests.support.helpers import event


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
