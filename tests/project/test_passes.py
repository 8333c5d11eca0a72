"""`make test`'s runner (tests/passes.py): the PostgreSQL 15 pass runs at the same time as the
first, its output follows the first's, a failure in either fails the run, and a missing
PostgreSQL 15 under CI is one line before any test runs. Shown on a suite of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.prerequisites import REPO

SUITE = '''import os, time

def test_takes_a_while():
    server = os.environ.get("SPARKIFY_TEST_SERVER", "embedded")
    start = time.time()
    time.sleep(3)
    with open("spans", "a") as spans:
        spans.write(f"{server} {start} {time.time()}\\n")

def test_fails_on_the_second_server_only():
    assert os.environ.get("SPARKIFY_TEST_SERVER") != "pg15", "fails on 15"
'''


def run_passes(tmp_path: Path, pg15: str, ci: str | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SPARKIFY_TEST_SERVER")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, str(REPO / "tests" / "passes.py"), pg15,
                           "-p", "no:cacheprovider"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_both_passes_run_at_once_and_a_failure_in_the_second_fails_the_run(tmp_path):
    done = run_passes(tmp_path, "/bin/true")  # an executable where PostgreSQL 15's would be
    assert done.returncode == 1, done.stdout + done.stderr
    first, _, second = done.stdout.partition("\nthe suite on PostgreSQL 15\n")
    assert "2 passed" in first and "failed" not in first
    assert "1 failed, 1 passed" in second and "fails on 15" in second
    spans = {server: (float(start), float(end)) for server, start, end in
             (line.split() for line in (tmp_path / "spans").read_text().splitlines())}
    assert spans.keys() == {"embedded", "pg15"}
    assert spans["pg15"][0] < spans["embedded"][1] and spans["embedded"][0] < spans["pg15"][1]


def test_under_ci_a_missing_postgresql_15_is_one_line_before_any_test(tmp_path):
    done = run_passes(tmp_path, str(tmp_path / "no-postgres"), ci="true")
    assert done.returncode == 1
    assert done.stderr == "postgresql-15 is missing and could not be installed\n"
    assert not (tmp_path / "spans").exists() and "passed" not in done.stdout
