"""The disk filling up during a load: one line naming the cause, the warehouse as it was (whole
files only), and after the disk grows a rerun equal to a clean load.

The embedded server's data folder sits on a small tmpfs mounted for the test (as root), grown
afterwards with `mount -o remount,size=…`.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sparkify.postgres.server import EmbeddedServer
from tests.support.faults import CLI, nothing_half_loaded, rerun_equals_clean
from tests.support.prerequisites import missing

pytestmark = [pytest.mark.embedded, pytest.mark.slow]


@pytest.fixture
def small_disk_server(tmp_path, monkeypatch):
    """An embedded server whose data folder is on a 160 MB tmpfs; unmounted at the end."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        missing("root (to mount a tmpfs)", "run the suite as root")
    home = (tmp_path / "home").absolute()
    monkeypatch.setenv("SPARKIFY_HOME", str(home))
    for name in ("DATABASE_URL", "SPARKIFY_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    server = EmbeddedServer(home)
    server.server_dir.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(server.server_dir)],
                   check=True)
    try:
        server.ensure_running()
        yield server
    finally:
        server.stop()
        subprocess.run(["umount", "--lazy", str(server.server_dir)], check=False)
        shutil.rmtree(server.server_dir, ignore_errors=True)


def test_a_disk_filled_by_a_load_ends_it_in_one_line_and_a_rerun_after_growing_equals_clean(
        small_disk_server, tmp_path):
    server = small_disk_server
    data = tmp_path / "k10"
    subprocess.run([*CLI, "generate", str(data), "--scale", "10"], check=True,
                   capture_output=True, timeout=120)
    full = subprocess.run([*CLI, "load", str(data), "--no-check"], capture_output=True,
                          text=True, timeout=300, check=False)
    lines = [line for line in full.stderr.splitlines() if line.strip()]
    assert full.returncode == 2 and len(lines) == 1, full.stderr
    assert "No space left on device" in lines[0] or "out of disk" in lines[0], lines[0]

    subprocess.run(["mount", "-o", "remount,size=1g", str(server.server_dir)], check=True)
    nothing_half_loaded()  # the next command restarts a server the full disk stopped
    rerun_equals_clean(server.home, data)
