"""Generator throughput and memory as --events grows, on one core.

    python bench/bench_generate.py [--sizes 100000 1000000 3000000:90 ...] [--out DIR] [--keep]

A size is EVENTS or EVENTS:DAYS (default 30 days). Each runs in a fresh child process pinned
to one CPU (sched_setaffinity), so its peak RSS (ru_maxrss) and CPU time are its own. Users
and songs grow with --events as the command's defaults make them (97 and 71 per 8,056 events).
Events per day set the memory, not the total: compare 3000000 with 3000000:90. Prints a
markdown table:

- events/s: events written per second of wall time, song files included and not;
- events/user-CPU-s: per second of the child's user CPU time, the generator's own work, which
  a busy machine inflates less than wall time; system CPU s: the kernel's share (creating
  files, writing bytes), listed apart because it depends on the file system more than on us;
- MB/s: bytes written (both kinds of files) per wall second;
- peak RSS: the child's maximum resident memory, which should stay flat as events grow.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

CHILD = """
import json, os, sys, time, resource
from pathlib import Path
os.sched_setaffinity(0, {int(sys.argv[3])})
from sparkify.generate import GenerateConfig, generate
events, _, days = sys.argv[1].partition(":")
config = GenerateConfig.resolve(events=int(events), days=int(days) if days else None,
                                seed=int(sys.argv[4]))
cpu = time.process_time()
result = generate(Path(sys.argv[2]), config)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({**result.to_dict(), "user_seconds": usage.ru_utime,
                  "system_seconds": usage.ru_stime, "peak_rss_kb": usage.ru_maxrss}))
"""


def run_size(size: str, out: Path, cpu: int, seed: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, size, str(out), str(cpu),
                           str(seed)], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench_generate: the child failed:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    data["wall_with_startup"] = wall
    return data


def row(d: dict) -> str:
    seconds, song_seconds = d["seconds"], d["song_seconds"]
    log_seconds = seconds - song_seconds
    mb = d["bytes_written"] / 1e6
    cells = [
        f"{d['events']:,}", f"{d['config']['days']}", f"{d['config']['users']:,}",
        f"{d['songs']:,}",
        f"{mb:,.0f}", f"{seconds:.1f}", f"{song_seconds:.1f}",
        f"{d['events'] / seconds:,.0f}", f"{d['events'] / log_seconds:,.0f}",
        f"{d['events'] / d['user_seconds']:,.0f}", f"{d['system_seconds']:.1f}",
        f"{mb / seconds:.1f}",
        f"{d['peak_rss_kb'] / 1024:.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| events | days | users | songs | MB written | seconds | of which song files "
          "| events/s | events/s without song files | events/user-CPU-s | system CPU s | MB/s "
          "| peak RSS MB |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load[0]:.1f} at the start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100000", "1000000"],
                        help="EVENTS or EVENTS:DAYS to run (default 100000 1000000)")
    parser.add_argument("--out", type=Path, help="where to write (default: a temporary folder)")
    parser.add_argument("--cpu", type=int, default=None,
                        help="CPU to pin the child to (default: the last one this process may use)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    args = parser.parse_args()
    for size in args.sizes:
        events, _, days = size.partition(":")
        if not events.isdigit() or (days and not days.isdigit()):
            parser.error(f"a size is EVENTS or EVENTS:DAYS, not {size!r}")
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    base = args.out or Path(tempfile.mkdtemp(prefix="bench-generate-"))
    print(f"machine: {machine()}; child pinned to CPU {cpu}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    results = []
    try:
        for size in args.sizes:
            events, _, days = size.partition(":")
            print(f"generating {size} ...", file=sys.stderr)
            results.append(run_size(size, base / f"n{events}-{days or 30}", cpu, args.seed))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"Generator, one core ({machine()}), {datetime.now(UTC):%Y-%m-%d}:\n")
    print(HEADER)
    for data in results:
        print(row(data))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
