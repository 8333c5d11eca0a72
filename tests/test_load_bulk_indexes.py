"""A bulk load builds the analytics-only indexes once at the end, and always leaves them there."""

import re
import time

import psycopg
import pytest
from helpers import event, query, scalar, write_log

from sparkify import load as load_module
from sparkify.db import read_sql
from sparkify.errors import SparkifyError
from sparkify.load import load

ANALYTICS = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS\s+(?:public\.)?(\w+)",
                             read_sql(load_module.ANALYTICS_INDEXES)))


def _indexes(settings) -> set[str]:
    return {name for (name,) in query(settings, "SELECT indexname FROM pg_indexes "
                                                "WHERE schemaname = 'public'")}


def test_the_analytics_indexes_are_found():
    assert len(ANALYTICS) >= 2


def test_bulk_load_drops_and_rebuilds_the_analytics_indexes(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 1)  # every load with input is bulk here
    dropped_during_load = []
    real_transform = load_module._transform

    def watching_transform(conn, slot, batch, result, verify):
        dropped_during_load.append(
            not set(ANALYTICS) & {r[0] for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")})
        return real_transform(conn, slot, batch, result, verify)

    monkeypatch.setattr(load_module, "_transform", watching_transform)
    write_log(tmp_path, "a.json", [event(itemInSession=i) for i in range(20)])
    load(settings, tmp_path, notify=lambda m: None)
    assert dropped_during_load == [True]
    assert set(ANALYTICS) <= _indexes(settings)


def test_small_load_into_a_bigger_warehouse_keeps_the_indexes(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 1)
    write_log(tmp_path, "a.json", [event(itemInSession=i) for i in range(50)])
    load(settings, tmp_path, notify=lambda m: None)
    write_log(tmp_path, "b.json", [event(sessionId=2, itemInSession=i) for i in range(5)])
    monkeypatch.setattr(load_module, "_drop_analytics_indexes",
                        lambda conn: pytest.fail("a small load dropped the indexes"))
    assert load(settings, tmp_path, notify=lambda m: None).files_loaded == 1


def test_a_failed_bulk_load_still_rebuilds_the_indexes(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 1)

    def broken(*args):
        raise SparkifyError("boom")

    monkeypatch.setattr(load_module, "_transform", broken)
    write_log(tmp_path, "a.json", [event()])
    with pytest.raises(SparkifyError, match="boom"):
        load(settings, tmp_path, notify=lambda m: None)
    assert set(ANALYTICS) <= _indexes(settings)


def test_an_index_build_that_fails_fails_the_load(settings, tmp_path, monkeypatch):
    """The indexes are built on a second connection: its error must still reach the caller."""
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 1)
    real = load_module.read_sql
    monkeypatch.setattr(load_module, "read_sql", lambda name: (
        "CREATE INDEX no_such_idx ON public.no_such_table (x)"
        if name == load_module.ANALYTICS_INDEXES else real(name)))
    write_log(tmp_path, "a.json", [event()])
    with pytest.raises(psycopg.errors.UndefinedTable):
        load(settings, tmp_path, notify=lambda m: None)
    # the recount beside it was done all the same
    assert scalar(settings, "SELECT sum(plays) FROM user_song_plays") == 1


def test_a_background_build_can_be_cancelled(settings):
    """When the recount fails, the index builds beside it stop instead of being waited for."""
    started = time.perf_counter()
    builder = load_module._Background(settings, ["SELECT pg_sleep(60)", "SELECT 1/0"])
    while not query(settings, "SELECT 1 FROM pg_stat_activity "
                          "WHERE query LIKE 'SELECT pg_sleep%' AND datname = current_database()"):
        time.sleep(0.05)
    builder.cancel()
    builder.join(timeout=20)
    assert not builder.is_alive()
    assert builder.error is None  # cancelled on purpose: not an error to report
    assert time.perf_counter() - started < 20


def test_the_index_statements_are_read_one_by_one():
    statements = load_module.sql_statements(read_sql(load_module.ANALYTICS_INDEXES))
    assert [s.split()[0] for s in statements] == ["DROP"] * 2 + ["CREATE"] * len(ANALYTICS)
