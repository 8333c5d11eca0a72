"""The Spark plugin: Java for the engine, and a local[2] session for a module's tests."""

from __future__ import annotations

import pytest

from tests.support.engines import FAST_START
from tests.support.prerequisites import require_java


@pytest.fixture(scope="session")
def java() -> None:
    """Java for the Spark engine: skip without it, or fail under CI (support/prerequisites.py)."""
    require_java()


@pytest.fixture(scope="module")
def spark(java):
    """One local[2] session serves a module (a session takes seconds to start)."""
    from sparkify.spark import session  # pyspark is imported only by the tests that use it

    started = session.start("local[2]", FAST_START)
    yield started
    session.stop(started)
