"""Spark jobs side by side, from threads of the driver.

A build is some thirty jobs, most of them small: at the sample's size each spends most of its
time being planned, scheduled and committed while the executors' cores wait. Independent jobs
(the ten tables' writes, the songs' and the logs' parsing) submitted together keep the cores
busy; a cache two of them share is computed once (its blocks are locked while computed).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
AT_ONCE = 4  # jobs in flight: past a few, they only queue for the same cores


def side_by_side(spark: Any, work: list[Callable[[], T]]) -> list[T]:
    """The results of `work`, run at once; the first failure cancels the others' jobs and is
    raised once all have stopped (nothing writes after the build has failed)."""
    with ThreadPoolExecutor(max_workers=min(AT_ONCE, len(work)) or 1,
                            thread_name_prefix="sparkify-job") as pool:
        futures = [pool.submit(item) for item in work]
        failure: BaseException | None = None
        for future in futures:
            error = future.exception()
            if error is not None and failure is None:
                failure = error
                spark.sparkContext.cancelAllJobs()
        if failure is not None:
            raise failure
        return [future.result() for future in futures]
