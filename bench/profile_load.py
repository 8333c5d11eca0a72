"""Run the `sparkify` command under cProfile, in its own process and in every process it starts.

    BENCH_PROFILE_DIR=/tmp/prof python bench/profile_load.py load ROOT --json

`python -m cProfile` sees only the first process; the loader parses in a second one
(multiprocessing). This wrapper profiles both: the command to BENCH_PROFILE_DIR/main.prof,
each multiprocessing child to worker-PID.prof. With the spawn start method a child imports this
file again as its main module, so the patch below is in place there too.
"""

from __future__ import annotations

import cProfile
import multiprocessing.process
import os
import sys
from pathlib import Path

OUT = Path(os.environ.get("BENCH_PROFILE_DIR", "."))
_run = multiprocessing.process.BaseProcess.run


def _profiled_run(self: multiprocessing.process.BaseProcess) -> None:
    profile = cProfile.Profile()
    try:
        profile.runcall(_run, self)
    finally:
        profile.dump_stats(OUT / f"worker-{os.getpid()}.prof")


multiprocessing.process.BaseProcess.run = _profiled_run


def _command() -> None:
    from sparkify.cli import main  # imported under the profiler: start-up counts

    main()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    sys.argv = ["sparkify", *sys.argv[1:]]
    profile = cProfile.Profile()
    code = 0
    try:
        profile.runcall(_command)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        profile.dump_stats(OUT / "main.prof")
    return code


if __name__ == "__main__":
    sys.exit(main())
