"""Jobs started beside the build's steps (spark/jobs.py): a failure of the steps cancels the
writes already started and waits for them, so nothing writes after the build has failed."""

from __future__ import annotations

import threading
import time

import pytest

from sparkify.spark.jobs import Jobs, running

pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def _running_jobs(spark) -> bool:
    return bool(spark.sparkContext.statusTracker().getActiveJobsIds())


def test_a_failure_beside_started_jobs_cancels_them_and_waits_for_them(spark):
    ended: list[str] = []

    def endless() -> None:  # days of reading unless cancelled
        try:
            spark.range(0, 10**14, numPartitions=2).selectExpr("max(id)").collect()
            ended.append("finished")
        except Exception:  # noqa: BLE001 - cancelled: what the test wants
            ended.append("cancelled")

    watchdog = threading.Timer(60, spark.sparkContext.cancelAllJobs)  # never a hung test
    watchdog.start()
    try:
        with pytest.raises(RuntimeError, match="a step failed"), running(spark) as jobs:
            jobs.start(endless)
            while not _running_jobs(spark):
                time.sleep(0.05)
            raise RuntimeError("a step failed")
        assert ended == ["cancelled"]  # stopped, and before the failure went on
        assert watchdog.is_alive()  # by the failure, not by the watchdog
    finally:
        watchdog.cancel()
        spark.sparkContext.cancelAllJobs()


def test_jobs_started_one_by_one_give_their_results_in_that_order(spark):
    with running(spark) as jobs:
        for n in (3, 1, 2):
            jobs.start(lambda n=n: spark.range(n).count())
        assert jobs.wait() == [3, 1, 2]


def test_a_failed_job_stops_the_block_and_the_queued_ones_and_is_the_error_raised(spark):
    """A write that fails (a full disk) cancels the steps under way at once, and what is
    raised is its failure, not the cancellation of the step it stopped."""
    started: list[str] = []

    def failing() -> None:
        while not _running_jobs(spark):  # the block's step is under way
            time.sleep(0.05)
        raise OSError("No space left on device")

    watchdog = threading.Timer(60, spark.sparkContext.cancelAllJobs)  # never a hung test
    watchdog.start()
    try:
        with pytest.raises(OSError, match="No space left"), running(spark) as jobs:
            jobs.start(failing)
            # the block's own step, days of reading unless cancelled
            spark.range(0, 10**14, numPartitions=2).selectExpr("max(id)").collect()
        assert watchdog.is_alive()  # stopped by the failure, not by the watchdog
        jobs.start(lambda: started.append("late"))  # after the failure: never runs
        assert started == []
    finally:
        watchdog.cancel()
        spark.sparkContext.cancelAllJobs()


def test_a_real_failure_of_the_block_is_raised_not_the_cancellations_it_caused(spark):
    """The block's step fails for real while a write runs: the write is cancelled, and what
    is raised is the step's failure, though the write's cancellation was recorded first."""

    def endless() -> None:  # a write: cancelled when the step fails
        spark.range(0, 10**14, numPartitions=2).selectExpr("max(id)").collect()

    watchdog = threading.Timer(60, spark.sparkContext.cancelAllJobs)  # never a hung test
    watchdog.start()
    try:
        with pytest.raises(OSError, match="the step's disk"), running(spark) as jobs:
            jobs.start(endless)
            while not _running_jobs(spark):
                time.sleep(0.05)
            jobs.stop()  # as a failure of the block does: the write is cancelled first
            jobs.close()
            raise OSError("the step's disk is full")
        assert watchdog.is_alive()
    finally:
        watchdog.cancel()
        spark.sparkContext.cancelAllJobs()


def test_a_failure_cancels_the_jobs_still_queued(spark):
    started: list[str] = []
    jobs = Jobs(spark, at_once=1)
    try:
        jobs.start(lambda: (time.sleep(0.5), 1 / 0))
        jobs.start(lambda: started.append("queued"))  # behind the first, on the one thread
        with pytest.raises(ZeroDivisionError):
            jobs.wait()
    finally:
        jobs.close()
    assert started == []
