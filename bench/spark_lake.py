"""The Spark engine beside `sparkify load`: K = 1, 10, 100, the same data, the same run.

    python bench/spark_lake.py                 # K = 1, 10, 100 (make bench-spark)
    python bench/spark_lake.py --scales 1
    python bench/spark_lake.py --scales 1000 --clusters ""   # no cluster runs

For each K (data of `sparkify generate --scale K`, bench/cache/data, shared with bench/run.py):
`sparkify load` into a fresh database of the embedded server; `sparkify lake build` in
local[2]; the same on a standalone cluster of one worker, then of two (one core each, on
loopback: tests/support/spark_cluster.py); and `sparkify lake publish` of the built lake.
Beside them (up to --python-max-k), the build by each parse path the default (`auto`: on the
driver up to 64 MB of a kind's files, else Spark's readers) chooses between, for every file:
Spark's readers (`--conf spark.sparkify.parse=native`), the driver (`=driver`), and the Python
validator on the workers in Arrow batches (`=python`); and a new day: a lake of every day but
the last, then the last day's log files added and built again. And (up to --new-day-max-k)
the same through a lake server (`sparkify lake serve`, one session kept running): its first
build, the new day, and the full build again. Every figure
is the whole command in its own process (a Spark one includes starting its JVM, except
through the server, whose JVM started before). Peak memory
(RSS, and PSS, which counts a page forked processes share once in all) is the command's
process tree: in local mode the driver, its JVM and the Python workers; on the cluster the
driver side only (the executors are the workers' children), given apart as the workers' trees.
The figures go to the `spark` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))  # the tests package: tests.support
from harness.measure import Bench, log, run_measured, sparkify  # noqa: E402 - bench/harness
from harness.results import machine_facts, run_line  # noqa: E402
from harness.roots import generated_root, root_facts  # noqa: E402
from harness.script import options, save  # noqa: E402

from tests.support.spark_cluster import StandaloneCluster  # noqa: E402

SECTION = "spark"
PATHS = ("native", "driver", "python")  # spark.sparkify.parse, each for every file
NOT_BUILDS = ("facts", "load", "publish", "same_tables")


def tree_rss(pids: list[int], pss: bool = False) -> int:
    """The RSS (or PSS: a page shared by several counted once in all) of the process trees."""
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for member in (root, *root.children(recursive=True)):
                total += member.memory_full_info().pss if pss else member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def lake_build(root: Path, lake: Path, master: str | None, env: dict[str, str],
               conf: tuple[str, ...] = (), server: Path | None = None) -> dict:
    """`sparkify lake build`, on `master` with `conf`, or on the lake server at `server`."""
    extra = [arg for pair in conf for arg in ("--conf", pair)]
    extra += ["--master", master] if server is None and master else ["--server", str(server)]
    m = run_measured(sparkify("lake", "build", str(root), str(lake), "--json", *extra), env)
    result = m.json()
    return {"seconds": m.seconds, "peak_rss": m.peak_rss, "peak_pss": m.peak_pss,
            "tables": result["tables"], "events": result["events"]["read"]}


def new_day(root: Path, scratch: Path, env: dict[str, str], server: Path | None = None) -> dict:
    """A lake of every day but the last (hard links: same sizes and times), then the last
    day's log files added: the second build is the one measured."""
    copy = scratch / f"{root.name}-days{'-server' if server else ''}"
    logs = sorted((root / "log_data").rglob("*.json"), key=lambda p: p.name)
    last = logs[-1].name[:10]  # YYYY-MM-DD-events.json
    late = [p for p in logs if p.name.startswith(last)]
    for path in (p for p in root.rglob("*.json") if p not in late):
        target = copy / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    lake = scratch / f"{copy.name}-lake"
    first = lake_build(copy, lake, "local[2]", env, server=server)
    for path in late:
        target = copy / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    added = lake_build(copy, lake, "local[2]", env, server=server)
    shutil.rmtree(copy, ignore_errors=True)
    return {**added, "files": len(late), "before": first}


