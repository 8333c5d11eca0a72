"""Any bytes as input (hypothesis): log lines and song files with wrong types, missing and extra
fields, huge and negative numbers, NaN and Infinity, deep nesting, invalid UTF-8, NUL, lone
surrogates, long lines, a BOM, CRLF, pretty-printed JSON, or bytes of no format at all.

For each generated root, `load` raises nothing; every non-blank line (every song file's
record) is read, and either loaded or rejected with a reason code; each file's manifest row
balances (read = loaded + rejected) and agrees with its rows in events, songplays and rejects.

SPARKIFY_FUZZ_EXAMPLES sets how many roots (`make fuzz` runs many more than `make test`).
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
from helpers import event, query, song
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st

from sparkify.core.records import BOM, RejectCode
from sparkify.core.sqltext import read_sql
from sparkify.postgres.load.pipeline import load

pytestmark = pytest.mark.first_pass  # the parser is the same whichever server takes the rows

EXAMPLES = int(os.environ.get("SPARKIFY_FUZZ_EXAMPLES", "60"))
CODES = {code.value for code in RejectCode}
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


# -- what a root must give --------------------------------------------------------------------


def expected_records(name: str, data: bytes) -> int:
    """Records a file holds: non-blank lines of a log file; a song file's one object (or JSON
    lines, or its one broken record: at least one when it is not blank)."""
    if name.startswith("song_data"):
        return -1 if data.removeprefix(BOM).strip() else 0
    lines = data.split(b"\n")
    if lines and lines[0].startswith(BOM):
        lines[0] = lines[0][len(BOM):]
    return sum(1 for line in lines if line.rstrip(b"\r\n").strip())


def test_any_bytes_are_loaded_or_rejected_with_a_reason_and_every_file_balances(settings,
                                                                                 tmp_path):
    count = iter(range(1_000_000))
    tried = {"roots": 0, "files": 0, "records": 0, "rejected": 0}

    @run_settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(files=roots())
    def check(files: dict[str, bytes]) -> None:
        root = tmp_path / f"root{next(count)}"
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        load(settings, root, notify=lambda message: None)  # raises nothing
        manifest = {path: (read, loaded, rejected) for path, read, loaded, rejected in query(
            settings, "SELECT path, records_read, records_loaded, rejected "
                      "FROM sparkify.manifest WHERE path LIKE %s", [f"{root}/%"])}
        assert len(manifest) == len(files)
        for name, data in files.items():
            read, loaded, rejected = manifest[str(root / name)]
            want = expected_records(name, data)
            assert read == want if want >= 0 else read >= 1, (name, data[:200])
            assert read == loaded + rejected
            tried["records"] += read
            tried["rejected"] += rejected
        tried["roots"] += 1
        tried["files"] += len(files)
        codes = query(settings, "SELECT DISTINCT reason_code, reason = '' FROM sparkify.rejects")
        assert all(code in CODES and not blank for code, blank in codes), codes
        for name in ("checks/manifest_files", "checks/manifest_balance"):
            assert query(settings, read_sql(name)) == [], name

    check()
    print(f"\nbad inputs tried: {tried}")  # the counts bench/RESULTS.md reports
