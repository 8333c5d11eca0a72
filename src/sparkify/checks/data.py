"""``data.*``: the queries in ``sql/checks/`` run against the rows themselves."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from sparkify.checks.result import DEFAULT_MAX_REJECT_SHARE, CheckResult, check_sql, first_line
from sparkify.core.rules import MATCH_TOLERANCE
from sparkify.core.tables import CHECKED
from sparkify.postgres.db import one

# References checked for orphans in the rows (orphans.sql); songplays.start_time has its own
# check (data.time.covers_songplays), events.user_id has no constraint at all.
ORPHAN_REFERENCES = ("songplays.user_id", "songplays.song_id", "songplays.artist_id",
                     "songs.artist_id", "events.user_id")

MANIFEST_FACTS = ("events", "songplays", "rejects")


def data_checks(conn: psycopg.Connection,
                max_reject_share: float = DEFAULT_MAX_REJECT_SHARE) -> list[CheckResult]:
    results = _guarded(conn, [f"data.not_empty.{t}" for t in CHECKED], _not_empty)
    results += _faults(conn, "orphans", {r: f"data.orphans.{r}" for r in ORPHAN_REFERENCES},
                       "every reference names a row")
    results += _faults(conn, "duplicates", {t: f"data.duplicates.{t}" for t in CHECKED},
                       "every natural key is held by one row")
    results += _faults(conn, "time_coverage",
                       {"songplays.start_time": "data.time.covers_songplays"},
                       "every songplays.start_time has its time row")
    results += _faults(conn, "time_parts", {"time": "data.time.parts"},
                       "hour, day, week, month, year and weekday are those of start_time in UTC")
    results += _faults(conn, "user_levels", {"users.level": "data.users.level"},
                       "every user's level is the level of their latest event")
    results += _faults(conn, "song_matches", {"songplays.song_id": "data.songplays.song_match"},
                       "every play with a song_id has that song's title, artist and length "
                       f"(within {MATCH_TOLERANCE:g} s)")
    results += _faults(conn, "user_song_plays",
                       {"user_song_plays": "data.user_song_plays.counts"},
                       "user_song_plays counts every user's plays of each song")
    results += _faults(conn, "manifest_balance", {"manifest": "data.manifest.balance"},
                       "every file: read = loaded + rejected (log files: loaded = song plays "
                       "+ other pages)")
    results += _faults(conn, "duplicate_originals",
                       {"rejects.duplicates": "data.rejects.duplicates"},
                       "every record rejected as a duplicate has its original in events")
    totals_names = [f"data.manifest.{fact}" for fact in MANIFEST_FACTS] + [
        "data.manifest.songs", "data.manifest.artists", "data.rejects.share"]
    results += _guarded(conn, totals_names,
                        lambda cur: _manifest_agreement(cur, max_reject_share))
    return results


def _guarded(conn: psycopg.Connection, names: list[str],
             run: Callable[[psycopg.Cursor], list[CheckResult]]) -> list[CheckResult]:
    """Run one group of checks in its own (sub)transaction; if it cannot run, each fails."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            return run(cur)
    except psycopg.Error as exc:
        return [CheckResult(name, False, f"could not run: {first_line(exc)}") for name in names]


def _faults(conn: psycopg.Connection, query: str, names: dict[str, str], ok: str,
            params: dict | None = None) -> list[CheckResult]:
    """A query returning (subject, total, examples) per subject at fault: one result each."""

    def run(cur: psycopg.Cursor) -> list[CheckResult]:
        rows = cur.execute(check_sql(query), params).fetchall()
        found = {subject: (total, examples) for subject, total, examples in rows}
        return [_fault_result(names[subject], found.get(subject), ok) for subject in names]

    return _guarded(conn, list(names.values()), run)


def _fault_result(name: str, fault: tuple[int, list[str]] | None, ok: str) -> CheckResult:
    if fault is None:
        return CheckResult(name, True, ok)
    total, examples = fault
    more = f" (and {total - len(examples):,} more)" if total > len(examples) else ""
    return CheckResult(name, False, f"{total:,} at fault: " + "; ".join(examples) + more)


def _not_empty(cur: psycopg.Cursor) -> list[CheckResult]:
    results = []
    for table, has_rows, files, expected, basis in cur.execute(check_sql("table_rows")):
        name = f"data.not_empty.{table}"
        if has_rows:
            results.append(CheckResult(name, True, f"public.{table} has rows"))
        elif files == 0:
            results.append(CheckResult(name, False, f"public.{table} is empty: no file is "
                                                    "loaded yet (run `sparkify load`)"))
        elif expected:
            results.append(CheckResult(name, False, f"public.{table} is empty, yet {expected:,} "
                                                    f"{basis} were loaded"))
        else:
            results.append(CheckResult(name, True, f"public.{table} is empty, as expected: no "
                                                   f"{basis} loaded"))
    return results


def _manifest_agreement(cur: psycopg.Cursor, max_share: float) -> list[CheckResult]:
    row = one(cur.execute(check_sql("manifest_totals")))
    columns = [c.name for c in cur.description or ()]
    t = dict(zip(columns, row, strict=True))
    per_file = {subject: (total, examples)
                for subject, total, examples in cur.execute(check_sql("manifest_files"))}
    songs = {subject: (total, examples)
             for subject, total, examples in cur.execute(check_sql("manifest_songs"))}
    summary = {
        "events": f"events holds {t['events']:,} rows, the manifest {t['events_loaded']:,} "
                  "loaded events, file by file",
        "songplays": f"songplays holds {t['songplays']:,} rows, the manifest "
                     f"{t['song_plays']:,} song plays, file by file",
        "rejects": f"sparkify.rejects holds {t['rejects']:,} rows, the manifest "
                   f"{t['rejected']:,} rejected records, file by file",
    }
    results = []
    for fact in MANIFEST_FACTS:
        fault = per_file.get(fact)
        if fault is None:
            results.append(CheckResult(f"data.manifest.{fact}", True, summary[fact]))
        else:
            total, examples = fault
            more = f" (and {total - len(examples):,} more)" if total > len(examples) else ""
            results.append(CheckResult(
                f"data.manifest.{fact}", False,
                f"{summary[fact]}; {total:,} file(s) disagree: " + "; ".join(examples) + more))
    for table in ("songs", "artists"):
        ok = (f"{t[table]:,} {table} rows from {t['song_records']:,} song records of files in "
              "the manifest")
        results.append(_fault_result(f"data.manifest.{table}", songs.get(table), ok))
    read, rejected = t["records_read"], t["rejected"]
    share = rejected / read if read else 0.0
    said = f"{rejected:,} of {read:,} records rejected ({share:.2%})"
    if share > max_share:
        results.append(CheckResult("data.rejects.share", True,
                                   f"{said}, over {max_share:.2%}: SELECT reason, count(*) FROM "
                                   "sparkify.rejects GROUP BY 1 shows why", warning=True))
    else:
        results.append(CheckResult("data.rejects.share", True,
                                   f"{said}, within {max_share:.2%}"))
    return results
