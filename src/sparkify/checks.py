"""Sanity and data-quality checks of a loaded warehouse.

Three families, each result named so a test (or a person) can tell exactly what broke:

- ``schema.*`` reads the PostgreSQL catalog and compares it with the shape declared here, not
  with our own CREATE statements, so a column altered or a constraint dropped by hand shows up;
- ``sql.*`` parses the INSERTs of the classic ``sql_queries.py`` and checks that each has the
  ON CONFLICT clause its table's key needs (a reload must never fail or duplicate a row);
- ``data.*`` runs the queries in ``sql/checks/`` against the rows themselves.

Checks only read. Each runs in its own (sub)transaction, so one that cannot run (a table
missing) is reported as failed and the others still run.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from psycopg import pq, sql

from .config import Settings
from .db import connect, read_sql
from .records import MATCH_TOLERANCE
from .tables import CHECKED, FOREIGN_KEYS, TableSpec

DEFAULT_MAX_REJECT_SHARE = 0.01


@dataclass(frozen=True)
class CheckResult:
    """One check: ``passed`` False fails `sparkify check`; a ``warning`` passes but is shown."""

    name: str
    passed: bool
    detail: str
    warning: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


TABLES = CHECKED  # the name the notebook (test.ipynb) reads

# Tables whose natural key is a UNIQUE constraint apart from the surrogate primary key.
NATURAL_KEY_TABLES = ("songplays", "events")

# References checked for orphans in the rows (orphans.sql); songplays.start_time has its own
# check (data.time.covers_songplays), events.user_id has no constraint at all.
ORPHAN_REFERENCES = ("songplays.user_id", "songplays.song_id", "songplays.artist_id",
                     "songs.artist_id", "events.user_id")

MANIFEST_FACTS = ("events", "songplays", "rejects")

REPO_ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------------------------
# Entry point


def run_checks(target: psycopg.Connection | Settings,
               statements: Mapping[str, str] | None = None,
               max_reject_share: float = DEFAULT_MAX_REJECT_SHARE) -> list[CheckResult]:
    """Every check against the database `target` is (or names), in a stable order.

    `statements` are the INSERTs to check by name; by default every ``*_insert`` string of
    ``sql_queries.py``. A connection passed in is left as it was found (checks only read).
    """
    if isinstance(target, Settings):
        with connect(target, autocommit=True) as conn:
            return run_checks(conn, statements, max_reject_share)
    conn = target
    was_idle = conn.info.transaction_status == pq.TransactionStatus.IDLE
    try:
        results = schema_checks(conn)
        results += sql_checks(statements)
        results += data_checks(conn, max_reject_share)
    finally:
        if not conn.autocommit and was_idle and not conn.closed:
            conn.rollback()  # release the snapshot and locks: the notebook's connection stays open
    return results


def all_passed(results: Iterable[CheckResult]) -> bool:
    return all(result.passed for result in results)


def report(results: list[CheckResult]) -> dict:
    """The `--json` shape: {"passed": bool, "checks": [{"name", "passed", "detail", …}]}."""
    return {"passed": all_passed(results), "checks": [r.to_dict() for r in results]}


def first_rows(conn: psycopg.Connection, table: str,
               limit: int = 5) -> tuple[list[str], list[tuple]]:
    """Column names and the first `limit` rows of a public table (for the notebook's preview)."""
    query = sql.SQL("SELECT * FROM {} LIMIT %s").format(sql.Identifier("public", table))
    with conn.cursor() as cur:
        cur.execute(query, [limit])
        return [column.name for column in cur.description], cur.fetchall()


# ---------------------------------------------------------------------------------------------
# Schema sanity, from the catalog


def schema_checks(conn: psycopg.Connection) -> list[CheckResult]:
    names = list(TABLES)
    try:
        with conn.transaction(), conn.cursor() as cur:
            columns = cur.execute(_check_sql("catalog_columns"), {"tables": names}).fetchall()
            constraints = cur.execute(_check_sql("catalog_constraints"),
                                      {"tables": names}).fetchall()
    except psycopg.Error as exc:
        return [CheckResult(f"schema.{kind}.{t}", False, f"could not read the catalog: {_first(exc)}")
                for kind in ("columns", "primary_key", "not_null") for t in names]
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, not_null in columns:
        found.setdefault(table, {})[column] = (data_type, not_null)
    keys: dict[str, list[tuple[str, str, list[str], str | None, list[str]]]] = {}
    for table, name, kind, cols, ref_table, ref_cols in constraints:
        keys.setdefault(table, []).append((name, kind, list(cols), ref_table, list(ref_cols)))

    results: list[CheckResult] = []
    for table, spec in TABLES.items():
        results.append(_columns_result(table, spec, found.get(table)))
    for table, spec in TABLES.items():
        results.append(_primary_key_result(table, spec, found.get(table), keys.get(table, [])))
    for table, spec in TABLES.items():
        results.append(_not_null_result(table, spec, found.get(table)))
    for table in dict.fromkeys(fk[0] for fk in FOREIGN_KEYS):
        results.append(_foreign_keys_result(table, found.get(table), keys.get(table, [])))
    for table in NATURAL_KEY_TABLES:
        results.append(_natural_key_result(table, TABLES[table], found.get(table),
                                           keys.get(table, [])))
    return results


def _columns_result(table: str, spec: TableSpec, have: dict | None) -> CheckResult:
    name = f"schema.columns.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    missing = [c for c in spec.columns if c not in have]
    wrong = [f"{c} is {have[c][0]} (expected {t})" for c, (t, _) in spec.columns.items()
             if c in have and have[c][0] != t]
    if missing or wrong:
        parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + wrong
        return CheckResult(name, False, f"public.{table}: " + "; ".join(parts))
    return CheckResult(name, True, f"public.{table}: {len(spec.columns)} columns of the "
                                   "expected types")


def _primary_key_result(table: str, spec: TableSpec, have: dict | None,
                        keys: list) -> CheckResult:
    name = f"schema.primary_key.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    expected = ", ".join(spec.primary_key)
    pks = [cols for _, kind, cols, _, _ in keys if kind == "p"]
    if not pks:
        return CheckResult(name, False, f"public.{table} has no primary key (expected on "
                                        f"{expected})")
    if pks[0] != list(spec.primary_key):
        return CheckResult(name, False, f"public.{table}'s primary key is on "
                                        f"({', '.join(pks[0])}), expected ({expected})")
    return CheckResult(name, True, f"public.{table}: primary key ({expected})")


def _not_null_result(table: str, spec: TableSpec, have: dict | None) -> CheckResult:
    name = f"schema.not_null.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    required = [c for c, (_, not_null) in spec.columns.items() if not_null]
    nullable = [c for c in required if c in have and not have[c][1]]
    if nullable:
        return CheckResult(name, False, f"public.{table}: required column(s) allow NULL: "
                                        f"{', '.join(nullable)}")
    return CheckResult(name, True, f"public.{table}: {len(required)} required columns are "
                                   "NOT NULL")


def _foreign_keys_result(table: str, have: dict | None, keys: list) -> CheckResult:
    name = f"schema.foreign_keys.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    present = {(cols[0], ref_table, ref_cols[0]) for _, kind, cols, ref_table, ref_cols in keys
               if kind == "f" and len(cols) == 1 and len(ref_cols) == 1}
    wanted = [(column, ref_table, ref_column)
              for t, column, ref_table, ref_column in FOREIGN_KEYS if t == table]
    missing = [f"{table}.{c} → {rt}.{rc}" for c, rt, rc in wanted if (c, rt, rc) not in present]
    if missing:
        return CheckResult(name, False, f"missing foreign key(s): {', '.join(missing)}")
    return CheckResult(name, True, f"public.{table}: " + ", ".join(
        f"{c} → {rt}.{rc}" for c, rt, rc in wanted))


