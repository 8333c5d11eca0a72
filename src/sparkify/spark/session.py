"""A Spark session for the lake commands: the master asked for, UTC, quiet, our Python."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from sparkify.errors import OptionError, SparkifyError

DEFAULT_MASTER = "local[*]"
# What the job's results depend on: always set (a --conf can still override, at its risk).
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",  # times in UTC whatever the machine's zone
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # partition values stay text when read back: an artist_id of digits stays an id
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # a record with a field from_json cannot read as declared reads as null, not as the rest
    # (spark/columns.py sends it to the validator)
    "spark.sql.json.enablePartialResults": "false",
}
# Our defaults, for a small cluster or one machine: spark-defaults.conf wins over these.
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # stderr is for errors; the CLI shows stages
    # many small song files packed into few tasks: opening a file is not worth 4 MB of reading
    "spark.sql.files.openCostInBytes": "65536",
    # the job's tasks are short: waiting up to 3 s (the default) for a slot near cached data
    # cost a two-worker build of the sample more than half its time
    "spark.locality.wait": "0s",
}


# A small build is mostly the JVM compiling Spark's code, and a long one mostly running it: the
# JVM's quick compiler alone (C1, no C2) took K=1 from 22 s to 15 s and K=10 from 29 s to 24 s,
# but K=100 from 73 s to 88 s (local[2], bench/RESULTS.md). So a local build gets it below
# QUICK_COMPILER_MAX_BYTES of input. Alone, the flag also shrinks the code cache to 48 MB, which
# a long-lived session fills (Spark's threads then die of it): the cache keeps its size.
QUICK_COMPILER = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
QUICK_COMPILER_MAX_BYTES = 100 << 20
# From it on, both compilers, but C2 only for the hottest code: at K=100 the JIT compilers took
# 50 of the JVM's 153 CPU seconds, a core for half the build; with C2's thresholds 10 times the
# defaults, 32 s, and the build went from 89 to 80 s (bench/RESULTS.md, session 17) while the
# tasks' own CPU time stayed as it was.
# And methods over 8,000 bytes of bytecode compiled too (the JVM leaves them to the
# interpreter): Spark generates them for wide rows, and the parse's check of every field is one;
# K=100's log parse went from 25-27 s to 18-21 s (bench/RESULTS.md, session 19).
HOT_CODE_COMPILER = ("-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 "
                     "-XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000 "
                     "-XX:-DontCompileHugeMethods")
# A batch job: the throughput collector, without G1's concurrent threads (19 of those 153 CPU
# seconds at K=100, 11 with it). Not when the options given already choose a collector.
THROUGHPUT_GC = "-XX:+UseParallelGC"


# From this much input on, a build is large: its cache is compressed (spark/build.py) and, run
# locally, the driver keeps Spark's 1 GB heap, the memory target at K=1000 (3 GB for driver and
# executors together, bench/) binding. From QUICK_COMPILER_MAX_BYTES to it, a 2 GB heap: with
# 1 GB, K=100's records cached uncompressed kept the collector busy (the JVM's CPU 152-161 s,
# 95-108 s; with 2 GB, 132-145 CPU s, 84-100 s: bench/RESULTS.md, session 20). A smaller build
# gains nothing from it but a larger footprint (K=1: 1.46 to 1.93 GB of RSS).
LARGE_INPUT_BYTES = 1 << 30
MEDIUM_INPUT_HEAP = "2g"


def _tuning(input_bytes: int, given: str) -> str:
    """The driver JVM's compiler and collector for a local build of `input_bytes`."""
    compiler = QUICK_COMPILER if input_bytes < QUICK_COMPILER_MAX_BYTES else HOT_CODE_COMPILER
    chosen = re.search(r"-XX:\+Use\w*GC\b", given)  # two collectors: the JVM would not start
    return compiler if chosen else f"{THROUGHPUT_GC} {compiler}"


# What Spark takes for a master (else its JVM exits with a Java stack trace, or gives no
# reason at all): local, local[N], local[*], local[N,F] (F: a task's tries), local-cluster[..],
# spark://HOST:PORT[,HOST:PORT], yarn, k8s://URL.
SPARK_MASTER = re.compile(r"local(\[(\*|[1-9]\d*)(\s*,\s*[1-9]\d*)?\])?"
                          r"|local-cluster\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]"
                          r"|spark://\S+|yarn|k8s://\S+")


