"""The declared fields (core/fields.py) rendered as Spark: a from_json schema, the test that a
record is certainly valid, and its row's columns.

Spark's JSON reader is not orjson: it ignores what follows the first value, turns a number in a
text field into text, takes the last of duplicate keys, accepts escapes orjson refuses. So a
record counts as `clean` here only when Spark's reading of it is certainly the validator's:
one JSON object and nothing after it (read as a one-element array), read with no field failing
(a number field holding text, a float for an integer: the session turns partial results off,
session.REQUIRED_CONF, so the whole record reads as null), no text field holding what another
JSON kind reads as (a number, true, false, an object or an array), no `\\u` escape the two
read otherwise (_RISKY_ESCAPE), every field present, typed and in range as declared. Every
other record goes to the validator itself (spark/fallback.py), which gives the loader's row or
reject; so a rule lives in fields.py and records.py only, and no reason text is written twice.
A needless trip to the validator (a title starting with a digit) costs time, never a wrong row.
"""

from __future__ import annotations

from typing import Any

from sparkify.core.fields import FIELDS, Field, Kind, Need
from sparkify.core.rules import PLAY_PAGE

# orjson refuses single quotes, NaN and Infinity; Spark's reader takes the first by default
JSON_OPTIONS = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false",
                "mode": "PERMISSIVE"}
_WS = "[ \\t\\r\\n]*"  # JSON whitespace, as a Java regex
# A `\\u` escape Spark's reader may take otherwise than orjson: NUL, a surrogate (orjson
# refuses a lone one), or one in a key: an escape whose string ends in `"` and `:`, or in an
# escaped quote (which may hide a key's end). A
# `\\\\u` (an escaped backslash) matches too: a needless trip to the validator, never a miss.
# Other escapes (the logs' mis-encoded names) both decode alike. No repeated group (Java's
# regex recurses once per repetition: a long value could overflow its stack); a record longer
# than ESCAPES_MAX_CHARS holding a `\\u` goes to the validator unscanned (each escape's scan
# runs to its string's end).
_RISKY_ESCAPE = ('\\\\u(?:0000|[dD][89a-fA-F])'
                 f'|\\\\u[0-9a-fA-F]{{4}}[^"]*+(?:"{_WS}:|(?<=\\\\)")')
ESCAPES_MAX_CHARS = 4096
# Java's `$` also matches before a final line break (\\n, \\r, \\u0085, \\u2028, \\u2029): `\\z` is
# the end of the text, as Python's checks see it
END = "\\z"


def column_type(spec: Field) -> str:
    """The Spark type of a field's column in the parsed rows."""
    if spec.kind is Kind.INTEGER:
        return "bigint" if spec.wide else "int"
    return {Kind.TEXT: "string", Kind.NUMBER: "double", Kind.USER_ID: "int"}[spec.kind]


def _read_type(spec: Field) -> str:
    """The type from_json reads a field as (a user id is text: digits or "")."""
    return {Kind.TEXT: "string", Kind.USER_ID: "string", Kind.INTEGER: "bigint",
            Kind.NUMBER: "double"}[spec.kind]


def row_schema(kind: str) -> str:
    """DDL of a kind's parsed rows: file_idx, line, then records.SONG/EVENT_COLUMNS."""
    fields = ", ".join(f"{spec.column} {column_type(spec)}" for spec in FIELDS[kind])
    return f"file_idx int, line int, {fields}"


def read_schema(kind: str) -> str:
    """from_json's schema for '[' + record + ']': a record must be exactly one object."""
    members = ", ".join(f"`{spec.key}`: {_read_type(spec)}" for spec in FIELDS[kind])
    return f"array<struct<{members}>>"


def _other_kind(value: Any, functions: Any) -> Any:
    """Whether a text field's value may be another JSON kind's, as Spark's reader gives it: a
    number's text starts with `-` or a digit; true, false; an object's or an array's JSON."""
    first = functions.substring(value, 1, 1)  # compared, not looked up: few values, no hashing
    return (first.between("0", "9") | first.isin("-", "{", "[")
            | value.isin("true", "false"))


def _field_ok(spec: Field, value: Any, play: Any, functions: Any) -> Any:
    lit = functions.lit
    if spec.need is Need.ALWAYS:
        may_be_null = lit(False)
    elif spec.need is Need.PLAY:
        may_be_null = ~play
    else:
        may_be_null = lit(True)
    if spec.kind is Kind.TEXT:
        present = ~_other_kind(value, functions)
        if spec.nonempty:
            present = present & (value != "")
    elif spec.kind is Kind.USER_ID:  # as the loader's fast path: up to 9 digits, "" if no play
        present = value.rlike("^[0-9]{0,9}" + END) & (~play | (value != ""))
    else:
        present = value.between(lit(spec.low), lit(spec.high))
    return (value.isNull() & may_be_null) | (value.isNotNull() & present)


def read(kind: str, raw: Any, functions: Any) -> Any:
    """The record in column `raw` read by from_json, as a one-element array when it is one
    object and nothing else, every field read as declared. Computed once into a column: each
    check below reads it."""
    return functions.from_json(functions.concat(functions.lit("["), raw, functions.lit("]")),
                               read_schema(kind), JSON_OPTIONS)


def parsed(kind: str, record: Any, raw: Any, functions: Any) -> tuple[Any, Any]:
    """(clean, the row's columns) of a record: `record` as read(), `raw` its text."""
    fields = FIELDS[kind]
    element = functions.get(record, functions.lit(0))  # null, not an error, when empty
    page = next((s for s in fields if s.column == "page"), None)
    play = (element[page.key] == PLAY_PAGE) if page else functions.lit(False)
    # most records have no `\\u`; contains() scans bytes, instr() counts characters as it goes
    risky = raw.contains("\\u") & (
        (functions.length(raw) > ESCAPES_MAX_CHARS) | raw.rlike(_RISKY_ESCAPE))
    checks = [functions.size(record) == 1, ~risky]
    checks += [_field_ok(spec, element[spec.key], play, functions) for spec in fields]
    clean = checks[0]
    for check in checks[1:]:
        clean = clean & check
    columns = []
    for spec in fields:
        value = element[spec.key]
        if spec.kind is Kind.USER_ID:
            value = functions.when(value != "", value.try_cast("int"))
        elif spec.kind is Kind.INTEGER:
            value = value.try_cast(column_type(spec))
        columns.append(value.alias(spec.column))
    return functions.coalesce(clean, functions.lit(False)), columns
