"""What `sparkify status` reports: the server in use, table sizes, files loaded, rejects."""

from __future__ import annotations

from sparkify.config import Settings
from sparkify.core.tables import STATUS_TABLES
from sparkify.postgres import schema
from sparkify.postgres.db import (
    DatabaseMissing,
    connect,
    database_name,
    one,
    redact,
    server_conninfo,
)
from sparkify.postgres.server import EmbeddedServer


def collect(settings: Settings) -> dict:
    """Read only: a missing database is reported, not created (a reader role may run this),
    and a stopped embedded server is reported, not started."""
    report: dict = {
        "server": "external" if settings.external else "embedded",
        "url": redact(server_conninfo(settings, start=False)),
        "database": database_name(settings),
        "running": True,
        "exists": True,
    }
    if not settings.external and EmbeddedServer(settings.home).running_info() is None:
        report.update(running=False, exists=None, initialised=None)  # unknown: not started
        return report
    try:
        conn = connect(settings, autocommit=True)
    except DatabaseMissing:
        report.update(exists=False, initialised=False)
        return report
    with conn:
        report["initialised"] = schema.is_created(conn)
        if not report["initialised"]:
            return report
        report["tables"] = schema.row_counts(conn, STATUS_TABLES)
        count, last, read, loaded, rejected = one(conn.execute(
            "SELECT count(*), max(loaded_at), coalesce(sum(records_read), 0),"
            " coalesce(sum(records_loaded), 0), coalesce(sum(rejected), 0)"
            " FROM sparkify.manifest"))
        report["files"] = {"count": count, "last_loaded_at": last, "records_read": read,
                           "records_loaded": loaded, "records_rejected": rejected}
        report["rejects"] = one(conn.execute("SELECT count(*) FROM sparkify.rejects"))[0]
    return report
