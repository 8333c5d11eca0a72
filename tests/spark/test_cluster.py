"""A real two-worker standalone cluster (spark/session.py's master, tests/support/cluster_job.py
as the application) builds what local mode builds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.support.engines import FAST_START, NATIVE
from tests.support.helpers import copy_sample
from tests.support.lakes import LAKE_TABLES, assert_same_lake, lake_rows
from tests.support.prerequisites import REPO

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def test_a_two_worker_standalone_cluster_builds_what_local_mode_builds(
        standalone_cluster, twenty_days, sample_lake, adversarial_lake, sample_root, tmp_path):
    """On a real cluster, in one application: the bad records and ties in one go; the sample's
    last 10 days on top of a lake of its first 20 (built in local mode: a lake moves between
    masters), then rebuilt. Each lake equals its local-mode twin (which equals `sparkify load`,
    tests/spark/test_equals_load.py). The sample in one go on a cluster is
    tests/faults/test_spark_executor_lost.py's, against `sparkify load`."""
    adv_root, adv_lake, adv_built = adversarial_lake
    root, twenty, _ = twenty_days
    shutil.copytree(twenty, tmp_path / "steps")
    copy_sample(sample_root, root, range(21, 31))
    steps = [["build", str(adv_root), str(tmp_path / "adversarial")],
             ["build", str(root), str(tmp_path / "steps")],
             ["build", str(root), str(tmp_path / "steps")]]
    # the files read by the executors, as on a cluster they would be past a small size
    conf = {**FAST_START, **NATIVE, "spark.executor.memory": "768m"}
    cluster = standalone_cluster
    before = len(cluster.master_log())
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.cluster_job", cluster.url, json.dumps(steps)],
        env={**cluster.env(), "SPARKIFY_TEST_SPARK_CONF": json.dumps(conf)},
        cwd=REPO, capture_output=True, text=True, timeout=400, check=False)
    executors = cluster.master_log()[before:].count("Launching executor")
    assert done.returncode == 0, done.stderr[-2000:]
    adversarial, then, again = json.loads(done.stdout.strip().splitlines()[-1])
    assert executors >= 2  # the job ran on both workers
    assert adversarial["built"] and adversarial["tables"] == adv_built.tables
    for table in (*LAKE_TABLES, "manifest"):
        assert lake_rows(tmp_path / "adversarial", adversarial["version"], table) == lake_rows(
            adv_lake, adv_built.version, table), table
    assert then["built"] and then["files"] == {"loaded": 10, "skipped": 91}
    assert then["tables"] == sample_lake[1].tables
    assert_same_lake(tmp_path / "steps", then["version"], root, sample_lake, sample_root)
    assert not again["built"] and again["version"] == then["version"]