def is_local(master: str) -> bool:
    """True for local[N] (the driver's JVM runs the tasks), False for a cluster's master URL."""
    return master.startswith("local")


def _java() -> str | None:
    """The java Spark starts, as spark-class chooses it: JAVA_HOME's, else the one on PATH
    (None: no JAVA_HOME and no java on PATH)."""
    home = os.environ.get("JAVA_HOME")
    return os.path.join(home, "bin", "java") if home else shutil.which("java")


def require_pyspark() -> Any:
    try:
        import pyspark
    except ImportError as exc:
        raise SparkifyError("the lake commands need pyspark: pip install 'sparkify[spark]' "
                            "(make install does)") from exc
    java, home = _java(), os.environ.get("JAVA_HOME")
    if home and not os.access(java or "", os.X_OK):
        # else spark-class's shell errors, then Spark's "gateway exited"
        raise SparkifyError(f"JAVA_HOME is {home}, which has no bin/java: point it at a Java "
                            "17 or later, or unset it to use the java on PATH")
    if java is None:
        raise SparkifyError("the lake commands need Java 17 (`apt-get install "
                            "openjdk-17-jre-headless`; make install does as root)")
    return pyspark


def parse_conf(pairs: Iterable[str]) -> dict[str, str]:
    """--conf KEY=VALUE options as a dict; a pair without `=` is a usage error."""
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SparkifyError(f"--conf takes KEY=VALUE, not {pair!r}")
        conf[key.strip()] = value
    return conf


