"""The one-pass validation of events agrees with the field-by-field one it stands in for."""

import json

import pytest
from helpers import event

from sparkify.extract import Invalid, event_row, event_row_fast


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


@pytest.mark.parametrize("overrides", [
    {"ts": "1541105830796"}, {"ts": -1}, {"ts": 10**15}, {"ts": True}, {"ts": 1.5},
    {"sessionId": None}, {"sessionId": 2**31}, {"itemInSession": -1},
    {"userId": ""}, {"userId": "abc"}, {"userId": 7}, {"userId": "99999999999"}, {"userId": "٣"},
    {"page": None}, {"page": 3}, {"status": 700}, {"status": "200"}, {"level": None},
    {"length": None}, {"length": 200}, {"length": -1.0}, {"length": 1e9},
    {"song": None}, {"artist": 5}, {"firstName": 1}, {"registration": "x"},
    {"registration": 1540919166796}, {"page": "Home", "song": None, "artist": None, "length": None,
                                     "userId": ""},
])
def test_fast_path_accepts_only_what_the_checked_path_accepts_identically(overrides):
    obj = event(**overrides)
    fast = event_row_fast(obj, 0, 1)
    assert fast is None or fast == _checked(obj)


def test_fast_path_defers_missing_fields_to_the_checked_path():
    obj = event()
    del obj["sessionId"]
    assert event_row_fast(obj, 0, 1) is None
    assert _checked(obj) == "rejected"
