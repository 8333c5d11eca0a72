"""A lake's tables as sorted rows, and two lakes compared table for table (the Spark tests)."""

from __future__ import annotations

from pathlib import Path

from sparkify.spark.lake import Lake


def lake_rows(lake: Path, version: str, table: str, root: Path | None = None) -> list:
    """A lake table's rows, sorted; paths under `root` written as if under the sample's."""
    rows = Lake(lake).dataset(version, table).to_table().to_pylist()
    if root is not None:
        prefix = str(root.resolve())
        rows = [{k: v.replace(prefix, "<root>", 1) if isinstance(v, str) else v
                 for k, v in row.items()} for row in rows]
    return sorted(rows, key=repr)


LAKE_TABLES = ("songplays", "users", "songs", "artists", "time", "events", "user_song_plays",
               "rejects")


def assert_same_lake(lake: Path, version: str, root: Path, reference: tuple, sample_root: Path,
                     tables=LAKE_TABLES) -> None:
    ref_lake, ref = reference
    for table in tables:
        assert lake_rows(lake, version, table, root) == lake_rows(
            ref_lake, ref.version, table, sample_root), table