def _spark_defaults() -> set[str]:
    """The keys spark-defaults.conf sets (in SPARK_CONF_DIR, else SPARK_HOME/conf)."""
    folder = os.environ.get("SPARK_CONF_DIR") or (
        os.path.join(os.environ["SPARK_HOME"], "conf") if os.environ.get("SPARK_HOME") else "")
    try:
        with open(os.path.join(folder, "spark-defaults.conf"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return set()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


# The driver JVM's classes, archived once per machine (the JVM's class data sharing): Spark
# loads some 20,000 classes at start; mapped from an archive, a session starts and runs its
# first job in about half the time. The first session writes the archive when its JVM exits.
CLASS_ARCHIVE_VARIABLE = "SPARKIFY_SPARK_CLASS_ARCHIVE"  # "off", or a folder (default a cache)
_QUIET_CDS = "-Xlog:cds=off -Xlog:cds+dynamic=off"  # what it skips is no error of ours
_dumping: dict[int, tuple[Path, Path]] = {}  # id(session) -> (being written, final name)


def _class_archive() -> tuple[str, tuple[Path, Path] | None]:
    """JVM options that map the class archive, or write it at exit when there is none yet."""
    setting = os.environ.get(CLASS_ARCHIVE_VARIABLE, "")
    if setting == "off":
        return "", None
    import pyspark

    folder = Path(setting or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                  / "sparkify")
    # keyed by the JVM that maps it: an archive another JVM wrote is not mapped (a slow start)
    java = os.path.realpath(_java() or "")
    key = hashlib.sha256(f"{pyspark.__version__}|{java}|{pyspark.__file__}".encode())
    archive = folder / f"spark-classes-{key.hexdigest()[:16]}.jsa"
    if archive.is_file():
        return f"-XX:SharedArchiveFile={archive} {_QUIET_CDS}", None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.jsa.*.tmp"):  # a session not stopped by stop() below
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink(missing_ok=True)
    except OSError:
        return "", None  # no cache to write: start as usual
    pending = archive.with_name(f"{archive.name}.{os.getpid()}.tmp")
    return f"-XX:ArchiveClassesAtExit={pending} {_QUIET_CDS}", (pending, archive)


def stop(session: Any, process_ending: bool = False) -> None:
    """Stop `session`; when its JVM is writing the class archive, let it exit and keep it.
    `process_ending`: this process is about to exit, and its JVM with it (the JVM exits when its
    parent's pipe closes, and Spark's shutdown hook stops the context and removes its files):
    then the session is not stopped here, 0.6 s off a command (bench/RESULTS.md, session 21),
    unless its JVM is writing the archive."""
    if process_ending and id(session) not in _dumping:
        return
    session.stop()
    dumping = _dumping.pop(id(session), None)
    if dumping is None:
        return
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    process = getattr(gateway, "proc", None)
    if gateway is None or process is None:
        return
    gateway.shutdown()
    SparkContext._gateway = SparkContext._jvm = None  # the next session starts a new JVM
    try:
        if process.stdin is not None:
            process.stdin.close()  # the JVM exits when its parent's pipe closes
        process.wait(timeout=120)
        if process.returncode == 0 and dumping[0].is_file():
            os.replace(*dumping)
    except Exception:  # noqa: BLE001 - the archive is a speed-up, never a failure
        dumping[0].unlink(missing_ok=True)


# While the JVM starts, this process mostly waits for it: the modules a build imports next
# (pandas, which pyspark's SparkSession imports on creation; pyarrow's, for the Arrow batches
# and the lake's look-ups) are imported meanwhile, on a thread: 0.3-0.5 s off every build.
IMPORTED_BESIDE_THE_JVM = ("pandas", "pyarrow.compute", "pyarrow.dataset",
                           "pyspark.sql.pandas.conversion")


def _import_beside_the_jvm() -> threading.Thread:
    def run() -> None:
        import importlib

        for name in IMPORTED_BESIDE_THE_JVM:
            try:
                importlib.import_module(name)
            except ImportError:  # imported again where it is needed, and reported there
                pass

    thread = threading.Thread(target=run, name="sparkify-imports", daemon=True)
    thread.start()
    return thread


def start(master: str | None = None, conf: dict[str, str] | None = None,
          app_name: str = "sparkify lake build", input_bytes: int | None = None) -> Any:
    """A SparkSession on `master` (default local[*]), its Python workers this interpreter;
    `input_bytes`: the size of the work, when known (a small one compiles less: see above)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    # workers must import sparkify: run them with the interpreter that runs us (the venv's)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    log4j = resources.files("sparkify").joinpath("spark", "log4j2.properties")
    java_options = f"-Dlog4j2.configurationFile=file:{log4j}"
    archive_options, dumping = _class_archive()
    builder = SparkSession.builder.appName(app_name).master(master or DEFAULT_MASTER)
    site = _spark_defaults()  # the keys spark-defaults.conf sets: they win over our defaults
    defaults = {k: v for k, v in DEFAULT_CONF.items() if k not in site}
    settings = {**defaults, **REQUIRED_CONF, **(conf or {})}
    for side in ("driver", "executor"):  # our log settings, beside any JVM options given
        key = f"spark.{side}.extraJavaOptions"
        settings[key] = f"{settings.get(key, '')} {java_options}".strip()
    driver = "spark.driver.extraJavaOptions"  # the driver's JVM only: it starts here
    settings[driver] = f"{settings[driver]} {archive_options}".strip()
    effective = settings.get("spark.master") or master or DEFAULT_MASTER  # --conf wins
    if not SPARK_MASTER.fullmatch(effective):
        raise OptionError("{master} is local, local[N], local[*], spark://HOST:PORT, yarn or "
                          f"k8s://URL; not {effective!r}", "master")
    local = is_local(effective)
    if local and input_bytes is not None:  # a flag given later wins over these
        settings[driver] = f"{_tuning(input_bytes, settings[driver])} {settings[driver]}"
        heap = "spark.driver.memory"
        medium = QUICK_COMPILER_MAX_BYTES <= input_bytes < LARGE_INPUT_BYTES
        if medium and heap not in {*settings, *site}:
            settings[heap] = MEDIUM_INPUT_HEAP
    for key, value in settings.items():
        builder = builder.config(key, value)
    importing = _import_beside_the_jvm()
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master is unreachable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkifyError(f"cannot start Spark on {master or DEFAULT_MASTER}: {first}") from exc
    importing.join()
    session.sparkContext.setLogLevel("ERROR")
    if dumping is not None:
        _dumping[id(session)] = dumping
    return session
