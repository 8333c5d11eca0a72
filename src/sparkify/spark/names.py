"""Names as people wrote them, for the Spark build: the lake's `names` table and view.

The distinct names the parsed records hold that could be mis-encoded (non-ASCII: the same
filter as the loader's new_names.sql) are a few thousand even at 100 times the sample. They
are collected on the driver, repaired there by core/names.py, the one rule both engines use,
and come back as a small DataFrame that the SQL of spark/sql/ joins, broadcast to every task.
"""

from __future__ import annotations

from typing import Any

from sparkify.core.names import EVENT_FIELDS, SONG_FIELDS, repair_all

NAMES_SCHEMA = "verbatim string, repaired string"


def _candidates_sql() -> str:
    """One pass over each view: its names side by side, unpivoted, the non-ASCII kept."""
    parts = [f"SELECT explode(array({', '.join(fields)})) AS name FROM {view}"
             for view, fields in (("parsed_events", EVENT_FIELDS), ("parsed_songs", SONG_FIELDS))]
    return ("SELECT DISTINCT name FROM (" + " UNION ALL ".join(parts) + ") "
            "WHERE octet_length(name) <> length(name)")


def register(spark: Any) -> Any:
    """The view `names` (verbatim, repaired) of the parsed records' names; returns it."""
    from pyspark.sql.functions import broadcast

    found = [row.name for row in spark.sql(_candidates_sql()).collect()]
    frame = broadcast(spark.createDataFrame(repair_all(sorted(found)), NAMES_SCHEMA))
    frame.createOrReplaceTempView("names")
    return frame
