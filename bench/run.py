"""Benchmark harness: `sparkify load` against the floor and the row-by-row way, per scale K.

    python bench/run.py --scales 1,10,100          # make bench
    python bench/run.py --scales 1000 --section large   # make bench-large

For each K, on data from `sparkify generate --scale K` (cached under bench/cache/data) and on a
fresh database for every measurement, it times `sparkify load` end to end, the floor (COPY of the
final rows), the row-by-row loader (bounded in time, then extrapolated), an incremental load of
the last day and a no-op rerun; checks that the fast path and the row-by-row loader give the same
rows; profiles the loader at one K; and rewrites its own section of bench/RESULTS.md.
bench/README.md says what each figure means. The harness lives in bench/harness/: measure
(the bench server, running and measuring a command), roots (data), steps, compare
(fast path vs row-by-row), scales (one K), targets and results (RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.compare import checksums, compare
from harness.measure import BENCH, Bench, detect_load_flags, log
from harness.results import baseline_k100, machine_facts, render, write_section
from harness.roots import generated_root, last_day
from harness.scales import DISK_PER_DATA_BYTE, WAL_BYTES, bench_scale, warn_if_disk_short
from harness.steps import extrapolate
from harness.targets import fmt_s, fmt_x, mb, ratios

# what tests/project/test_bench.py uses, besides main
__all__ = ["DISK_PER_DATA_BYTE", "WAL_BYTES", "Bench", "checksums", "compare", "extrapolate",
           "last_day", "main", "warn_if_disk_short", "write_section"]


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
    args = parse_args(argv)
    args.cache = args.cache.absolute()
    saved = args.cache / f"results-{args.section}.json"
    if args.render_only:
        run = json.loads(saved.read_text())
        run["baseline_k100"] = baseline_k100(run, args.cache)
        write_section(args.output, render(run, args.section), args.section)
        log(f"wrote {args.output} from {saved}")
        return 0
    bench = Bench.start(args.cache, detect_load_flags())
    log(f"bench server under {bench.settings.home}")
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    run = {"command": command.strip(), "machine": machine_facts(bench), "scales": [],
           "load_command": " ".join(["sparkify", "load", "ROOT", "--json", *bench.load_flags])}
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
