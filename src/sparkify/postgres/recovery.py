"""What a crash leaves of the embedded server, read so that the next command can start it.

A postmaster killed (kill -9, the out-of-memory killer, a reboot) leaves its `postmaster.pid`
behind. PostgreSQL removes that file itself when its pid is dead, but refuses to start when the
pid now belongs to another process (pids are reused after a reboot), and refuses while backends
of the dead postmaster still hold its shared memory. These helpers tell the three apart.

A postmaster changes its working directory to its data folder, and so does every process it
forks: `/proc/PID/cwd` says whether a process is one of this server's.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sparkify.errors import SparkifyError

# The first restart after a crash that interrupted the creation (or TRUNCATE) of an unlogged
# table replays the WAL and then fails: the reset of unlogged relations after redo cannot copy
# the init fork over a main fork the crash left. That first attempt leaves the init fork
# behind, so the second start removes the main fork before redo and succeeds.
UNLOGGED_RESET_FAILURE = re.compile(r'FATAL:\s+could not create file "[^"]+": File exists')

WAIT_SECONDS = 60.0  # for a server still starting or shutting down, or its leftover backends


@dataclass(frozen=True)
class PidFile:
    """The lock file of a postmaster: its pid, state, and where it listens."""

    pid: int
    status: str  # "starting", "ready", "stopping" or "standby"
    socket_dir: str
    port: int


def read_pidfile(pgdata: Path) -> PidFile | None:
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or not lines[0].strip().isdigit():
        return None  # being written, or not a pid file we understand: as if absent
    return PidFile(pid=int(lines[0]), status=lines[7].strip(), socket_dir=lines[4].strip(),
                   port=int(lines[3]) if lines[3].strip().isdigit() else 0)


def _cwd(pid: int) -> str | None:
    """The working directory of a live process; None when gone, a zombie, or not readable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            if stat.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                return None  # dead, not yet reaped by its parent
        return os.readlink(f"/proc/{pid}/cwd")
    except (FileNotFoundError, ProcessLookupError):
        return None
    except PermissionError:
        return ""  # alive but another user's (we are not root): cannot tell


def is_postmaster_of(pid: int, pgdata: Path) -> bool:
    """Whether `pid` is alive and works in `pgdata` (a postmaster, or one of its processes)."""
    cwd = _cwd(pid)
    if cwd is None:
        return False
    if cwd == "":
        return True  # alive and unreadable: assume it is the server, as PostgreSQL would
    return Path(cwd) == pgdata.resolve()


def leftover_processes(pgdata: Path) -> list[int]:
    """Live processes working in `pgdata`: backends a killed postmaster left behind."""
    target = str(pgdata.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _cwd(int(entry.name)) == target:
            found.append(int(entry.name))
    return found


def wait_for_settled(pgdata: Path, deadline_seconds: float = WAIT_SECONDS) -> PidFile | None:
    """Wait while our postmaster is starting or stopping; return its pid file once it is
    ready, or None once no postmaster of ours runs (a stale pid file is removed)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        state = read_pidfile(pgdata)
        if state is None:
            return None
        if not is_postmaster_of(state.pid, pgdata):
            # stale: dead, or its pid reused by another program, which PostgreSQL would
            # take for a running postmaster and refuse to start
            with contextlib.suppress(FileNotFoundError):
                (pgdata / "postmaster.pid").unlink()
            return None
        if state.status == "ready":
            return state
        if time.monotonic() > deadline:
            raise SparkifyError(
                f"the embedded server (pid {state.pid}) has been {state.status!r} for "
                f"{deadline_seconds:.0f} s; see its log, or stop it with `sparkify db stop`")
        time.sleep(0.2)


def wait_for_leftovers(pgdata: Path, deadline_seconds: float = WAIT_SECONDS) -> None:
    """Wait until the backends of a killed postmaster have exited (they notice it is gone at
    their next wait, and until then hold its shared memory, so a new one could not start)."""
    deadline = time.monotonic() + deadline_seconds
    while pids := leftover_processes(pgdata):
        if time.monotonic() > deadline:
            raise SparkifyError(
                f"processes of a crashed embedded server are still running (pids "
                f"{', '.join(map(str, pids))}); wait for them or end them, then retry")
        time.sleep(0.2)


# What the server answers while it replays its WAL: after a crash of a backend (a full disk
# makes PostgreSQL PANIC) the postmaster stays up and recovers in place, and postmaster.pid
# still says "ready".
RECOVERING = ("not yet accepting connections", "the database system is in recovery mode",
              "the database system is starting up")


def connect_waiting(conninfo: str, autocommit: bool,
                    deadline_seconds: float = WAIT_SECONDS) -> psycopg.Connection:
    """Connect to the embedded server, waiting while it recovers from a crash."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            return psycopg.connect(conninfo, autocommit=autocommit)
        except psycopg.OperationalError as exc:
            if not any(phrase in str(exc) for phrase in RECOVERING):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
