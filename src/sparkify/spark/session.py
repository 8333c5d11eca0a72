"""A Spark session for the lake commands: the master asked for, UTC, quiet, our Python."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from importlib import resources
from typing import Any

from ..errors import SparkifyError

DEFAULT_MASTER = "local[*]"
# Our settings; spark-defaults.conf (SPARK_CONF_DIR) and --conf come on top of or after them.
BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",  # times in UTC whatever the machine's zone
    "spark.ui.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.shuffle.partitions": "8",  # the default 200 is for clusters of many machines
    "spark.ui.showConsoleProgress": "false",  # stderr is for errors; the CLI shows stages
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # partition values stay text when read back: an artist_id of digits stays an id
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
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
    for key, value in {**BASE_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.driver.extraJavaOptions", java_options)
    builder = builder.config("spark.executor.extraJavaOptions", java_options)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master is unreachable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SparkifyError(f"cannot start Spark on {master or DEFAULT_MASTER}: {first}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session
