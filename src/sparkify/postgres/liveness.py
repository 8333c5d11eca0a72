"""Bounds on waiting for a server of the user's (DATABASE_URL) that goes away.

Three ways a server can go away, three bounds:

- it cannot be reached: `connect_timeout` (libpq waits forever without one);
- the network path dies (a cable, a VPN, a host that vanished): TCP keepalives notice that
  nothing answers any more, and `tcp_user_timeout` that data sent is never acknowledged;
- it stops answering while the path stays up (a hung server, a proxy or firewall that holds
  the bytes): nothing at the TCP level notices, as the path's kernel acknowledges everything.
  A watchdog asks the server `SELECT 1` on a connection of its own every half
  SPARKIFY_SERVER_TIMEOUT seconds; a question unanswered for SPARKIFY_SERVER_TIMEOUT seconds
  means the server stopped answering, and the watchdog closes the process's connections, so
  that the command ends with one line instead of waiting forever. A long statement (an index
  build on a big load) is no stall: the server answers the watchdog meanwhile.

Options the user gives (in DATABASE_URL or PG* variables) win over these.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import weakref

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sparkify.config import Settings
from sparkify.errors import SparkifyError

# libpq keyword -> (its PG* variable, our value): a dead path is noticed within
# idle + interval × count = 10 + 5 × 3 = 25 s; unacknowledged data within 30 s
DEFAULTS = {
    "connect_timeout": ("PGCONNECT_TIMEOUT", "10"),
    "keepalives": (None, "1"),
    "keepalives_idle": (None, "10"),
    "keepalives_interval": (None, "5"),
    "keepalives_count": (None, "3"),
    "tcp_user_timeout": (None, "30000"),
}
TIMEOUT_VARIABLE = "SPARKIFY_SERVER_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def with_bounds(conninfo: str) -> str:
    """`conninfo` with our connect timeout and keepalives where the user set none."""
    given = conninfo_to_dict(conninfo)
    ours = {key: value for key, (variable, value) in DEFAULTS.items()
            if key not in given and not (variable and os.environ.get(variable))}
    return make_conninfo(conninfo, **ours) if ours else conninfo


def where(settings: Settings) -> str:
    """host:port of the user's server, from DATABASE_URL or the PG* variables, to name it."""
    given = conninfo_to_dict(settings.database_url or "")
    host = given.get("host") or os.environ.get("PGHOST") or "localhost"
    port = given.get("port") or os.environ.get("PGPORT") or "5432"
    return f"{host}:{port}"


def server_timeout() -> float:
    raw = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = 0.0
    if not value > 0:
        raise SparkifyError(f"{TIMEOUT_VARIABLE}={raw!r}: give a number of seconds above 0")
    return value


class _Watchdog:
    """One per process: probes the server while the process has connections open to it."""

    def __init__(self, conninfo: str, where: str, timeout: float) -> None:
        self.conninfo, self.where, self.timeout = conninfo, where, timeout
        self.watched: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()
        self.stalled: str | None = None
        self._probe: psycopg.Connection | None = None
        threading.Thread(target=self._run, name="sparkify-watchdog", daemon=True).start()

    def _run(self) -> None:
        while self.stalled is None:
            time.sleep(self.timeout / 2)
            if not any(not conn.closed for conn in list(self.watched)):
                continue
            answered = threading.Event()
            threading.Thread(target=self._ask, args=(answered,), daemon=True).start()
            if not answered.wait(self.timeout):
                self.stalled = (f"the server ({self.where}) has not answered for "
                                f"{self.timeout:g} s ({TIMEOUT_VARIABLE}); is it hung, or the "
                                "network path to it? batches already committed stay loaded")
                for conn in [*self.watched, self._probe]:
                    _shut(conn)

    def _ask(self, answered: threading.Event) -> None:
        """SELECT 1 on the watchdog's own connection; `answered` is set unless it hangs. An
        error counts as an answer: a server that refuses or drops us is not hung, and the
        command's own connection reports it."""
        try:
            if self._probe is None or self._probe.closed:
                self._probe = psycopg.connect(self.conninfo, autocommit=True)
            self._probe.execute("SELECT 1")
        except psycopg.Error:
            with contextlib.suppress(Exception):
                if self._probe is not None:
                    self._probe.close()
            self._probe = None
        answered.set()


def _shut(conn: psycopg.Connection | None) -> None:
    """Shut the connection's socket down: a call blocked on it returns with an error."""
    if conn is None:
        return
    with contextlib.suppress(Exception):
        fd = conn.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)


_watchdog: _Watchdog | None = None
_lock = threading.Lock()


def watch(conn: psycopg.Connection, conninfo: str, where: str) -> None:
    """Have the process's watchdog close `conn` if the server at `where` stops answering."""
    global _watchdog
    with _lock:
        if _watchdog is None or _watchdog.stalled is not None:
            _watchdog = _Watchdog(conninfo, where, server_timeout())
        _watchdog.watched.add(conn)


def stalled() -> str | None:
    """Why the watchdog closed the connections, when it did."""
    return _watchdog.stalled if _watchdog is not None else None
