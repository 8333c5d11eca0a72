"""A bulk load builds the analytics-only indexes once at the end, and always leaves them there."""

import re

import pytest
from helpers import event, query, write_log

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
