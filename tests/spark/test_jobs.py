"""Jobs started beside the build's steps (spark/jobs.py): a failure, of the steps or of a job,
cancels the others at once (queued ones never start) and waits for them, so nothing writes
after the build has failed; and the failure raised is the cause, not a cancellation."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest

from sparkify.spark.jobs import Jobs, running

pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def _running_jobs(spark) -> bool:
    return bool(spark.sparkContext.statusTracker().getActiveJobsIds())


def _until_running(spark) -> None:
    while not _running_jobs(spark):
        time.sleep(0.05)


def _endless(spark) -> None:
    """Days of reading, unless cancelled."""
    spark.range(0, 10**14, numPartitions=2).selectExpr("max(id)").collect()


@contextlib.contextmanager
def _watchdog(spark) -> Iterator[threading.Timer]:
    """Every job cancelled after 60 s, never a hung test; alive: what stopped them was not it."""
    watchdog = threading.Timer(60, spark.sparkContext.cancelAllJobs)
    watchdog.start()
    try:
        yield watchdog
    finally:
        watchdog.cancel()
        spark.sparkContext.cancelAllJobs()


def test_a_failure_beside_started_jobs_cancels_them_and_waits_for_them(spark):
    ended: list[str] = []

    def endless() -> None:
        try:
            _endless(spark)
            ended.append("finished")
        except Exception:  # noqa: BLE001 - cancelled: what the test wants
            ended.append("cancelled")

    with _watchdog(spark) as watchdog:
        with pytest.raises(RuntimeError, match="a step failed"), running(spark) as jobs:
            jobs.start(endless)
            _until_running(spark)
            raise RuntimeError("a step failed")
        assert ended == ["cancelled"]  # stopped, and before the failure went on
        assert watchdog.is_alive()  # by the failure, not by the watchdog


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
        _until_running(spark)  # the block's step is under way
        raise OSError("No space left on device")

    with _watchdog(spark) as watchdog:
        with pytest.raises(OSError, match="No space left"), running(spark) as jobs:
            jobs.start(failing)
            _endless(spark)  # the block's own step
        assert watchdog.is_alive()  # stopped by the failure, not by the watchdog
        jobs.start(lambda: started.append("late"))  # after the failure: never runs
        assert started == []


def test_a_real_failure_of_the_block_is_raised_not_the_cancellations_it_caused(spark):
    """The block's step fails for real while a write runs: the write is cancelled, and what
    is raised is the step's failure, though the write's cancellation was recorded first."""

    with _watchdog(spark) as watchdog:
        with pytest.raises(OSError, match="the step's disk"), running(spark) as jobs:
            jobs.start(lambda: _endless(spark))  # a write: cancelled when the step fails
            _until_running(spark)
            jobs.stop()  # as a failure of the block does: the write is cancelled first
            jobs.close()
            raise OSError("the step's disk is full")
        assert watchdog.is_alive()


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
