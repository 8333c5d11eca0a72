"""A Spark application for the cluster tests (tests/spark/, tests/faults/): several steps in one
driver on a cluster.

    python -m tests.support.cluster_job MASTER STEPS_JSON   (from the repo)

STEPS_JSON is a list of ["build", ROOT, LAKE] and ["days", SAMPLE, ROOT, FIRST, LAST] (copy
those days of the sample's logs, and its songs, into ROOT). Prints one JSON list: the result of
each build. Spark settings come as JSON in SPARKIFY_TEST_SPARK_CONF.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from sparkify.spark import session
from sparkify.spark.build import build
from tests.support.helpers import copy_sample


def main() -> None:
    master, steps = sys.argv[1], json.loads(sys.argv[2])
    spark = session.start(master, json.loads(os.environ.get("SPARKIFY_TEST_SPARK_CONF", "{}")))
    results = []
    try:
        for step in steps:
            if step[0] == "build":
                results.append(build(spark, step[1], step[2]).to_dict())
            else:
                _, sample, root, first, last = step
                copy_sample(Path(sample), Path(root), range(first, last + 1))
    finally:
        session.stop(spark)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
