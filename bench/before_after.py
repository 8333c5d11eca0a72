"""Before and after: `sparkify load` of the same generated root by two commits, in one run.

A change that should not change speed (a refactor) is measured here: the commit BEFORE is
checked out in a worktree under the cache with its own venv, and the two loaders take turns
(before, after, before, after, ...) on fresh embedded servers, so that whatever else the
machine does falls on both alike. The figure compared is the load's own `seconds` (from
`--json`: planning, parsing, staging, transform and finish; not the server's start).

    python bench/before_after.py --before e2c9d97 --scale 100 --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SECTION_START = "<!-- before-after:start -->"
SECTION_END = "<!-- before-after:end -->"


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs)


def prepare_before(ref: str, cache: Path) -> tuple[Path, str]:
    """A worktree of `ref` with its own venv; returns its `sparkify` and the full sha."""
    sha = _run(["git", "-C", str(REPO), "rev-parse", ref]).stdout.strip()
    tree = cache / f"before-{sha[:10]}"
    if not (tree / ".venv" / "bin" / "sparkify").exists():
        if tree.exists():
            _run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)])
        _run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), sha])
        _run([sys.executable, "-m", "venv", str(tree / ".venv")])
        pip = str(tree / ".venv" / "bin" / "pip")
        if (tree / "requirements.lock").exists():  # a commit with a lock installs from it
            _run([pip, "install", "--quiet", "--require-hashes", "--no-deps", "-r",
                  str(tree / "requirements.lock")])
            _run([pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "-e",
                  str(tree)])
        else:
            _run([pip, "install", "--quiet", "-e", str(tree)])
    return tree / ".venv" / "bin" / "sparkify", sha


def _forget_server(home: Path) -> None:
    """Remove the server of `home` whole: as root its data lives outside `home`."""
    from sparkify.postgres.server import EmbeddedServer

    shutil.rmtree(EmbeddedServer(home.absolute()).server_dir, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)


def load_once(sparkify: Path, root: Path, home: Path) -> float:
    """One load into a new embedded server in `home`; the load's own seconds."""
    _forget_server(home)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SPARKIFY_DATABASE")}
    env["SPARKIFY_HOME"] = str(home)
    try:
        _run([str(sparkify), "db", "start"], env=env)
        out = _run([str(sparkify), "load", str(root), "--json", "--no-check"], env=env).stdout
        return float(json.loads(out)["seconds"])
    finally:
        subprocess.run([str(sparkify), "db", "stop"], env=env, capture_output=True, check=False)
        _forget_server(home)


def render(figures: dict) -> str:
    before, after = figures["before"], figures["after"]
    ratio = statistics.median(after) / statistics.median(before)
    rows = "\n".join(f"| {i + 1} | {b:.1f} | {a:.1f} |"
                     for i, (b, a) in enumerate(zip(before, after, strict=True)))
    return (
        f"{SECTION_START}\n## Before and after (`bench/before_after.py`)\n\n"
        f"{figures['date']}, K = {figures['scale']:g} ({figures['events']:,} events), "
        f"{figures['cpus']} cores, load average {figures['load_average']:.1f} at the start. "
        f"Before: `{figures['before_sha'][:10]}`; after: `{figures['after_sha'][:10]}`. The two "
        "loaders took turns on fresh embedded servers; seconds are the load's own (`--json`).\n\n"
        "| run | before s | after s |\n|---:|---:|---:|\n" + rows + "\n\n"
        f"Median after / before: **{ratio:.3f}** "
        f"({'within' if abs(ratio - 1) <= 0.05 else 'outside'} the 5% a refactor allows).\n"
        f"{SECTION_END}\n")


def write_section(text: str, output: Path) -> None:
    old = output.read_text(encoding="utf-8") if output.exists() else "# Benchmark results\n"
    if SECTION_START in old:
        head, rest = old.split(SECTION_START, 1)
        old = head + rest.split(SECTION_END, 1)[1].lstrip("\n")
    output.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="e2c9d97", help="commit to compare with (git ref)")
    parser.add_argument("--scale", type=float, default=100.0, help="generated K (default 100)")
    parser.add_argument("--runs", type=int, default=2, help="loads of each side (default 2)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", type=Path, default=BENCH / "cache")
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    before, before_sha = prepare_before(args.before, args.cache)
    after = Path(sys.executable).with_name("sparkify")
    root = args.cache / f"before-after-k{args.scale:g}-s{args.seed}"
    if not (root / "log_data").is_dir():
        _run([str(after), "generate", str(root), "--scale", f"{args.scale:g}", "--seed",
              str(args.seed), "--force"])
    events = sum(1 for path in (root / "log_data").rglob("*.json")
                 for line in path.open("rb") if line.strip())
    figures: dict = {"before": [], "after": [], "scale": args.scale, "events": events,
                     "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
                     "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                     "before_sha": before_sha,
                     "after_sha": _run(["git", "-C", str(REPO), "rev-parse", "HEAD"]
                                       ).stdout.strip()}
    for run in range(args.runs):
        for side, sparkify in (("before", before), ("after", after)):
            started = time.perf_counter()
            seconds = load_once(sparkify, root, args.cache / f"before-after-home-{side}-{run}")
            figures[side].append(seconds)
            print(f"run {run + 1} {side}: {seconds:.1f} s "
                  f"(wall {time.perf_counter() - started:.1f} s)", flush=True)
    (args.cache / "before-after.json").write_text(json.dumps(figures, indent=1))
    write_section(render(figures), args.output)
    print(render(figures))


if __name__ == "__main__":
    main()
