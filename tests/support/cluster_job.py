"""A Spark application for the cluster tests (tests/spark/, tests/faults/): several steps in one
driver on a cluster.

    python -m tests.support.cluster_job MASTER STEPS_JSON   (from the repo)

STEPS_JSON is a list of ["build", ROOT, LAKE]. Prints one JSON list: the result of each build.
Spark settings come as JSON in SPARKIFY_TEST_SPARK_CONF.
"""

from __future__ import annotations

import json
import os
import sys

from sparkify.spark import session
from sparkify.spark.build import build


def main() -> None:
    master, steps = sys.argv[1], json.loads(sys.argv[2])
    spark = session.start(master, json.loads(os.environ.get("SPARKIFY_TEST_SPARK_CONF", "{}")))
    results = []
    try:
        for _, root, lake in steps:
            results.append(build(spark, root, lake).to_dict())
    finally:
        session.stop(spark)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
