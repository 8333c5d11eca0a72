"""Discovery and parsing: which files are data, in which order, and how each file is read (what
a record becomes is tests/core/test_records.py's)."""

from __future__ import annotations

import json
import os

import pytest

from sparkify.core.records import FileStats
from sparkify.errors import SparkifyError
from sparkify.sources.extract import SourceFile, discover, file_sha256, parse_file
from tests.support.helpers import event, parse, song, write_bytes, write_log, write_song

# -- discovery --------------------------------------------------------------------------------


def test_discover_walks_songs_then_logs_each_sorted_by_path(tmp_path):
    # created out of order, so the order found can only come from sorting
    for name in ("B/Z/b.json", "A/B/c.json", "A/A/z.json", "A/B/a.json"):
        write_song(tmp_path, name, song())
    for name in ("2018/11/2018-11-02-events.json", "2018/11/2018-11-01-events.json",
                 "2017/12/x.json"):
        write_log(tmp_path, name, [event()])
    found = discover(tmp_path)
    assert [(f.kind, f.path.relative_to(tmp_path).as_posix()) for f in found] == [
        ("song", "song_data/A/A/z.json"),
        ("song", "song_data/A/B/a.json"),
        ("song", "song_data/A/B/c.json"),
        ("song", "song_data/B/Z/b.json"),
        ("log", "log_data/2017/12/x.json"),
        ("log", "log_data/2018/11/2018-11-01-events.json"),
        ("log", "log_data/2018/11/2018-11-02-events.json"),
    ]
    assert all(f.path.is_absolute() for f in found)
    first = found[0]
    assert (first.size, first.mtime_ns) == (first.path.stat().st_size,
                                            first.path.stat().st_mtime_ns)


def test_discover_ignores_hidden_folders_hidden_files_and_other_extensions(tmp_path):
    write_song(tmp_path, "A/song.json", song())
    write_song(tmp_path, ".ipynb_checkpoints/song-checkpoint.json", song())
    write_song(tmp_path, "A/.hidden/song.json", song())
    write_song(tmp_path, "A/.song.json", song())
    write_song(tmp_path, "A/notes.txt", "not data")
    write_log(tmp_path, "2018/.ipynb_checkpoints/events-checkpoint.json", [event()])
    write_log(tmp_path, "2018/events.json", [event()])
    write_log(tmp_path, "2018/events.json.bak", [event()])
    found = [f.path.relative_to(tmp_path).as_posix() for f in discover(tmp_path)]
    assert found == ["song_data/A/song.json", "log_data/2018/events.json"]


def test_discover_accepts_a_root_with_only_one_kind(tmp_path):
    write_log(tmp_path, "a.json", [event()])
    assert [f.kind for f in discover(tmp_path)] == ["log"]


@pytest.mark.parametrize("case", ["missing", "a file", "no data folders"])
def test_discover_rejects_a_wrong_root_with_a_clear_error(tmp_path, case):
    root = tmp_path / "root"
    if case == "a file":
        root.write_text("{}")
    elif case == "no data folders":
        (root / "songs").mkdir(parents=True)
    with pytest.raises(SparkifyError) as info:
        discover(root)
    message = str(info.value)
    assert str(root) in message and "\n" not in message
    assert info.value.exit_code == 2


