"""Jobs started beside the build's steps (spark/jobs.py): a failure of the steps, or of a job,
stops the jobs started (those queued never start, those running are cancelled) and waits for
them, so nothing writes after the build has failed."""

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
            deadline = time.monotonic() + 30
            while not _running_jobs(spark) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _running_jobs(spark)
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


def test_a_failed_job_stops_those_queued_and_is_the_failure_raised(spark):
    ran: list[int] = []

    def fails() -> None:
        spark.sql("SELECT assert_true(false, 'the first job failed')").collect()

    jobs = Jobs(spark, at_once=1)  # one at a time: the second waits in the queue
    try:
        jobs.start(fails)
        jobs.start(lambda: ran.append(spark.range(5).count()))
        with pytest.raises(Exception, match="the first job failed"):
            jobs.wait()
    finally:
        jobs.close()
    assert ran == []  # never started
