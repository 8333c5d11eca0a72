"""A root of every kind of bad record and tie, and its lake, built once for the package (a build
takes tens of seconds on two cores) with the run's session; the real sample's lake is
tests/plugins/spark.py's `sample_lake`, shared with the fault tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sparkify.generate.ids import mojibake
from sparkify.spark.build import build
from tests.support.engines import NATIVE, spark_conf
from tests.support.helpers import event, song, write_log, write_song


def adversarial_root(root: Path) -> None:
    """Every kind of bad record the loader's tests use, and the ties the rules settle."""
    write_song(root, "A/a.json", song(song_id="S1", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.0))
    write_song(root, "A/b.json", song(song_id="S2", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.004))
    write_song(root, "B/c.json", song(song_id="S1", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.001, year=1999))
    write_song(root, "B/odd.json", song(song_id="S/3=%", artist_id="007", title="Ids",
                                        artist_name="Digits", duration=10.0,
                                        artist_location="Tab\there, \\back\\ \"q\"",
                                        artist_latitude=45.5, artist_longitude=-73.6))
    write_song(root, "B/empty.json", "")
    write_song(root, "B/broken.json", '{"song_id": "S9", "title": ')
    write_song(root, "B/noid.json", song(song_id=""))
    write_song(root, "B/lines.json", "\n".join([json.dumps(song(song_id="S4", artist_id="AR4")),
                                                '["not", "an", "object"]']))
    # a catalog song the log names mis-encoded, as the real logs do (core/names.py)
    write_song(root, "C/d.json", song(song_id="S5", artist_id="AR5", title="Repr\u00e9sente",
                                      artist_name="Bj\u00f6rk", duration=230.0))
    base = 1541105830796
    good = [event(ts=base, userId="5", level="free", song="Tie", artist="Band", length=200.003),
            event(ts=base + 1000, userId="5", level="paid", itemInSession=1, song="Ids",
                  artist="Digits", length=10.0, location="São Paulo, SP"),
            event(ts=base + 2000, userId="6", itemInSession=2, page="Home", song=None,
                  artist=None, length=None),
            event(ts=base + 3000, userId="", auth="Logged Out", itemInSession=3, page="Home",
                  song=None, artist=None, length=None),
            event(ts=base + 4000, userId="7", itemInSession=4, firstName="",
                  userAgent="\"Mozilla\" \\ x", song="Nothing", artist="Nobody", length=1.5),
            event(ts=base + 5000, userId="9", itemInSession=5, song=mojibake("Repr\u00e9sente"),
                  artist=mojibake("Bj\u00f6rk"), length=230.004, firstName=mojibake("Ren\u00e9e"),
                  location=mojibake("Montr\u00e9al, QC")),
            event(ts=base + 6000, userId="9", itemInSession=6, song="\u00c3GUA",
                  artist="S\u00e3o Paulo Band", length=99.0)]
    bad = [
        "{not json", "[1, 2]", json.dumps(event(ts=None)), json.dumps({"ts": base}),
        json.dumps(event(sessionId="x")), json.dumps(event(status=99)),
        json.dumps(event(userId="", page="NextSong")), json.dumps(event(song="a\u0000b")),
        json.dumps(event(ts=-5)), json.dumps(event(length=2e6)),
    ]
    write_log(root, "2018/11/a.json", [*good, *bad, "   "])
    # a replay of the first event (a duplicate) and a user tie at the same ts, in a later file
    write_log(root, "2018/11/b.json", [event(ts=base, userId="5", level="free", song="Tie",
                                             artist="Band", length=200.003),
                                       event(ts=base + 4000, userId="7", sessionId=2,
                                             lastName="Later", song="Tie", artist="Band",
                                             length=200.02)])
    path = root / "log_data" / "2018/12/c.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(event(ts=base + 40 * 86400_000, userId="8"))
                     .encode() + b"\r\n\xff\xfe bad bytes\r\n")


