"""A Spark session for the lake commands: the master asked for, UTC, quiet, our Python."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from importlib import resources
from typing import Any

from sparkify.errors import SparkifyError

DEFAULT_MASTER = "local[*]"
# What the job's results depend on: always set (a --conf can still override, at its risk).
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",  # times in UTC whatever the machine's zone
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # partition values stay text when read back: an artist_id of digits stays an id
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
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


def require_pyspark() -> Any:
    try:
        import pyspark
    except ImportError as exc:
        raise SparkifyError("the lake commands need pyspark: pip install 'sparkify[spark]' "
                            "(make install does)") from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
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


def start(master: str | None = None, conf: dict[str, str] | None = None,
          app_name: str = "sparkify lake build") -> Any:
    """A SparkSession on `master` (default local[*]), its Python workers this interpreter."""
    require_pyspark()
    from pyspark.sql import SparkSession

    # workers must import sparkify: run them with the interpreter that runs us (the venv's)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    log4j = resources.files("sparkify").joinpath("spark", "log4j2.properties")
    java_options = f"-Dlog4j2.configurationFile=file:{log4j}"
    builder = SparkSession.builder.appName(app_name).master(master or DEFAULT_MASTER)
    defaults = {k: v for k, v in DEFAULT_CONF.items() if k not in _spark_defaults()}
    settings = {**defaults, **REQUIRED_CONF, **(conf or {})}
    for side in ("driver", "executor"):  # our log settings, beside any JVM options given
        key = f"spark.{side}.extraJavaOptions"
        settings[key] = f"{settings.get(key, '')} {java_options}".strip()
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master is unreachable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkifyError(f"cannot start Spark on {master or DEFAULT_MASTER}: {first}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session
