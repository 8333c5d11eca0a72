"""What the fault tests share: the command line, the check that nothing is half-loaded, and
that a load after the fault equals a clean one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "sparkify"]


def nothing_half_loaded(env: dict | None = None) -> None:
    """Every file the manifest holds has all its rows, and no row lacks its file or references:
    the manifest and orphan checks of `sparkify check` pass (the others may not, on a load
    cut short: its analytics indexes, say)."""
    done = subprocess.run([*CLI, "check", "--json"], env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.stdout, done.stderr
    checks = json.loads(done.stdout)["checks"]
    kept = [c for c in checks if c["name"].startswith(("data.manifest", "data.orphans"))]
    assert kept and all(c["passed"] for c in kept), kept


def rerun_equals_clean(home: Path, data: Path) -> None:
    """`sparkify load` of `data` after a fault completes, and gives the tables a load of the
    same data into a fresh database ("clean") of the same embedded server gives."""
    from sparkify.config import Settings
    from tests.support.loads import snapshot

    done = subprocess.run([*CLI, "load", str(data), "--no-check"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    subprocess.run([*CLI, "load", str(data), "--no-check"], check=True, capture_output=True,
                   timeout=300, env={**os.environ, "SPARKIFY_DATABASE": "clean"})

    def settings(database: str) -> Settings:
        return Settings(home=home, database_url=None, database=database, data_root=data)
    assert snapshot(settings("sparkifydb")) == snapshot(settings("clean"))
