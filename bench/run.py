"""Benchmark harness: `sparkify load` against the floor and the row-by-row way, per scale K.

    python bench/run.py --scales 1,10,100          # make bench
    python bench/run.py --scales 1000 --section large   # make bench-large

For each K, on data from `sparkify generate --scale K` (cached under bench/cache/data) and on a
fresh database for every measurement, it times `sparkify load` end to end, the floor (COPY of the
final rows), the row-by-row loader (bounded in time, then extrapolated), an incremental load of
the last day and a no-op rerun; checks that the fast path and the row-by-row loader give the same
rows; profiles the loader at one K; and rewrites its own section of bench/RESULTS.md.
bench/README.md says what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import pstats
import re
import shutil
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
from sparkify.db import connect, ensure_database
from sparkify.records import MATCH_TOLERANCE
from sparkify.schema import create_all
from sparkify.server import EmbeddedServer

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import floor

LOAD_FLAGS: tuple[str, ...] = ()  # set in main(): ("--no-check",) when the CLI has it
SERVER_VARS = ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")
DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")

# Per table: the natural key, and the columns compared by checksum (surrogate ids left out;
# source_file_id compared through the manifest path it points to).
CHECK_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "artists": (("artist_id",), ("name", "location", "latitude", "longitude", "source_path")),
    "songs": (("song_id",), ("title", "artist_id", "year", "duration", "source_path")),
    "users": (("user_id",),
              ("first_name", "last_name", "gender", "level", "location", "last_seen_at")),
    "time": (("start_time",), ("hour", "day", "week", "month", "year", "weekday")),
    "songplays": (("session_id", "item_in_session", "start_time"),
                  ("user_id", "level", "song_id", "artist_id", "location", "user_agent",
                   "song_title", "artist_name", "song_length", "source_file", "source_line")),
    "events": (("session_id", "item_in_session", "event_time"),
               ("user_id", "page", "method", "status", "auth", "level", "first_name",
                "last_name", "gender", "location", "user_agent", "registration", "song",
                "artist", "length", "source_file", "source_line")),
}
# Rows of the profile summary: (label, part of the file path, function names); cumulative time.
PROFILE_PHASES = (
    ("Python start-up: importing modules", "<frozen importlib._bootstrap>", ("_find_and_load",)),
    ("whole `load()`", "sparkify/load.py", ("load",)),
    ("find files (extract.discover)", "sparkify/extract.py", ("discover",)),
    ("manifest diff (plan.plan)", "sparkify/plan.py", ("plan",)),
    ("read, parse and validate JSON (extract.parse_file)", "sparkify/extract.py",
     ("parse_file",)),
    ("hand rows to COPY (psycopg Copy.write_row)", "psycopg/", ("write_row",)),
    ("set-based SQL, waiting for the server (psycopg Cursor.execute)", "psycopg/cursor.py",
     ("execute",)),
    ("waiting for the other process (multiprocessing queue get)", "multiprocessing/queues.py",
     ("get",)),
    ("whole staging process (multiprocessing Process.run)", "multiprocessing/process.py",
     ("run",)),
)
PROFILE_WRAPPERS = ("click/", "<frozen", "(main)", "(invoke)", "(load_command)", "<module>",
                    "builtins.exec", "runpy")

# Where the row-by-row way is wrong by construction (bench/rowbyrow.py says why).
ROWBYROW_WRONG: dict[str, dict[str, str]] = {
    "songplays": dict.fromkeys(("song_id", "artist_id"),
                               "song_select compares a float with `=`; the fast path allows "
                               f"{MATCH_TOLERANCE:g} s"),
    "users": dict.fromkeys(("first_name", "last_name", "gender", "level", "location",
                            "last_seen_at"),
                           "the last row processed wins, not the latest event by ts"),
    "songs": dict.fromkeys(("title", "artist_id", "year", "duration", "source_path"),
                           "the first record of a song_id wins, not the file that sorts last"),
    "artists": dict.fromkeys(("name", "location", "latitude", "longitude", "source_path"),
                             "the first record of an artist_id wins, not the file that sorts "
                             "last"),
}


# -- the bench server and its databases ---------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    cache: Path
    settings: Settings

    @classmethod
    def start(cls, cache: Path) -> Bench:
        home = (cache / "home").absolute()
        home.mkdir(parents=True, exist_ok=True)
        EmbeddedServer(home).ensure_running()
        return cls(cache, Settings(home=home, database_url=None, database=None,
                                   data_root=Path("data")))

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


# -- running a command and measuring it ---------------------------------------------------------


@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_rss: int  # bytes, loader process tree
    stdout: str
    stderr: str

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


def run_measured(args: list[str], env: dict[str, str], interval: float = 0.05) -> Measured:
    """Run a command; wall time, and the peak RSS of its process tree (sampled, and VmHWM).

    The tree is the command and its descendants. The PostgreSQL server's processes are not
    among them (the server runs on its own), so the server's memory is not in this figure.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=REPO)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            try:
                root = psutil.Process(proc.pid)
            except psutil.NoSuchProcess:
                return
            while not done.is_set():
                total = 0
                try:
                    members = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    return
                for member in members:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        total += member.memory_info().rss
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
                        err.read().decode(errors="replace"))


def sparkify(*args: str) -> list[str]:
    return [sys.executable, "-m", "sparkify", *args]


def load_command(root: Path) -> list[str]:
    """`sparkify load ROOT --json`, without the checks it may run afterwards (timed apart)."""
    return sparkify("load", str(root), "--json", *LOAD_FLAGS)


