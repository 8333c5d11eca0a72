"""Spark jobs side by side, from threads of the driver.

A build is some thirty jobs, most of them small: at the sample's size each spends most of its
time being planned, scheduled and committed while the executors' cores wait. Independent jobs
(the ten tables' writes, the songs' and the logs' parsing) submitted together keep the cores
busy; a cache two of them share is computed once (its blocks are locked while computed). A
table's write starts as soon as its step is done, beside the steps still running (Jobs).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
AT_ONCE = 4  # jobs in flight: past a few, they only queue for the same cores


class Jobs:
    """Jobs started one by one, as each becomes possible, and awaited together."""

    def __init__(self, spark: Any, at_once: int = AT_ONCE) -> None:
        self._spark = spark
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="sparkify-job")
        self._futures: list[Future[Any]] = []

    def start(self, item: Callable[[], Any]) -> None:
        self._futures.append(self._pool.submit(item))

    def wait(self) -> list[Any]:
        """The results, in the order started; the first failure cancels the others' jobs and
        is raised once all have stopped (nothing writes after the build has failed)."""
        failure: BaseException | None = None
        for future in list(self._futures):
            error = future.exception()
            if error is not None and failure is None:
                failure = error
                self._spark.sparkContext.cancelAllJobs()
        if failure is not None:
            raise failure
        return [future.result() for future in self._futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True)


@contextlib.contextmanager
def running(spark: Any) -> Iterator[Jobs]:
    """Jobs for the block to start; when the block fails, theirs are cancelled, and waited for
    (close) before the failure goes on."""
    jobs = Jobs(spark)
    try:
        yield jobs
    except BaseException:
        spark.sparkContext.cancelAllJobs()
        raise
    finally:
        jobs.close()


def side_by_side(spark: Any, work: list[Callable[[], T]]) -> list[T]:
    """The results of `work`, run at once (Jobs.wait)."""
    with running(spark) as jobs:
        for item in work:
            jobs.start(item)
        return jobs.wait()
