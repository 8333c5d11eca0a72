"""Data roots: generated once per scale and cached; their files, last day and links."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from .measure import REPO, log, sparkify

DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


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
