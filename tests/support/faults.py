"""What the fault tests share: the command line, and the check that nothing is half-loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
