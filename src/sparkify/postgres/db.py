"""Connections to the server in use: the one DATABASE_URL names, else the embedded one."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sparkify.config import DEFAULT_DATABASE, Settings
from sparkify.errors import SparkifyError
from sparkify.postgres import liveness
from sparkify.postgres.recovery import connect_waiting
from sparkify.postgres.server import EmbeddedServer


def database_name(settings: Settings) -> str:
    if settings.database:
        return settings.database
    if settings.external:
        # the URL's database, else libpq's PGDATABASE, which the user set to name it
        named = conninfo_to_dict(settings.database_url or "").get("dbname") or os.environ.get(
            "PGDATABASE")
        if named:
            return str(named)
    return DEFAULT_DATABASE


def server_conninfo(settings: Settings, database: str | None = None, start: bool = True) -> str:
    """Connection string for `database` (default: the project's) on the server in use."""
    database = database or database_name(settings)
    if settings.external:
        return make_conninfo(settings.database_url or "", dbname=database)
    server = EmbeddedServer(settings.home)
    if start:
        server.ensure_running()
    return server.url(database)


def redact(conninfo: str) -> str:
    """The connection string without its password (in the user part or the query), fit to
    print."""
    if not conninfo.startswith(("postgresql://", "postgres://")):
        params = conninfo_to_dict(conninfo)
        params.pop("password", None)
        return make_conninfo("", **params)
    # keep the URL form the user gave, only without the secret
    parts = urlsplit(conninfo)
    if parts.password is not None:
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.netloc.partition(':')[0]}@" if parts.username is not None else ""
        parts = parts._replace(netloc=user + host)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "password" for key, _ in query):
        kept = [(key, value) for key, value in query if key != "password"]
        parts = parts._replace(query=urlencode(kept, safe="/", quote_via=quote))
    return urlunsplit(parts)


MIN_SERVER_VERSION = 150000  # PostgreSQL 15: every statement of sql/ runs there (README)


def connect(settings: Settings, database: str | None = None,
            autocommit: bool = False) -> psycopg.Connection:
    conninfo = server_conninfo(settings, database)
    if settings.external:  # a server over a network: bound every wait (liveness.py)
        conninfo = liveness.with_bounds(conninfo)
    try:
        conn = (psycopg.connect(conninfo, autocommit=autocommit) if settings.external
                else connect_waiting(conninfo, autocommit))  # recovering from a crash
    except psycopg.OperationalError as exc:
        raise _connect_error(settings, conninfo, database, exc) from exc
    if settings.external:
        liveness.watch(conn, conninfo, server_name(conn))
    version = conn.info.server_version
    if version < MIN_SERVER_VERSION:
        conn.close()
        raise SparkifyError(
            f"the server is PostgreSQL {version // 10000}.{version % 10000}; sparkify needs "
            f"{MIN_SERVER_VERSION // 10000} or newer ({redact(conninfo)})")
    return conn


def server_name(conn: psycopg.Connection) -> str:
    """Where the connection goes, fit to print: host and port, or the socket's folder."""
    return f"{conn.info.host}:{conn.info.port}"


class DatabaseMissing(SparkifyError):
    """The server is reachable but the database is not there."""


def _connect_error(settings: Settings, conninfo: str, database: str | None,
                   exc: psycopg.OperationalError) -> SparkifyError:
    # libpq's message names the socket or host it tried, then a hint: keep both, on one line
    reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    reason = reason.removeprefix("connection failed: ") or type(exc).__name__
    if "does not exist" in reason and "database" in reason:
        return DatabaseMissing(
            f"database {database or database_name(settings)!r} does not exist; "
            "run `sparkify init` (or `python create_tables.py`) first")
    if "password authentication failed" in reason:
        return SparkifyError(f"the server refused the password ({redact(conninfo)}); "
                             "check DATABASE_URL, PGPASSWORD or ~/.pgpass")
    hint = ("check DATABASE_URL (or the PG* variables)" if settings.external
            else "try `sparkify db start`")
    return SparkifyError(f"cannot reach the database ({redact(conninfo)}): {reason}; {hint}")


def ensure_database(settings: Settings, database: str | None = None, drop: bool = False) -> None:
    """Create the project's database when absent (drop it first with `drop`).

    A database that exists is only connected to: a role that owns it needs neither CREATEDB
    nor access to the `postgres` maintenance database.
    """
    database = database or database_name(settings)
    if not drop:
        try:
            connect(settings, database).close()
            return
        except DatabaseMissing:
            pass
    try:
        maintenance = connect(settings, "postgres", autocommit=True)
    except SparkifyError as exc:
        if drop:
            raise
        raise SparkifyError(
            f"database {database!r} does not exist, and creating it needs the `postgres` "
            f"maintenance database, which this role cannot reach: have an administrator run "
            f"CREATE DATABASE {database} OWNER <your role>") from exc
    with maintenance as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # created by a concurrent command (which of the two errors depends on timing)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise SparkifyError(
                    f"database {database!r} does not exist and role {conn.info.user!r} may not "
                    "create it (no CREATEDB); have an administrator run "
                    f"CREATE DATABASE {database} OWNER {conn.info.user}") from exc


def skip_reference_triggers(conn: psycopg.Connection) -> bool:
    """Turn the per-row foreign-key triggers off for this session, where the role may; True
    when it could. Writers then check references set-based instead (verify_batch_keys.sql for
    the loader; a lake is whole by construction, and `sparkify check` verifies it).

    The per-row triggers cost more than the rest of the insert. Turning them off needs a role
    allowed to set session_replication_role (a superuser, as on the embedded server);
    elsewhere they stay on. (Dropping the keys for a bulk load and adding them back NOT VALID,
    then VALIDATE, was measured on PostgreSQL 15 as an owner role: no faster at K=100, and a
    load cut short would leave the keys missing. See bench/RESULTS.md, external section.)
    """
    try:
        with conn.transaction():  # a savepoint inside a transaction: a refusal spoils nothing
            conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def one(cursor: psycopg.Cursor[Any]) -> tuple[Any, ...]:
    """The one row a statement gives (an aggregate, a function's result): never None."""
    row = cursor.fetchone()
    if row is None:
        raise SparkifyError("the server returned no row where one is always due; "
                            "is this a PostgreSQL server?")
    return row


def url_for(settings: Settings, user: str | None = None) -> str:
    """The server's connection string (as `user`), starting nothing; may hold a password."""
    if user and not settings.external:
        return EmbeddedServer(settings.home).url(database_name(settings), user)
    conninfo = server_conninfo(settings, start=False)
    return make_conninfo(conninfo, user=user) if user else conninfo


_LOST = ("connection is lost", "connection is closed", "server closed the connection",
         "terminating connection")


def database_error(exc: psycopg.Error, settings: Callable[[], Settings],
                   during: str = "") -> SparkifyError:
    """A database error as one line (`during`: what was being done, as "while staging");
    where the server went away mid-command, where to look (a full disk stops it, for one)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    hint = ""
    if isinstance(exc, psycopg.OperationalError) and any(p in text for p in _LOST):
        try:
            target = settings()
        except SparkifyError:
            target = None
        if target is not None and target.external:
            server, log = f"the server ({liveness.where(target)})", "its log"
        elif target is not None:
            server, log = "the server", f"its log, {EmbeddedServer(target.home).log_file}"
        if target is not None:
            hint = (f" ({server} ended the connection: stopped, restarted, out of disk or "
                    f"memory? see {log}; batches already committed stay loaded)")
    return SparkifyError(f"database error{' ' + during if during else ''}: {first}{hint}")

