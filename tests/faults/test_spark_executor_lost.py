"""A Spark executor lost mid-build: on a real two-worker standalone cluster, one worker's
executor JVM is killed (kill -9) while it runs the build's tasks. The build completes (Spark
runs the lost tasks again, and recomputes the parsed rows that executor held, elsewhere), and
the lake it publishes equals `sparkify load` of the same root, as a local-mode build's does
(tests/spark/test_equals_load.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparkify.postgres.publish import publish
from tests.support.engines import FAST_START, NATIVE, assert_same_warehouse
from tests.support.prerequisites import REPO

# without Java every test here skips, saying so, or fails under CI (tests/support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow, pytest.mark.first_pass]


def executor_pid(work_dir: Path) -> int | None:
    """The pid of the executor JVM a worker started (its working folder is under the worker's
    work dir), if one runs."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            cwd = os.readlink(proc / "cwd")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if b"CoarseGrainedExecutorBackend" in command and cwd.startswith(str(work_dir)):
            return int(proc.name)
    return None


def kill_an_executor_midway(job: subprocess.Popen, work_dir: Path, lake: Path,
                            timeout: float = 300) -> int:
    """kill -9 the executor of the worker at `work_dir` once the build writes its new version
    (every file is parsed by then, and the parsed rows and reused views are cached on the
    executors: the lost ones must be computed again); its pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and job.poll() is None:
        pid = executor_pid(work_dir)
        if pid and (lake / "versions").is_dir() and any((lake / "versions").iterdir()):
            os.kill(pid, signal.SIGKILL)
            assert not (lake / "_current").exists(), "killed too late: the build was done"
            return pid
        time.sleep(0.1)
    raise AssertionError(f"no executor to kill under {work_dir} while the build ran "
                         f"(exit {job.poll()})")


def test_a_build_that_loses_an_executor_completes_and_equals_sparkify_load(
        standalone_cluster, sample_root, sample_settings, settings, tmp_path):
    lake = tmp_path / "lake"
    # the files parsed by the executors (a root this small would be parsed on the driver)
    conf = {**FAST_START, **NATIVE, "spark.executor.memory": "768m"}
    cluster = standalone_cluster
    before = len(cluster.master_log())
    job = subprocess.Popen(
        [sys.executable, "-m", "tests.support.cluster_job", cluster.url,
         json.dumps([["build", str(sample_root), str(lake)]])],
        env={**cluster.env(), "SPARKIFY_TEST_SPARK_CONF": json.dumps(conf)},
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed = kill_an_executor_midway(job, cluster.logs / "worker1", lake)
        out, err = job.communicate(timeout=400)
    finally:
        if job.poll() is None:
            job.kill()
    master = cluster.master_log()[before:]
    assert job.returncode == 0, err[-2000:]
    assert not Path(f"/proc/{killed}").exists()
    lost = f"{master.count('Launching executor') - 2} more executors launched"
    built = json.loads(out.strip().splitlines()[-1])[0]
    assert built["built"] and built["files"]["loaded"] == 101
    print(f"\nexecutor {killed} killed mid-build; after it, {lost}")
    publish(settings, str(lake))
    assert_same_warehouse(settings, sample_settings)  # the sample, loaded by `sparkify load`
