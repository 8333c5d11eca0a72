"""Loading from S3 vs from disk: the same files, the same run, on a local S3 server.

    python bench/s3.py                 # K = 10 (make bench-s3)
    python bench/s3.py --scale 1 --repeat 3

The data of `sparkify generate --scale K` (bench/cache/data, shared with bench/run.py) is put
into a bucket of moto's S3 server on loopback. Then, on a fresh database each time and
alternating the two sources, `sparkify load` loads it from disk and from s3://; both are also
loaded with the song files only, for the song objects per second. A no-op rerun from S3 is
timed and the server's log says how many objects it read (none, if the manifest works). The
figures go to the `s3` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))  # the tests package: tests.support
from harness.measure import Bench, log, run_measured, sparkify  # noqa: E402 - bench/harness
from harness.results import machine_facts, run_line, write_section  # noqa: E402
from harness.roots import data_files, generated_root, link_tree, root_facts  # noqa: E402

from tests.support import s3_server  # noqa: E402 - moto's server on a free port

BUCKET = "sparkify-bench"
SECTION = "s3"


def upload(server: s3_server.S3Server, root: Path, scale: int) -> tuple[str, str, float]:
    """The K data under s3://BUCKET/kK (all) and s3://BUCKET/kK-songs (song files only)."""
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    started = time.perf_counter()
    s3_server.upload_tree(client, BUCKET, f"k{scale}", root)
    s3_server.upload_tree(client, BUCKET, f"k{scale}-songs/song_data", root / "song_data")
    return (f"s3://{BUCKET}/k{scale}", f"s3://{BUCKET}/k{scale}-songs",
            time.perf_counter() - started)


def database(source: str) -> str:
    return "bench_s3_" + source.replace(" ", "_")


def measure(bench: Bench, root: str, env: dict[str, str], database: str) -> dict:
    bench.fresh(database, tables=True)
    m = run_measured(sparkify("load", root, "--json", "--no-check"),
                         {**bench.env(database), **env})
    result = m.json()
    return {"seconds": m.seconds, "peak_rss": m.peak_rss, "events": result["events"]["read"],
            "files": result["files"]["loaded"], "tables": result["tables"]}


def fetch_rates(env: dict[str, str], url: str, threads: tuple[int, ...] = (1, 4, 16)
                ) -> dict[int, float]:
    """Song objects fetched per second by sources.opened, so many at a time (no parsing)."""
    os.environ.update(env)
    from sparkify.sources.files import files as sources

    found = sources.discover(url)
    rates = {}
    for count in threads:
        sources.FETCH_THREADS = count
        started = time.perf_counter()
        for _, handle in sources.opened(found):
            assert handle is not None
            handle.read()
        rates[count] = len(found) / (time.perf_counter() - started)
    return rates


def bench_s3(args: argparse.Namespace) -> dict:
    bench = Bench.start(args.cache)
    loadavg = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    root, _ = generated_root(args.cache, args.scale, args.seed, bench.env("postgres"))
    songs_root = args.cache / "scratch" / f"k{args.scale}-songs"
    if not songs_root.is_dir():
        song_files, _ = data_files(root)
        link_tree(root, songs_root, song_files)
    facts = root_facts(root)
    log_path = args.cache / "scratch" / "s3-requests.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = s3_server.start(log_path)
    try:
        url, songs_url, upload_seconds = upload(server, root, args.scale)
        env = {"AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": s3_server.REGION,
               "AWS_EC2_METADATA_DISABLED": "true"}
        runs: dict[str, list[dict]] = {"disk": [], "s3": [], "disk songs": [], "s3 songs": []}
        for turn in range(args.repeat):
            for name, target in (("disk", str(root)), ("s3", url), ("disk songs", str(songs_root)),
                                 ("s3 songs", songs_url)):
                log(f"K={args.scale} {name}, turn {turn + 1}")
                runs[name].append(measure(bench, target, env, database(name)))
        reads = len(server.object_reads(BUCKET))
        noop = run_measured(sparkify("load", url, "--json", "--no-check"),
                                {**bench.env(database("s3")), **env})
        noop_result = noop.json()
        noop_reads = len(server.object_reads(BUCKET)) - reads
        log("fetch rates")
        rates = fetch_rates(env, songs_url)
    finally:
        server.stop()
        for name in runs:
            bench.drop(database(name))
    same = all(r["tables"] == runs["disk"][0]["tables"] for r in runs["disk"] + runs["s3"])
    return {"scale": args.scale, "facts": facts, "loadavg": loadavg,
            "upload_seconds": upload_seconds,
            "runs": runs, "same_tables": same, "tables": runs["disk"][0]["tables"],
            "noop": {"seconds": noop.seconds, "files_loaded": noop_result["files"]["loaded"],
                     "object_reads": noop_reads}, "fetch_rates": rates,
            "machine": machine_facts(bench), "command": " ".join(["python bench/s3.py",
                                                                      *args.argv])}


