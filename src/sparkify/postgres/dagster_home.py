"""A DAGSTER_HOME whose storage is the warehouse's PostgreSQL server (`sparkify dagster init`).

Dagster keeps runs, event logs, schedules and sensor ticks in SQLite by default, which locks
under concurrent runs; we have a PostgreSQL server. Its state goes into a database of its own
beside the warehouse (`<warehouse>_dagster`, no access for PUBLIC), or, for a role that may
not create a database, into a schema `dagster` of the warehouse's database that only its
owner may use. Either way a reader role cannot see it. No password is written into
dagster.yaml: a password in DATABASE_URL goes into a passfile beside it (mode 600, libpq's
format), which the URL names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from sparkify.config import Settings
from sparkify.core.sqltext import read_sql
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect, database_name, ensure_database, server_conninfo

SCHEMA = "dagster"


@dataclass(frozen=True)
class DagsterStorage:
    home: Path  # the DAGSTER_HOME written
    url: str  # the storage's URL, without a password
    database: str
    schema: str | None  # None: a database of its own


def init_home(settings: Settings, home: Path) -> DagsterStorage:
    """Prepare the storage on the warehouse's server and write `home`/dagster.yaml."""
    home = home.absolute()
    home.mkdir(parents=True, exist_ok=True)
    database, schema = _prepare(settings)
    params = conninfo_to_dict(server_conninfo(settings, database))
    password = params.pop("password", None)
    if password is not None:
        params["passfile"] = str(_write_passfile(home, params, database, str(password)))
    if schema is not None:
        params["options"] = f"-c search_path={schema}"
    url = _url(params, database)
    (home / "dagster.yaml").write_text(_yaml(url), encoding="utf-8")
    return DagsterStorage(home, url, database, schema)  # no password in it: see above


def _prepare(settings: Settings) -> tuple[str, str | None]:
    """A database of its own where the role may create one; else a schema of the warehouse's."""
    database = f"{database_name(settings)}_{SCHEMA}"
    try:
        ensure_database(settings, database)
    except SparkifyError as own_database:
        ensure_database(settings)
        with connect(settings, autocommit=True) as conn:
            try:
                conn.execute(sql.SQL(read_sql("access/dagster_schema")).format(
                    schema=sql.Identifier(SCHEMA)))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise SparkifyError(f"cannot store Dagster's state: {own_database}; nor create "
                                    f"schema {SCHEMA} in the warehouse's database") from exc
        return database_name(settings), SCHEMA
    with connect(settings, database, autocommit=True) as conn:
        conn.execute(sql.SQL(read_sql("access/dagster_database")).format(
            database=sql.Identifier(database)))
    return database, None


def _write_passfile(home: Path, params: dict, database: str, password: str) -> Path:
    """The password in libpq's passfile format, for this database and user on any host."""
    path = home / "pgpass"
    fields = ["*", "*", database, str(params.get("user") or "*"), password]
    line = ":".join(f.replace("\\", "\\\\").replace(":", "\\:") for f in fields)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(line + "\n")
    path.chmod(0o600)
    return path


def _url(params: dict, database: str) -> str:
    """A SQLAlchemy URL (what dagster-postgres takes) with every libpq setting in the query,
    so a socket folder as host, sslmode and the rest reach libpq as they are. The driver is
    named: SQLAlchemy 2.1 would pick psycopg 3, on which Dagster's NOTIFY fails."""
    user = quote(str(params.pop("user", "") or ""), safe="")
    params.pop("dbname", None)
    query = urlencode({k: str(v) for k, v in params.items() if v not in (None, "")},
                      quote_via=quote, safe="/")
    return f"postgresql+psycopg2://{user + '@' if user else ''}/{quote(database)}" + (
        f"?{query}" if query else "")


def _yaml(url: str) -> str:
    quoted = '"' + url.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ("# Written by `sparkify dagster init`: Dagster's runs, event logs, schedules and\n"
            "# sensor ticks on the warehouse's PostgreSQL server (README: Orchestration).\n"
            "storage:\n  postgres:\n"
            f"    postgres_url: {quoted}\n"
            "telemetry:\n  enabled: false\n")