def bench_spark(args: argparse.Namespace) -> dict:
    bench = Bench.start(args.cache)
    loadavg = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    scratch = Path(tempfile.mkdtemp(prefix="sparkify-bench-lake-", dir=args.cache))
    runs: dict[int, dict] = {}
    for scale in args.scales:
        root, _ = generated_root(args.cache, scale, args.seed, bench.env("postgres"))
        facts = root_facts(root)
        database = f"bench_spark_k{scale}"
        log(f"K={scale}: sparkify load")
        bench.fresh(database, tables=True)
        m = run_measured(sparkify("load", str(root), "--json", "--no-check"),
                         bench.env(database))
        loaded = m.json()
        row = {"facts": facts, "load": {"seconds": m.seconds, "peak_rss": m.peak_rss,
                                        "tables": loaded["tables"]}}
        env = dict(bench.env(database), PYSPARK_PYTHON=sys.executable)
        log(f"K={scale}: lake build local[2]")
        row["local[2]"] = lake_build(root, scratch / f"k{scale}-local", "local[2]", env)
        for path in PATHS if scale <= args.python_max_k else ():
            log(f"K={scale}: lake build local[2], every file parsed by the {path} path")
            row[path] = lake_build(root, scratch / f"k{scale}-{path}", "local[2]", env,
                                   (f"spark.sparkify.parse={path}",))
        if scale <= args.new_day_max_k:
            log(f"K={scale}: a new day added")
            row["new day"] = new_day(root, scratch, env)
            log(f"K={scale}: through a lake server")
            row.update(through_server(root, scratch / f"k{scale}-server", env))
        for workers in args.clusters:
            log(f"K={scale}: lake build on a cluster of {workers}")
            with StandaloneCluster(workers=workers) as cluster:
                cluster_env = dict(env, **{k: v for k, v in cluster.env().items()
                                           if k in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
                built = lake_build(root, scratch / f"k{scale}-c{workers}", cluster.url,
                                   cluster_env)
                built["workers_rss"] = tree_rss([p.pid for p in cluster._procs])
            row[f"cluster {workers}"] = built
        log(f"K={scale}: lake publish")
        bench.fresh(database, tables=True)
        m = run_measured(sparkify("lake", "publish", str(scratch / f"k{scale}-local"),
                                  "--json"), bench.env(database))
        published = m.json()
        row["publish"] = {"seconds": m.seconds, "peak_rss": m.peak_rss,
                          "tables": published["tables"]}
        row["same_tables"] = (published["tables"] == loaded["tables"] and all(
            row[k]["tables"] == loaded["tables"] for k in row if k not in NOT_BUILDS))
        bench.drop(database)
        runs[scale] = row
    return {"runs": runs, "loadavg": loadavg, "machine": machine_facts(bench),
            "command": " ".join(["python bench/spark_lake.py", *args.argv])}


def through_server(root: Path, scratch: Path, env: dict[str, str]) -> dict:
    """`sparkify lake serve` started afresh: its first full build, a new day, the full build
    again; with the server's peak memory (its process tree, sampled)."""
    socket = scratch / "lake.sock"
    scratch.mkdir(parents=True)
    server = subprocess.Popen(sparkify("lake", "serve", str(socket), "--master", "local[2]"),
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:  # PSS reads smaps: once a second, not to take the builds' CPU
        ticks = 0
        while not stop.wait(0.2):
            peak[0] = max(peak[0], tree_rss([server.pid]))
            ticks += 1
            if ticks % 5 == 0:
                peak[1] = max(peak[1], tree_rss([server.pid], pss=True))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        deadline = time.monotonic() + 180
        while not (scratch / "lake.sock.key").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()  # before reading its log: a live one would never end it
                raise RuntimeError(f"the lake server did not start: {server.stderr.read()!r}")
            time.sleep(0.1)
        rows = {"server first": lake_build(root, scratch / "first", None, env, server=socket)}
        rows["server new day"] = new_day(root, scratch, env, server=socket)
        rows["server again"] = lake_build(root, scratch / "again", None, env, server=socket)
    finally:
        stop.set()
        sampler.join()
        server.terminate()
        server.wait(timeout=120)
    for row in rows.values():
        row["server_rss"], row["server_pss"] = peak
    return rows


LABELS = (("load", "sparkify load (embedded PostgreSQL)"),
          ("local[2]", "lake build, local[2]"),
          ("native", "lake build, local[2], every file by Spark's readers (native)"),
          ("driver", "lake build, local[2], every file parsed on the driver"),
          ("python", "lake build, local[2], every record through Python on the workers"),
          ("new day", "lake build, local[2], one new day on the lake of the others"),
          ("server first", "lake build through a lake server, local[2]: its first build"),
          ("server new day", "the same server: one new day on the lake of the others"),
          ("server again", "the same server: the full build again"),
          ("cluster 1", "lake build, cluster of 1 worker"),
          ("cluster 2", "lake build, cluster of 2 workers"),
          ("publish", "lake publish (into embedded PostgreSQL)"))


def _table(result: dict) -> list[str]:
    lines = ["| K | events | command | seconds | events/s | vs load | peak RSS (PSS) |",
             "|---:|---:|---|---:|---:|---:|---:|"]
    for scale, row in result["runs"].items():
        events, base = row["local[2]"]["events"], row["load"]["seconds"]
        for name, label in LABELS:
            if name not in row:
                continue
            r = row[name]
            memory = f"{r['peak_rss'] / 2**20:,.0f} MB"
            if r.get("peak_pss"):
                memory += f" ({r['peak_pss'] / 2**20:,.0f} MB)"
            if "server_rss" in r:
                memory += (f" (+ server {r['server_rss'] / 2**20:,.0f} MB, PSS "
                           f"{r['server_pss'] / 2**20:,.0f} MB)")
            if "workers_rss" in r:
                memory += f" (+ workers {r['workers_rss'] / 2**20:,.0f} MB at the end)"
            counted = r.get("events", events)
            rate = f"{counted / r['seconds']:,.0f}" if name != "publish" else ""
            if name in ("new day", "server new day"):
                label += f" ({r['files']} files, {counted:,} events)"
            lines.append(f"| {scale} | {events:,} | {label} | {r['seconds']:.1f} | {rate} "
                         f"| {r['seconds'] / base:.2f}x | {memory} |")
    return lines


def _targets(runs: dict) -> list[str]:
    """Issue 21's targets, each from this run's figures."""
    notes = []
    for scale, row in runs.items():
        ratio = row["local[2]"]["seconds"] / row["load"]["seconds"]
        notes.append(f"K={scale}: lake build local[2] takes {ratio:.2f}x `sparkify load`")
        if "new day" in row:
            share = row["new day"]["seconds"] / row["local[2]"]["seconds"]
            notes.append(f"K={scale}: a new day ({row['new day']['files']} log files) takes "
                         f"{share:.0%} of a full build")
        if "server new day" in row:
            first, again = row["server first"]["seconds"], row["server again"]["seconds"]
            day = row["server new day"]["seconds"]
            notes.append(f"K={scale}: through a lake server, the first full build takes "
                         f"{first / row['load']['seconds']:.2f}x `sparkify load`, the full build "
                         f"again {again / row['load']['seconds']:.2f}x; a new day takes "
                         f"{day / again:.0%} of that full build again ({day / first:.0%} of the "
                         f"first; {day / row['local[2]']['seconds']:.0%} of the build by its own "
                         "command)")
        for path in (p for p in PATHS if p in row):
            ratio = row[path]["seconds"] / row["local[2]"]["seconds"]
            notes.append(f"K={scale}: every file by the {path} path takes {ratio:.2f}x the "
                         f"default (auto)")
        if "cluster 1" in row and "cluster 2" in row:
            one, two = row["cluster 1"]["seconds"], row["cluster 2"]["seconds"]
            notes.append(f"K={scale}: two workers take {two / one:.2f}x the time of one")
        notes.append(f"K={scale}: tables equal to `sparkify load`'s: "
                     f"{'yes' if row['same_tables'] else 'NO'}")
    if "1" in map(str, runs):
        notes.append(f"K=1: the whole `lake build` command, JVM start included, "
                     f"{runs[next(k for k in runs if str(k) == '1')]['local[2]']['seconds']:.1f} s")
    scales = sorted(runs, key=int)
    if len(scales) > 1:
        big, small = runs[scales[-1]]["local[2]"], runs[scales[-2]]["local[2]"]
        rate, before = big["events"] / big["seconds"], small["events"] / small["seconds"]
        notes.append(f"K={scales[-1]} builds {rate:,.0f} events/s, {rate / before:.2f}x "
                     f"the rate of K={scales[-2]}; peak RSS {big['peak_rss'] / 2**30:.2f} GB"
                     + (f", PSS {big['peak_pss'] / 2**30:.2f} GB" if big.get("peak_pss") else ""))
    largest = runs[scales[-1]]
    if "cluster 1" in largest:
        per_core = largest["local[2]"]["events"] / largest["cluster 1"]["seconds"]
        loader = largest["local[2]"]["events"] / largest["load"]["seconds"]
        notes.append(
            f"One executor core (the cluster of one worker) builds {per_core:,.0f} events/s end "
            f"to end at K={scales[-1]}; the loader {loader:,.0f} events/s on two cores. If a "
            f"build scaled linearly with cores (it will not quite: the driver, the JVM start "
            f"and the shuffles do not shrink), about {loader / per_core:.1f} executor cores "
            f"would match one loader process; publishing into one PostgreSQL still takes "
            f"{largest['publish']['seconds'] / largest['load']['seconds']:.1f}x a direct load")
    return notes


def render(result: dict) -> str:
    lines = [f"<!-- bench:{SECTION}:start -->",
             f"## The Spark engine beside `sparkify load` (`{result['command']}`)", "",
             (run_line(result) + " "
              "(other agents share these cores: compare ratios within the run). "
              "Each figure is one whole command in its own process (a Spark one includes "
              "starting its JVM); the clusters are standalone, on loopback, "
              "workers of one core and 1 GB each, on the same two cores as everything else."),
             "", *_table(result), "", *[f"- {note}." for note in _targets(result["runs"])],
             f"<!-- bench:{SECTION}:end -->", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--clusters", default="1,2",
                       help="workers of the cluster runs (default 1,2; \"\" for none)")
    extra.add_argument("--python-max-k", type=int, default=100,
                       help="largest K of the Python-path runs (default 100)")
    extra.add_argument("--new-day-max-k", type=int, default=100,
                       help="largest K of the new-day runs (default 100)")
    known, rest = extra.parse_known_args(argv if argv is not None else sys.argv[1:])
    args = options(__doc__, SECTION, "1,10,100", argv=rest)
    args.clusters = [int(n) for n in known.clusters.split(",") if n.strip()]
    args.python_max_k = known.python_max_k
    args.new_day_max_k = known.new_day_max_k
    args.argv = argv if argv is not None else sys.argv[1:]
    result = bench_spark(args)
    save(args, SECTION, result, render)
    return 0 if all(row["same_tables"] for row in result["runs"].values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
