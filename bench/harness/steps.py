"""The measured steps of one scale: load, no-op, checks, floor, row-by-row, incremental, profile."""

from __future__ import annotations

import pstats
import re
import shutil
import sys
from pathlib import Path

import floor

from .measure import BENCH, Bench, run_measured, sparkify
from .roots import data_files, last_day, link_tree

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


def step_load(bench: Bench, root: Path, database: str) -> dict:
    bench.fresh(database, tables=True)
    m = run_measured(bench.load_command(root), bench.env(database))
    result = m.json()
    events = result["events"]["read"]
    return {"seconds": m.seconds, "peak_rss": m.peak_rss, "events": events,
            "events_per_s": events / m.seconds, "loader_seconds": result["seconds"],
            "result": result}


def step_noop(bench: Bench, root: Path, database: str) -> dict:
    m = run_measured(bench.load_command(root), bench.env(database))
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
        base = run_measured(bench.load_command(incr_root), bench.env(database))
        base.json()
        link_tree(root, incr_root, day)
        incr = run_measured(bench.load_command(incr_root), bench.env(database))
        incr_result = incr.json()
        bench.fresh(database, tables=True)
        empty = run_measured(bench.load_command(day_root), bench.env(database))
        empty_result = empty.json()
    finally:
        bench.drop(database)
        shutil.rmtree(work, ignore_errors=True)
    return {"day_files": [str(p) for p in day], "day_events": empty_result["events"]["read"],
            "all_but_last_day_seconds": base.seconds, "incremental_seconds": incr.seconds,
            "incremental_files_loaded": incr_result["files"]["loaded"],
            "empty_seconds": empty.seconds, "ratio": incr.seconds / empty.seconds}


def step_profile(bench: Bench, root: Path, database: str) -> dict:
    """cProfile of `sparkify load` on a fresh database, its own process and the ones it starts."""
    bench.fresh(database, tables=True)
    folder = bench.cache / f"profile-{database}"
    shutil.rmtree(folder, ignore_errors=True)
    env = {**bench.env(database), "BENCH_PROFILE_DIR": str(folder)}
    args = [sys.executable, str(BENCH / "profile_load.py"), *bench.load_command(root)[3:]]
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
