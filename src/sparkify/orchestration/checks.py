"""`sparkify check` as Dagster asset checks: each family attached to the table it checks.

A family is one asset check (`schema`, `duplicates`, `orphans`, …) holding every check of that
kind on that table; it fails when any of them fails. Families are ERROR and blocking: a
failure stops the analytics downstream in the same run. The share of rejected records is a
WARN: shown, never blocking (as `sparkify check` shows it without failing).
"""


from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

from sparkify import api
from sparkify.orchestration.assets import CATALOG, DAILY
from sparkify.orchestration.resource import SparkifyResource

# Checks named for a table by their place (schema.<kind>.<table>, data.<kind>.<table>[.col]).
_BY_PLACE = ("not_empty", "duplicates", "orphans")
# sql.on_conflict.<name>_table_insert: the classic statement's table.
_INSERT_TABLES = {"song": "songs", "artist": "artists", "user": "users", "songplay": "songplays",
                  "time": "time", "event": "events"}
# The rest, by name: (table, family).
_NAMED = {
    "sql.inserts": ("songplays", "inserts"),
    "data.time.covers_songplays": ("time", "parts"),
    "data.time.parts": ("time", "parts"),
    "data.users.level": ("users", "levels"),
    "data.songplays.song_match": ("songplays", "song_match"),
    "data.user_song_plays.counts": ("user_song_plays", "counts"),
    "data.manifest.balance": ("events", "manifest"),
    "data.manifest.events": ("events", "manifest"),
    "data.manifest.rejects": ("events", "manifest"),
    "data.manifest.songplays": ("songplays", "manifest"),
    "data.manifest.songs": ("songs", "manifest"),
    "data.manifest.artists": ("artists", "manifest"),
    "data.rejects.duplicates": ("events", "duplicates"),
    "data.rejects.share": ("events", "reject_share"),
}
WARN_FAMILIES = {"reject_share"}

# Every family of every table; tests/orchestration/test_in_process.py pins it against a real
# check run.
FAMILIES: dict[str, tuple[str, ...]] = {
    "songs": ("schema", "inserts", "not_empty", "duplicates", "orphans", "manifest"),
    "artists": ("schema", "inserts", "not_empty", "duplicates", "manifest"),
    "events": ("schema", "inserts", "not_empty", "duplicates", "orphans", "manifest",
               "reject_share"),
    "songplays": ("schema", "inserts", "not_empty", "duplicates", "orphans", "song_match",
                  "manifest"),
    "users": ("schema", "inserts", "not_empty", "duplicates", "levels"),
    "time": ("schema", "inserts", "not_empty", "duplicates", "parts"),
    "user_song_plays": ("counts",),
}


def family_of(name: str) -> tuple[str, str]:
    """(table, family) of the check `name`; a check this does not place is a KeyError."""
    if name in _NAMED:
        return _NAMED[name]
    parts = name.split(".")
    if parts[0] == "schema" and len(parts) == 3:
        return parts[2], "schema"
    if parts[:2] == ["sql", "on_conflict"]:
        return _INSERT_TABLES[parts[2].removesuffix("_table_insert")], "inserts"
    if parts[0] == "data" and parts[1] in _BY_PLACE and len(parts) >= 3:
        return parts[2], parts[1]
    raise KeyError(f"check {name!r} belongs to no asset check family")


def family_result(key: dg.AssetCheckKey, results: list[api.CheckResult]) -> dg.AssetCheckResult:
    """One family's result: failed when any check failed (for the reject share: warned)."""
    warn = key.name in WARN_FAMILIES
    passed = bool(results) and all(r.passed and not (warn and r.warning) for r in results)
    metadata: dict[str, Any] = {
        r.name: ("pass: " if r.passed and not r.warning else
                 "warning: " if r.passed else "FAIL: ") + r.detail for r in results}
    if not results:
        metadata["checks"] = "no check of this family ran"
    return dg.AssetCheckResult(
        asset_key=key.asset_key, check_name=key.name, passed=passed, metadata=metadata,
        severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR)


def _grouped(results: Iterable[api.CheckResult]) -> dict[tuple[str, str], list[api.CheckResult]]:
    grouped: dict[tuple[str, str], list[api.CheckResult]] = defaultdict(list)
    for result in results:
        grouped[family_of(result.name)].append(result)
    return grouped


def _checks_of(name: str, tables: tuple[str, ...]) -> dg.AssetChecksDefinition:
    specs = [dg.AssetCheckSpec(family, asset=table, blocking=family not in WARN_FAMILIES,
                               description=f"sparkify check: the {family} checks of {table}")
             for table in tables for family in FAMILIES[table]]

    @dg.multi_asset_check(name=name, specs=specs, can_subset=True)
    def run(context: dg.AssetCheckExecutionContext, sparkify: SparkifyResource
            ) -> Iterator[dg.AssetCheckResult]:
        report = api.check(settings=sparkify.settings(),
                           max_reject_share=sparkify.max_reject_share)
        grouped = _grouped(report.results)
        for key in sorted(context.selected_asset_check_keys, key=str):
            yield family_result(key, grouped.get((key.asset_key.path[-1], key.name), []))

    return run


catalog_checks = _checks_of("catalog_checks", CATALOG)
daily_checks = _checks_of("daily_checks", DAILY)
