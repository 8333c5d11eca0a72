"""`lake build` (spark/build.py, spark/lake.py): in two steps with a kill -9 between, equal to
one build in one go; an up-to-date lake or a wrong root starts no Spark."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparkify.spark.build import build
from sparkify.spark.lake import Lake
from tests.support.engines import FAST_START_ARGS
from tests.support.faults import CLI
from tests.support.helpers import copy_sample
from tests.support.lakes import assert_same_lake

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def test_two_steps_with_a_kill_between_equal_one_build_in_one_go(spark, twenty_days, sample_lake,
                                                                  sample_root, tmp_path):
    """Build 20 days, then kill -9 a build of all 30 midway: the lake is as it was; the rerun
    completes it, equal to the sample built in one go; then a rebuild (`sparkify lake build
    --json`) writes nothing and starts no Spark."""
    root, built, first = twenty_days  # the first step, built once for the run
    lake = tmp_path / "lake"
    shutil.copytree(built, lake)
    assert first.built and first.files_loaded == 71 + 20
    copy_sample(sample_root, root, range(21, 31))
    proc = subprocess.Popen([*CLI, "lake", "build", str(root), str(lake), "--master",
                             "local[1]", "--json", *FAST_START_ARGS],
                            env=dict(os.environ, PYSPARK_PYTHON=sys.executable),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    versions = lake / "versions"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name > first.version and list(p.glob("*/_SUCCESS"))
               for p in versions.iterdir()):
            break  # a table of the new version is written: the build is midway
        time.sleep(0.1)
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its JVM and its Python workers
    proc.wait()
    layout = Lake(lake)
    assert layout.current() == first.version  # as it was, and readable
    assert layout.counts(first.version) == first.tables
    then = build(spark, root, str(lake))  # the rerun completes it
    assert then.built and (then.files_loaded, then.files_skipped) == (10, 91)
    assert max(p.name for p in versions.iterdir()) == then.version
    late = sum(1 for path in (root / "log_data").rglob("*.json") if path.name >= "2018-11-21"
               for line in path.read_bytes().splitlines() if line.strip())
    assert then.events["read"] == late  # the second step counts its own files
    for table in ("songplays", "events"):  # the ten days added written, the others linked
        assert then.partitions[table] == {"written": 10, "kept": 20}, table
    assert then.partitions["songs"] == {"written": 0, "kept": first.partitions["songs"]["written"]}
    assert_same_lake(lake, then.version, root, sample_lake, sample_root)
    again = subprocess.run([*CLI, "lake", "build", str(root), str(lake), "--json"],
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    done = json.loads(again.stdout)  # nothing changed: nothing written
    assert not done["built"] and done["version"] == then.version


def test_an_up_to_date_lake_or_a_wrong_root_starts_no_spark(sample_lake, sample_root):
    lake, built = sample_lake

    def no_spark(input_bytes):
        raise AssertionError("Spark was started")

    again = build(no_spark, sample_root, str(lake))
    assert not again.built and again.version == built.version
    from sparkify.errors import SparkifyError

    with pytest.raises(SparkifyError, match="does not exist"):
        build(no_spark, sample_root / "nowhere", str(lake))


def test_auto_parses_a_small_input_on_the_driver_and_a_larger_one_by_spark(spark, sample_root,
                                                                         tmp_path, monkeypatch):
    """spark.sparkify.parse=auto (the default): up to DRIVER_MAX_BYTES of a kind's files, the
    driver reads them (the rows come from Arrow batches, no text scan); past it, Spark's text
    reader does. A file gone since the listing is one line naming it, as the loader says."""
    from sparkify.errors import SparkifyError
    from sparkify.sources.files import SourceFile, discover
    from sparkify.spark import read as reader

    logs = [(i, f) for i, f in enumerate(discover(sample_root)) if f.kind == "log"][:2]

    def plan(parsed: reader.Parsed) -> str:
        return parsed.rows._jdf.queryExecution().analyzed().toString()

    small = plan(reader.parse(spark, "log", logs))
    assert "LocalRelation" in small and "] text" not in small
    gone = SourceFile(str(tmp_path / "gone.json"), "log", 10, 0)
    with pytest.raises(SparkifyError, match=r"^cannot read .*gone\.json: No such file"):
        reader.parse(spark, "log", [*logs, (9, gone)])
    monkeypatch.setattr(reader, "DRIVER_MAX_BYTES", sum(f.size for _, f in logs) - 1)
    assert "] text" in plan(reader.parse(spark, "log", logs))


@pytest.mark.parametrize("ddl", ["file_idx int, path string, kind string, size_bytes bigint",
                                 "file_idx int, line int, whole boolean, data binary",
                                 "file_idx int, line int, ts bigint, length double"])
def test_small_frames_from_the_driver_start_no_python_worker(spark, ddl):
    """The build's own small DataFrames (its files, names, rejects) reach Spark as Arrow: their
    rows typed as the DDL says, and no Python worker reading them (a PythonRDD in their RDD's
    lineage)."""
    from pyspark.sql.types import StructType

    from sparkify.spark import frames

    value = {"int": 7, "bigint": 2**40, "string": "Bj\u00f6rk \\ \"x\"", "boolean": True,
             "binary": b"\x00\xff", "double": 1.5}
    row = tuple(value[column.split()[1]] for column in ddl.split(", "))
    for rows in ([row, tuple(None for _ in row)], []):
        made = frames.small(spark, rows, ddl)
        assert made.schema == StructType.fromDDL(ddl)
        assert [tuple(r) for r in made.collect()] == rows
        assert "PythonRDD" not in made._jdf.queryExecution().toRdd().toDebugString()


def test_the_tasks_and_the_cache_are_sized_from_the_input(spark):
    """Shuffle partitions one per SHUFFLE_BYTES of input (at least one per core), input splits
    SPLITS_PER_CORE per core, the cache compressed only from LARGE_INPUT_BYTES on, and code
    generated only from INTERPRETED_MAX_BYTES on."""
    from sparkify.sources.files import SourceFile
    from sparkify.spark import build as building
    from sparkify.spark.session import LARGE_INPUT_BYTES

    keys = ("spark.sql.shuffle.partitions", "spark.sql.files.minPartitionNum",
            building.CACHE_COMPRESSED, *building.INTERPRETED)
    before = {key: spark.conf.get(key, None) for key in keys}
    cores = spark.sparkContext.defaultParallelism

    def sized(total: int) -> tuple[str, ...]:
        halves = [SourceFile(f"/data/{n}.json", "log", total // 2, 0) for n in range(2)]
        building._size_tasks(spark, halves)
        return tuple(spark.conf.get(key) for key in keys)

    try:
        generated = ("true", "FALLBACK")  # Spark's defaults
        assert sized(LARGE_INPUT_BYTES - 2) == (
            str(max(cores, -(-LARGE_INPUT_BYTES // building.SHUFFLE_BYTES))),
            str(building.SPLITS_PER_CORE * cores), "false", *generated)
        assert sized(10 << 20) == (str(cores), str(building.SPLITS_PER_CORE * cores), "false",
                                   *generated)
        assert sized(LARGE_INPUT_BYTES)[2] == "true"
        assert sized(building.INTERPRETED_MAX_BYTES - 2)[3:] == ("false", "NO_CODEGEN")
        assert sized(building.INTERPRETED_MAX_BYTES)[3:] == generated
    finally:
        for key, value in before.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def test_the_tests_sessions_keep_a_code_cache_that_lasts_through_many_builds(spark):
    """The tests' quick-compiler option alone cut the JVM's code cache to 48 MB: the package's
    session filled it during its last build and hung (tests/support/engines.py)."""
    beans = spark._jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
    code = [bean.getUsage().getMax() for bean in beans
            if bean.getName().startswith(("CodeCache", "CodeHeap"))]
    assert code and sum(code) >= 200 * 2**20, code


_COMPILER_LEVEL = """
import sys
from sparkify.spark import session
conf = {"spark.driver.extraJavaOptions": sys.argv[2]} if len(sys.argv) > 2 else {}
spark = session.start("local[1]", conf, input_bytes=int(sys.argv[1]))
jvm = spark._jvm
bean = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
    jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean"))
