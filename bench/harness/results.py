"""RESULTS.md: the section as a whole, the correctness check, the profile; writing it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

import psutil

from sparkify.core.rules import MATCH_TOLERANCE

from .measure import REPO, Bench
from .steps import PROFILE_PHASES
from .targets import fmt_s, render_scale, render_summary, render_targets


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


def run_line(result: dict) -> str:
    """The opening of a section's facts: when, which commit, which machine and how busy."""
    machine = result["machine"]
    return (f"{machine['date']}, commit {machine['commit']}"
            f"{' (loader modified)' if machine['loader_dirty'] else ''}, {machine['cores']} "
            f"cores ({machine['cpu']}), load average {result['loadavg']} before the run")


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
                 "log file out of order gives row-by-row a stale level "
                 "(tests/project/test_bench.py).")
    song_text = (
        "- **Song matching (songplays.song_id, artist_id)**: the classic `song_select` finds a "
        "song with `duration = %s`, float equality. In the tutorial's schemas with a `REAL` "
        "duration it practically never matches (`223.60771::real = 223.60771::float8` is "
        "false; only durations a float4 holds exactly, like 200.5, match). On our schema the "
        "column is `double precision`, so equality holds when the play's length is the very "
        "same double as the song's duration, and misses any length off in the last digit "
        "(tests/project/test_bench.py pins a play 0.004 s off: the fast path matches it, "
        "row-by-row does not). The fast path matches title, artist name and a length within "
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
