"""A build after only log files changed works out again only the days they have events in
(spark/build.py `by_day`): a file added, then removed, each build equal to one of the same root
in one go, table for table, the manifest and the names too. A changed song file works out every
day again; a lake in month folders is built again whole."""

from __future__ import annotations

import json
import shutil

import pytest

from sparkify.spark.build import build
from tests.support.helpers import event, song, write_log, write_song
from tests.support.lakes import LAKE_TABLES, lake_rows

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]

BASE = 1541105830796  # the adversarial root's first event: 1 November 2018, UTC
LATE = BASE + 40 * 86400_000  # its 2018/12/c.json: 11 December


def _same_as_one_build(spark, root, lake, built, tmp_path, name):
    whole = build(spark, root, str(tmp_path / name))
    assert built.tables == whole.tables
    for table in (*LAKE_TABLES, "manifest", "names"):
        assert lake_rows(lake, built.version, table) == lake_rows(
            tmp_path / name, whole.version, table), table


def test_a_day_added_then_removed_equals_one_build_in_one_go(adversarial_lake, shared_spark,
                                                             tmp_path):
    """11 December gets a file holding a duplicate of c.json's event (the second loaded: a
    reject), a user's latest event and a broken line; then the file goes, and that user is as
    their events of 1 November leave them again (read from the days not parsed). Each time
    only 11 December's partitions are written; the duplicate of 1 November in b.json stays a
    duplicate, the song tables are linked as they were."""
    root, lake = tmp_path / "root", tmp_path / "lake"
    shutil.copytree(adversarial_lake[0], root)
    spark = shared_spark.live()
    build(spark, root, str(lake))  # a lake names its files by path: one of this root
    days = len(list((lake / "versions").glob("*/events/year=*/month=*/day=*")))
    write_log(root, "2018/12/z.json", [
        event(ts=LATE, userId="8"),  # c.json's, to the byte of its fields: a duplicate
        event(ts=LATE + 1000, userId="5", level="paid", sessionId=77, lastName="Latest"),
        "{oops"])
    added = build(spark, root, str(lake))
    assert (added.files_loaded, added.events["read"], added.events["rejected"]) == (1, 3, 2)
    assert added.partitions["events"] == {"written": 1, "kept": days - 1}
    assert added.partitions["songs"]["written"] == 0
    _same_as_one_build(spark, root, lake, added, tmp_path, "added")
    users = {row["user_id"]: row for row in lake_rows(lake, added.version, "users")}
    assert users[5]["last_name"] == "Latest"

    (root / "log_data" / "2018/12/z.json").unlink()
    removed = build(spark, root, str(lake))
    assert removed.files_loaded == 0 and removed.partitions["events"]["written"] == 1
    _same_as_one_build(spark, root, lake, removed, tmp_path, "removed")
    users = {row["user_id"]: row for row in lake_rows(lake, removed.version, "users")}
    assert users[5]["last_name"] == "Lee" and users[5]["level"] == "paid"
    assert json.dumps(users[5]["last_seen_at"].isoformat()).startswith('"2018-11-01')


def test_a_lake_of_month_folders_is_built_again_whole(adversarial_lake, shared_spark, tmp_path):
    """A lake written before the facts were partitioned by day (year=/month= folders) cannot be
    worked out by day: the next build is a whole one, equal to one build in one go."""
    root, lake = tmp_path / "root", tmp_path / "lake"
    shutil.copytree(adversarial_lake[0], root)
    spark = shared_spark.live()
    first = build(spark, root, str(lake))
    for table in ("events", "songplays", "time"):  # as the month-partitioned layout had them
        for path in (lake / "versions" / first.version / table).glob("*/*/day=*/*.parquet"):
            path.rename(path.parent.parent / f"{path.parent.name}-{path.name}")
    write_log(root, "2018/12/z.json", [event(ts=LATE + 1000, userId="5", sessionId=77)])
    again = build(spark, root, str(lake))
    assert again.files_loaded == first.files_loaded + 1 and again.files_skipped == 0
    _same_as_one_build(spark, root, lake, again, tmp_path, "whole")


def test_a_song_added_matches_plays_of_every_day_as_one_build(adversarial_lake, shared_spark,
                                                              tmp_path):
    """A song file added beside a log file: any play may now match it, so every day is worked
    out again (songs written, not linked), and the lake equals one build in one go."""
    root, lake = tmp_path / "root", tmp_path / "lake"
    shutil.copytree(adversarial_lake[0], root)
    spark = shared_spark.live()
    build(spark, root, str(lake))
    write_song(root, "D/nothing.json", song(song_id="S7", artist_id="AR7", title="Nothing",
                                            artist_name="Nobody", duration=1.5))
    write_log(root, "2018/12/z.json", [event(ts=LATE + 1000, userId="5", sessionId=77)])
    again = build(spark, root, str(lake))
    assert again.files_loaded == 2 and again.partitions["songs"]["written"] > 0
    _same_as_one_build(spark, root, lake, again, tmp_path, "whole")
    plays = lake_rows(lake, again.version, "songplays")
    assert [p["song_id"] for p in plays if p["song_title"] == "Nothing"] == ["S7"]
