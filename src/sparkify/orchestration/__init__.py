"""Dagster orchestration of sparkify: `defs` for `dagster dev -m sparkify.orchestration`.

Thin over `sparkify.api`: the assets, checks, sensor and schedule call it and hold no SQL and
no loading logic of their own. Needs the `dagster` extra (`pip install 'sparkify[dagster]'`).
"""

import dagster as dg

from sparkify.orchestration.assets import (
    DAYS,
    analytics_views,
    daily_logs,
    report_html,
    song_catalog,
)
from sparkify.orchestration.checks import catalog_checks, daily_checks
from sparkify.orchestration.resource import SparkifyResource
from sparkify.orchestration.sensors import catalog_job, daily_job, daily_schedule, new_files

ASSETS = [song_catalog, daily_logs, analytics_views, report_html]
CHECKS = [catalog_checks, daily_checks]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[daily_job, catalog_job],
    schedules=[daily_schedule],
    sensors=[new_files],
    resources={"sparkify": SparkifyResource()},
)

__all__ = ["ASSETS", "CHECKS", "DAYS", "SparkifyResource", "defs"]
