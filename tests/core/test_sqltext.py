"""core/sqltext.py: each rule is written into the SQL of both engines from its one declaration,
and no .sql file spells a rule out itself."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from sparkify.core import rules
from sparkify.core.sqltext import read_sql, render

SQL_FILES = {dialect: sorted(path for path in resources.files(f"sparkify.{dialect}")
                             .joinpath("sql").rglob("*.sql"))  # type: ignore[attr-defined]
             for dialect in ("postgres", "spark")}
# what a rule looks like written out: none of it may appear in a .sql file by hand
SPELLED_OUT = [re.escape(rules.PLAY_PAGE), r"interval '1 millisecond'", r"timestamp_millis",
               r"abs\(\s*\w+\.duration", r"isodow", r"weekofyear", r"date_part"]


@pytest.mark.parametrize("dialect", ["postgres", "spark"])
def test_every_sql_file_renders_and_spells_no_rule_out(dialect):
    assert SQL_FILES[dialect]
    for path in SQL_FILES[dialect]:
        text = path.read_text(encoding="utf-8")
        code = "\n".join(line.split("--")[0] for line in text.splitlines())
        for pattern in SPELLED_OUT:
            assert not re.search(pattern, code), (path.name, pattern)
        assert "{{" not in render(text, dialect), path.name


def test_the_rules_render_per_dialect():
    assert render("{{ms_to_timestamp(e.ts)}}", "spark") == "timestamp_millis(e.ts)"
    assert "interval '1 millisecond'" in render("{{ms_to_timestamp(e.ts)}}", "postgres")
    assert render("{{is_play(e.page)}}") == "e.page = 'NextSong'"
    match = render("{{song_match(so.title, a.name, so.duration, e.song, e.artist, e.length)}}")
    assert f"abs(so.duration - e.length) <= {rules.MATCH_TOLERANCE}" in match
    assert "so.title = e.song" in match and "a.name = e.artist" in match
    assert render("{{closest_match(so.duration, e.length, so.song_id)}}", "spark") == (
        "abs(so.duration - e.length), so.song_id")
    parts = render("{{time_parts(t)}}", "spark")
    assert [p.split(" AS ")[-1] for p in parts.split(", ")] == list(rules.TIME_PARTS)
    # an argument holding parentheses and commas stays one argument
    nested = render("{{ms_to_timestamp(coalesce((r ->> 'ts')::bigint, 0))}}", "spark")
    assert nested == "timestamp_millis(coalesce((r ->> 'ts')::bigint, 0))"


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        render("{{no_such_rule(x)}}")


def test_postgres_statements_are_found_by_name_alone():
    assert "INSERT INTO public.time" in read_sql("insert_time")
    assert "timestamp_millis" in read_sql("songplays", "spark")
