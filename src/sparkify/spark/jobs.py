"""Spark jobs side by side, from threads of the driver.

A build is some thirty jobs, most of them small: at the sample's size each spends most of its
time being planned, scheduled and committed while the executors' cores wait. Independent jobs
(the ten tables' writes, the songs' and the logs' parsing) submitted together keep the cores
busy; a cache two of them share is computed once (its blocks are locked while computed). A
table's write starts as soon as its step is done, beside the steps still running (Jobs).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
AT_ONCE = 4  # jobs in flight: past a few, they only queue for the same cores


class Jobs:
    """Jobs started one by one, as each becomes possible, and awaited together. The first to
    fail stops the others at once: the jobs under way are cancelled (the block's own too), and
    those not started yet never start."""

    def __init__(self, spark: Any, at_once: int = AT_ONCE) -> None:
        self._spark = spark
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="sparkify-job")
        self._futures: list[Future[Any]] = []
        self._failures: list[BaseException] = []
        self._stopped = False
        self._lock = threading.Lock()

    def start(self, item: Callable[[], Any]) -> None:
        with self._lock:
            if self._failures or self._stopped:
                return  # the work has failed: nothing more starts
            future = self._pool.submit(item)
            self._futures.append(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is None:
            return
        with self._lock:
            first = not self._failures
            self._failures.append(error)
        if first:
            self.stop()

    def stop(self) -> None:
        """No job starts from now on, and those under way are cancelled."""
        with self._lock:
            self._stopped = True
            for future in self._futures:
                future.cancel()  # those queued: never started
        self._spark.sparkContext.cancelAllJobs()

    def wait(self) -> list[Any]:
        """The results, in the order started; or, once all have stopped, the failure that
        stopped them (nothing writes after the work has failed)."""
        futures.wait(self._futures)
        if self._failures:
            raise self.cause()
        return [future.result() for future in self._futures]

    def cause(self, also: BaseException | None = None) -> BaseException:
        """What failed first, among the jobs' failures and `also`: a job cancelled because
        another failed is not the cause (Spark's cancellation of all jobs)."""
        found = [*self._failures, *([also] if also is not None else [])]
        return next((error for error in found if not _cancelled(error)), found[0])

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _cancelled(error: BaseException) -> bool:
    return "cancelled as part of cancellation of all jobs" in str(error)


@contextlib.contextmanager
def running(spark: Any) -> Iterator[Jobs]:
    """Jobs for the block to start; when the block fails, or one of them does, theirs are
    cancelled, and waited for (close) before the failure goes on: the first, not the jobs it
    cancelled (a full disk, not the steps stopped because of it)."""
    jobs = Jobs(spark)
    try:
        yield jobs
    except BaseException as failure:
        jobs.stop()
        jobs.close()
        cause = jobs.cause(failure) if isinstance(failure, Exception) else failure
        if cause is not failure:
            raise cause from failure
        raise
    jobs.close()


def side_by_side(spark: Any, work: list[Callable[[], T]]) -> list[T]:
    """The results of `work`, run at once (Jobs.wait)."""
    with running(spark) as jobs:
        for item in work:
            jobs.start(item)
        return jobs.wait()