def render(result: dict) -> str:
    runs, facts, k = result["runs"], result["facts"], result["scale"]

    def best(name: str) -> dict:
        return min(runs[name], key=lambda r: r["seconds"])

    def median(name: str) -> float:
        return statistics.median(r["seconds"] for r in runs[name])

    lines = [f"<!-- bench:{SECTION}:start -->",
             f"## Loading from S3 vs from disk: K = {k} (`{result['command']}`)", "",
             (run_line(result) + f". "
             f"{facts['log_files']} log + {facts['song_files']:,} song files, "
             f"{facts['bytes'] / 1e6:.1f} MB, put into moto's S3 server on loopback "
             f"({result['upload_seconds']:.1f} s, not timed below). Each figure is "
             "`sparkify load ROOT --json --no-check` end to end on a fresh database, the two "
             f"sources alternating, best of {len(runs['disk'])} (median in brackets)."), "",
             "| source | seconds | events/s | song files/s | peak RSS |",
             "|---|---:|---:|---:|---:|"]
    for source in ("disk", "s3"):
        whole, songs = best(source), best(f"{source} songs")
        lines.append(
            f"| {source} | {whole['seconds']:.2f} ({median(source):.2f}) "
            f"| {whole['events'] / whole['seconds']:,.0f} "
            f"| {songs['files'] / songs['seconds']:,.0f} "
            f"(song files only: {songs['seconds']:.2f} s) "
            f"| {whole['peak_rss'] / 2**20:.0f} MB |")
    ratio = best("s3")["seconds"] / best("disk")["seconds"]
    song_ratio = best("s3 songs")["seconds"] / best("disk songs")["seconds"]
    noop = result["noop"]
    lines += ["", (f"- S3 / disk: {ratio:.2f}x the time for the whole load, {song_ratio:.2f}x "
              "for the song files alone."),
              (f"- Tables the same from both sources: {'yes' if result['same_tables'] else 'NO'} "
              f"({', '.join(f'{t} {n:,}' for t, n in result['tables'].items())})."),
              (f"- No-op rerun from S3: {noop['seconds']:.2f} s, {noop['files_loaded']} files "
              f"loaded, {noop['object_reads']} objects read (counted in the server's log)."),
              ("- Song objects fetched per second (sources.opened alone, no parsing), so "
               "many at a time: " + ", ".join(f"{n}: {rate:,.0f}/s" for n, rate in
                                               result["fetch_rates"].items()) + "."),
              ("- moto is a Python server on the same two cores as the loader and PostgreSQL: "
              "each request costs CPU that a real S3 does not take from the loader, while a "
              "real S3 adds network latency that loopback does not. The objects are fetched "
              "16 at a time (sources.FETCH_THREADS) ahead of the parser."),
              f"<!-- bench:{SECTION}:end -->", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="K (default 10)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--repeat", type=int, default=2, help="turns of each source (default 2)")
    parser.add_argument("--cache", type=Path, default=BENCH / "cache",
                        help="generated data and the bench server (default bench/cache)")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md",
                        help="results file whose `s3` section is rewritten")
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    args.cache = args.cache.absolute()
    result = bench_s3(args)
    (args.cache / f"results-{SECTION}.json").write_text(json.dumps(result, indent=1,
                                                                   default=str))
    write_section(args.output, render(result), SECTION)
    log(f"wrote {args.output}")
    return 0 if result["same_tables"] and result["noop"]["object_reads"] == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
