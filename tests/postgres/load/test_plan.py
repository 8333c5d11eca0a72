"""Planning a load: which files, in which batches, without holding the file list in memory."""

from __future__ import annotations

import os
import tracemalloc

import sparkify.postgres.load.pipeline as load_module
from sparkify.postgres.db import connect, ensure_database
from sparkify.postgres.load.pipeline import LoadOptions, plan
from sparkify.postgres.schema import create_all
from tests.support.helpers import event, write_log, write_song


def planned(settings, root, options: LoadOptions | None = None
            ) -> tuple[load_module.Plan, list[tuple[int, str, bool]]]:
    ensure_database(settings)
    with connect(settings, autocommit=True) as conn:
        create_all(conn)
        work = plan(conn, root, options or LoadOptions())
        rows = conn.execute("SELECT batch, path, reloaded FROM todo ORDER BY ord").fetchall()
    return work, [(batch, os.path.relpath(path, root), reloaded) for batch, path, reloaded in rows]


def sized_log(root, name: str, size: int) -> None:
    path = write_log(root, name, [event()])
    with open(path, "ab") as handle:  # blank lines: ignored by the parser, counted in the size
        handle.write(b"\n" * (size - path.stat().st_size))


def test_batches_are_cut_by_bytes_by_files_and_by_kind(settings, tmp_path):
    for name in "abcde":
        write_song(tmp_path, f"{name}.json", {"song_id": name})
    for name, size in (("1", 600), ("2", 600), ("3", 300), ("4", 2000), ("5", 10)):
        sized_log(tmp_path, f"{name}.json", size)
    work, rows = planned(settings, tmp_path, LoadOptions(batch_bytes=1000, batch_files=3))
    # a new batch at each multiple of 3 files of a kind, and where the bytes before a file
    # pass a multiple of 1000 (logs start at 0, 600 | 1200 | 1500 (4th file) | 3500)
    assert [(batch, path) for batch, path, _ in rows] == [
        (1, "song_data/a.json"), (1, "song_data/b.json"), (1, "song_data/c.json"),
        (2, "song_data/d.json"), (2, "song_data/e.json"),
        (3, "log_data/1.json"), (3, "log_data/2.json"),
        (4, "log_data/3.json"),
        (5, "log_data/4.json"),
        (6, "log_data/5.json")]
    assert (work.found, work.files, work.batches) == (10, 10, 6)
    assert work.bytes == sum(p.stat().st_size for p in tmp_path.rglob("*.json"))


def test_a_second_plan_holds_only_new_and_changed_files(settings, tmp_path):
    from sparkify.postgres.load.pipeline import load

    for name in "abc":
        write_log(tmp_path, f"{name}.json", [event(sessionId=ord(name))])
    load(settings, tmp_path, notify=lambda message: None)
    write_log(tmp_path, "b.json", [event(sessionId=99), event(sessionId=98)])  # changed
    write_log(tmp_path, "d.json", [event(sessionId=4)])  # new
    os.utime(tmp_path / "log_data/c.json", ns=(1, 1))  # touched only: hashed, not reloaded
    work, rows = planned(settings, tmp_path)
    assert rows == [(1, "log_data/b.json", True), (1, "log_data/d.json", False)]
    assert (work.found, work.files, work.batches) == (4, 2, 1)


def plan_peak(settings, root) -> tuple[int, int]:
    """(files planned, peak bytes Python allocated while planning)."""
    ensure_database(settings)
    with connect(settings, autocommit=True) as conn:
        create_all(conn)
        tracemalloc.start()
        try:
            work = plan(conn, root)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return work.files, peak


def test_planning_memory_does_not_grow_with_the_number_of_files(settings, tmp_path):
    for files in (200, 4000):
        for k in range(files):  # 100 files a folder, as the song_data tree has few per folder
            write_song(tmp_path / str(files), f"{k // 100}/{k}.json", {"song_id": str(k)})
    small = plan_peak(settings, tmp_path / "200")
    large = plan_peak(settings, tmp_path / "4000")
    assert (small[0], large[0]) == (200, 4000)
    # the file list lives in the database: holding 3,800 more files here would take > 1 MB
    assert large[1] < small[1] + 100_000, f"peaks: {small[1]} bytes, then {large[1]} bytes"
