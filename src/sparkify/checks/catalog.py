"""``schema.*``: the PostgreSQL catalog compared with the shape declared in tables.py (not
with our own CREATE statements), so a column altered or a constraint dropped by hand shows up."""

from __future__ import annotations

import psycopg

from sparkify.checks.result import CheckResult, check_sql, first_line
from sparkify.core.tables import CHECKED, FOREIGN_KEYS, TableSpec

# Tables whose natural key is a UNIQUE constraint apart from the surrogate primary key.
NATURAL_KEY_TABLES = tuple(t for t, spec in CHECKED.items() if spec.natural_key != spec.primary_key)


def schema_checks(conn: psycopg.Connection) -> list[CheckResult]:
    names = list(CHECKED)
    try:
        with conn.transaction(), conn.cursor() as cur:
            columns = cur.execute(check_sql("catalog_columns"), {"tables": names}).fetchall()
            constraints = cur.execute(check_sql("catalog_constraints"),
                                      {"tables": names}).fetchall()
    except psycopg.Error as exc:
        return [CheckResult(f"schema.{kind}.{t}", False,
                            f"could not read the catalog: {first_line(exc)}")
                for kind in ("columns", "primary_key", "not_null") for t in names]
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, not_null in columns:
        found.setdefault(table, {})[column] = (data_type, not_null)
    keys: dict[str, list[tuple[str, str, list[str], str | None, list[str]]]] = {}
    for table, name, kind, cols, ref_table, ref_cols in constraints:
        keys.setdefault(table, []).append((name, kind, list(cols), ref_table, list(ref_cols)))

    results: list[CheckResult] = []
    for table, spec in CHECKED.items():
        results.append(_columns_result(table, spec, found.get(table)))
    for table, spec in CHECKED.items():
        results.append(_primary_key_result(table, spec, found.get(table), keys.get(table, [])))
    for table, spec in CHECKED.items():
        results.append(_not_null_result(table, spec, found.get(table)))
    for table in dict.fromkeys(fk[0] for fk in FOREIGN_KEYS):
        results.append(_foreign_keys_result(table, found.get(table), keys.get(table, [])))
    for table in NATURAL_KEY_TABLES:
        results.append(_natural_key_result(table, CHECKED[table], found.get(table),
                                           keys.get(table, [])))
    return results


def _columns_result(table: str, spec: TableSpec, have: dict | None) -> CheckResult:
    name = f"schema.columns.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    missing = [c for c in spec.columns if c not in have]
    wrong = [f"{c} is {have[c][0]} (expected {t})" for c, (t, _) in spec.columns.items()
             if c in have and have[c][0] != t]
    if missing or wrong:
        parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + wrong
        return CheckResult(name, False, f"public.{table}: " + "; ".join(parts))
    return CheckResult(name, True, f"public.{table}: {len(spec.columns)} columns of the "
                                   "expected types")


def _primary_key_result(table: str, spec: TableSpec, have: dict | None,
                        keys: list) -> CheckResult:
    name = f"schema.primary_key.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    expected = ", ".join(spec.primary_key)
    pks = [cols for _, kind, cols, _, _ in keys if kind == "p"]
    if not pks:
        return CheckResult(name, False, f"public.{table} has no primary key (expected on "
                                        f"{expected})")
    if pks[0] != list(spec.primary_key):
        return CheckResult(name, False, f"public.{table}'s primary key is on "
                                        f"({', '.join(pks[0])}), expected ({expected})")
    return CheckResult(name, True, f"public.{table}: primary key ({expected})")


def _not_null_result(table: str, spec: TableSpec, have: dict | None) -> CheckResult:
    name = f"schema.not_null.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    required = [c for c, (_, not_null) in spec.columns.items() if not_null]
    nullable = [c for c in required if c in have and not have[c][1]]
    if nullable:
        return CheckResult(name, False, f"public.{table}: required column(s) allow NULL: "
                                        f"{', '.join(nullable)}")
    return CheckResult(name, True, f"public.{table}: {len(required)} required columns are "
                                   "NOT NULL")


def _foreign_keys_result(table: str, have: dict | None, keys: list) -> CheckResult:
    name = f"schema.foreign_keys.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    present = {(cols[0], ref_table, ref_cols[0]) for _, kind, cols, ref_table, ref_cols in keys
               if kind == "f" and len(cols) == 1 and len(ref_cols) == 1}
    wanted = [(column, ref_table, ref_column)
              for t, column, ref_table, ref_column in FOREIGN_KEYS if t == table]
    missing = [f"{table}.{c} → {rt}.{rc}" for c, rt, rc in wanted if (c, rt, rc) not in present]
    if missing:
        return CheckResult(name, False, f"missing foreign key(s): {', '.join(missing)}")
    return CheckResult(name, True, f"public.{table}: " + ", ".join(
        f"{c} → {rt}.{rc}" for c, rt, rc in wanted))


def _natural_key_result(table: str, spec: TableSpec, have: dict | None,
                        keys: list) -> CheckResult:
    name = f"schema.natural_key.{table}"
    if have is None:
        return CheckResult(name, False, f"table public.{table} is missing")
    wanted = set(spec.natural_key)
    unique = [cname for cname, kind, cols, _, _ in keys if kind == "u" and set(cols) == wanted]
    columns = ", ".join(spec.natural_key)
    if not unique:
        return CheckResult(name, False, f"public.{table} has no UNIQUE ({columns}): a replayed "
                                        "event could be loaded twice")
    if spec.natural_key_constraint not in unique:
        return CheckResult(name, False, f"public.{table}: UNIQUE ({columns}) is named "
                                        f"{unique[0]}, the loader's ON CONFLICT names "
                                        f"{spec.natural_key_constraint}")
    return CheckResult(name, True, f"public.{table}: {spec.natural_key_constraint} "
                                   f"UNIQUE ({columns})")