def detect_load_flags() -> tuple[str, ...]:
    done = subprocess.run(sparkify("load", "--help"), capture_output=True, text=True,
                          cwd=REPO, check=False)
    return ("--no-check",) if "--no-check" in done.stdout else ()


def has_command(name: str) -> bool:
    done = subprocess.run(sparkify(name, "--help"), capture_output=True, text=True, cwd=REPO,
                          check=False)
    return done.returncode == 0


# -- data ---------------------------------------------------------------------------------------


def generated_root(cache: Path, scale: int, seed: int, env: dict[str, str]) -> tuple[Path, float]:
    """The data of scale K, generated once into the cache; (root, seconds spent generating)."""
    root = cache / "data" / f"k{scale}-seed{seed}"
    if (root / "log_data").is_dir():
        return root, 0.0
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    log(f"K={scale}: generating data into {root}")
    started = time.perf_counter()
    done = subprocess.run(sparkify("generate", str(partial), "--scale", str(scale),
                                   "--seed", str(seed)),
                          env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: `sparkify generate` failed: {done.stderr.strip()[-500:]}")
    partial.rename(root)
    return root, time.perf_counter() - started


def data_files(root: Path) -> tuple[list[Path], list[Path]]:
    """(song files, log files) as `sparkify load` finds them, paths relative to root."""
    found: dict[str, list[Path]] = {"song_data": [], "log_data": []}
    for sub, paths in found.items():
        for folder, dirs, files in os.walk(root / sub):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            paths.extend(Path(folder, f).relative_to(root) for f in files
                              if f.endswith(".json") and not f.startswith("."))
    return sorted(found["song_data"]), sorted(found["log_data"])


def last_day(logs: list[Path]) -> list[Path]:
    """The log files of the latest day named in file names (else the last file by path)."""
    dated = [(m.group(1), p) for p in logs if (m := DAY.search(p.name))]
    if not dated:
        return logs[-1:]
    latest = max(day for day, _ in dated)
    return [p for day, p in dated if day == latest]


def link_tree(source: Path, target: Path, files: list[Path]) -> None:
    """A root holding `files` of `source`, as hard links (same size and mtime, no copy)."""
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / rel, dest)
        except OSError:
            shutil.copy2(source / rel, dest)


def root_facts(root: Path) -> dict:
    songs, logs = data_files(root)
    size = sum((root / p).stat().st_size for p in [*songs, *logs])
    return {"song_files": len(songs), "log_files": len(logs), "bytes": size}


# -- steps --------------------------------------------------------------------------------------


def step_load(bench: Bench, root: Path, database: str) -> dict:
    bench.fresh(database, tables=True)
    m = run_measured(load_command(root), bench.env(database))
    result = m.json()
    events = result["events"]["read"]
    return {"seconds": m.seconds, "peak_rss": m.peak_rss, "events": events,
            "events_per_s": events / m.seconds, "loader_seconds": result["seconds"],
            "result": result}


def step_noop(bench: Bench, root: Path, database: str) -> dict:
    m = run_measured(load_command(root), bench.env(database))
    result = m.json()
    return {"seconds": m.seconds, "peak_rss": m.peak_rss, "loader_seconds": result["seconds"],
            "files_loaded": result["files"]["loaded"]}


def step_checks(bench: Bench, database: str) -> dict:
    """`sparkify check` on the loaded database: what `sparkify load` adds when it checks."""
    m = run_measured(sparkify("check", "--json"), bench.env(database))
    return {"seconds": m.seconds, "exit_code": m.returncode}


def step_floor(bench: Bench, source: str, target: str) -> dict:
    scratch = bench.cache / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        results = floor.measure(bench.settings, source, target, scratch)
    finally:
        bench.drop(target)
    return {**results["floor"].to_dict(), "fk_checked": results["fk_checked"].to_dict()}


def step_rowbyrow(bench: Bench, root: Path, database: str, time_limit: float,
                  totals: dict) -> dict:
    bench.fresh(database, tables=True)
    args = [sys.executable, str(BENCH / "rowbyrow.py"), str(root), "--json"]
    if time_limit:
        args += ["--time-limit", str(time_limit)]
    m = run_measured(args, bench.env(database))
    out = m.json()
    out["wall_seconds"] = m.seconds
    out["peak_rss"] = m.peak_rss
    out.update(extrapolate(out, totals["songs"], totals["events"]))
    return out


def extrapolate(rbr: dict, songs_total: int, events_total: int) -> dict:
    """Seconds the row-by-row loader would take for all records, from the rates it reached."""
    estimate = 0.0
    for phase, total in ((rbr["songs"], songs_total), (rbr["events"], events_total)):
        if phase["finished"] or total == 0:
            estimate += phase["seconds"]
        elif phase["records"]:
            estimate += phase["seconds"] * total / phase["records"]
        else:
            return {"estimated_seconds": None, "events_per_s": None}
    events = rbr["events"]
    rate = events["records"] / events["seconds"] if events["seconds"] else None
    return {"estimated_seconds": estimate, "events_per_s": rate}


