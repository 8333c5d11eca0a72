"""A bulk load builds the analytics-only indexes once at the end, and always leaves them there."""

import re
import time

import psycopg
import pytest

from sparkify.core.sqltext import read_sql
from sparkify.errors import SparkifyError
from sparkify.postgres.db import connect
from sparkify.postgres.load import finish as finish_module
from sparkify.postgres.load import pipeline as load_module
from sparkify.postgres.load.pipeline import LoadOptions, load
from tests.support.helpers import event, query, scalar, write_log

ANALYTICS = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS\s+(?:public\.)?(\w+)",
                             read_sql(finish_module.ANALYTICS_INDEXES)))
BULK = LoadOptions(parallel_bytes=1)  # every load with input at least the loaded is bulk


def _indexes(settings) -> set[str]:
    return {name for (name,) in query(settings, "SELECT indexname FROM pg_indexes "
                                                "WHERE schemaname = 'public'")}


def test_the_analytics_indexes_are_found():
    assert len(ANALYTICS) >= 2


def test_bulk_load_drops_and_rebuilds_the_analytics_indexes(settings, tmp_path, monkeypatch):
    dropped_during_load = []
    real_transform = load_module._transform

    def watching_transform(conn, slot, batch, result, verify):
        dropped_during_load.append(
            not set(ANALYTICS) & {r[0] for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")})
        return real_transform(conn, slot, batch, result, verify)

    monkeypatch.setattr(load_module, "_transform", watching_transform)
    write_log(tmp_path, "a.json", [event(itemInSession=i) for i in range(20)])
    load(settings, tmp_path, notify=lambda m: None, options=BULK)
    assert dropped_during_load == [True]
    assert set(ANALYTICS) <= _indexes(settings)


def test_small_load_into_a_bigger_warehouse_keeps_the_indexes(settings, tmp_path, monkeypatch):
    write_log(tmp_path, "a.json", [event(itemInSession=i) for i in range(50)])
    load(settings, tmp_path, notify=lambda m: None, options=BULK)
    write_log(tmp_path, "b.json", [event(sessionId=2, itemInSession=i) for i in range(5)])
    monkeypatch.setattr(load_module, "pause_upkeep",
                        lambda conn: pytest.fail("a small load dropped the indexes"))
    assert load(settings, tmp_path, notify=lambda m: None, options=BULK).files_loaded == 1


def test_a_failed_bulk_load_still_rebuilds_the_indexes(settings, tmp_path, monkeypatch):

    def broken(*args):
        raise SparkifyError("boom")

    monkeypatch.setattr(load_module, "_transform", broken)
    write_log(tmp_path, "a.json", [event()])
    with pytest.raises(SparkifyError, match="boom"):
        load(settings, tmp_path, notify=lambda m: None, options=BULK)
    assert set(ANALYTICS) <= _indexes(settings)


def test_an_index_build_that_fails_fails_the_load(settings, tmp_path, monkeypatch):
    """The indexes are built on a second connection: its error must still reach the caller."""
    real = finish_module.read_sql
    monkeypatch.setattr(finish_module, "read_sql", lambda name: (
        "CREATE INDEX no_such_idx ON public.no_such_table (x)"
        if name == finish_module.ANALYTICS_INDEXES else real(name)))
    write_log(tmp_path, "a.json", [event()])
    with pytest.raises(psycopg.errors.UndefinedTable):
        load(settings, tmp_path, notify=lambda m: None, options=BULK)
    # the recount beside it was done all the same
    assert scalar(settings, "SELECT sum(plays) FROM user_song_plays") == 1


def _sleeping(settings) -> list:
    return query(settings, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND query = 'SELECT pg_sleep(60)'")


def test_a_background_build_can_be_stopped(settings):
    """When the recount fails, the index builds beside it stop instead of being waited for."""
    started = time.perf_counter()
    builder = finish_module._Background(settings,
                                        ["SELECT pg_sleep(60)", "CREATE TABLE later (x int)"])
    while not _sleeping(settings):
        assert builder.is_alive() and time.perf_counter() - started < 20, builder.error
        time.sleep(0.05)
    builder.stop()
    assert not builder.is_alive()
    assert builder.error is None  # stopped on purpose: not an error to report
    assert time.perf_counter() - started < 20
    assert scalar(settings, "SELECT to_regclass('later') IS NULL")  # the next one never ran


def test_a_failed_recount_stops_the_builds_and_is_the_error_reported(settings, monkeypatch):
    with connect(settings, autocommit=True) as conn:
        conn.execute("""CREATE OR REPLACE FUNCTION sparkify.recount_user_song_plays()
                        RETURNS void LANGUAGE plpgsql AS $$
                        BEGIN PERFORM pg_sleep(0.5); RAISE EXCEPTION 'recount broke'; END $$""")
        real = finish_module.read_sql
        monkeypatch.setattr(finish_module, "read_sql", lambda name: (
            "SELECT pg_sleep(60)" if name == finish_module.ANALYTICS_INDEXES else real(name)))
        started = time.perf_counter()
        with pytest.raises(psycopg.errors.RaiseException, match="recount broke"):
            finish_module.finish(settings, conn, recount=True, build_indexes=True)
    assert time.perf_counter() - started < 20
    assert not _sleeping(settings)


def test_without_a_second_connection_the_indexes_are_built_on_the_first(settings, monkeypatch):
    with connect(settings, autocommit=True) as conn:
        for name in ANALYTICS:
            conn.execute(f"DROP INDEX {name}")

        def refused(*args, **kwargs):
            raise SparkifyError("too many connections")

        monkeypatch.setattr(finish_module, "connect", refused)
        finish_module.finish(settings, conn, recount=True, build_indexes=True)
    assert set(ANALYTICS) <= _indexes(settings)


def test_a_load_after_one_cut_short_builds_the_missing_indexes(settings, tmp_path):
    write_log(tmp_path, "a.json", [event()])
    load(settings, tmp_path, notify=lambda m: None)
    with connect(settings, autocommit=True) as conn:  # as a bulk load killed before its end
        conn.execute(f"DROP INDEX {ANALYTICS[0]}")
    write_log(tmp_path, "b.json", [event(sessionId=2)])
    load(settings, tmp_path, notify=lambda m: None)  # small: not a bulk load
    assert set(ANALYTICS) <= _indexes(settings)


def test_the_index_statements_are_read_one_by_one():
    statements = finish_module.sql_statements(read_sql(finish_module.ANALYTICS_INDEXES))
    assert [s.split()[0] for s in statements] == ["DROP"] * 2 + ["CREATE"] * len(ANALYTICS)
