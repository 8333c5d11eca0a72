"""What a check gives, and the helpers every family of checks shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sparkify.core.sqltext import read_sql

DEFAULT_MAX_REJECT_SHARE = 0.01


@dataclass(frozen=True)
class CheckResult:
    """One check: ``passed`` False fails `sparkify check`; a ``warning`` passes but is shown."""

    name: str
    passed: bool
    detail: str
    warning: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def check_sql(name: str) -> str:
    """The text of src/sparkify/sql/checks/<name>.sql."""
    return read_sql(f"checks/{name}")


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