def _natural_key_result(table: str, spec: TableSpec, have: dict | None,
                        keys: list) -> CheckResult:
    name = f"schema.natural_key.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    wanted = set(spec.natural_key)
    unique = [cname for cname, kind, cols, _, _ in keys if kind == "u" and set(cols) == wanted]
    columns = ", ".join(spec.natural_key)
    if not unique:
        return CheckResult(name, False, f"public.{table} has no UNIQUE ({columns}): a replayed "
                                        "event could be loaded twice")
    if spec.natural_key_constraint not in unique:
        return CheckResult(name, False, f"public.{table}: UNIQUE ({columns}) is named "
                                        f"{unique[0]}, the loader's ON CONFLICT names "
                                        f"{spec.natural_key_constraint}")
    return CheckResult(name, True, f"public.{table}: {spec.natural_key_constraint} "
                                   f"UNIQUE ({columns})")


# ---------------------------------------------------------------------------------------------
# SQL sanity: the classic INSERT statements


def find_sql_queries() -> Path | None:
    """sql_queries.py of the repo this package runs from, else of the current folder."""
    for folder in (REPO_ROOT, Path.cwd()):
        candidate = folder / "sql_queries.py"
        if candidate.is_file():
            return candidate
    return None


def classic_statements(path: Path) -> dict[str, str]:
    """Every ``*_insert`` string attribute of the module at `path`, by name."""
    spec = importlib.util.spec_from_file_location("_sparkify_checked_sql_queries", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: value for name, value in sorted(vars(module).items())
            if name.endswith("_insert") and isinstance(value, str)}


