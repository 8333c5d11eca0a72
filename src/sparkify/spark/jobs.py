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
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as all_done
from typing import Any, TypeVar

T = TypeVar("T")
AT_ONCE = 4  # jobs in flight from one pool: past a few, they only queue for the same cores


class Jobs:
    """Jobs started one by one, as each becomes possible, and awaited together. The first
    failure stops the others at once: those queued never start, those running have their
    Spark jobs cancelled."""

    def __init__(self, spark: Any, at_once: int = AT_ONCE) -> None:
        self._spark = spark
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="sparkify-job")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._failure: BaseException | None = None  # the first, not what cancelling caused
        self._stopped = threading.Event()

    def start(self, item: Callable[[], Any]) -> None:
        if self._stopped.is_set():
            return
        future = self._pool.submit(self._unless_stopped, item)
        future.add_done_callback(self._failed_stops_all)
        self._futures.append(future)

    def _unless_stopped(self, item: Callable[[], Any]) -> Any:
        return None if self._stopped.is_set() else item()

    def _failed_stops_all(self, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is None:
            return
        with self._lock:
            first = self._failure is None and not self._stopped.is_set()
            if first:
                self._failure = error
        if first:
            self.stop()

    def stop(self) -> None:
        """No job starts from now on; the Spark jobs of those running are cancelled."""
        self._stopped.set()
        for future in list(self._futures):
            future.cancel()  # only a job not yet started
        self._spark.sparkContext.cancelAllJobs()

    def wait(self) -> list[Any]:
        """The results, in the order started, once all have ended; or the first failure."""
        all_done(list(self._futures))
        if self._failure is not None:
            raise self._failure
        return [future.result() for future in self._futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@contextlib.contextmanager
def running(spark: Any) -> Iterator[Jobs]:
    """Jobs for the block to start. When the block fails, theirs are stopped (Jobs.stop) and
    waited for (close) before the failure goes on: nothing writes after a build has failed."""
    jobs = Jobs(spark)
    try:
        yield jobs
    except BaseException:
        jobs.stop()
        raise
    finally:
        jobs.close()


def side_by_side(spark: Any, work: list[Callable[[], T]]) -> list[T]:
    """The results of `work`, run at once (Jobs.wait)."""
    with running(spark) as jobs:
        for item in work:
            jobs.start(item)
        return jobs.wait()
