"""The bench server and its databases; running a command and measuring it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
from psycopg import sql

from sparkify.config import Settings
from sparkify.postgres.db import connect, ensure_database
from sparkify.postgres.schema import create_all
from sparkify.postgres.server import EmbeddedServer

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parent
SERVER_VARS = ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")


@dataclass(frozen=True)
class Bench:
    cache: Path
    settings: Settings
    load_flags: tuple[str, ...] = ()  # ("--no-check",) when the CLI has it: detect_load_flags

    @classmethod
    def start(cls, cache: Path, load_flags: tuple[str, ...] = ()) -> Bench:
        home = (cache / "home").absolute()
        home.mkdir(parents=True, exist_ok=True)
        EmbeddedServer(home).ensure_running()
        return cls(cache, Settings(home=home, database_url=None, database=None,
                                   data_root=Path("data")), load_flags)

    def load_command(self, root: Path) -> list[str]:
        """`sparkify load ROOT --json`, without the checks it may run afterwards (timed apart)."""
        return sparkify("load", str(root), "--json", *self.load_flags)

    def env(self, database: str) -> dict[str, str]:
        """Environment of a subprocess that works on `database` of the bench server only."""
        env = {k: v for k, v in os.environ.items() if k not in SERVER_VARS}
        env.update(SPARKIFY_HOME=str(self.settings.home), SPARKIFY_DATABASE=database)
        return env

    def on(self, database: str) -> Settings:
        return replace(self.settings, database=database)

    def fresh(self, database: str, tables: bool = False) -> None:
        """An empty database (CREATE DATABASE is not part of any timing), optionally with tables."""
        ensure_database(self.settings, database, drop=True)
        if tables:
            with connect(self.on(database), autocommit=True) as conn:
                create_all(conn)

    def drop(self, database: str) -> None:
        with connect(self.settings, "postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database)))

    def server_facts(self) -> dict:
        names = ("server_version", "fsync", "synchronous_commit", "full_page_writes",
                 "wal_level", "shared_buffers", "max_wal_size", "work_mem",
                 "maintenance_work_mem", "checkpoint_timeout")
        with connect(self.settings, "postgres", autocommit=True) as conn:
            return {n: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(n))).fetchone()[0]
                    for n in names}


@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_rss: int  # bytes, the command's process tree
    stdout: str
    stderr: str
    # bytes, the same tree's proportional set: a page shared by n processes (forked workers,
    # the same libraries) counts 1/n in each, so the sum is the memory the tree holds
    peak_pss: int = 0

    def json(self) -> dict:
        if self.returncode != 0:
            raise RuntimeError(f"command failed ({self.returncode}): {self.stderr.strip()[-800:]}")
        return json.loads(self.stdout)


def _vm_hwm(pid: int) -> int:
    """The kernel's peak resident set of one process (VmHWM), in bytes; 0 when gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


PSS_INTERVAL = 1.0  # seconds between samples of the tree's PSS


def run_measured(args: list[str], env: dict[str, str], interval: float = 0.05) -> Measured:
    """Run a command; wall time, and the peak RSS of its process tree (sampled, and VmHWM),
    and its peak PSS (sampled).

    The tree is the command and its descendants. The PostgreSQL server's processes are not
    among them (the server runs on its own), so the server's memory is not in this figure.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=REPO)
        peak = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            last_walk = 0.0
            try:
                root = psutil.Process(proc.pid)
            except psutil.NoSuchProcess:
                return
            while not done.is_set():
                total = pss = 0
                try:
                    members = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    return
                # PSS makes the kernel walk each process's pages: once a second, not more
                walk = time.perf_counter() - last_walk >= PSS_INTERVAL
                for member in members:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        total += member.memory_info().rss
                        pss += member.memory_full_info().pss if walk else 0
                if walk:
                    last_walk, peak_pss = time.perf_counter(), max(peak_pss, pss)
                # the sampled sum is exact at each sample but may miss a short spike; VmHWM
                # is exact for one process: keep the larger
                peak = max(peak, total, max((_vm_hwm(m.pid) for m in members), default=0))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, seconds, peak, out.read().decode(),
                        err.read().decode(errors="replace"), peak_pss)


def sparkify(*args: str) -> list[str]:
    return [sys.executable, "-m", "sparkify", *args]


def detect_load_flags() -> tuple[str, ...]:
    done = subprocess.run(sparkify("load", "--help"), capture_output=True, text=True,
                          cwd=REPO, check=False)
    return ("--no-check",) if "--no-check" in done.stdout else ()


def has_command(name: str) -> bool:
    done = subprocess.run(sparkify(name, "--help"), capture_output=True, text=True, cwd=REPO,
                          check=False)
    return done.returncode == 0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