print(*(bean.getVMOption(name).getValue() for name in (
    "TieredStopAtLevel", "ReservedCodeCacheSize", "Tier4InvocationThreshold",
    "UseParallelGC", "UseSerialGC", "MaxHeapSize")))
session.stop(spark)
"""


_GB = str(1 << 30)


@pytest.mark.parametrize(("size", "given", "expected"), [
    ("small", "", ("1", str(240 << 20), "5000", "true", "false", _GB)),
    ("large", "", ("4", str(240 << 20), "50000", "true", "false", str(2 << 30))),
    ("large", "-XX:+UseSerialGC", ("4", str(240 << 20), "50000", "false", "true", str(2 << 30))),
    ("huge", "", ("4", str(240 << 20), "50000", "true", "false", _GB)),
], ids=["small input", "large input", "a collector given", "input past LARGE_INPUT_BYTES"])
def test_the_driver_jvm_compiles_and_collects_for_the_size_of_the_input(size, given, expected):
    """Below QUICK_COMPILER_MAX_BYTES the driver's JVM compiles with C1 alone (level 1), keeping
    its 240 MB code cache; from it on with both, C2 only for the hottest code (thresholds 10
    times the defaults). The throughput collector, unless the options given choose one (two
    would stop the JVM from starting). A 2 GB heap from QUICK_COMPILER_MAX_BYTES to
    LARGE_INPUT_BYTES, Spark's 1 GB below and past them."""
    from sparkify.spark.session import LARGE_INPUT_BYTES, QUICK_COMPILER_MAX_BYTES

    bytes_in = {"small": QUICK_COMPILER_MAX_BYTES - 1, "large": QUICK_COMPILER_MAX_BYTES,
                "huge": LARGE_INPUT_BYTES}[size]
    done = subprocess.run([sys.executable, "-c", _COMPILER_LEVEL, str(bytes_in),
                           *([given] if given else [])],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    level, code_cache, *rest = done.stdout.split()
    # Java 25 reports 240 MB rounded up to its page (251,662,336 bytes); Java 17 exactly
    assert 0 <= int(code_cache) - int(expected[1]) < 1 << 16, code_cache
    assert (level, *rest) == (expected[0], *expected[2:])


def test_the_class_archive_is_named_for_the_jvm_spark_starts(tmp_path, monkeypatch):
    """Spark starts JAVA_HOME's java when it is set, else the one on PATH: the archive is named
    for that JVM, since an archive another JVM wrote is not mapped (the session starts as slowly
    as with none). Before, JAVA_HOME was read only when no java was on PATH."""
    from sparkify.spark import session

    monkeypatch.setenv(session.CLASS_ARCHIVE_VARIABLE, str(tmp_path / "archives"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    on_path = session._class_archive()[0]
    real_home = Path(os.path.realpath(shutil.which("java"))).parent.parent
    monkeypatch.setenv("JAVA_HOME", str(real_home))
    assert session._class_archive()[0] == on_path
    other = tmp_path / "another-jdk"
    (other / "bin").mkdir(parents=True)
    (other / "bin" / "java").write_text("")  # never started here
    monkeypatch.setenv("JAVA_HOME", str(other))
    assert session._class_archive()[0] != on_path
