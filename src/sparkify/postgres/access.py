"""Who may do what: a reader role for analysts and BI tools, and what a load needs.

`sparkify grant-read ROLE` gives a role SELECT on the warehouse and nothing to write; the
grants are kept across `init --drop` and create_tables.py (read before the drop, given again
after).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from sparkify.config import Settings
from sparkify.core.sqltext import read_sql
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect, database_name, one

MAX_NAME_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1


def grant_read(settings: Settings, role: str) -> bool:
    """Give `role` read access to the warehouse; True when the role was created here.

    On the embedded server a missing role is created (LOGIN, no password: it is reached only
    through the server's socket). On a server of the user's the role must exist.
    """
    if not role or len(role.encode()) > MAX_NAME_BYTES:  # PostgreSQL would cut it, silently
        raise SparkifyError(f"a role name has 1 to {MAX_NAME_BYTES} bytes, not "
                            f"{len(role.encode())}")
    created = False
    with connect(settings) as conn:  # one transaction: every grant, or none
        found = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s",
                             [role]).fetchone()  # (is it a superuser,), or None: no such role
        if found and found[0]:
            raise SparkifyError(f"role {role!r} is a superuser: it reads and writes everything "
                                "whatever it is granted; grant-read is for a role that only reads")
        if found is None:
            if settings.external:
                raise SparkifyError(
                    f"role {role!r} does not exist; create it first (CREATE ROLE {role} "
                    "LOGIN PASSWORD '…'), then run grant-read again")
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            created = True
        if one(conn.execute("SELECT to_regnamespace('sparkify') IS NULL"))[0]:
            raise SparkifyError("the warehouse has no tables yet: run `sparkify init` first")
        try:
            apply_read_grants(conn, role)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise SparkifyError(
                f"role {conn.info.user!r} may not grant access to the warehouse: grant-read "
                "runs as the role that owns its tables (the one that loads)") from exc
    return created


def apply_read_grants(conn: psycopg.Connection, role: str) -> None:
    statement = sql.SQL(read_sql("access/grant_read")).format(
        role=sql.Identifier(role), database=sql.Identifier(conn.info.dbname))
    conn.execute(statement)


def readers(conn: psycopg.Connection) -> list[str]:
    """The roles given read access to this database's warehouse."""
    if one(conn.execute("SELECT to_regnamespace('sparkify') IS NULL"))[0]:
        return []
    return [row[0] for row in conn.execute(read_sql("access/readers"))]


def require_writer(conn: psycopg.Connection, settings: Settings) -> None:
    """One line, before anything is written, when the role may read the warehouse only."""
    may_write = one(conn.execute(
        "SELECT to_regclass('sparkify.manifest') IS NULL"
        " OR has_table_privilege('sparkify.manifest', 'INSERT')"))[0]
    if not may_write:
        raise SparkifyError(
            f"role {conn.info.user!r} may only read the warehouse in "
            f"{database_name(settings)!r}; load as the role that owns it")
