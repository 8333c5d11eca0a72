"""One scale K: every step in order, with the load average before each."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
from pathlib import Path

from sparkify.postgres.server import EmbeddedServer

from .compare import compare, wrong_counts
from .measure import REPO, Bench, has_command, log
from .roots import root_facts
from .steps import (
    step_checks,
    step_floor,
    step_incremental,
    step_load,
    step_noop,
    step_profile,
    step_rowbyrow,
)

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
        if bench.load_flags and has_command("check"):
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


def source_fingerprint() -> str:
    """A hash of the package's code and SQL: shows whether the loader changed during a run."""
    digest = hashlib.sha256()
    package = REPO / "src" / "sparkify"
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.sql")]):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