def sql_checks(statements: Mapping[str, str] | None = None) -> list[CheckResult]:
    """One result per statement, and one saying whether every table has an INSERT."""
    if statements is None:
        path = find_sql_queries()
        if path is None:
            return [CheckResult("sql.inserts", True, "sql_queries.py not found next to the "
                                "package or in the current folder; SQL sanity skipped",
                                warning=True)]
        try:
            statements = classic_statements(path)
        except Exception as exc:  # noqa: BLE001 -- a broken module is a finding, not a crash
            return [CheckResult("sql.inserts", False,
                                f"cannot import {path}: {type(exc).__name__}: {exc}")]
    results = []
    covered: set[str] = set()
    for name, text in statements.items():
        result, table = check_insert(name, text)
        results.append(result)
        if table:
            covered.add(table)
    missing = [t for t in TABLES if t not in covered]
    if missing:
        inserts = CheckResult("sql.inserts", False,
                              f"no INSERT for table(s) {', '.join(missing)}")
    else:
        inserts = CheckResult("sql.inserts", True,
                              f"{len(statements)} INSERTs cover every table")
    return [inserts, *results]


_COMMENT = re.compile(r"--[^\n]*")
_TARGET = re.compile(r"\bINSERT\s+INTO\s+(?:(\w+)\s*\.\s*)?(\w+)", re.IGNORECASE)
_CONFLICT = re.compile(
    r"\bON\s+CONFLICT\s*(?:\(([^)]*)\)|ON\s+CONSTRAINT\s+(\w+))?\s*(?:WHERE\s+.*?)?"
    r"\bDO\s+(NOTHING|UPDATE)\b", re.IGNORECASE | re.DOTALL)
_ASSIGNED = re.compile(r"(\w+)\s*=\s*excluded\s*\.\s*(\w+)", re.IGNORECASE)
_SET_END = re.compile(r"\bWHERE\b|\bRETURNING\b|;", re.IGNORECASE)