def step_incremental(bench: Bench, root: Path, work: Path, database: str) -> dict:
    """All but the last day, then the last day alone; and the same day on an empty database."""
    songs, logs = data_files(root)
    day = last_day(logs)
    rest = [p for p in logs if p not in set(day)]
    incr_root, day_root = work / "incremental", work / "day-only"
    for folder in (incr_root, day_root):
        shutil.rmtree(folder, ignore_errors=True)
    link_tree(root, incr_root, [*songs, *rest])
    link_tree(root, day_root, day)
    try:
        bench.fresh(database, tables=True)
        base = run_measured(load_command(incr_root), bench.env(database))
        base.json()
        link_tree(root, incr_root, day)
        incr = run_measured(load_command(incr_root), bench.env(database))
        incr_result = incr.json()
        bench.fresh(database, tables=True)
        empty = run_measured(load_command(day_root), bench.env(database))
        empty_result = empty.json()
    finally:
        bench.drop(database)
        shutil.rmtree(work, ignore_errors=True)
    return {"day_files": [str(p) for p in day], "day_events": empty_result["events"]["read"],
            "all_but_last_day_seconds": base.seconds, "incremental_seconds": incr.seconds,
            "incremental_files_loaded": incr_result["files"]["loaded"],
            "empty_seconds": empty.seconds, "ratio": incr.seconds / empty.seconds}


def hash64(expression: sql.Composable) -> sql.Composable:
    return sql.SQL("('x' || left(md5({}::text), 16))::bit(64)::bigint::numeric").format(
        expression)


def checksums(settings: Settings) -> dict[str, dict]:
    """Per table: row count, and per compared column a checksum of (natural key, value)."""
    found = {}
    with connect(settings, autocommit=True) as conn:
        for table, (key, columns) in CHECK_TABLES.items():
            def ref(column: str) -> sql.Composable:
                return (sql.SQL("m.path") if column == "source_file"
                        else sql.Identifier("t", column))
            key_row = [ref(k) for k in key]
            parts = [sql.SQL("count(*)"),
                     sql.SQL("coalesce(sum({}), 0)").format(
                         hash64(sql.SQL("ROW({})").format(sql.SQL(", ").join(key_row))))]
            for column in columns:
                parts.append(sql.SQL("coalesce(sum({}), 0)").format(hash64(
                    sql.SQL("ROW({}, {})").format(sql.SQL(", ").join(key_row), ref(column)))))
            query = sql.SQL("SELECT {} FROM public.{} t "
                            "LEFT JOIN sparkify.manifest m ON m.file_id = {}").format(
                sql.SQL(", ").join(parts), sql.Identifier(table),
                sql.Identifier("t", "source_file_id") if "source_file" in columns
                else sql.SQL("NULL::int"))
            row = conn.execute(query).fetchone()
            found[table] = {"rows": row[0], "keys": row[1],
                            "columns": dict(zip(columns, row[2:], strict=True))}
    return found


def compare(bench: Bench, fast_db: str, rbr_db: str) -> dict:
    """Which tables and columns the two loads agree on, and whether each difference is known."""
    fast, slow = checksums(bench.on(fast_db)), checksums(bench.on(rbr_db))
    report = {}
    for table in CHECK_TABLES:
        a, b = fast[table], slow[table]
        differing = [c for c in a["columns"] if a["columns"][c] != b["columns"][c]]
        known = ROWBYROW_WRONG.get(table, {})
        report[table] = {
            "rows": [a["rows"], b["rows"]], "same_keys": a["keys"] == b["keys"],
            "equal_columns": [c for c in a["columns"] if c not in differing],
            "differing_explained": {c: known[c] for c in differing if c in known},
            "differing_unexplained": [c for c in differing if c not in known],
        }
        report[table]["ok"] = (a["rows"] == b["rows"] and report[table]["same_keys"]
                               and not report[table]["differing_unexplained"])
    return report


def wrong_counts(bench: Bench, fast_db: str, rbr_db: str) -> dict:
    """How many rows the known row-by-row errors touch (plays matched, users that differ)."""
    with connect(bench.on(fast_db), autocommit=True) as conn:
        fast_matched = conn.execute(
            "SELECT count(*) FROM public.songplays WHERE song_id IS NOT NULL").fetchone()[0]
        fast_users = dict(conn.execute(
            "SELECT user_id, (level, last_seen_at)::text FROM public.users").fetchall())
    with connect(bench.on(rbr_db), autocommit=True) as conn:
        slow_matched = conn.execute(
            "SELECT count(*) FROM public.songplays WHERE song_id IS NOT NULL").fetchone()[0]
        slow_users = dict(conn.execute(
            "SELECT user_id, (level, last_seen_at)::text FROM public.users").fetchall())
    users_differ = sum(fast_users.get(u) != v for u, v in slow_users.items())
    return {"plays_matched_fast": fast_matched, "plays_matched_rowbyrow": slow_matched,
            "users_differing": users_differ, "users": len(fast_users)}


def step_profile(bench: Bench, root: Path, database: str) -> dict:
    """cProfile of `sparkify load` on a fresh database, its own process and the ones it starts."""
    bench.fresh(database, tables=True)
    folder = bench.cache / f"profile-{database}"
    shutil.rmtree(folder, ignore_errors=True)
    env = {**bench.env(database), "BENCH_PROFILE_DIR": str(folder)}
    args = [sys.executable, str(BENCH / "profile_load.py"), *load_command(root)[3:]]
    try:
        m = run_measured(args, env)
        m.json()
    finally:
        bench.drop(database)
    workers = sorted(folder.glob("worker-*.prof"))
    out = {"seconds": m.seconds, "folder": str(folder), "workers": len(workers),
           "processes": {"main": summarize_profile(pstats.Stats(str(folder / "main.prof")))}}
    if workers:
        out["processes"]["workers"] = summarize_profile(pstats.Stats(*map(str, workers)))
    return out


