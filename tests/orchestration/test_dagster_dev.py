"""`dagster dev` for real, with its state on the warehouse's server (`sparkify dagster init`):
the asset graph in headless chromium, and a materialization launched over its GraphQL API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.postgres.db import connect
from tests.support import prerequisites
from tests.support.browser import Browser
from tests.support.helpers import scalar

pytest.importorskip("dagster")
pytestmark = pytest.mark.slow

ASSETS = ("songs", "artists", "events", "songplays", "users", "time", "user_song_plays",
          "analytics_views", "report_html")
GROUPS = {"warehouse": ASSETS[:7], "analytics": ASSETS[7:]}
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(base: str, text: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": text, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        answer = json.load(reply)
    assert "errors" not in answer, answer
    return answer["data"]


@pytest.fixture
def dagster_home(settings, tmp_path) -> Path:
    home = tmp_path / "dagster-home"
    result = CliRunner().invoke(cli, ["dagster", "init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "password" not in (home / "dagster.yaml").read_text()
    return home


def test_init_keeps_dagster_state_on_the_server_out_of_a_readers_sight(settings, dagster_home):
    storage = f"{settings.database}_dagster"
    with connect(settings, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'analyst'").fetchone():
            conn.execute("CREATE ROLE analyst LOGIN")
    assert CliRunner().invoke(cli, ["grant-read", "analyst"]).exit_code == 0
    assert scalar(settings, "SELECT has_database_privilege('analyst', %s, 'CONNECT')",
                  [settings.database])
    assert not scalar(settings, "SELECT has_database_privilege('analyst', %s, 'CONNECT')",
                      [storage])


def test_init_prints_an_export_line_a_shell_can_run_however_long_the_home(settings, tmp_path):
    home = tmp_path / ("a-folder-deep-down-" * 5) / "dagster [home]"  # long, a space, brackets
    result = CliRunner().invoke(cli, ["dagster", "init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    exports = [line for line in result.output.splitlines() if line.startswith("export ")]
    assert len(exports) == 1 and len(exports[0]) > 80, result.output
    shell = subprocess.run(["bash", "-c", f'{exports[0]}\nprintf %s "$DAGSTER_HOME"'],
                           capture_output=True, text=True, check=True)
    assert shell.stdout == str(home)
    assert f"DAGSTER_HOME {home} written: " in result.output.splitlines()[0]


@pytest.fixture
def dagster_dev(settings, sample_root, dagster_home, tmp_path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "SPARKIFY_DATA": str(sample_root),
           "SPARKIFY_REPORT": str(tmp_path / "report.html")}
    log = (tmp_path / "dagster-dev.log").open("wb")
    proc = subprocess.Popen([str(BIN / "dagster"), "dev", "-m", "sparkify.orchestration",
                             "-h", "127.0.0.1", "-p", str(port)], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/server_info", timeout=5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError((tmp_path / "dagster-dev.log").read_text()[-3000:]) from None
            time.sleep(0.5)
    yield base
    os.killpg(proc.pid, signal.SIGINT)  # dagster dev stops its webserver, daemon and code server
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def test_dagster_dev_shows_every_asset_and_runs_a_materialization(settings, dagster_dev):
    prerequisites.require_chromium()
    browser = Browser()
    # a large page: the graph draws only the nodes in view
    browser.call("Emulation.setDeviceMetricsOverride", width=2400, height=2000,
                 deviceScaleFactor=1, mobile=False)
    shown: set[str] = set()
    try:
        for group in ("warehouse", "analytics"):  # each group's asset graph
            browser.open(f"{dagster_dev}/locations/sparkify.orchestration/asset-groups/"
                         f"{group}/lineage")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                lines = (browser.evaluate("document.body.innerText") or "").split("\n")
                found = {name for name in ASSETS if name in lines}
                if found >= set(GROUPS[group]):
                    break
                time.sleep(0.5)
            shown |= found
            problems = [p for p in browser.problems()
                        if not p.startswith((f"request to {dagster_dev}",
                                             f"request to blob:{dagster_dev}"))]
            assert problems == [], group
    finally:
        browser.close()
    assert shown == set(ASSETS)

    launched = graphql(dagster_dev, LAUNCH, {"params": {
        "selector": {"repositoryLocationName": "sparkify.orchestration",
                     "repositoryName": "__repository__", "jobName": "daily_load"},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2018-11-05"}]}}})
    run = launched["launchRun"]
    assert run["__typename"] == "LaunchRunSuccess", run
    run_id = run["run"]["runId"]
    status, deadline = "", time.monotonic() + 180
    while status not in ("SUCCESS", "FAILURE", "CANCELED") and time.monotonic() < deadline:
        time.sleep(1)
        status = graphql(dagster_dev, STATUS, {"id": run_id})["runOrError"]["status"]
    assert status == "SUCCESS"
    assert scalar(settings, "SELECT count(*) FROM sparkify.manifest WHERE kind = 'log'") == 1
    assert scalar(settings, "SELECT count(*) FROM songs") == 71
    with connect(settings, f"{settings.database}_dagster", autocommit=True) as conn:
        stored = conn.execute("SELECT run_id, status FROM runs").fetchall()
    assert (run_id, "SUCCESS") in stored  # the run's state is on the warehouse's server


LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } }
  ... on PythonError { message } ... on InvalidSubsetError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
