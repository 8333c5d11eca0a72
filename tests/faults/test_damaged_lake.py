"""A damaged file in the lake's current version (its bytes replaced, or cut short): `lake
publish` and the next `lake build` each end in one line naming the file, and leave the
warehouse and the lake as they were. Before, pyarrow's reader left such a file out: a publish
reported 69 songs of 71 and exited 0."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sparkify.errors import SparkifyError
from sparkify.spark.build import build
from sparkify.spark.failure import one_line
from sparkify.spark.lake import Lake
from tests.support.faults import CLI
from tests.support.helpers import copy_sample, query

pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def damage(lake, version: str, table: str, cut: bool | None) -> str:
    """One Parquet file of `table` cut to its first 100 bytes, or its bytes replaced; or
    (cut None) the table's folder removed. What the error names."""
    folder = Lake(lake).table_path(version, table)
    if cut is None:
        shutil.rmtree(folder)
        return f"{folder} is missing"
    damaged = next(folder.rglob("*.parquet"))
    damaged.write_bytes(damaged.read_bytes()[:100] if cut else b"garbage\n")
    return damaged.name


@pytest.mark.parametrize(("table", "cut"), [("songs", False), ("events", True), ("users", None)])
def test_a_publish_of_a_damaged_lake_is_one_line_and_the_warehouse_stays(
        sample_lake, sample_settings, tmp_path, table, cut):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake[0], lake)
    name = damage(lake, sample_lake[1].version, table, cut)
    before = query(sample_settings, "SELECT count(*) FROM songs UNION ALL "
                                    "SELECT count(*) FROM events")
    done = subprocess.run([*CLI, "lake", "publish", str(lake)], env=dict(os.environ),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2 and not done.stdout, done.stderr
    assert done.stderr.startswith(f"sparkify: error: cannot read the lake {lake}: ")
    assert name in done.stderr and done.stderr.endswith("; the warehouse is as it was\n")
    assert len(done.stderr.splitlines()) == 1
    assert query(sample_settings, "SELECT count(*) FROM songs UNION ALL "
                                  "SELECT count(*) FROM events") == before == [(71,), (8056,)]


def test_a_build_on_a_damaged_version_is_one_line_and_the_lake_stays(
        shared_spark, twenty_days, sample_root, tmp_path):
    """The next days' build reads the current version's events on the driver first."""
    root, built, first = twenty_days
    lake = tmp_path / "lake"
    shutil.copytree(built, lake)
    name = damage(lake, first.version, "events", cut=True)
    copy_sample(sample_root, root, range(21, 31))
    with pytest.raises(SparkifyError) as failed, one_line(str(lake)):
        build(shared_spark.live(), root, str(lake))
    message = str(failed.value)
    assert message.startswith("the Spark build failed: ") and name in message, message
    assert len(message.splitlines()) == 1
    assert Lake(lake).current() == first.version