def summarize_profile(stats: pstats.Stats, top: int = 15) -> dict:
    total = max(ct for (_, _, _, ct, _) in stats.stats.values())
    rows = []
    for (path, line, name), (_cc, calls, tt, ct, _callers) in stats.stats.items():
        where = re.sub(r"^.*?(site-packages/|/src/|/python3\.\d+/)", "", path)
        rows.append({"function": f"{where}:{line}({name})" if line else name,
                     "calls": calls, "tottime": tt, "cumtime": ct})
    rows.sort(key=lambda r: -r["cumtime"])
    # wrappers (click, the import machinery, the CLI entry) say nothing about the load
    interesting = [r for r in rows if not any(w in r["function"] for w in PROFILE_WRAPPERS)
                   and r["cumtime"] < 0.98 * total][:top]
    phases = {}
    for label, file_part, names in PROFILE_PHASES:
        matched = [ct for (path, _, name), (_, _, _, ct, _) in stats.stats.items()
                   if file_part in path and name in names]
        if matched:
            phases[label] = max(matched)
    return {"total": total, "phases": phases, "top_cumulative": interesting,
            "top_self": sorted(rows, key=lambda r: -r["tottime"])[:10]}


# -- one scale ----------------------------------------------------------------------------------


# Disk a scale may take at its peak, per byte of JSON, plus the WAL the server may keep
# (max_wal_size): at K=1000 (3.6 GB of JSON) the used space rose by 17 GB during the floor step.
DISK_PER_DATA_BYTE = 6
WAL_BYTES = 8 * 2**30


def warn_if_disk_short(folder: Path, data_bytes: int, scale: int | str) -> bool:
    """A full disk stops the server mid-step: say so before, not after an hour."""
    free = shutil.disk_usage(folder).free
    need = DISK_PER_DATA_BYTE * data_bytes + WAL_BYTES
    if free < need:
        log(f"K={scale}: warning: {free / 2**30:.0f} GB free under {folder}, and this scale "
            f"may need about {need / 2**30:.0f} GB; a full disk stops the server mid-run")
    return free < need


def bench_scale(bench: Bench, scale: int | str, root: Path, args: argparse.Namespace,
                generated_seconds: float) -> dict:
    tag = f"k{scale}"
    out: dict = {"scale": scale, "root": str(root), "data": root_facts(root),
                 "generate_seconds": generated_seconds, "loadavg": {},
                 "source": source_fingerprint()}
    load_db, floor_db, rbr_db = f"bench_{tag}_load", f"bench_{tag}_floor", f"bench_{tag}_rowbyrow"

    def note(step: str, detail: str = "") -> None:
        out["loadavg"][step] = os.getloadavg()[0]
        log(f"K={scale}: {step}{detail}")

    warn_if_disk_short(EmbeddedServer(bench.settings.home).server_dir, out["data"]["bytes"],
                       scale)
    try:
        note("load")
        out["load"] = step_load(bench, root, load_db)
        result = out["load"]["result"]
        totals = {"songs": result["songs"]["read"], "events": result["events"]["read"]}
        note("no-op")
        out["noop"] = step_noop(bench, root, load_db)
        if LOAD_FLAGS and has_command("check"):
            note("checks")
            out["checks"] = step_checks(bench, load_db)
        note("floor")
        out["floor"] = step_floor(bench, load_db, floor_db)
        checking = str(scale) in args.check_scales
        limit = 0 if checking else args.rowbyrow_seconds
        note("row-by-row", "" if limit else " (no time bound: correctness check)")
        out["rowbyrow"] = step_rowbyrow(bench, root, rbr_db, limit, totals)
        if out["rowbyrow"]["finished"]:
            note("checksums")
            out["check"] = compare(bench, load_db, rbr_db)
            out["wrong"] = wrong_counts(bench, load_db, rbr_db)
        bench.drop(rbr_db)
        if str(scale) == str(args.profile_scale):
            note("profile")
            out["profile"] = step_profile(bench, root, f"bench_{tag}_profile")
    finally:
        if not args.keep_databases:
            bench.drop(load_db)
            bench.drop(rbr_db)
    note("incremental")
    out["incremental"] = step_incremental(bench, root, bench.cache / "work" / tag,
                                          f"bench_{tag}_incr")
    out["loadavg"]["end"] = os.getloadavg()[0]
    out["source_end"] = source_fingerprint()
    return out


# -- RESULTS.md ---------------------------------------------------------------------------------


