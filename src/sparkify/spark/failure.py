"""A failed Spark job as one line: the cause at the bottom of the JVM's chain of exceptions.

A job that fails (a full disk, a lost executor past its retries) raises a Py4J or pyspark
exception whose text is the whole Java stack trace; the user needs its last `Caused by`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from sparkify.errors import SparkifyError

_CAUSE = re.compile(r"Caused by: (?:[\w.$]+(?:Exception|Error)): (.+)")


def is_spark_failure(exc: BaseException) -> bool:
    """A failure of Spark's, or of pyarrow's reading the current version on the driver (a
    damaged file)."""
    return type(exc).__module__.startswith(("py4j", "pyspark", "pyarrow"))


def root_cause(exc: BaseException) -> str:
    """The deepest cause the trace names, else its first line."""
    text = str(exc)
    causes = [match.group(1).strip() for match in _CAUSE.finditer(text)]
    if causes:
        return causes[-1]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first or type(exc).__name__


def as_one_line(exc: BaseException, lake: str) -> SparkifyError:
    return SparkifyError(f"the Spark build failed: {root_cause(exc)}; the lake {lake} is as "
                         "it was (nothing of this build became current)")


@contextlib.contextmanager
def one_line(lake: str) -> Iterator[None]:
    """A Spark failure in the block leaves it as as_one_line's SparkifyError."""
    try:
        yield
    except Exception as exc:
        if is_spark_failure(exc):
            raise as_one_line(exc, lake) from exc
        raise
