"""A real standalone Spark cluster on loopback: one Master and N Workers of one core each,
started from the installed pyspark's `spark-class` (the wheel has no sbin/ scripts).

Used by the cluster tests (tests/spark/, tests/faults/) and bench/spark_lake.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


class StandaloneCluster:
    def __init__(self, workers: int = 2, memory: str = "1g") -> None:
        self.workers, self.memory = workers, memory
        self.port = _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.logs = Path(tempfile.mkdtemp(prefix="sparkify-cluster-"))
        self._procs: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
        env.pop("SPARK_HOME", None)
        return env

    def _start(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self._procs.append(subprocess.Popen(
            [str(spark_class()), *args], env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))

    def start(self, timeout: float = 90.0) -> Self:
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.port), "--webui-port", str(_free_port()))
        for number in range(self.workers):
            self._start(f"worker{number}", "org.apache.spark.deploy.worker.Worker", self.url,
                        "--host", "127.0.0.1", "--cores", "1", "--memory", self.memory,
                        "--webui-port", str(_free_port()),
                        "--work-dir", str(self.logs / f"worker{number}"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.master_log().count("Registering worker") >= self.workers:
                return self
            if any(proc.poll() is not None for proc in self._procs):
                break
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the cluster did not come up; logs in {self.logs}")

    def master_log(self) -> str:
        """The master's log so far (an application's part: the text past its length before)."""
        return (self.logs / "master.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self._procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self._procs.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