def source_fingerprint() -> str:
    """A hash of the package's code and SQL: shows whether the loader changed during a run."""
    digest = hashlib.sha256()
    package = REPO / "src" / "sparkify"
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.sql")]):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine_facts(bench: Bench) -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break

    def git(*a: str) -> str:
        done = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"cores": os.cpu_count(), "cpu": model,
            "memory_gib": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version(), "server": bench.server_facts(),
            "commit": git("rev-parse", "--short", "HEAD"),
            "loader_dirty": bool(git("status", "--porcelain", "--", "src/sparkify")),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def fmt_x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}×" if ratio < 10 else f"{ratio:,.0f}×"


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def render(run: dict, section: str) -> str:
    m = run["machine"]
    s = m["server"]
    lines = [
        f"<!-- bench:{section}:start -->",
        (f"## Loader benchmark: K = {', '.join(str(r['scale']) for r in run['scales'])}"
        f" (`{run['command']}`)"),
        "",
        f"Measured {m['date']} at commit {m['commit']}"
        + (" with uncommitted changes under src/sparkify (the working tree was measured)"
           if m["loader_dirty"] else "") + ". "
        f"Machine: {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), "
        f"{m['memory_gib']:.0f} GiB memory, Python {m['python']}, PostgreSQL "
        f"{s['server_version']} (embedded, one server for every figure: fsync={s['fsync']}, "
        f"synchronous_commit={s['synchronous_commit']}, full_page_writes="
        f"{s['full_page_writes']}, shared_buffers={s['shared_buffers']}, max_wal_size="
        f"{s['max_wal_size']}).",
        "",
        noise_note(run),
        "",
    ]
    lines += [f"Every `sparkify load` figure is `{run['load_command']}` run as a subprocess on "
              "a fresh database whose tables exist and are empty (as `sparkify init` leaves "
              "it); wall time from start to exit."
              + (" `--no-check` leaves out the checks `sparkify load` runs by default; their "
                 "time is given apart." if "--no-check" in run["load_command"] else ""), ""]
    versions = {r.get(key) for r in run["scales"] for key in ("source", "source_end")}
    if len(versions) > 1:
        lines += ["**The loader's code changed during this run** (another engineer was editing "
                  "it): source fingerprint per K: " + ", ".join(
                      f"K={r['scale']} {r.get('source')}→{r.get('source_end')}"
                      for r in run["scales"])
                  + ". Compare across K with care.", ""]
    lines += render_targets(run)
    lines += render_summary(run)
    for r in run["scales"]:
        lines += render_scale(r)
    lines += render_check(run)
    lines += render_profile(run)
    lines.append(f"<!-- bench:{section}:end -->")
    return "\n".join(lines) + "\n"


def noise_note(run: dict) -> str:
    """What the load average said, without guessing its cause: the benchmark's own processes
    (the loader, its staging process, the server and its autovacuum after a load) count too."""
    peak = max((v for r in run["scales"] for v in r["loadavg"].values()), default=0.0)
    cores = run["machine"]["cores"]
    level = ("above the core count, so processes waited for a core" if peak > cores + 0.5
             else "no more than the core count")
    return (f"**Noise:** the 1-minute load average before a step was at most {peak:.1f} on "
            f"{cores} cores ({level}; it counts the loader, its staging process, the server "
            "and the autovacuum that follows a load, as well as anything else). The load "
            "average before each step is in the tables. Ratios measured in the same run are "
            "more telling than absolute times; expect ±20% between runs.")


def baseline_k100(run: dict, cache: Path) -> dict | None:
    """K=100's figures: from this run, else from the last `run` section's saved results."""
    for r in run["scales"]:
        if str(r["scale"]) == "100":
            return r
    saved = cache / "results-run.json"
    if not saved.exists():
        return None
    for r in json.loads(saved.read_text())["scales"]:
        if str(r["scale"]) == "100":
            return {**r, "from_other_run": json.loads(saved.read_text())["machine"]["date"]}
    return None


def ratios(r: dict) -> dict:
    load_s = r["load"]["seconds"]
    rbr = r["rowbyrow"]
    est = rbr.get("estimated_seconds")
    return {"loader_floor": load_s / r["floor"]["seconds"],
            "loader_star_floor": load_s / r["floor"]["star_seconds"],
            "rowbyrow_loader": est / load_s if est else None}


def render_targets(run: dict) -> list[str]:
    by_k = {str(r["scale"]): r for r in run["scales"]}
    rows = []
    if "100" in by_k:
        r = by_k["100"]
        q = ratios(r)
        rows.append(("K=100: `sparkify load` ≤ 1.5 × floor", fmt_x(q["loader_floor"]),
                     q["loader_floor"] <= 1.5))
        rows.append(("K=100: row-by-row ≥ 50 × slower than `sparkify load`",
                     fmt_x(q["rowbyrow_loader"]),
                     q["rowbyrow_loader"] is not None and q["rowbyrow_loader"] >= 50))
        rows.append(("K=100: no-op run ≤ 1 s", fmt_s(r["noop"]["seconds"]),
                     r["noop"]["seconds"] <= 1))
        rows.append(("K=100: incremental day ≤ 5 × same day on an empty database",
                     fmt_x(r["incremental"]["ratio"]), r["incremental"]["ratio"] <= 5))
    for k, r in by_k.items():
        rows.append((f"K={k}: peak RSS ≤ 300 MB", mb(r["load"]["peak_rss"]),
                     r["load"]["peak_rss"] <= 300 * 2**20))
    k100 = run.get("baseline_k100") or by_k.get("100")
    if "1000" in by_k and k100:
        big, base = by_k["1000"]["load"], k100["load"]
        where = (f" (K=100 from the run of {k100['from_other_run']}: "
                 f"{base['events_per_s']:,.0f} events/s, {mb(base['peak_rss'])})"
                 if "from_other_run" in k100 else "")
        rows.append(("K=1000: throughput within 20% of K=100's" + where,
                     f"{big['events_per_s'] / base['events_per_s']:.2f} of K=100's",
                     big["events_per_s"] >= 0.8 * base["events_per_s"]))
        rows.append(("K=1000: peak RSS ≤ 1.1 × K=100's",
                     f"{big['peak_rss'] / base['peak_rss']:.2f}×",
                     big["peak_rss"] <= 1.1 * base["peak_rss"]))
    if not rows:
        return []
    out = ["### Targets of issue 6", "", "| target | measured | met |", "|---|---:|:---:|"]
    out += [f"| {t} | {v} | {'yes' if ok else '**no**'} |" for t, v, ok in rows]
    out.append("")
    if "100" in by_k and by_k["100"]["rowbyrow"].get("estimated_seconds"):
        r = by_k["100"]
        est, floor = r["rowbyrow"]["estimated_seconds"], r["floor"]
        out += [(f"The 50× target is out of reach of any loader that writes what ours writes: "
                f"at K=100 the floor itself, a COPY of the finished rows, is only "
                f"{est / floor['seconds']:.0f}× faster than row-by-row "
                f"({est / floor['star_seconds']:.0f}× for the star tables alone, which is all "
                "row-by-row writes; the loader also writes `events`, `user_song_plays`, the "
                "manifest and the rejects)."), ""]
    return out


