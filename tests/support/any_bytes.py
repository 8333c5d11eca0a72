"""Any bytes as input, drawn by hypothesis: roots of log and song files with wrong types,
missing and extra fields, huge and negative numbers, NaN and Infinity, deep nesting, invalid
UTF-8, NUL, lone surrogates, long lines, a BOM, CRLF, pretty-printed JSON, or no format at all.
tests/faults/test_any_bytes.py loads them; test_any_bytes_engines.py gives them to both engines.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import strategies as st

from sparkify.core.records import BOM
from tests.support.helpers import event, song

SESSIONS = itertools.count(1)

# -- values and records ---------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "7", "-1", "1e309", "NaN", "0x10", "１２", "\u0000", "\ud800x"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8)


@st.composite
def records(draw, base: dict) -> dict:
    """A valid record with some fields removed, retyped, or added."""
    record = dict(base)
    changed = [] if draw(st.booleans()) else sorted(base)  # half keep every field valid
    for key in draw(st.lists(st.sampled_from(changed), max_size=4, unique=True)) if changed else []:
        if draw(st.booleans()):
            del record[key]
        else:
            record[key] = draw(values)
    record.update(draw(st.dictionaries(st.text(max_size=8), values, max_size=2)))
    return record


def encode(record: dict, draw) -> bytes:
    """The record as JSON text, sometimes pretty-printed, with NaN literals where it has them."""
    indent = draw(st.sampled_from([None] * 7 + [2]))
    return json.dumps(record, indent=indent, allow_nan=True,
                      ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


oddities = st.one_of(
    st.binary(max_size=60),  # invalid UTF-8, NUL bytes, anything
    st.sampled_from([b"\xff\xfe\x00garbage", b'{"page": "NextSong\x00"}', b"[1, 2, 3]",
                     b'"just a string"', b"null", b"{", b'{"ts": NaN}', b'{"ts": Infinity}',
                     b'{"userId": "\\ud800"}', deep(600), deep(2000),
                     b'{"song": "' + b"x" * 200_000 + b'"}']),
)


@st.composite
def log_file(draw, index: int) -> bytes:
    lines = []
    session = next(SESSIONS)  # one of its own: no root's events repeat another's (duplicates)
    for number in range(draw(st.integers(min_value=0, max_value=6))):
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(oddities))
        else:
            base = event(sessionId=session, itemInSession=number,
                         ts=1541105830796 + index * 1000 + number)
            lines.append(encode(draw(records(base)), draw))
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = end.join(lines) + draw(st.sampled_from([b"", end, end + end]))
    return (BOM if draw(st.booleans()) else b"") + data


@st.composite
def song_file(draw, index: int) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(oddities)
    base = song(song_id=f"SO{index}", artist_id=f"AR{index % 3}")
    data = encode(draw(records(base)), draw)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    return (BOM if draw(st.booleans()) else b"") + data


@st.composite
def roots(draw) -> dict[str, bytes]:
    files = {f"log_data/{i}-events.json": draw(log_file(i))
             for i in range(draw(st.integers(1, 3)))}
    files |= {f"song_data/A/S{i}.json": draw(song_file(i))
              for i in range(draw(st.integers(1, 3)))}
    return files
