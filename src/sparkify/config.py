"""Settings read from the environment.

Ecosystem names come first (DATABASE_URL, libpq's PG* variables); project settings are
SPARKIFY_*. Command-line flags override what is read here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sparkify.errors import SparkifyError

DEFAULT_DATABASE = "sparkifydb"

# libpq variables that, when set, mean "use the server they describe".
_LIBPQ_SERVER_VARS = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    database: str | None  # None: the embedded default, or the database DATABASE_URL names
    data_root: Path | str  # a folder, or an object store URL (s3://bucket/prefix)

    def __post_init__(self) -> None:
        if self.database_url:
            _check_conninfo(self.database_url)

    @property
    def external(self) -> bool:
        """True when the user named a server of their own (DATABASE_URL or PG* variables)."""
        return self.database_url is not None


def _check_conninfo(conninfo: str) -> None:
    """One line if libpq cannot read DATABASE_URL, showing none of its text: libpq's reason
    quotes what it stumbled on, which may be the password."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(conninfo)
    except ProgrammingError as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        reason = first.partition('"')[0].rstrip(": ") or "unreadable"  # what it quotes, cut
        raise SparkifyError(f"DATABASE_URL is not a connection URL or string PostgreSQL can read "
                            f"({reason}); its text is not shown, as it may hold a password"
                            ) from None


def load_settings() -> Settings:
    url = os.environ.get("DATABASE_URL") or None
    if url is None and any(os.environ.get(name) for name in _LIBPQ_SERVER_VARS):
        url = ""  # an empty conninfo lets libpq read the PG* variables itself
    return Settings(
        home=Path(os.environ.get("SPARKIFY_HOME", ".sparkify")).expanduser().absolute(),
        database_url=url,
        database=os.environ.get("SPARKIFY_DATABASE") or None,
        data_root=_data_root(os.environ.get("SPARKIFY_DATA", "data")),
    )


def _data_root(text: str) -> Path | str:
    """A URL stays text (a Path would fold its `//`); anything else is a folder."""
    return text if "://" in text else Path(text)