def render_summary(run: dict) -> list[str]:
    out = ["### Summary", "",
           ("| K | events | `sparkify load` | events/s | floor | loader / floor | row-by-row "
           "| row-by-row / loader | incremental / empty | no-op | peak RSS |"),
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in run["scales"]:
        q = ratios(r)
        rbr = r["rowbyrow"]
        est = fmt_s(rbr.get("estimated_seconds")) + ("" if rbr["finished"] else " (extrap.)")
        out.append(f"| {r['scale']} | {r['load']['events']:,} | {fmt_s(r['load']['seconds'])} "
                   f"| {r['load']['events_per_s']:,.0f} | {fmt_s(r['floor']['seconds'])} "
                   f"| {fmt_x(q['loader_floor'])} | {est} | {fmt_x(q['rowbyrow_loader'])} "
                   f"| {fmt_x(r['incremental']['ratio'])} | {fmt_s(r['noop']['seconds'])} "
                   f"| {mb(r['load']['peak_rss'])} |")
    bounded = [r for r in run["scales"] if not r["rowbyrow"]["finished"]]
    rates = [r["rowbyrow"]["events_per_s"] for r in run["scales"]
             if r["rowbyrow"].get("events_per_s")]
    if bounded and rates:
        out += ["", ("Row-by-row figures marked *extrap.* are estimates: the loader ran for its "
                     "time bound, then the records it did not reach are counted at the "
                     "records/s it had reached (linearly)"
                     + (f". Its rate moved with the machine's load in this run "
                        f"({min(rates):,.0f} to {max(rates):,.0f} events/s across K), so the "
                        "estimates carry that noise" if len(rates) > 1 else "")
                     + "; a finished run is the firmer figure.")]
    return out + [""]


def render_scale(r: dict) -> list[str]:
    load, fl, rbr, inc, noop = r["load"], r["floor"], r["rowbyrow"], r["incremental"], r["noop"]
    q = ratios(r)
    res = load["result"]
    d = r["data"]
    la = r["loadavg"]
    if rbr["finished"]:
        rbr_text = f"{fmt_s(rbr['seconds'])} (finished)"
    else:
        rbr_text = (f"{fmt_s(rbr['estimated_seconds'])} **extrapolated**: stopped at the "
                    f"{rbr['time_limit']:.0f} s bound after {rbr['events']['records']:,} of "
                    f"{load['events']:,} events ({rbr['songs']['records']:,} songs); estimate "
                    "= each phase's records ÷ the records/s it reached")
    rate = rbr.get("events_per_s")
    rows = [
        ("`sparkify load`, end to end, fresh database", fmt_s(load["seconds"]), "load"),
        ("of which inside `load()` (its own clock; the rest is start-up, imports, connect)",
         fmt_s(load["loader_seconds"]), None),
        ("events/s (end to end)", f"{load['events_per_s']:,.0f}", None),
        ("peak RSS, loader process tree (server not included)", mb(load["peak_rss"]), None),
        (("floor: COPY of the final rows (star, events, manifest, rejects), foreign keys not "
         "checked per row"), fmt_s(fl["seconds"]), "floor"),
        ("floor, star tables only", fmt_s(fl["star_seconds"]), None),
        ("the same COPY with a foreign-key trigger check per row (PostgreSQL's default)",
         fmt_s(fl["fk_checked"]["seconds"]), None),
        ("**loader / floor**", (f"**{fmt_x(q['loader_floor'])}** (star only: "
                               f"{fmt_x(q['loader_star_floor'])})"), None),
        ("row-by-row", rbr_text, "row-by-row"),
        ("row-by-row events/s", f"{rate:,.0f}" if rate else "n/a", None),
        ("**row-by-row / loader**", f"**{fmt_x(q['rowbyrow_loader'])}**", None),
        ("load all but the last day, fresh database", fmt_s(inc["all_but_last_day_seconds"]),
         "incremental"),
        (f"last day ({inc['day_events']:,} events) loaded incrementally",
         fmt_s(inc["incremental_seconds"]), None),
        ("same day into an empty database", fmt_s(inc["empty_seconds"]), None),
        ("**incremental / empty**", f"**{fmt_x(inc['ratio'])}**", None),
        ("no-op rerun (nothing new)",
         f"{fmt_s(noop['seconds'])} (inside `load()`: {fmt_s(noop['loader_seconds'])})", "no-op"),
    ]
    if "checks" in r:
        rows.append(("`sparkify check` on the result (not in the figures above)",
                     fmt_s(r["checks"]["seconds"]), "checks"))
    title = (f"### K = {r['scale']}: {load['events']:,} events "
             f"({res['events']['song_plays']:,} song plays), {res['songs']['read']:,} songs; "
             f"{d['log_files']:,} log + {d['song_files']:,} song files, "
             f"{d['bytes'] / 2**20:,.1f} MB")
    out = [title, "", "| figure | value | load avg before |", "|---|---:|---:|"]
    for label, value, step in rows:
        out.append(f"| {label} | {value} | {la[step]:.1f} |" if step in la
                   else f"| {label} | {value} | |")
    rejected = res["songs"]["rejected"] + res["events"]["rejected"]
    out += ["", "Rows: " + ", ".join(f"{t} {n:,}" for t, n in res["tables"].items())
            + f"; rejected records {rejected:,}. Floor per table: "
            + ", ".join(f"{t.split('.')[-1]} {v['seconds']:.2f} s"
                        for t, v in fl["tables"].items()) + ".", ""]
    if q["loader_floor"] < 1:
        out += [("**The loader is under the floor here.** The floor COPYs each table into its "
                 "finished indexes, kept up row by row; the loader builds some indexes once "
                 "after its inserts (the analytics indexes, and user_song_plays' key and rank "
                 "index after counting it in one statement), which costs less when a table "
                 "outgrows the server's buffers: compare user_song_plays in the floor per "
                 "table with the whole load."), ""]
    return out


def render_check(run: dict) -> list[str]:
    checked = [r for r in run["scales"] if "check" in r]
    out = ["### Correctness: fast path vs row-by-row", ""]
    unchecked = [str(r["scale"]) for r in run["scales"] if "check" not in r]
    if not checked:
        return out + ["No scale was checked (row-by-row did not finish at any K).", ""]
    out += [("Each star table (and events) loaded by `sparkify load` and by bench/rowbyrow.py, "
            "compared by checksum queries: row count, the set of natural keys, and per column "
            "a checksum of (natural key, value). Surrogate ids are left out; source_file_id is "
            "compared through the manifest path it names."), ""]
    for r in checked:
        w = r["wrong"]
        out += [f"**K = {r['scale']}**: "
                + ("all tables agree except the known differences below."
                   if all(t["ok"] for t in r["check"].values())
                   else "**UNEXPECTED DIFFERENCES** (see table)."), "",
                "| table | rows (fast / row-by-row) | equal columns | differing: why |",
                "|---|---:|---|---|"]
        for table, t in r["check"].items():
            why = "; ".join(f"{c}: {reason}" for c, reason in t["differing_explained"].items())
            if t["differing_unexplained"]:
                why += (" **unexplained: " + ", ".join(t["differing_unexplained"]) + "**")
            if not t["same_keys"]:
                why += " **different key sets**"
            out.append(f"| {table} | {t['rows'][0]:,} / {t['rows'][1]:,} | "
                       f"{', '.join(t['equal_columns']) or '—'} | {why or 'none'} |")
        out += ["", (f"Song plays given a song: fast path {w['plays_matched_fast']:,}, "
                    f"row-by-row {w['plays_matched_rowbyrow']:,}. Users whose level or "
                    f"last_seen_at differ: {w['users_differing']:,} of {w['users']:,}."), ""]
    if unchecked:
        out += [(f"Not checked at K = {', '.join(unchecked)}: row-by-row ran under its time "
                "bound there and did not finish."), ""]
    return out + render_wrong(checked)


def render_wrong(checked: list[dict]) -> list[str]:
    """Where the row-by-row way is wrong, and how much of it this data set shows."""
    last = checked[-1]
    w, k = last["wrong"], last["scale"]
    artists = last["check"]["artists"]["differing_explained"]
    missed = w["plays_matched_fast"] - w["plays_matched_rowbyrow"]
    if missed:
        matched = f"so here row-by-row misses {missed:,} plays."
    else:
        matched = ("`sparkify generate` writes every matching play with the catalog duration "
                   "verbatim, so here equality finds the same songs.")
    if w["users_differing"]:
        users = "those users keep a stale level or last_seen_at."
    else:
        users = ("the generator writes each day's events in time order, so here they agree; a "
                 "log file out of order gives row-by-row a stale level (tests/test_bench.py).")
    song_text = (
        "- **Song matching (songplays.song_id, artist_id)**: the classic `song_select` finds a "
        "song with `duration = %s`, float equality. In the tutorial's schemas with a `REAL` "
        "duration it practically never matches (`223.60771::real = 223.60771::float8` is "
        "false; only durations a float4 holds exactly, like 200.5, match). On our schema the "
        "column is `double precision`, so equality holds when the play's length is the very "
        "same double as the song's duration, and misses any length off in the last digit "
        "(tests/test_bench.py pins a play 0.004 s off: the fast path matches it, row-by-row "
        "does not). The fast path matches title, artist name and a length within "
        f"{MATCH_TOLERANCE:g} s, "
        f"closest first. At K = {k} row-by-row gave {w['plays_matched_rowbyrow']:,} plays a "
        f"song and the fast path {w['plays_matched_fast']:,}: {matched}")
    user_text = (
        "- **Users (every column but user_id)**: one upsert per event, the last row processed "
        "wins, which is the user's latest event only if files and lines are in ts order; the "
        f"fast path takes the latest by ts. At K = {k}, {w['users_differing']:,} of "
        f"{w['users']:,} users differ: {users}")
    catalog_text = (
        "- **Songs and artists**: the first record of an id wins (`DO NOTHING`); the fast path "
        "keeps the record of the file whose path sorts last. "
        + (f"At K = {k} artists differ in {', '.join(artists)}: an artist with several songs "
           "keeps another file's path." if artists else f"At K = {k} none differ."))
    return ["#### Where the row-by-row way is wrong", "", song_text, user_text, catalog_text, ""]


def render_profile(run: dict) -> list[str]:
    profiled = [r for r in run["scales"] if "profile" in r]
    if not profiled:
        return []
    r = profiled[0]
    p = r["profile"]
    procs = p["processes"]
    names = {"main": "loading process", "workers": f"staging process(es) ({p['workers']})"}
    out = [f"### Profile: `sparkify load` at K = {r['scale']} under cProfile", "",
           (f"{fmt_s(p['seconds'])} wall under the profiler (bench/profile_load.py; cProfile "
            "slows Python code, not the server). Every process the loader starts is profiled. "
            "Time the server spends on a statement shows up as the call that waits for it "
            "(cursor execute; COPY writes when the server is slower than the parser); time one "
            "process waits for the other shows up as multiprocessing waits. Phases overlap: "
            "the whole load holds the others."), "",
           "| phase | " + " | ".join(names[k] for k in procs) + " |",
           "|---|" + "---:|" * len(procs)]
    labels = [label for label, _, _ in PROFILE_PHASES]
    for label in labels:
        if any(label in procs[k]["phases"] for k in procs):
            cells = [f"{procs[k]['phases'][label]:.2f} s" if label in procs[k]["phases"]
                     else "—" for k in procs]
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, proc in procs.items():
        out += ["", f"Top functions of the {names[key]} by cumulative time (wrappers left out):",
                "", "| function | calls | cumulative | self |", "|---|---:|---:|---:|"]
        out += [f"| `{row['function']}` | {row['calls']:,} | {row['cumtime']:.2f} s "
                f"| {row['tottime']:.2f} s |" for row in proc["top_cumulative"]]
    return out + [""]


def write_section(path: Path, text: str, section: str) -> None:
    """Replace this harness's section of RESULTS.md (others' sections are kept as they are)."""
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if start in current and end in current:
        before = current.split(start, 1)[0]
        after = current.split(end, 1)[1].lstrip("\n")
        new = before + text + ("\n" + after if after else "")
    else:
        new = current.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


# -- main ---------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated K (default 1,10,100)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--root", type=Path, action="append", default=[],
                        help="bench this data root instead of generated data (repeatable)")
    parser.add_argument("--cache", type=Path, default=BENCH / "cache",
                        help="generated data, the bench server and scratch files (default "
                             "bench/cache)")
    parser.add_argument("--rowbyrow-seconds", type=float, default=120,
                        help="time bound of the row-by-row loader (default 120; 0: none)")
    parser.add_argument("--check-scales", default="1,10",
                        help="K at which row-by-row runs without a bound, to compare the "
                             "tables (default 1,10; it is compared wherever it finishes)")
    parser.add_argument("--profile-scale", default="10", help="K to profile (default 10)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md",
                        help="results file whose section is rewritten (default bench/RESULTS.md)")
    parser.add_argument("--section", default="run",
                        help="name of this run's section in the results file (default run)")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the results section from the last run's saved figures "
                             "(bench/cache/results-SECTION.json) without measuring")
    parser.add_argument("--keep-databases", action="store_true",
                        help="keep the loaded and row-by-row databases for inspection")
    args = parser.parse_args(argv)
    args.check_scales = {s.strip() for s in args.check_scales.split(",") if s.strip()}
    return args