def check_insert(name: str, text: str) -> tuple[CheckResult, str | None]:
    """Whether one INSERT meets its table's key with the right ON CONFLICT; and the table."""
    check = f"sql.on_conflict.{name}"
    body = _COMMENT.sub(" ", text)
    target = _TARGET.search(body)
    if target is None:
        return CheckResult(check, False, f"{name} is not an INSERT statement"), None
    table = target.group(2).lower()
    spec = TABLES.get(table)
    if spec is None:
        return CheckResult(check, False, f"{name} inserts into {table}, which has no key "
                                         "declared in sparkify.tables.CHECKED"), None
    key = ", ".join(spec.natural_key)
    wanted = f"ON CONFLICT ({key}) {spec.on_conflict}"
    conflict = _CONFLICT.search(body, target.end())
    if conflict is None:
        return CheckResult(check, False, f"{name} (INSERT INTO {table}) has no ON CONFLICT "
                                         f"clause: a reload would fail or duplicate rows; "
                                         f"expected {wanted}"), table
    columns, constraint, action = conflict.groups()
    if columns is None and constraint is None:
        return CheckResult(check, False, f"{name}: ON CONFLICT names no key (any unique "
                                         f"violation would be swallowed); expected {wanted}"), table
    if columns is not None:
        named = {c.strip().strip('"').lower() for c in columns.split(",") if c.strip()}
        fits = named == set(spec.natural_key)
        said = f"({', '.join(sorted(named))})"
    else:
        fits = constraint.lower() == spec.natural_key_constraint
        said = f"ON CONSTRAINT {constraint}"
    if not fits:
        return CheckResult(check, False, f"{name}: ON CONFLICT {said} is not {table}'s key "
                                         f"({key})"), table
    action = f"DO {action.upper()}"
    if action != spec.on_conflict:
        why = ("must follow the latest value" if spec.on_conflict == "DO UPDATE"
               else "keeps the row first loaded")
        return CheckResult(check, False, f"{name}: {action} where {table} {why}; expected "
                                         f"{spec.on_conflict}"), table
    if action == "DO UPDATE":
        rest = body[conflict.end():]
        end = _SET_END.search(rest)
        assigned = {m.group(1).lower() for m in _ASSIGNED.finditer(rest[:end.start()
                                                                         if end else None])}
        stale = [c for c in spec.columns if c not in spec.natural_key and c not in assigned]
        if stale:
            return CheckResult(check, False, f"{name}: DO UPDATE leaves {', '.join(stale)} "
                                             f"at the old value"), table
    return CheckResult(check, True, f"INSERT INTO {table} … ON CONFLICT {said} {action}"), table


# ---------------------------------------------------------------------------------------------
# Data quality


def data_checks(conn: psycopg.Connection,
                max_reject_share: float = DEFAULT_MAX_REJECT_SHARE) -> list[CheckResult]:
    results = _guarded(conn, [f"data.not_empty.{t}" for t in TABLES], _not_empty)
    results += _faults(conn, "orphans", {r: f"data.orphans.{r}" for r in ORPHAN_REFERENCES},
                       "every reference names a row")
    results += _faults(conn, "duplicates", {t: f"data.duplicates.{t}" for t in TABLES},
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
        return [CheckResult(name, False, f"could not run: {_first(exc)}") for name in names]


def _faults(conn: psycopg.Connection, query: str, names: dict[str, str], ok: str,
            params: dict | None = None) -> list[CheckResult]:
    """A query returning (subject, total, examples) per subject at fault: one result each."""

    def run(cur: psycopg.Cursor) -> list[CheckResult]:
        rows = cur.execute(_check_sql(query), params).fetchall()
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
    for table, has_rows, files, expected, basis in cur.execute(_check_sql("table_rows")):
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
    cur.execute(_check_sql("manifest_totals"))
    columns = [c.name for c in cur.description]
    t = dict(zip(columns, cur.fetchone(), strict=True))
    per_file = {subject: (total, examples)
                for subject, total, examples in cur.execute(_check_sql("manifest_files"))}
    songs = {subject: (total, examples)
             for subject, total, examples in cur.execute(_check_sql("manifest_songs"))}
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


# ---------------------------------------------------------------------------------------------


def _check_sql(name: str) -> str:
    """The text of src/sparkify/sql/checks/<name>.sql."""
    return read_sql(f"checks/{name}")


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
