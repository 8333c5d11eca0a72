"""The warehouse as Dagster assets: the song catalog, the daily log load, the analytics.

Each asset is one call of `sparkify.api`; the loader's manifest makes every run incremental
and idempotent, so a rerun of a day reads nothing and a changed file of the day is reloaded
in place.
"""

import os
from typing import Any

import dagster as dg

from sparkify import api
from sparkify.orchestration.resource import SparkifyResource

FIRST_DAY = os.environ.get("SPARKIFY_FIRST_DAY") or "2018-11-01"
# One partition per UTC day, keyed YYYY-MM-DD; a day becomes a partition once it has ended.
DAYS = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="UTC")

CATALOG = ("songs", "artists")
DAILY = ("events", "songplays", "users", "time", "user_song_plays")
WAREHOUSE_GROUP = "warehouse"

DESCRIPTIONS = {
    "songs": "Songs of the catalog (song_data/), the latest record of each song_id.",
    "artists": "Artists of the catalog (song_data/), the latest record of each artist_id.",
    "events": "Every event of the logs (log_data/), one row each.",
    "songplays": "Song plays (NextSong events), matched to the catalog where one song fits.",
    "users": "Every user with a userId, as of their latest event.",
    "time": "Each play's start time broken into parts (UTC).",
    "user_song_plays": "Each user's plays of each song, kept exact by triggers.",
}


def _load_metadata(result: api.LoadResult, table: str) -> dict[str, Any]:
    return {"rows": result.tables.get(table, 0), "files_loaded": result.files_loaded,
            "records_read": result.songs["read"] + result.events["read"],
            "records_rejected": result.rejected, "data_root": result.data_root,
            "seconds": round(result.seconds, 3)}


@dg.multi_asset(
    name="song_catalog",
    specs=[dg.AssetSpec(table, group_name=WAREHOUSE_GROUP, description=DESCRIPTIONS[table])
           for table in CATALOG],
)
def song_catalog(context: dg.AssetExecutionContext, sparkify: SparkifyResource):
    """Load new or changed song files (and log files named for no day)."""
    result = api.load(sparkify.root(), days=(), settings=sparkify.settings())
    context.log.info(f"{result.files_loaded} file(s) loaded, {result.files_skipped} skipped")
    for table in CATALOG:
        yield dg.MaterializeResult(asset_key=table, metadata=_load_metadata(result, table))


@dg.multi_asset(
    name="daily_logs",
    specs=[dg.AssetSpec(table, group_name=WAREHOUSE_GROUP, description=DESCRIPTIONS[table],
                        deps=list(CATALOG)) for table in DAILY],
    partitions_def=DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),  # a backfill of a month: one load
)
def daily_logs(context: dg.AssetExecutionContext, sparkify: SparkifyResource):
    """Load the log files of the run's days (and any new song files)."""
    days = context.partition_keys
    result = api.load(sparkify.root(), days=days, settings=sparkify.settings())
    context.log.info(f"days {days[0]}..{days[-1]}: {result.files_loaded} file(s) loaded, "
                     f"{result.events['read']} events read, {result.rejected} rejected")
    for table in DAILY:
        yield dg.MaterializeResult(asset_key=table, metadata=_load_metadata(result, table))


@dg.asset(group_name="analytics", deps=list(CATALOG + DAILY))
def analytics_views(sparkify: SparkifyResource) -> dg.MaterializeResult:
    """The analytics views and functions (sql/views/), created again over the loaded star."""
    api.init(settings=sparkify.settings())
    return dg.MaterializeResult(metadata={"views_and_functions": len(api.VIEWS)})


@dg.asset(group_name="analytics", deps=[analytics_views])
def report_html(sparkify: SparkifyResource) -> dg.MaterializeResult:
    """The analytics report as one self-contained HTML page (SPARKIFY_REPORT)."""
    report = api.report(settings=sparkify.settings())
    path = sparkify.report_file().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.html(), encoding="utf-8")
    top = report.top_songs[0] if report.top_songs else None
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "plays": int(sum(row["plays"] for row in report.figures.get("plays_by_hour", []))),
        "top_song": f"{top['song']} by {top['artist']} ({top['plays']})" if top else "none"})
