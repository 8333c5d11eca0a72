"""Staging in a second process gives exactly the tables staging in turn gives."""

from sparkify.generate import GenerateConfig, generate
from sparkify.postgres.load.pipeline import LoadOptions, load
from tests.support.helpers import query

# Every column but surrogate ids and load times, in a stable order, per table.
SNAPSHOT = {
    "songplays": "SELECT start_time, user_id, level, song_id, artist_id, session_id, "
                 "item_in_session, location, user_agent, song_title, artist_name, song_length, "
                 "source_line FROM songplays ORDER BY session_id, item_in_session, start_time",
    "events": "SELECT event_time, user_id, session_id, item_in_session, page, status, level, "
              "source_line FROM events ORDER BY session_id, item_in_session, event_time",
    "users": "SELECT * FROM users ORDER BY user_id",
    "songs": "SELECT * FROM songs ORDER BY song_id",
    "artists": "SELECT * FROM artists ORDER BY artist_id",
    "time": "SELECT * FROM time ORDER BY start_time",
    "manifest": "SELECT path, kind, size_bytes, sha256, records_read, records_loaded, "
                "song_plays, other_pages, rejected FROM sparkify.manifest ORDER BY path",
}


def _snapshot(settings) -> dict:
    return {table: query(settings, text) for table, text in SNAPSHOT.items()}


def test_pipelined_load_equals_the_load_in_turn(settings, tmp_path):
    generate(tmp_path, GenerateConfig.resolve(events=6_000, days=6, songs=300, seed=7))
    small = LoadOptions(batch_bytes=200_000, batch_files=60)  # many batches, both slots used
    pipelined = load(settings, tmp_path, parallel=True, notify=lambda m: None, options=small)
    assert pipelined.files_loaded > 6 and pipelined.events["read"] == 6_000
    first = _snapshot(settings)
    in_turn = load(settings, tmp_path, full_refresh=True, parallel=False, notify=lambda m: None,
                   options=small)
    assert in_turn.to_dict() | {"seconds": 0} == pipelined.to_dict() | {"seconds": 0}
    assert _snapshot(settings) == first
    assert len(first["songplays"]) == pipelined.events["song_plays"] > 0


def test_the_staging_process_ends_when_the_loading_process_is_killed(settings):
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    script = ("import time\n"
              "from sparkify.config import load_settings\n"
              "from sparkify.postgres.load.stage import StagingWorker\n"
              "w = StagingWorker(load_settings(), None)\n"
              "print(w._process.pid, flush=True)\n"
              "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=os.environ.copy())
    worker_pid = int(parent.stdout.readline())
    assert psutil.pid_exists(worker_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not psutil.pid_exists(worker_pid) or \
                psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the staging process outlived the loading process")
