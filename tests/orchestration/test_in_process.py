"""Dagster orchestration (sparkify.orchestration) run in-process on the real sample.

Every day materialized as its own partition gives the tables of one `sparkify load`; a day run
again changes nothing; a changed file is reloaded with its day; a failed check blocks the
analytics; the sensor requests exactly the days of new files, under a key that names them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from sparkify import api
from sparkify.sources.days import log_day
from tests.support.engines import snapshot
from tests.support.helpers import query, scalar

dg = pytest.importorskip("dagster")
orchestration = pytest.importorskip("sparkify.orchestration")
from sparkify.orchestration import checks as families  # noqa: E402
from sparkify.orchestration.assets import (  # noqa: E402
    analytics_views,
    daily_logs,
    report_html,
    song_catalog,
)
from sparkify.orchestration.sensors import new_files  # noqa: E402

SAMPLE_DAYS = [f"2018-11-{day:02d}" for day in range(1, 31)]
DAILY = [daily_logs, families.daily_checks]
ANALYTICS = [analytics_views, report_html]


def resources(root: Path, tmp_path: Path, settings, **extra) -> dict:
    return {"sparkify": orchestration.SparkifyResource(
        data_root=str(root), database=settings.database,
        report_path=str(tmp_path / "report.html"), **extra)}


def materialize(assets, res, instance, day: str | None = None, ok: bool = True):
    result = dg.materialize([song_catalog, daily_logs, *orchestration.CHECKS, *ANALYTICS],
                            selection=assets, partition_key=day, resources=res,
                            instance=instance, raise_on_error=False)
    assert result.success is ok
    return result


def loaded(result, asset: str) -> int:
    [event] = [e for e in result.get_asset_materialization_events()
               if e.asset_key.path[-1] == asset]
    return event.materialization.metadata["files_loaded"].value


@pytest.fixture
def instance():
    """In memory: a run costs about 0.3 s here, ten times less than on a SQLite instance."""
    return dg.DagsterInstance.ephemeral()


def test_log_day_is_the_date_in_the_file_name():
    assert log_day("/d/log_data/2018/11/2018-11-05-events.json") == "2018-11-05"
    assert log_day("s3://b/log_data/2019-02-28.json") == "2019-02-28"
    assert log_day("/d/log_data/2018-13-45-events.json") is None  # not a day
    assert log_day("/d/log_data/2018/11/events.json") is None


def test_every_check_belongs_to_one_family_of_its_table(sample_settings):
    """Each result of `sparkify check` lands in a declared asset check, and none is empty."""
    seen: dict[str, set[str]] = {}
    for result in api.check(settings=sample_settings).results:
        table, family = families.family_of(result.name)
        seen.setdefault(table, set()).add(family)
    assert seen == {table: set(names) for table, names in families.FAMILIES.items()}


@pytest.mark.slow
def test_every_day_materialized_equals_one_load(settings, sample_settings, sample_root,
                                                instance, tmp_path):
    res = resources(sample_root, tmp_path, settings)
    started = time.perf_counter()
    materialize([song_catalog, families.catalog_checks], res, instance)
    for day in SAMPLE_DAYS:
        result = materialize(DAILY, res, instance, day)
        assert loaded(result, "events") == 1, day  # the day's one log file
    seconds = time.perf_counter() - started
    print(f"catalog + 30 daily runs in-process: {seconds:.1f} s")
    assert snapshot(settings) == snapshot(sample_settings)

    rerun = materialize([*DAILY, *ANALYTICS], res, instance, "2018-11-05")
    assert loaded(rerun, "events") == 0
    assert snapshot(settings) == snapshot(sample_settings)
    checks = rerun.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)
    assert "Top songs" in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def copy_root(sample_root, tmp_path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(sample_root, root)
    return root


@pytest.mark.slow
def test_a_changed_file_reloads_its_day_and_a_reject_share_only_warns(settings, copy_root,
                                                                      instance, tmp_path):
    res = resources(copy_root, tmp_path, settings, max_reject_share=0.0)
    api.load(copy_root, settings=settings)
    day_file = copy_root / "log_data/2018/11/2018-11-07-events.json"
    lines = day_file.read_text(encoding="utf-8").split("\n")
    day_file.write_text("\n".join([*lines[:-1], "not json"]), encoding="utf-8")
    before = scalar(settings, "SELECT count(*) FROM events")

    result = materialize([*DAILY, *ANALYTICS], res, instance, "2018-11-07")
    assert loaded(result, "events") == 1
    assert scalar(settings, "SELECT count(*) FROM events") == before - 1
    assert query(settings, "SELECT raw, reason_code FROM sparkify.rejects") == [
        ("not json", "not_json")]
    [share] = [c for c in result.get_asset_check_evaluations()
               if c.check_name == "reject_share"]
    assert not share.passed and share.severity == dg.AssetCheckSeverity.WARN
    # a warning blocks nothing: the analytics ran
    assert {e.asset_key.path[-1] for e in result.get_asset_materialization_events()} >= {
        "analytics_views", "report_html"}


@pytest.mark.slow
def test_a_failed_check_shows_failed_and_blocks_the_analytics(sample_settings, sample_root,
                                                              instance, tmp_path):
    with api_connection(sample_settings) as conn:
        conn.execute("UPDATE time SET hour = (hour + 1) % 24 WHERE start_time = "
                     "(SELECT min(start_time) FROM time)")
    res = resources(sample_root, tmp_path, sample_settings)
    result = materialize([*DAILY, *ANALYTICS], res, instance, "2018-11-05", ok=False)
    failed = {(c.asset_key.path[-1], c.check_name) for c in result.get_asset_check_evaluations()
              if not c.passed}
    assert failed == {("time", "parts")}
    done = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "events" in done and not done & {"analytics_views", "report_html"}
    assert not (tmp_path / "report.html").exists()


def api_connection(settings):
    from sparkify.postgres.db import connect

    return connect(settings, autocommit=True)


@pytest.mark.slow
def test_sensor_requests_a_new_days_file_once(settings, copy_root, tmp_path):
    last = copy_root / "log_data/2018/11/2018-11-30-events.json"
    held = last.read_bytes()
    last.unlink()
    api.load(copy_root, settings=settings)
    res = resources(copy_root, tmp_path, settings)
    with dg.instance_for_test() as instance:  # a real instance, on disk

        def tick():
            return new_files(dg.build_sensor_context(instance=instance, resources=res))

        assert isinstance(tick(), dg.SkipReason)  # nothing new: nothing requested
        last.write_bytes(held)
        first, second = tick(), tick()
        [request] = first.run_requests
        assert request.partition_key == "2018-11-30" and request.job_name == "daily_load"
        assert [r.run_key for r in second.run_requests] == [request.run_key]  # one run per key
        materialize(DAILY, res, instance, "2018-11-30")
        assert isinstance(tick(), dg.SkipReason)  # loaded: not requested again
