"""Runs that start themselves: a sensor on the data root, and a daily schedule.

The sensor asks the loader's manifest which files are new or changed (`api.pending`: size and
mtime, or size and ETag for an object) and requests a run of exactly the days they hold, with
a run key made of the files' identities: however often it ticks, the same files give the same
key, and Dagster starts one run per key. Once loaded, they are no longer pending.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

import dagster as dg

from sparkify import api
from sparkify.orchestration.assets import (
    DAYS,
    analytics_views,
    daily_logs,
    report_html,
    song_catalog,
)
from sparkify.orchestration.resource import SparkifyResource

daily_job = dg.define_asset_job(
    "daily_load", selection=dg.AssetSelection.assets(daily_logs, analytics_views, report_html),
    partitions_def=DAYS, description="Load a day's log files (and any new song files), check "
                                     "them, then refresh the analytics.")
catalog_job = dg.define_asset_job(
    "catalog_load", selection=dg.AssetSelection.assets(song_catalog, analytics_views,
                                                       report_html),
    description="Load new song files (and log files named for no day), then the analytics.")

# Every day at 01:00 UTC, the day that has just ended.
daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_job, name="daily_at_0100_utc", hour_of_day=1, minute_of_hour=0)


def run_key(label: str, files: Iterable[api.PendingFile]) -> str:
    """The same files in the same versions: the same key (Dagster starts one run per key)."""
    digest = hashlib.sha256("\n".join(sorted(f.identity for f in files)).encode()).hexdigest()
    return f"{label}:{digest[:20]}"


def plan_requests(files: list[api.PendingFile], has_day=DAYS.has_partition_key
                  ) -> tuple[list[dg.RunRequest], list[str]]:
    """Run requests for pending files, and the days that are not partitions (yet)."""
    by_day: dict[str, list[api.PendingFile]] = defaultdict(list)
    undated = []
    for file in files:
        if file.day is None:
            undated.append(file)
        else:
            by_day[file.day].append(file)
    requests, waiting = [], []
    for day in sorted(by_day):
        if not has_day(day):  # before SPARKIFY_FIRST_DAY, or a day not over yet
            waiting.append(day)
            continue
        requests.append(dg.RunRequest(run_key=run_key(day, by_day[day]), partition_key=day,
                                      job_name=daily_job.name))
    if undated:
        requests.append(dg.RunRequest(run_key=run_key("catalog", undated),
                                      job_name=catalog_job.name))
    return requests, waiting


@dg.sensor(jobs=[daily_job, catalog_job], minimum_interval_seconds=60,
           description="New or changed files under SPARKIFY_DATA: a run of the days they hold.")
def new_files(context: dg.SensorEvaluationContext, sparkify: SparkifyResource
              ) -> dg.SensorResult | dg.SkipReason:
    files = api.pending(sparkify.root(), settings=sparkify.settings())
    requests, waiting = plan_requests(files)
    if waiting:
        context.log.warning(f"files of {', '.join(waiting)} wait: not a partition (before "
                            "SPARKIFY_FIRST_DAY, or the day is not over)")
    if not requests:
        return dg.SkipReason(f"no new or changed file ({len(files)} pending outside the "
                             "partitions)" if files else "no new or changed file")
    return dg.SensorResult(run_requests=requests)
