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
# one row per key: DISTINCT ON (key) … to the statement's end, or row_number() OVER (PARTITION
# BY key ORDER BY …)
PICKS = [re.compile(r"(?i)DISTINCT\s+ON\s*\((?P<key>[^)]*)\)(?P<order>[^;]*)"),
         re.compile(r"(?is)row_number\(\)\s*OVER\s*\(\s*PARTITION\s+BY\s+(?P<key>.*?)"
                    r"\s+ORDER\s+BY\s+(?P<order>[^)]*)")]


def latest_picks(code: str) -> list[str]:
    """The hand-written latest-wins picks in `code`: one row per key of rules.LATEST chosen by
    file position (its order names a path or a line), which only {{latest(…)}} may write."""
    keys = {rule.key for rule in rules.LATEST.values()}
    found = []
    for pick in PICKS:
        for match in pick.finditer(code):
            key = [column.split(".")[-1].strip() for column in match["key"].split(",")]
            if len(key) == 1 and key[0] in keys and re.search(
                    r"\b(\w+\.)?(source_)?(path|line)\b", match["order"]):
                found.append(match[0])
    return found


@pytest.mark.parametrize("dialect", ["postgres", "spark"])
def test_every_sql_file_renders_and_spells_no_rule_out(dialect):
    assert SQL_FILES[dialect]
    for path in SQL_FILES[dialect]:
        text = path.read_text(encoding="utf-8")
        code = "\n".join(line.split("--")[0] for line in text.splitlines())
        for pattern in SPELLED_OUT:
            assert not re.search(pattern, code), (path.name, pattern)
        assert not latest_picks(code), (path.name, latest_picks(code))
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


def test_latest_wins_renders_the_whole_pick_per_dialect():
    assert render("{{latest(users, candidates)}}") == (
        "(SELECT DISTINCT ON (user_id) * FROM candidates"
        " ORDER BY user_id, ts DESC, path DESC, line DESC)")
    assert render("{{latest(songs, records)}}", "spark") == (
        "(SELECT * FROM records QUALIFY row_number() OVER"
        " (PARTITION BY song_id ORDER BY path DESC, line DESC) = 1)")
    for table, rule in rules.LATEST.items():  # the rendered picks are what the test refuses
        for dialect in ("postgres", "spark"):
            assert latest_picks(render(f"{{{{latest({table}, r)}}}}", dialect)), rule


def test_a_hand_written_latest_pick_is_found_and_other_picks_are_not():
    assert latest_picks("SELECT DISTINCT ON (e.user_id) e.level FROM events e\n"
                        "ORDER BY e.user_id, e.event_time DESC, m.path DESC, e.source_line DESC;")
    assert latest_picks("row_number() OVER (PARTITION BY s.artist_id\n"
                        "                   ORDER BY f.path DESC, s.line DESC) AS rank")
    assert not latest_picks("row_number() OVER (PARTITION BY user_id ORDER BY plays DESC, song)")
    assert not latest_picks("SELECT DISTINCT ON (e.file_idx, e.line) e.file_idx, c.song_id "
                            "FROM e ORDER BY e.file_idx, e.line, abs(c.duration - e.length);")


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        render("{{no_such_rule(x)}}")


def test_postgres_statements_are_found_by_name_alone():
    assert "INSERT INTO public.time" in read_sql("insert_time")
    assert "timestamp_millis" in read_sql("songplays", "spark")
