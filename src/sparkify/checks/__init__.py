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

from collections.abc import Iterable, Mapping

import psycopg
from psycopg import pq, sql

from sparkify.checks.catalog import schema_checks
from sparkify.checks.data import data_checks
from sparkify.checks.inserts import check_insert, classic_statements, find_sql_queries, sql_checks
from sparkify.checks.result import DEFAULT_MAX_REJECT_SHARE, CheckResult
from sparkify.config import Settings
from sparkify.core import names
from sparkify.core.tables import CHECKED
from sparkify.postgres.db import connect

TABLES = CHECKED  # the name the notebook (test.ipynb) reads

__all__ = ["DEFAULT_MAX_REJECT_SHARE", "TABLES", "CheckResult", "all_passed", "check_insert",
           "classic_statements", "data_checks", "find_sql_queries", "first_rows", "report",
           "run_checks", "schema_checks", "sql_checks"]


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
    """Column names and the first `limit` rows of a public table (for the notebook's preview),
    names as people read them (core/names.py: repaired where the source mis-encoded them)."""
    shown = names.SHOWN.get(table, ())
    columns = sql.SQL(", ").join(
        sql.SQL("sparkify.repaired({0}) AS {0}").format(sql.Identifier(column))
        if column in shown else sql.Identifier(column)
        for column in CHECKED[table].columns) if table in CHECKED else sql.SQL("*")
    query = sql.SQL("SELECT {} FROM {} LIMIT %s").format(columns,
                                                         sql.Identifier("public", table))
    with conn.cursor() as cur:
        cur.execute(query, [limit])
        return [column.name for column in cur.description or ()], cur.fetchall()
