"""A throwaway PostgreSQL 15 (Debian's `postgresql-15` package) on a loopback port.

The suite's second pass runs against it (SPARKIFY_TEST_SERVER=pg15): a real older server
reached over TCP with scram-sha-256 passwords, as a team's own server is. Its superuser is
the suite's admin role; tests/postgres/test_access.py makes lesser roles on it.

    python -m tests.support.pg15   # start one, print its URL; Enter stops it (to try by hand)
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("SPARKIFY_PG15_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "sparkify_admin"


def available() -> bool:
    return (BIN / "postgres").is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Pg15Server:
    """initdb, start, stop. Run as root, the server runs as Debian's `postgres` user."""

    def __init__(self) -> None:
        if not available():
            raise RuntimeError(f"PostgreSQL 15 is not installed ({BIN}); "
                               "`apt-get install postgresql-15` (make test does it as root)")
        self.base = Path(tempfile.mkdtemp(prefix="sparkify-pg15-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(12)
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if self._as_root:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd="/")

    def start(self) -> Pg15Server:
        pwfile = self.base / "pw"
        pwfile.write_text(self.password)
        if self._as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                  "--locale=C.UTF-8")
        pwfile.unlink()
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.base / "log"), "-w", "start")
        return self

    def url(self, user: str = SUPERUSER, password: str | None = None,
            database: str = "postgres") -> str:
        password = self.password if password is None else password
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


if __name__ == "__main__":
    server = Pg15Server().start()
    print(server.url())
    try:
        input("running; Enter stops it\n")
    finally:
        server.stop()
