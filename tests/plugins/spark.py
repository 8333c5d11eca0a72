"""The Spark plugin: Java for the engine, one local[2] session for the whole run, and the lakes
several tests compare with, each built once (a build takes tens of seconds on two cores).

The session is the run's: pyspark keeps its JVM until the process exits whatever the scope, so a
session per module only added a SparkContext start each time. Code that stops it (an example of
docs/python-api.md runs `api.lake_build`, which stops the session it gets) only costs the next
test a restart: `spark` hands out a live one.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.engines import FAST_START, NATIVE, spark_conf
from tests.support.prerequisites import require_java


@pytest.fixture(scope="session")
def java() -> None:
    """Java for the Spark engine: skip without it, or fail under CI (support/prerequisites.py)."""
    require_java()


class SharedSpark:
    """The run's local[2] session, started when first asked for, again if someone stopped it."""

    def __init__(self) -> None:
        self.session: Any = None

    def live(self) -> Any:
        from sparkify.spark import session  # pyspark is imported only by the tests that use it

        if self.session is None or self.session.sparkContext._jsc is None:
            # no class archive yet (a fresh machine): this JVM does without rather than write
            # one as the run ends (15-30 s of the last test's teardown); a build's does
            with pytest.MonkeyPatch.context() as patch:
                if session._class_archive()[1] is not None:
                    patch.setenv(session.CLASS_ARCHIVE_VARIABLE, "off")
                self.session = session.start("local[2]", FAST_START)
        return self.session

    def stop(self) -> None:
        from sparkify.spark import session

        if self.session is not None and self.session.sparkContext._jsc is not None:
            session.stop(self.session)
        self.session = None


@pytest.fixture(scope="session")
def shared_spark(java):
    shared = SharedSpark()
    yield shared
    shared.stop()


@pytest.fixture
def spark(shared_spark):
    """The run's local[2] session."""
    return shared_spark.live()


@pytest.fixture(scope="session")
def standalone_cluster(java):
    """A real two-worker standalone cluster on loopback for the run's cluster tests (each runs an
    application of its own on it): started once, as starting one takes some 10 s."""
    from tests.support.spark_cluster import StandaloneCluster

    with StandaloneCluster(workers=2) as cluster:
        yield cluster


@pytest.fixture
def no_spark_session(shared_spark) -> None:
    """No session runs in this process: the test's code starts (and stops) its own."""
    shared_spark.stop()


@pytest.fixture(scope="session")
def sample_lake(shared_spark, sample_root, tmp_path_factory):
    """The real sample built in one go, for the tests that compare other builds with it."""
    from sparkify.spark.build import build

    lake = tmp_path_factory.mktemp("sample-lake")
    return lake, build(shared_spark.live(), sample_root, str(lake))


@pytest.fixture(scope="session")
def k10_root(tmp_path_factory):
    """Ten times the sample's size, generated (`sparkify generate --scale 10 --seed 7`)."""
    from sparkify import api

    root = tmp_path_factory.mktemp("k10") / "data"
    api.generate(root, scale=10, seed=7)
    return root


@pytest.fixture(scope="session")
def k10_lake(shared_spark, k10_root, tmp_path_factory):
    """k10_root built in local[2]: (lake, result)."""
    from sparkify.spark.build import build

    lake = tmp_path_factory.mktemp("k10-lake") / "lake"
    # its log files (about 1.2 MB each) read by Spark (not on the driver, as a root this small
    # would be) in splits of 300 kB, several tasks a file, as big files are: the equality with
    # `sparkify load` then pins the lines' numbers (spark/read.py)
    with spark_conf(shared_spark.live(), {**NATIVE, "spark.sql.files.maxPartitionBytes":
                                          "300000"}) as spark:
        return lake, build(spark, k10_root, str(lake))


@pytest.fixture(scope="session")
def twenty_days(shared_spark, sample_root, tmp_path_factory):
    """The sample's songs and first 20 days of logs, built: (root, lake, result), for the tests
    that build the other 10 days on top after a fault. Each copies the lake (a lake is a folder
    that can move) and adds days 21-30 to this root (the same bytes and mtimes whoever copies them
    first): the lake's manifest holds the root's absolute paths, so the root stays where it is."""
    from sparkify.spark.build import build
    from tests.support.helpers import copy_sample

    base = tmp_path_factory.mktemp("twenty-days")
    root, lake = base / "root", base / "lake"
    copy_sample(sample_root, root, range(1, 21))
    return root, lake, build(shared_spark.live(), root, str(lake))
