"""A missing prerequisite skips its tests outside CI and fails them under CI=true: shown with
Java hidden from PATH, in a pytest run of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.prerequisites import REPO


def run_without_java(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    test = tmp_path / "test_needs_java.py"
    test.write_text("from tests.support import prerequisites\n\n\ndef test_needs_java():\n"
                    "    prerequisites.require_java()\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(PATH=str(tmp_path), PYTHONPATH=str(REPO))  # no folder holding java
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider",
                           str(test)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_missing_java_fails_and_says_so(tmp_path, ci):
    done = run_without_java(tmp_path, ci)
    assert done.returncode == 1, done.stdout
    assert "Java (for the Spark engine) is missing" in done.stdout
    assert "1 failed" in done.stdout


def test_outside_ci_missing_java_skips_saying_why(tmp_path):
    done = run_without_java(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout and "Java (for the Spark engine) is missing" in done.stdout