def json_level_root(root: Path) -> None:
    """Records Spark's JSON reader takes otherwise than orjson: each must come out as the
    loader makes it (a row, or a reject with its code, reason, line and raw text)."""
    base, plain = 1541105830796, json.dumps(event(ts=1541105830796, userId="9"))
    write_song(root, "C/pretty.json", json.dumps(song(song_id="S12", artist_id="AR12",
                                                      title="Pretty", duration=99.0), indent=2))
    write_song(root, "C/pretty broken.json", '{\n  "song_id": "S8",\n  "title": \n')
    write_song(root, "C/dup keys%+.json", json.dumps(song(song_id="S6", artist_id="AR6"))
               [:-1] + ', "song_id": "S7"}')
    write_song(root, "C/big.json", json.dumps(song(song_id="S10", year=10**30)))
    (root / "song_data" / "C" / "crlf.json").write_bytes(
        b"\xef\xbb\xbf\r\n" + json.dumps(song(song_id="S11", artist_id="AR11")).encode()
        + b"\r\n\r\n")
    lines = [
        plain[:-1] + ', "level": "paid"}',  # duplicate keys: the last wins in both
        plain[:-1] + ', "sessionId": "x"}',
        plain.replace('"ts": 1541105830796', '"ts": 99999999999999999999999'),
        json.dumps(event(ts=base + 1, length=1e300 * 10)),  # Infinity, not JSON
        plain.replace('"length": 200.5', '"length": 1e400'),
        plain + ' {"a": 1}', plain + "}", "{'ts': 1}",
        json.dumps(event(ts=base + 2, page=5)), json.dumps(event(ts=base + 3, firstName=12)),
        json.dumps(event(ts=base + 4, length="200.5")),
        plain.replace('"page"', '"p\\u0061ge"'),  # an escaped key
        json.dumps(event(ts=base + 5, song="caf\u00e9 \ud800")),
        json.dumps(event(ts=base + 6, sessionId=5.0, userId=11, registration=1540919166796,
                         itemInSession=3)),
        # Java's "$" matches before a final line break; Python's isdigit() sees it
        plain.replace('"userId": "9"', '"userId": "12\\u2028"'),
        plain.replace('"userId": "9"', '"userId": "12\\n"'),
        # escapes spread over a value: read natively below ESCAPES_MAX_CHARS, by the validator
        # above it (each escape's scan runs to its string's end)
        json.dumps(event(ts=base + 8, song="\u00e9" * 600)),
        json.dumps(event(ts=base + 9, song="\u00e9" * 3000)),
        plain[:-1] + ', "k\\u00e9\\"x": 5}',  # an escape in a key, then an escaped quote
        # other JSON kinds in text and number fields (Spark's reader gives a text field their
        # text, and cannot read them as a number), and text that only looks like them
        json.dumps(event(ts=base + 10, artist=True)),
        json.dumps(event(ts=base + 11, location={"city": "Paris"})),
        json.dumps(event(ts=base + 12, gender=["F"])),
        json.dumps(event(ts=base + 13, status=True)),
        json.dumps(event(ts=base + 14, registration={"at": 1})),
        json.dumps(event(ts=base + 15, userId=[9])),
        json.dumps(event(ts=base + 16, song="99 Luftballons", lastName="true",
                         location="-", firstName="[x]", userAgent="{x}")),
        plain[:-1] + ', "extra": {"nested": [1, 2]}}',
    ]
    data = b"\r\n".join(line.encode() for line in lines) + b'\r\r\n\x0c\n{"ts": "x\x00y"}\n'
    # a line of a blank and byte 0x85 (Java's NEL, a line break to "$" when read as Latin-1):
    # no blank line; and a record whose "\r" is not at the end
    data += b" \x85\n" + plain.encode() + b"\r\x85\n"
    (root / "log_data" / "2018" / "11" / "d json+%.json").write_bytes(data)
    write_log(root, "2018/11/e.json", [json.dumps(event(ts=base + 7, userId="12"))])


@pytest.fixture(scope="package")
def adversarial_lake(shared_spark, tmp_path_factory):
    """adversarial_root built in local mode by Spark's readers (spark.sparkify.parse=native:
    this small a root would be parsed on the driver): (root, lake, result)."""
    base = tmp_path_factory.mktemp("adversarial")
    root, lake = base / "root", base / "lake"
    adversarial_root(root)
    json_level_root(root)
    with spark_conf(shared_spark.live(), NATIVE) as spark:
        return root, lake, build(spark, root, str(lake))