def test_discover_reports_a_broken_link_as_a_clear_error(tmp_path):
    write_log(tmp_path, "a.json", [event()])
    (tmp_path / "log_data" / "b.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(SparkifyError, match="b.json"):
        discover(tmp_path)


def test_discover_walks_a_linked_folder_as_the_folder(tmp_path):
    """Data linked in is data: it was left out, silently."""
    elsewhere = tmp_path / "elsewhere"
    write_log(elsewhere, "11/a.json", [event()])
    write_song(elsewhere, "A/s.json", song())
    (tmp_path / "root" / "log_data").mkdir(parents=True)
    (tmp_path / "root" / "log_data" / "2018").symlink_to(elsewhere / "log_data")
    (tmp_path / "root" / "song_data").symlink_to(elsewhere / "song_data")
    root = (tmp_path / "root").resolve()
    found = [(os.path.relpath(source.key, root), source.kind) for source in discover(root)]
    assert found == [("song_data/A/s.json", "song"), ("log_data/2018/11/a.json", "log")]


@pytest.mark.parametrize("case", ["a pipe", "a link to a device", "a link loop",
                                  "song_data a file"])
def test_discover_ends_in_one_line_where_reading_would_never_end_or_nothing_is_read(
        tmp_path, case):
    """A pipe named *.json made a load wait for ever; a song_data that is a file was a load of
    nothing, exit 0."""
    write_log(tmp_path, "2018/a.json", [event()])
    logs = tmp_path / "log_data"
    if case == "a pipe":
        os.mkfifo(logs / "b.json")
    elif case == "a link to a device":
        (logs / "b.json").symlink_to("/dev/zero")
    elif case == "a link loop":
        (logs / "2018" / "again").symlink_to(logs)
    else:
        (tmp_path / "song_data").write_text("{}")
    with pytest.raises(SparkifyError) as info:
        list(discover(tmp_path))
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message
    assert {"a pipe": "not a regular file", "a link to a device": "not a regular file",
            "a link loop": "links back to a folder above it",
            "song_data a file": "is not a folder"}[case] in message


# -- song files -------------------------------------------------------------------------------


def test_song_file_with_one_object_spread_over_lines(tmp_path):
    path = write_song(tmp_path, "a.json", json.dumps(song(title="Spread"), indent=4))
    assert path.read_text().count("\n") > 5
    rows, stats = parse(path, "song")
    assert (stats.read, stats.songs, stats.rejected) == (1, 1, 0)
    assert rows[0]["title"] == "Spread" and rows[0]["line"] == 1


def test_song_file_as_json_lines(tmp_path):
    records = [song(song_id=f"SO{i}", title=f"T{i}") for i in range(3)]
    path = write_song(tmp_path, "a.json", "\n".join(json.dumps(r) for r in records) + "\n")
    rows, stats = parse(path, "song")
    assert (stats.read, stats.songs, stats.rejected) == (3, 3, 0)
    assert [(r["song_id"], r["line"]) for r in rows] == [("SO0", 1), ("SO1", 2), ("SO2", 3)]


def test_song_json_lines_with_a_broken_line_keep_the_good_ones(tmp_path):
    path = write_song(tmp_path, "a.json",
                      json.dumps(song(song_id="SO1")) + "\n{broken}\n"
                      + json.dumps(song(song_id="SO3")))
    rows, stats = parse(path, "song")
    assert [r["song_id"] for r in rows] == ["SO1", "SO3"]
    assert stats.read == 3 and stats.rejected == 1
    assert stats.rejects[0][:2] == (2, "{broken}")


def test_song_json_lines_with_a_line_that_is_no_object_keep_the_good_ones(tmp_path):
    path = write_song(tmp_path, "a.json",
                      "not json at all\n" + json.dumps(song(song_id="SO2")) + "\n[1, 2]\n")
    rows, stats = parse(path, "song")
    assert [r["song_id"] for r in rows] == ["SO2"]
    assert (stats.read, stats.rejected) == (3, 2)
    assert [(line, raw) for line, raw, _, _ in stats.rejects] == [(1, "not json at all"),
                                                                (3, "[1, 2]")]


def test_song_file_typed_values(tmp_path):
    path = write_song(tmp_path, "a.json", song(artist_latitude=35.5, artist_longitude=-97,
                                               duration=218, year=0))
    (row,), _ = parse(path, "song")
    assert row["artist_latitude"] == 35.5 and row["artist_longitude"] == -97.0
    assert row["duration"] == 218.0 and isinstance(row["duration"], float)
    assert row["year"] == 0


@pytest.mark.parametrize("layout", ["one line", "spread", "json lines"])
def test_song_file_with_bom_crlf_and_blank_lines(tmp_path, layout):
    if layout == "one line":
        body = json.dumps(song())
    elif layout == "spread":
        body = json.dumps(song(), indent=2)
    else:
        body = json.dumps(song(song_id="SO1")) + "\n\n" + json.dumps(song(song_id="SO2"))
    data = b"\xef\xbb\xbf\r\n" + body.replace("\n", "\r\n").encode() + b"\r\n\r\n"
    path = write_bytes(tmp_path / "song_data" / "a.json", data)
    rows, stats = parse(path, "song")
    assert stats.rejected == 0, stats.rejects
    assert stats.read == stats.songs == (2 if layout == "json lines" else 1)
    assert all(r["artist_id"] == "AR1" for r in rows)
    assert stats.sha256 == file_sha256(path)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\r\n  \n"])
def test_empty_song_file_has_no_records(tmp_path, data):
    path = write_bytes(tmp_path / "song_data" / "a.json", data)
    rows, stats = parse(path, "song")
    assert rows == [] and (stats.read, stats.rejected) == (0, 0)
    assert stats.sha256 == file_sha256(path)


def test_a_broken_spread_song_file_is_one_reject(tmp_path):
    text = json.dumps(song(), indent=2).replace('"title"', 'title')
    path = write_song(tmp_path, "a.json", text)
    rows, stats = parse(path, "song")
    assert rows == [] and (stats.read, stats.rejected) == (1, 1)
    line, raw, reason, _ = stats.rejects[0]
    assert line == 1 and raw == text and reason.startswith("not valid JSON")


# -- log files --------------------------------------------------------------------------------


def test_log_file_with_bom_crlf_blank_lines_and_no_final_newline(tmp_path):
    lines = [json.dumps(event(itemInSession=i)) for i in range(3)]
    data = b"\xef\xbb\xbf" + lines[0].encode() + b"\r\n\r\n   \r\n" + lines[1].encode() \
        + b"\r\n\n" + lines[2].encode()
    path = write_bytes(tmp_path / "log_data" / "a.json", data)
    rows, stats = parse(path, "log")
    assert (stats.read, stats.song_plays, stats.other_pages, stats.rejected) == (3, 3, 0, 0)
    # line numbers are those of the file, blank lines included
    assert [(r["item_in_session"], r["line"]) for r in rows] == [(0, 1), (1, 4), (2, 6)]
    assert rows[2]["user_agent"] == '"Mozilla/5.0"'  # nothing of the line end is kept
    assert stats.sha256 == file_sha256(path)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n", b"\r\n \t\r\n"])
def test_empty_log_file_has_no_records(tmp_path, data):
    path = write_bytes(tmp_path / "log_data" / "a.json", data)
    rows, stats = parse(path, "log")
    assert rows == [] and (stats.read, stats.rejected) == (0, 0)


def test_pages_are_counted_apart_from_song_plays(tmp_path):
    pages = ["NextSong", "Home", "Logout", "NextSong", "Error", "Settings"]
    path = write_log(tmp_path, "a.json", [
        event(page=p, itemInSession=i, **({} if p == "NextSong" else
                                          {"song": None, "artist": None, "length": None}))
        for i, p in enumerate(pages)])
    _, stats = parse(path, "log")
    assert (stats.read, stats.song_plays, stats.other_pages, stats.rejected) == (6, 2, 4, 0)


def test_parsing_streams_a_large_file_in_flat_memory(tmp_path):
    import tracemalloc

    line = json.dumps(event(userAgent="x" * 500)).encode() + b"\n"
    path = write_bytes(tmp_path / "log_data" / "big.json", line * 8000)  # ~6 MB
    assert os.path.getsize(path) > 5_000_000
    stats = FileStats()
    st = path.stat()
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_file(SourceFile(path, "log", st.st_size, st.st_mtime_ns),
                                          0, stats))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 8000
    assert peak < 1_000_000, f"peak {peak} bytes while streaming a 6 MB file"


def test_a_large_file_of_bad_lines_is_not_held_in_memory(tmp_path):
    """With on_reject, rejects leave as they are found (the stager copies them out)."""
    import tracemalloc

    line = b"not json " + b"x" * 700 + b"\n"
    path = write_bytes(tmp_path / "log_data" / "bad.json", line * 8000)  # ~6 MB
    stats = FileStats()
    st = path.stat()
    seen = 0

    def rejected(number: int, raw: str, reason: str, code: str) -> None:
        nonlocal seen
        seen += 1

    tracemalloc.start()
    try:
        for _ in parse_file(SourceFile(path, "log", st.st_size, st.st_mtime_ns), 0, stats,
                            on_reject=rejected):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats.rejected == seen == 8000 and stats.rejects == []
    assert peak < 1_000_000, f"peak {peak} bytes while reading a 6 MB file of bad lines"


def test_a_file_name_that_is_not_utf8_is_a_clear_error(tmp_path):
    write_log(tmp_path, "a.json", [event()])
    with open(os.fsencode(tmp_path / "log_data") + b"/b\xff.json", "w") as handle:
        handle.write(json.dumps(event()))
    with pytest.raises(SparkifyError, match=r"b\\xff\.json is not UTF-8"):
        discover(tmp_path)