def main(argv: list[str] | None = None) -> int:
    global LOAD_FLAGS
    args = parse_args(argv)
    args.cache = args.cache.absolute()
    saved = args.cache / f"results-{args.section}.json"
    if args.render_only:
        run = json.loads(saved.read_text())
        run["baseline_k100"] = baseline_k100(run, args.cache)
        write_section(args.output, render(run, args.section), args.section)
        log(f"wrote {args.output} from {saved}")
        return 0
    LOAD_FLAGS = detect_load_flags()
    bench = Bench.start(args.cache)
    log(f"bench server under {bench.settings.home}")
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    run = {"command": command.strip(), "machine": machine_facts(bench), "scales": [],
           "load_command": " ".join(["sparkify", "load", "ROOT", "--json", *LOAD_FLAGS])}
    targets: list[tuple[int | str, Path, float]] = []
    if args.root:
        targets = [(p.resolve().name, p.resolve(), 0.0) for p in args.root]
    else:
        for k in (int(s) for s in args.scales.split(",") if s.strip()):
            root, seconds = generated_root(args.cache, k, args.seed, bench.env("postgres"))
            targets.append((k, root, seconds))
    for scale, root, seconds in targets:
        run["scales"].append(bench_scale(bench, scale, root, args, seconds))
        saved.write_text(json.dumps(run, indent=1, default=str))
    run["baseline_k100"] = baseline_k100(run, args.cache)
    write_section(args.output, render(run, args.section), args.section)
    log(f"wrote {args.output}")
    for r in run["scales"]:
        q = ratios(r)
        log(f"K={r['scale']}: load {fmt_s(r['load']['seconds'])}, loader/floor "
            f"{fmt_x(q['loader_floor'])}, row-by-row/loader {fmt_x(q['rowbyrow_loader'])}, "
            f"incremental/empty {fmt_x(r['incremental']['ratio'])}, "
            f"no-op {fmt_s(r['noop']['seconds'])}, peak RSS {mb(r['load']['peak_rss'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
