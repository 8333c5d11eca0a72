"""What the suite needs from the machine, and what happens when it is missing.

Outside CI a missing prerequisite skips the tests that need it, saying why. Under CI
(`CI=true`) it fails them: a green CI run must mean every test ran, so that, say, the check
that both engines give equal tables cannot pass silently on a machine without Java.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]  # tests/support/ -> the repo
SAMPLE = REPO.parent / "shared" / "data" / "sparkify-sample"
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, fix: str) -> None:
    """Skip (or, under CI, fail) the calling test: `what` is missing, `fix` says how to get it."""
    message = f"{what} is missing ({fix})"
    if under_ci():
        pytest.fail(f"{message}; under CI=true a missing prerequisite is a failure",
                    pytrace=False)
    pytest.skip(message)


def require_java() -> None:
    if shutil.which("java") is None:
        missing("Java (for the Spark engine)",
                "make install installs Debian's openjdk-17-jre-headless as root")


def require_sample() -> Path:
    if not SAMPLE.is_dir():
        missing(f"the real sample at {SAMPLE}", "clone the repo beside ../shared")
    return SAMPLE


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        missing("chromium (the browser tests)",
                "make test installs Debian's chromium as root")
    return CHROMIUM

