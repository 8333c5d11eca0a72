"""Names as people wrote them, for the Spark build: the lake's `names` table and view.

The distinct names the parsed records hold that could be mis-encoded (sql/name_candidates.sql,
by the loader's rule: {{name_candidates}} of core/sqltext.py) are a few thousand even at 100
times the sample. They are collected on the driver, repaired there by core/names.py, the one
rule both engines use, and come back as a small DataFrame that the SQL of spark/sql/ joins,
broadcast to every task.
"""

from __future__ import annotations

from typing import Any

from sparkify.core.names import repair_all
from sparkify.core.sqltext import read_sql
from sparkify.spark import frames

NAMES_SCHEMA = "verbatim string, repaired string"


def register(spark: Any, known: Any = None) -> Any:
    """The view `names` (verbatim, repaired) of the parsed records' names, and of `known` (the
    names table of the version a build parses only some days of: its rows read the others');
    returns it."""
    from pyspark.sql.functions import broadcast

    found = {row.name for row in spark.sql(read_sql("name_candidates", "spark")).collect()}
    pairs = dict(known.select("verbatim", "repaired").collect()) if known is not None else {}
    pairs.update(repair_all(sorted(found - pairs.keys())))
    frame = broadcast(frames.small(spark, sorted(pairs.items()), NAMES_SCHEMA))
    frame.createOrReplaceTempView("names")
    return frame
