"""``sql.*``: the INSERTs of the classic ``sql_queries.py``, parsed, each checked for the ON
CONFLICT clause its table's key needs (a reload must never fail or duplicate a row)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path

from sparkify.checks.result import CheckResult
from sparkify.core.tables import CHECKED


def find_sql_queries() -> Path | None:
    """sql_queries.py of the repo this package runs from (an editable install: a folder above
    it), else of the current folder (an installed package runs from site-packages)."""
    for folder in (*Path(__file__).resolve().parents, Path.cwd()):
        candidate = folder / "sql_queries.py"
        if candidate.is_file():
            return candidate
    return None


def classic_statements(path: Path) -> dict[str, str]:
    """Every ``*_insert`` string attribute of the module at `path`, by name."""
    spec = importlib.util.spec_from_file_location("_sparkify_checked_sql_queries", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: value for name, value in sorted(vars(module).items())
            if name.endswith("_insert") and isinstance(value, str)}


def sql_checks(statements: Mapping[str, str] | None = None) -> list[CheckResult]:
    """One result per statement, and one saying whether every table has an INSERT."""
    if statements is None:
        path = find_sql_queries()
        if path is None:
            return [CheckResult("sql.inserts", True, "sql_queries.py not found next to the "
                                "package or in the current folder; SQL sanity skipped",
                                warning=True)]
        try:
            statements = classic_statements(path)
        except Exception as exc:  # noqa: BLE001 -- a broken module is a finding, not a crash
            return [CheckResult("sql.inserts", False,
                                f"cannot import {path}: {type(exc).__name__}: {exc}")]
    results = []
    covered: set[str] = set()
    for name, text in statements.items():
        result, table = check_insert(name, text)
        results.append(result)
        if table:
            covered.add(table)
    missing = [t for t in CHECKED if t not in covered]
    if missing:
        inserts = CheckResult("sql.inserts", False,
                              f"no INSERT for table(s) {', '.join(missing)}")
    else:
        inserts = CheckResult("sql.inserts", True,
                              f"{len(statements)} INSERTs cover every table")
    return [inserts, *results]


_COMMENT = re.compile(r"--[^\n]*")
_TARGET = re.compile(r"\bINSERT\s+INTO\s+(?:(\w+)\s*\.\s*)?(\w+)", re.IGNORECASE)
_CONFLICT = re.compile(
    r"\bON\s+CONFLICT\s*(?:\(([^)]*)\)|ON\s+CONSTRAINT\s+(\w+))?\s*(?:WHERE\s+.*?)?"
    r"\bDO\s+(NOTHING|UPDATE)\b", re.IGNORECASE | re.DOTALL)
_ASSIGNED = re.compile(r"(\w+)\s*=\s*excluded\s*\.\s*(\w+)", re.IGNORECASE)
_SET_END = re.compile(r"\bWHERE\b|\bRETURNING\b|;", re.IGNORECASE)


def check_insert(name: str, text: str) -> tuple[CheckResult, str | None]:
    """Whether one INSERT meets its table's key with the right ON CONFLICT; and the table."""
    check = f"sql.on_conflict.{name}"
    body = _COMMENT.sub(" ", text)
    target = _TARGET.search(body)
    if target is None:
        return CheckResult(check, False, f"{name} is not an INSERT statement"), None
    table = target.group(2).lower()
    spec = CHECKED.get(table)
    if spec is None:
        return CheckResult(check, False, f"{name} inserts into {table}, which has no key "
                                         "declared in sparkify.core.tables.CHECKED"), None
    key = ", ".join(spec.natural_key)
    wanted = f"ON CONFLICT ({key}) {spec.on_conflict}"
    conflict = _CONFLICT.search(body, target.end())
    if conflict is None:
        return CheckResult(check, False, f"{name} (INSERT INTO {table}) has no ON CONFLICT "
                                         f"clause: a reload would fail or duplicate rows; "
                                         f"expected {wanted}"), table
    columns, constraint, action = conflict.groups()
    if columns is None and constraint is None:
        return CheckResult(check, False, f"{name}: ON CONFLICT names no key (any unique "
                                         f"violation would be swallowed); expected {wanted}"), table
    if columns is not None:
        named = {c.strip().strip('"').lower() for c in columns.split(",") if c.strip()}
        fits = named == set(spec.natural_key)
        said = f"({', '.join(sorted(named))})"
    else:
        fits = constraint.lower() == spec.natural_key_constraint
        said = f"ON CONSTRAINT {constraint}"
    if not fits:
        return CheckResult(check, False, f"{name}: ON CONFLICT {said} is not {table}'s key "
                                         f"({key})"), table
    action = f"DO {action.upper()}"
    if action != spec.on_conflict:
        why = ("must follow the latest value" if spec.on_conflict == "DO UPDATE"
               else "keeps the row first loaded")
        return CheckResult(check, False, f"{name}: {action} where {table} {why}; expected "
                                         f"{spec.on_conflict}"), table
    if action == "DO UPDATE":
        rest = body[conflict.end():]
        end = _SET_END.search(rest)
        assigned = {m.group(1).lower() for m in _ASSIGNED.finditer(rest[:end.start()
                                                                         if end else None])}
        stale = [c for c in spec.columns if c not in spec.natural_key and c not in assigned]
        if stale:
            return CheckResult(check, False, f"{name}: DO UPDATE leaves {', '.join(stale)} "
                                             f"at the old value"), table
    return CheckResult(check, True, f"INSERT INTO {table} … ON CONFLICT {said} {action}"), table
