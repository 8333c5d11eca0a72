"""What a build takes from the current version as it was, not parsed again (spark/build.py).

Every build takes the events, rejects and hashes of the log files unchanged since the current
version (previous_logs). A build by day (only log files changed) works out again only the days
the changed files have events in; what the steps need of the other days is Settled, each part
the view settled_<name> the SQL of spark/sql/ reads (empty in a build of every day). Small
look-ups of that version are read on the driver (lake.py), with no Spark job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sparkify.core.fields import EVENT_FIELDS
from sparkify.core.records import RejectCode
from sparkify.spark import frames
from sparkify.spark import lake as lake_mod
from sparkify.spark import read as reader
from sparkify.spark.columns import column_type

MANIFEST = ("path string, kind string, size_bytes bigint, mtime_ns bigint, etag string, "
            "sha256 string, records_read bigint, records_loaded bigint, song_plays bigint, "
            "other_pages bigint, rejected bigint")  # manifest.sql's columns
Day = tuple[int, int, int]  # (year, month, day) in UTC, as the facts are partitioned


def day_columns(ts: Any) -> list[Any]:
    """year, month and day of a column of epoch milliseconds, as the steps' SQL has them."""
    from pyspark.sql import functions as F

    moment = F.timestamp_millis(ts)
    return [F.year(moment).alias("year"), F.month(moment).alias("month"),
            F.dayofmonth(moment).alias("day")]


def within(days: set[Day] | None, inside: bool = True) -> str:
    """A condition on year, month, day columns: of `days` (None: every day), or not."""
    if days is None:
        return "true" if inside else "false"
    return lake_mod.in_days(days) if inside else f"NOT ({lake_mod.in_days(days)})"


def days_touched(parsed: reader.Parsed, layout: lake_mod.Lake, previous: str,
                 changed: set[str]) -> set[Day]:
    """The days changed files have events in: now (`parsed`, their rows) or in `previous`."""
    from pyspark.sql import functions as F

    now = parsed.days
    if now is None:  # not known on the driver: a job
        found = parsed.rows.select(*day_columns(F.col("ts"))).distinct().collect()
        now = {(row.year, row.month, row.day) for row in found}
    return now | layout.days_of(previous, changed)


@dataclass
class Settled:
    """What the steps need of the days a build does not parse again, from the current version
    as it is: the users as those days leave them, the plays there, the duplicates there (still
    duplicates); the manifest rows of the files unchanged with no event on the days parsed (a
    duplicate may be: files with one are counted again), and the other days' events of those
    counted again, as their records. Each the view settled_<name>; empty in a build of all
    days."""

    events: Any  # file_idx, page
    duplicates: Any  # parsed_events' columns
    users: Any  # users.sql's `kept` columns
    songplays: Any  # user_song_plays.sql's columns
    manifest: Any  # manifest.sql's columns

    @staticmethod
    def none(spark: Any, parsed: Any) -> Settled:
        from pyspark.sql import functions as F

        plays = parsed.select("user_id", F.col("song").alias("song_title"),
                              F.col("artist").alias("artist_name"))
        users = parsed.select(*USER_COLUMNS, "ts", F.lit(None).cast("string").alias("path"),
                              "line")
        return Settled(parsed.select("file_idx", "page").where("false"), parsed.where("false"),
                        users.where("false"), plays.where("false"),
                        frames.small(spark, [], MANIFEST))

    @staticmethod
    def of_previous(spark: Any, parsed: Any, duplicates: Any, layout: lake_mod.Lake,
                    previous: str, days: set[Day], changed: set[str]) -> Settled:
        from pyspark.sql import functions as F

        files = spark.table("file_facts").select("file_idx", F.col("path").alias("source_path"))
        events = layout.read(spark, previous, "events").where(within(days, False)).join(
            F.broadcast(files), "source_path")
        recounted = (layout.paths_on(previous, days) | layout.duplicate_paths(previous)) - changed
        typed = dict(parsed.dtypes)
        users = layout.read(spark, previous, "users").select(
            *USER_COLUMNS, F.unix_millis("last_seen_at").alias("ts"),
            *day_columns(F.unix_millis("last_seen_at")))
        users = users.where(within(days, False)).select(
            *USER_COLUMNS, "ts", F.lit(None).cast("string").alias("path"),
            F.lit(None).cast("int").alias("line"))
        # a user last seen on a day parsed again: their latest event of the other days
        seen = layout.dataset(previous, "users").to_table(columns=["user_id", "last_seen_at"])
        orphans = sorted(user for user, at in zip(*seen.to_pydict().values(), strict=True)
                         if (at.year, at.month, at.day) in days)
        if orphans:
            users = users.unionByName(events.where(F.col("user_id").isin(orphans)).select(
                *USER_COLUMNS, F.unix_millis("event_time").alias("ts"),
                F.col("source_path").alias("path"), F.col("source_line").alias("line")))
        plays = layout.read(spark, previous, "songplays").where(within(days, False)).select(
            "user_id", "song_title", "artist_name")
        manifest = layout.read(spark, previous, "manifest").where(
            ~F.col("path").isin(sorted(changed | recounted)))
        read = events.where(F.col("source_path").isin(sorted(recounted)))
        return Settled(read.select("file_idx", "page"), duplicates,
                        users.select(*(F.col(c).cast(typed.get(c, "string")) for c in
                                       (*USER_COLUMNS, "ts", "path", "line"))),
                        plays, manifest)


