"""`make test`'s two passes of the suite, at once: on the embedded PostgreSQL 18 (the first pass,
every test) and on Debian's PostgreSQL 15 (the second: the tests that use a server).

    python tests/passes.py PG15_POSTGRES_BINARY [PYTEST_ARGS...]   (the args: to both passes)

The first pass keeps both cores busy only while Spark runs, and the second mostly waits on its
server: beside the first, it fits in the cores the first leaves idle. On two cores both passes
took 14 min 4 s at once, against 13 min 40 s and then 4 min 2 s one after the other (1.45 of
the two cores busy on average in the first pass, 1.18 in the second). The first pass prints as
it runs; the second's output is kept in a file and printed after it. The exit status is the first
failure's, if any.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

PYTEST = [sys.executable, "-m", "pytest", "-q"]


def _second_pass(pg15: Path, args: list[str], output: IO[bytes]) -> subprocess.Popen | None:
    """The PostgreSQL 15 pass started in the background, or None when it cannot run (an error
    when it must: as root, which could have installed it, or under CI)."""
    if os.access(pg15, os.X_OK):
        # no cache plugin: the first pass writes .pytest_cache meanwhile
        return subprocess.Popen([*PYTEST, "-p", "no:cacheprovider", "--durations=10", *args],
                                env={**os.environ, "SPARKIFY_TEST_SERVER": "pg15"},
                                stdout=output, stderr=subprocess.STDOUT)
    if os.geteuid() == 0 or os.environ.get("CI") == "true":
        sys.exit("postgresql-15 is missing and could not be installed")
    print("postgresql-15 is not installed (needs root: apt-get install postgresql-15): the "
          "PostgreSQL 15 pass is skipped", flush=True)
    return None


def main() -> int:
    with tempfile.TemporaryFile() as output:
        second = _second_pass(Path(sys.argv[1]), sys.argv[2:], output)
        if second is not None:
            print("the suite on PostgreSQL 15 runs beside this pass; its output follows it",
                  flush=True)
        try:
            first = subprocess.run([*PYTEST, "--durations=15", *sys.argv[2:]],
                                   check=False).returncode
            status = second.wait() if second is not None else 0
        finally:
            if second is not None and second.poll() is None:  # interrupted: stop it too
                second.terminate()
                second.wait()
        if second is not None:
            print("\nthe suite on PostgreSQL 15", flush=True)
            output.seek(0)
            sys.stdout.buffer.write(output.read())
            sys.stdout.flush()
    return first or status


if __name__ == "__main__":
    sys.exit(main())
