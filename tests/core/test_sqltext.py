"""core/sqltext.py: each rule is written into the SQL of both engines from its one declaration,
and no .sql file spells a rule out itself."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from sparkify.core import rules
from sparkify.core.names import RECORD_FIELDS
from sparkify.core.sqltext import read_sql, render

SQL_FILES = {dialect: sorted(path for path in resources.files(f"sparkify.{dialect}")
                             .joinpath("sql").rglob("*.sql"))  # type: ignore[attr-defined]
             for dialect in ("postgres", "spark")}
# what a rule looks like written out: none of it may appear in a .sql file by hand
SPELLED_OUT = [re.escape(rules.PLAY_PAGE), r"interval '1 millisecond'", r"timestamp_millis",
               r"abs\(\s*\w+\.duration", r"isodow", r"weekofyear", r"date_part",
               r"octet_length", r"char_length"]  # the last two: "could be mis-encoded"
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


# values unpivoted into rows: ARRAY[…], array(…), unnest(…), explode(…), stack(…), VALUES (…), …
UNPIVOT = re.compile(r"(?i)\b(array|unnest|explode|stack|values)\s*(?=[\[(])")
# a select of one column alone, as each branch of a UNION of name columns selects it
LONE_COLUMN = re.compile(r"(?i)\bSELECT\s+(?:DISTINCT\s+)?(?:\w+\.)?(\w+)(?:\s+AS\s+\w+)?"
                         r"\s+FROM\b")


def _groups(code: str, start: int) -> str:
    """The bracketed groups from `start` on, while a comma joins the next: `(a), (b)`."""
    depth, end = 0, start
    while end < len(code):
        char = code[end]
        depth += (char in "[(") - (char in "])")
        end += 1
        if depth == 0 and char in "])" and not re.match(r"\s*,\s*[\[(]", code[end:]):
            break
    return code[start:end]


def name_lists(code: str) -> list[str]:
    """The hand-written lists of core/names.py's name columns in `code`: two or more name
    columns of one kind of record unpivoted together, or selected alone in one statement
    (a UNION of one column each), which only {{name_candidates(…)}} may write."""
    found = []
    for statement in code.split(";"):
        lists = [_groups(statement, match.end()) for match in UNPIVOT.finditer(statement)]
        lists.append(" ".join(LONE_COLUMN.findall(statement)))
        for text in lists:
            named = set(re.findall(r"\w+", text))
            if any(len(named & set(fields)) > 1 for fields in RECORD_FIELDS.values()):
                found.append(text)
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
        assert not name_lists(code), (path.name, name_lists(code))
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
    # a play's closest song chosen in its row (Spark): the same tolerance, the same order
    closest = render("{{closest_song(c.songs, p.length)}}", "spark")
    assert f"filter(c.songs, s -> abs(s.duration - p.length) <= {rules.MATCH_TOLERANCE})" in (
        closest)
    order = render("{{closest_match(s.duration, p.length, s.song_id)}}", "spark").split(", ")
    assert re.findall(r"'\w+', ([^,]+(?:\([^)]*\))?)", closest)[:len(order)] == order
    assert closest.startswith("array_min(") and "'artist_id', s.artist_id" in closest
    with pytest.raises(ValueError, match="Spark SQL"):
        render("{{closest_song(c.songs, p.length)}}", "postgres")
    assert render("{{names_match(c.title, c.artist, p.song, p.artist)}}", "spark") == (
        "c.title = p.song AND c.artist = p.artist")
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


def test_name_candidates_render_one_pass_per_dialect():
    events = render("{{name_candidates(events, staging.events)}}")
    assert events.count("FROM staging.events") == 1
    assert "unnest(ARRAY[song, artist, first_name, last_name, location])" in events
    assert "octet_length(name) <> char_length(name)" in events
    songs = render("{{name_candidates(songs, parsed_songs)}}", "spark")
    assert songs.count("FROM parsed_songs") == 1
    assert "explode(array(title, artist_name, artist_location))" in songs
    assert "octet_length(name) <> length(name)" in songs
    for kind in RECORD_FIELDS:  # the rendered lists are what the test refuses
        for dialect in ("postgres", "spark"):
            assert name_lists(render(f"{{{{name_candidates({kind}, r)}}}}", dialect)), kind


def test_a_hand_written_list_of_name_columns_is_found_and_other_lists_are_not():
    assert name_lists("SELECT DISTINCT v.name FROM (\n"
                      "    SELECT song AS name FROM staging.events WHERE x\n    UNION ALL\n"
                      "    SELECT e.artist FROM staging.events e WHERE y) v;")
    assert name_lists("SELECT explode(array(title, artist_name)) AS name FROM parsed_songs")
    assert name_lists("FROM staging.events CROSS JOIN LATERAL unnest(ARRAY[e.first_name,\n"
                      "    e.last_name]) AS v(name)")
    assert name_lists("CROSS JOIN LATERAL (VALUES (song), (location)) AS v(name)")
    assert name_lists("SELECT stack(2, song, artist) AS name FROM parsed_events")
    assert not name_lists("SELECT first_name, last_name, location FROM staging.events")
    assert not name_lists("SELECT title FROM a UNION ALL SELECT song_id FROM b")
    assert not name_lists("SELECT array(song_id, title) FROM songs; SELECT artist FROM e")
    assert not name_lists("INSERT INTO songs (song_id, title, artist_id) VALUES (%s, %s, %s)")


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        render("{{no_such_rule(x)}}")


def test_postgres_statements_are_found_by_name_alone():
    assert "INSERT INTO public.time" in read_sql("insert_time")
    assert "timestamp_millis" in read_sql("songplays", "spark")