USER_COLUMNS = ("user_id", "first_name", "last_name", "gender", "level", "location")


def previous_logs(spark: Any, facts: Any, layout: lake_mod.Lake, previous: str,
                   changed: set[str], days: set[Day] | None) -> tuple[reader.Parsed, Any]:
    """What the previous version holds of the files not changed since, of `days` (None: all):
    their events, the duplicates among them (read again from their raw text, as they may be
    kept now), their rejects and hashes; with `days`, the rejects of the song files too (not
    parsed again). Also the duplicates of the other days, which stay duplicates."""
    from pyspark.sql import functions as F

    unchanged = facts.where(~F.col("path").isin(sorted(changed)))
    logs = unchanged.where(F.col("kind") == "log").select("file_idx", "path")
    events = layout.read(spark, previous, "events").where(within(days)).withColumnRenamed(
        "source_path", "path").join(F.broadcast(logs), "path")
    values = {"ts": F.expr("unix_millis(event_time)")}
    rows = events.select("file_idx", F.col("source_line").cast("int").alias("line"), *(
        values.get(s.column, F.col(s.column)).cast(column_type(s)).alias(s.column)
        for s in EVENT_FIELDS))
    kept = logs if days is None else unchanged.select("file_idx", "path")
    old = layout.read(spark, previous, "rejects").join(F.broadcast(kept), "path")
    replays = old.where(F.col("reason_code") == RejectCode.DUPLICATE.value).select(
        "file_idx", F.col("line_number").alias("line"), F.lit(False).alias("whole"),
        F.col("raw").cast("binary").alias("data"), F.lit(None).cast("string").alias("key"),
        F.lit(None).cast("string").alias("sha256"))
    again = reader.parse_inputs("log", replays) if layout.duplicate_paths(previous) else (
        reader.nothing_parsed(spark, "log"))
    refused = old.where(F.col("reason_code") != RejectCode.DUPLICATE.value).select(
        "file_idx", "line_number", "raw", "reason", "reason_code")
    hashes = layout.read(spark, previous, "manifest").join(F.broadcast(logs), "path").select(
        "file_idx", "sha256")
    names = again.rows.columns
    dated = again.rows.select("*", *day_columns(F.col("ts")))
    inside = dated.where(within(days)).select(*names)
    return (reader.Parsed(rows.unionByName(inside), refused.unionByName(again.rejects), hashes,
                          again.cached), dated.where(within(days, False)).select(*names))
