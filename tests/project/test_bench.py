"""The benchmark's yardsticks are right: the row-by-row loader, the floor, the table comparison.

Timings are not tested here (they belong in bench/RESULTS.md); what is tested is that the
row-by-row loader loads what the fast path loads except where it is wrong by construction, that
the floor writes exactly the loaded rows, and that the comparison reports any other difference.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sparkify.postgres.db import connect, ensure_database
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.schema import create_all
from tests.support.helpers import event, query, scalar, song, write_log, write_song
from tests.support.prerequisites import REPO

sys.path.insert(0, str(REPO / "bench"))
import floor
import rowbyrow
import run as harness

DAY1, DAY2 = 1541030400000, 1541116800000  # 2018-11-01 and 2018-11-02, 00:00 UTC


def _root(tmp_path: Path) -> Path:
    """Two days of events: one play matches a song only within a tolerance, and user 7's
    events are written out of ts order, so the last line is not the latest event."""
    root = tmp_path / "data"
    write_song(root, "A/TRA.json", song(song_id="SO1", title="Exact", duration=200.5))
    write_song(root, "B/TRB.json", song(song_id="SO2", title="Close", duration=180.25))
    write_log(root, "2018-11-01-events.json", [
        event(ts=DAY1 + 5_000, sessionId=1, itemInSession=1, song="Exact", length=200.5,
              level="paid"),
        event(ts=DAY1 + 1_000, sessionId=1, itemInSession=0, song="Close", length=180.254,
              level="free"),
        event(ts=DAY1 + 2_000, sessionId=2, itemInSession=0, page="Home", song=None,
              artist=None, length=None, userId="", auth="Logged Out", firstName=None,
              lastName=None, gender=None, location=None, registration=None),
        "{not json",
    ])
    write_log(root, "2018-11-02-events.json", [
        event(ts=DAY2 + 1_000, sessionId=3, itemInSession=0, userId="8", song="Other",
              length=99.0),
    ])
    return root


@pytest.fixture(scope="module")
def fast_and_slow(pg_server, tmp_path_factory):
    """The same root loaded by `sparkify load` and by the row-by-row loader, once per module."""
    root = _root(tmp_path_factory.mktemp("bench"))
    fast, slow = (replace(pg_server, database=f"sparkify_test_bench_{os.getpid()}_{kind}")
                  for kind in ("fast", "slow"))
    for settings in (fast, slow):
        ensure_database(settings, drop=True)
        with connect(settings, autocommit=True) as conn:
            create_all(conn)
    load(fast, root, notify=lambda message: None)
    with connect(slow) as conn:
        outcome = rowbyrow.load(conn, root, None)
    return fast, slow, outcome


def test_rowbyrow_loads_every_record_the_fast_path_loads(fast_and_slow):
    fast, slow, outcome = fast_and_slow
    assert outcome["finished"]
    assert outcome["events"]["records"] == 5  # the broken line is read and skipped
    assert outcome["events"]["rejected"] == 1
    for table in ("songplays", "users", "songs", "artists", "time", "events"):
        assert (scalar(slow, f"SELECT count(*) FROM {table}")
                == scalar(fast, f"SELECT count(*) FROM {table}")), table


def test_rowbyrow_float_equality_misses_a_play_the_tolerance_matches(fast_and_slow):
    fast, slow, _ = fast_and_slow
    by_title = "SELECT song_title, song_id FROM songplays ORDER BY song_title"
    assert query(fast, by_title) == [("Close", "SO2"), ("Exact", "SO1"), ("Other", None)]
    assert query(slow, by_title) == [("Close", None), ("Exact", "SO1"), ("Other", None)]


def test_rowbyrow_keeps_the_last_row_processed_not_the_latest_event(fast_and_slow):
    fast, slow, _ = fast_and_slow
    level = "SELECT level FROM users WHERE user_id = 7"
    assert scalar(fast, level) == "paid"  # the event at DAY1 + 5 s
    assert scalar(slow, level) == "free"  # the line written last


def test_comparison_names_only_the_known_wrong_columns(fast_and_slow, tmp_path):
    fast, slow, _ = fast_and_slow
    bench = harness.Bench(tmp_path, replace(fast, database=None))
    report = harness.compare(bench, fast.database, slow.database)
    assert report["songplays"]["differing_explained"].keys() == {"song_id", "artist_id"}
    assert report["users"]["differing_explained"].keys() == {"level", "last_seen_at"}
    assert all(t["ok"] for t in report.values())
    assert not any(t["differing_unexplained"] for t in report.values())


def test_comparison_reports_a_difference_nobody_explained(fast_and_slow, tmp_path):
    fast, slow, _ = fast_and_slow
    query(slow, "UPDATE events SET status = 404 WHERE page = 'Home' RETURNING 1")
    bench = harness.Bench(tmp_path, replace(fast, database=None))
    try:
        report = harness.compare(bench, fast.database, slow.database)
    finally:
        query(slow, "UPDATE events SET status = 200 WHERE page = 'Home' RETURNING 1")
    assert report["events"]["differing_unexplained"] == ["status"]
    assert not report["events"]["ok"]


def test_rowbyrow_stops_at_its_time_bound_and_can_be_extrapolated(settings, tmp_path):
    root = tmp_path / "data"
    write_log(root, "2018-11-01-events.json",
              [event(ts=DAY1 + i, sessionId=1, itemInSession=i) for i in range(3000)])
    with connect(settings) as conn:
        outcome = rowbyrow.load(conn, root, 0.2)
    events = outcome["events"]
    assert not outcome["finished"]
    assert 0 < events["records"] < 3000
    assert scalar(settings, "SELECT count(*) FROM events") == events["records"]
    estimate = harness.extrapolate(outcome, 0, 3000)
    rate = events["records"] / events["seconds"]
    assert estimate["estimated_seconds"] == pytest.approx(outcome["songs"]["seconds"]
                                                          + 3000 / rate)


def test_floor_copies_exactly_the_loaded_rows(fast_and_slow, tmp_path):
    fast, _, _ = fast_and_slow
    target = fast.database + "_floor"
    results = floor.measure(replace(fast, database=None), fast.database, target, tmp_path)
    assert harness.checksums(replace(fast, database=target)) == harness.checksums(fast)
    for result in results.values():
        assert result.tables["public.songplays"]["rows"] == 3
        assert result.tables["sparkify.rejects"]["rows"] == 1
        assert result.seconds >= result.star_seconds > 0
    assert not list(tmp_path.glob("floor-*"))  # the dumped rows are removed


def test_last_day_is_the_latest_date_in_file_names():
    logs = [Path("log_data/2018/11/2018-11-09-events.json"),
            Path("log_data/2018/11/2018-11-30-events.json"),
            Path("log_data/2018/12/2018-11-30-part2.json"),
            Path("log_data/2018/11/2018-11-10-events.json")]
    assert harness.last_day(logs) == [logs[1], logs[2]]


def test_results_section_is_replaced_and_other_sections_kept(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Generator throughput\n\nfast\n")
    section = "<!-- bench:run:start -->\n## Loader\n\nfirst\n<!-- bench:run:end -->\n"
    harness.write_section(results, section, "run")
    harness.write_section(results, section.replace("first", "second"), "run")
    text = results.read_text()
    assert "## Generator throughput\n\nfast" in text
    assert "second" in text and "first" not in text
    assert text.count("<!-- bench:run:start -->") == 1


def test_the_harness_warns_before_a_scale_that_may_fill_the_disk(tmp_path, capsys):
    import shutil

    free = shutil.disk_usage(tmp_path).free
    assert harness.warn_if_disk_short(tmp_path, free // harness.DISK_PER_DATA_BYTE, 1000)
    assert "warning" in capsys.readouterr().err  # free space minus the WAL's share is short
    assert not harness.warn_if_disk_short(tmp_path, 0, 1) or free < harness.WAL_BYTES
