"""Where the assets find their data and warehouse: the environment, as `sparkify` reads it."""

import os
from pathlib import Path

import dagster as dg

from sparkify import api


class SparkifyResource(dg.ConfigurableResource):
    """Data root, warehouse and report file. Unset fields come from the environment when a
    run starts: SPARKIFY_DATA, DATABASE_URL (else the embedded server of SPARKIFY_HOME),
    SPARKIFY_DATABASE (`database`), SPARKIFY_REPORT (default report.html)."""

    data_root: str | None = None
    database: str | None = None
    report_path: str | None = None
    max_reject_share: float = api.DEFAULT_MAX_REJECT_SHARE

    def settings(self) -> api.Settings:
        return api.settings(database=self.database)

    def root(self) -> str | Path:
        return self.data_root if self.data_root is not None else self.settings().data_root

    def report_file(self) -> Path:
        return Path(self.report_path or os.environ.get("SPARKIFY_REPORT") or "report.html")
