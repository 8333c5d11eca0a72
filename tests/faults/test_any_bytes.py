"""Any bytes as input (hypothesis): log lines and song files with wrong types, missing and extra
fields, huge and negative numbers, NaN and Infinity, deep nesting, invalid UTF-8, NUL, lone
surrogates, long lines, a BOM, CRLF, pretty-printed JSON, or bytes of no format at all.

For each generated root, `load` raises nothing; every non-blank line (every song file's
record) is read, and either loaded or rejected with a reason code; each file's manifest row
balances (read = loaded + rejected) and agrees with its rows in events, songplays and rejects.

SPARKIFY_FUZZ_EXAMPLES sets how many roots (`make fuzz` runs many more than `make test`).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings

from sparkify.core.records import BOM, RejectCode
from sparkify.core.sqltext import read_sql
from sparkify.postgres.load.pipeline import load
from tests.support.any_bytes import roots
from tests.support.helpers import query

pytestmark = pytest.mark.first_pass  # the parser is the same whichever server takes the rows

EXAMPLES = int(os.environ.get("SPARKIFY_FUZZ_EXAMPLES", "60"))
CODES = {code.value for code in RejectCode}
# -- what a root must give --------------------------------------------------------------------


def expected_records(name: str, data: bytes) -> int:
    """Records a file holds: non-blank lines of a log file; a song file's one object (or JSON
    lines, or its one broken record: at least one when it is not blank)."""
    if name.startswith("song_data"):
        return -1 if data.removeprefix(BOM).strip() else 0
    lines = data.split(b"\n")
    if lines and lines[0].startswith(BOM):
        lines[0] = lines[0][len(BOM):]
    return sum(1 for line in lines if line.rstrip(b"\r\n").strip())


def test_any_bytes_are_loaded_or_rejected_with_a_reason_and_every_file_balances(settings,
                                                                                 tmp_path):
    count = iter(range(1_000_000))
    tried = {"roots": 0, "files": 0, "records": 0, "rejected": 0}

    @run_settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(files=roots())
    def check(files: dict[str, bytes]) -> None:
        root = tmp_path / f"root{next(count)}"
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        load(settings, root, notify=lambda message: None)  # raises nothing
        manifest = {path: (read, loaded, rejected) for path, read, loaded, rejected in query(
            settings, "SELECT path, records_read, records_loaded, rejected "
                      "FROM sparkify.manifest WHERE path LIKE %s", [f"{root}/%"])}
        assert len(manifest) == len(files)
        for name, data in files.items():
            read, loaded, rejected = manifest[str(root / name)]
            want = expected_records(name, data)
            assert read == want if want >= 0 else read >= 1, (name, data[:200])
            assert read == loaded + rejected
            tried["records"] += read
            tried["rejected"] += rejected
        tried["roots"] += 1
        tried["files"] += len(files)
        codes = query(settings, "SELECT DISTINCT reason_code, reason = '' FROM sparkify.rejects")
        assert all(code in CODES and not blank for code, blank in codes), codes
        for name in ("checks/manifest_files", "checks/manifest_balance"):
            assert query(settings, read_sql(name)) == [], name

    check()
    print(f"\nbad inputs tried: {tried}")  # the counts bench/RESULTS.md reports
