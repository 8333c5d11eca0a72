"""The build's steps run wave by wave, a wave's steps side by side (spark/build.py WAVES): a
step may read only the views of earlier waves, or a view may be asked for before it exists."""

from __future__ import annotations

import re

from sparkify.core.sqltext import read_sql
from sparkify.spark.build import KEPT, WAVES

_READS = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z_0-9]*)", re.IGNORECASE)


def test_each_step_reads_only_earlier_waves():
    steps = [step for wave in WAVES for step in wave]
    assert len(steps) == len(set(steps))
    done: set[str] = set()
    for wave in WAVES:
        for step in wave:
            read = set(_READS.findall(read_sql(step, "spark"))) & {*steps, "names"}
            assert read <= done, f"{step} reads {sorted(read - done)} of its own wave or later"
        done |= {*wave, "names"}  # `names` is registered beside the first wave


def test_every_step_read_by_another_is_kept():
    """A step read by a later one is computed once (a checkpoint), not once per reader."""
    steps = [step for wave in WAVES for step in wave]
    read = {name for step in steps
            for name in _READS.findall(read_sql(step, "spark")) if name in steps}
    assert read <= set(KEPT), sorted(read - set(KEPT))
    assert set(KEPT) <= set(steps)
