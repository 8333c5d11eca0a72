"""`lake build` with the lake's folder full: one line naming the cause, the lake as it was,
and after space is freed a rerun equal to a clean build (the sample built in one go:
tests/plugins/spark.py's `sample_lake`).

The lake (the first 20 days', tests/plugins/spark.py's `twenty_days`, copied) sits on a small
tmpfs mounted for the test (as root), filled up by a file the test writes, then deleted.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sparkify.spark.build import build
from sparkify.spark.lake import Lake
from tests.support.engines import FAST_START_ARGS
from tests.support.faults import CLI
from tests.support.helpers import copy_sample
from tests.support.lakes import assert_same_lake
from tests.support.prerequisites import missing

pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs (the sample's lake takes a few MB); unmounted at the end."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        missing("root (to mount a tmpfs)", "run the suite as root")
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=False)


def fill(folder) -> None:
    """Write into `folder` until its file system has no byte left."""
    with open(folder / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * (1 << 20))
                filler.flush()
        except OSError:
            pass


def test_a_build_into_a_full_lake_ends_in_one_line_and_leaves_the_lake_as_it_was(
        small_disk, spark, twenty_days, sample_lake, sample_root):
    root, built, first = twenty_days
    lake = small_disk / "lake"
    shutil.copytree(built, lake)  # the first 20 days' lake, on the small disk
    fill(small_disk)
    copy_sample(sample_root, root, range(21, 31))
    full = subprocess.run([*CLI, "lake", "build", str(root), str(lake), "--master", "local[1]",
                           *FAST_START_ARGS], capture_output=True, text=True, timeout=300,
                          check=False)
    # the JVM's own notice of the vector module, printed at every start, is no error
    lines = [line for line in full.stderr.splitlines()
             if line.strip() and not line.startswith("WARNING: Using incubator modules")]
    assert full.returncode == 2 and len(lines) == 1, full.stderr[-3000:]
    assert "No space left on device" in lines[0], lines[0]
    assert Lake(lake).current() == first.version  # as it was, and readable
    assert Lake(lake).counts(first.version) == first.tables

    (small_disk / "filler").unlink()
    then = build(spark, root, str(lake))
    assert then.built and (then.files_loaded, then.files_skipped) == (10, 91)
    # the root is now the whole sample: the lake equals the sample built in one go
    assert_same_lake(lake, then.version, root, sample_lake, sample_root)
