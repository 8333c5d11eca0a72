"""The generator: real format, loadable with zero rejects, deterministic, realistic behaviour.

One month of 20,000 events is generated once per module and read by most tests; determinism
and the presets use smaller runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.errors import SparkifyError
from sparkify.generate import GenerateConfig, generate
from sparkify.postgres.load.pipeline import load
from tests.support.helpers import scalar

EVENTS = 20_000
SEED = 7


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    config = GenerateConfig.resolve(events=EVENTS, seed=SEED)
    result = generate(root, config)
    return root, config, result


def _log_files(root: Path) -> list[Path]:
    return sorted((root / "log_data").rglob("*.json"))


def _song_files(root: Path) -> list[Path]:
    return sorted((root / "song_data").rglob("*.json"))


def _events(root: Path) -> list[dict]:
    events = []
    for path in _log_files(root):
        events.extend(orjson.loads(line) for line in path.read_bytes().split(b"\n"))
    return events


def _songs(root: Path) -> list[dict]:
    return [orjson.loads(path.read_bytes()) for path in _song_files(root)]


def _type_sets(records: list[dict]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for key, value in record.items():
            types[key].add(type(value).__name__)
    return dict(types)


@pytest.fixture(scope="module")
def events(data) -> list[dict]:
    return _events(data[0])


@pytest.fixture(scope="module")
def sessions(events) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for event in events:
        grouped[event["sessionId"]].append(event)
    for session in grouped.values():
        session.sort(key=lambda e: e["ts"])
    return grouped


# -- format -----------------------------------------------------------------------------------


def test_json_type_of_every_field_matches_the_real_sample(data, events, sample_root):
    root = data[0]
    assert _type_sets(events) == _type_sets(_events(sample_root))
    assert _type_sets(_songs(root)) == _type_sets(_songs(sample_root))


def test_field_order_and_bytes_are_those_of_the_real_files(data, sample_root):
    root = data[0]
    real_log = _log_files(sample_root)[0].read_bytes().split(b"\n")[0]
    real_song = _song_files(sample_root)[0].read_bytes()
    log_keys = list(orjson.loads(real_log))
    song_keys = list(orjson.loads(real_song))
    for path in _song_files(root):
        raw = path.read_bytes()
        record = json.loads(raw)
        assert list(record) == song_keys
        assert raw == json.dumps(record).encode()  # ", " and ": " separators, \uXXXX escapes
    escaped_slash = non_ascii = 0
    for path in _log_files(root):
        raw = path.read_bytes()
        assert not raw.endswith(b"\n"), f"{path.name} ends with a newline; the real files do not"
        for line in raw.split(b"\n"):
            record = json.loads(line)
            assert list(record) == log_keys
            # compact, / escaped as \/, non-ASCII as \uXXXX: byte for byte the app's writer
            assert line == json.dumps(record, separators=(",", ":")).replace("/", "\\/").encode()
            escaped_slash += b"\\/" in line
            non_ascii += b"\\u00" in line
    assert escaped_slash and non_ascii


def test_layout_is_the_source_layout(data):
    root, config, result = data
    songs = _song_files(root)
    assert len(songs) == config.songs == result.song_files
    for path in songs:
        relative = path.relative_to(root / "song_data")
        assert re.fullmatch(r"A/[A-Z]/[A-Z]/TR[A-Z0-9]{16}\.json", str(relative)), relative
        assert path.stem[2:5] == "".join(relative.parts[:3])
    logs = _log_files(root)
    days = [date(2018, 11, d) for d in range(1, 31)]
    assert [p.relative_to(root) for p in logs] == [
        Path("log_data", f"{d:%Y}", f"{d:%m}", f"{d:%Y-%m-%d}-events.json") for d in days]
    for path, day in zip(logs, days, strict=True):
        stamps = [orjson.loads(line)["ts"] for line in path.read_bytes().split(b"\n")]
        assert stamps == sorted(stamps)
        assert {datetime.fromtimestamp(ts / 1000, UTC).date() for ts in stamps} == {day}


def test_values_look_like_the_real_ones(events, data, sample_root):
    real = _events(sample_root)
    real_pages = {e["page"]: (e["method"], e["status"]) for e in real}
    pages = {e["page"]: (e["method"], e["status"]) for e in events}
    assert pages == real_pages  # all 13 pages, each with the method and status of the real app
    for e in events:
        if e["auth"] == "Logged Out":
            assert e["userId"] == "" and e["firstName"] is None and e["registration"] is None
        else:
            assert e["userId"].isdigit() and e["gender"] in ("F", "M")
            assert re.fullmatch(r".+, [A-Z]{2}(-[A-Z]{2})*", e["location"]), e["location"]
            assert e["registration"] < e["ts"]
        assert (e["page"] == "NextSong") == (e["song"] is not None) == (e["length"] is not None)
        assert e["level"] in ("free", "paid")
    agents = {e["userAgent"] for e in events if e["userAgent"]}
    assert any(a.startswith('"') and a.endswith('"') for a in agents)
    assert any(not a.startswith('"') for a in agents)
    songs = _songs(data[0])
    assert any(s["year"] == 0 for s in songs) and any(s["year"] > 1900 for s in songs)
    assert any(s["artist_latitude"] is None for s in songs)
    assert any(s["artist_latitude"] is not None for s in songs)


# -- the loader takes it ----------------------------------------------------------------------


def test_loader_loads_everything_and_the_matched_share_is_the_match_rate(data, settings):
    root, config, result = data
    loaded = load(settings, root, notify=lambda message: None)
    assert loaded.rejected == 0
    assert loaded.events["read"] == result.events == config.events
    assert loaded.events["song_plays"] == result.song_plays
    assert loaded.songs["loaded"] == config.songs
    assert scalar(settings, "SELECT count(*) FROM songplays") == result.song_plays
    matched = scalar(settings, "SELECT count(*) FROM songplays WHERE song_id IS NOT NULL")
    assert matched == result.matched_plays
    assert abs(matched / result.song_plays - config.match_rate) < 0.02
    assert scalar(settings, "SELECT count(*) FROM artists") == result.artists


@pytest.mark.parametrize("rate", [0.0, 0.6])
def test_matched_plays_name_a_catalog_song_exactly(tmp_path, rate):
    result = generate(tmp_path, GenerateConfig.resolve(events=3_000, days=3, match_rate=rate))
    catalog = {(s["title"], s["artist_name"], s["duration"]) for s in _songs(tmp_path)}
    plays = [e for e in _events(tmp_path) if e["page"] == "NextSong"]
    matched = sum((e["song"], e["artist"], e["length"]) in catalog for e in plays)
    assert matched == result.matched_plays
    assert abs(matched / len(plays) - rate) < 0.04


# -- determinism ------------------------------------------------------------------------------


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.json"))}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    config = GenerateConfig.resolve(events=2_500, days=4, seed=11)
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    generate(tmp_path / "c", GenerateConfig.resolve(events=2_500, days=4, seed=12))
    a, b, c = (_digest(tmp_path / name) for name in "abc")
    assert a == b
    assert len(a) == 4 + config.songs
    assert set(a.values()).isdisjoint(c.values())


def test_writes_exactly_the_events_asked_for(tmp_path):
    for n in (1, 37, 4_001):
        result = generate(tmp_path / str(n), GenerateConfig.resolve(events=n, days=2))
        assert result.events == n == len(_events(tmp_path / str(n)))


# -- behaviour --------------------------------------------------------------------------------


def test_sessions_count_items_up_and_have_unique_keys(events, sessions):
    assert len({(e["sessionId"], e["itemInSession"], e["ts"]) for e in events}) == len(events)
    for session in sessions.values():
        assert [e["itemInSession"] for e in session] == list(range(len(session)))
        stamps = [e["ts"] for e in session]
        assert len(set(stamps)) == len(stamps)
        assert len({e["userId"] for e in session} - {""}) <= 1  # one user per session
    lengths = Counter(min(len(s), 10) for s in sessions.values())
    assert lengths[1] > lengths[10] / 10 and lengths[10] > 0  # short ones and a long tail


def test_login_redirects_then_the_user_is_logged_in(sessions):
    logins = 0
    for session in sessions.values():
        for before, after in pairwise(session):
            if before["page"] == "Login":
                logins += 1
                assert (before["status"], before["method"], before["auth"]) == (307, "PUT",
                                                                               "Logged Out")
                assert after["auth"] == "Logged In" and after["userId"]
            if after["auth"] == "Logged In" and before["auth"] == "Logged Out":
                assert before["page"] == "Login"
            if before["page"] == "Logout":
                assert before["status"] == 307 and after["auth"] == "Logged Out"
    assert logins > 50


def test_levels_follow_upgrades_and_downgrades(events, sessions):
    by_user: dict[str, list[dict]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e["ts"]):
        if e["userId"]:
            by_user[e["userId"]].append(e)
    changes = Counter()
    for history in by_user.values():
        for before, after in pairwise(history):
            if before["page"] == "Submit Upgrade":
                assert (before["level"], after["level"]) == ("free", "paid")
                changes["up"] += 1
            elif before["page"] == "Submit Downgrade":
                assert (before["level"], after["level"]) == ("paid", "free")
                changes["down"] += 1
            else:
                assert before["level"] == after["level"], (before, after)
    assert changes["up"] > 5 and changes["down"] > 0
    for session in sessions.values():  # logged-out pages of a session carry its level too
        for before, after in pairwise(session):
            if not before["page"].startswith("Submit"):
                assert before["level"] == after["level"]


def test_popularity_is_skewed(events):
    plays = [(e["song"], e["artist"]) for e in events if e["page"] == "NextSong"]
    for counts in (Counter(plays), Counter(artist for _, artist in plays)):
        ranked = sorted(counts.values(), reverse=True)
        top_tenth = sum(ranked[: max(1, len(ranked) // 10)])
        assert top_tenth / len(plays) > 0.3  # uniform would give 0.1
        assert ranked[0] >= 5 * ranked[len(ranked) // 2]


def test_activity_follows_a_daily_rhythm_and_pages_mix(events):
    hours = Counter(datetime.fromtimestamp(e["ts"] / 1000, UTC).hour for e in events)
    afternoon = sum(hours[h] for h in range(14, 19))
    night = sum(hours[h] for h in range(1, 6))
    assert afternoon > 2 * night
    pages = Counter(e["page"] for e in events)
    assert 0.7 < pages["NextSong"] / len(events) < 0.9
    for page in ("Home", "Settings", "Help", "About", "Error", "Upgrade", "Downgrade"):
        assert pages[page] > 0, page
    genders = Counter(e["gender"] for e in events if e["gender"])
    assert genders["F"] > 0 and genders["M"] > 0


# -- options ----------------------------------------------------------------------------------


def test_presets_and_defaults():
    assert GenerateConfig.resolve(scale=2) == GenerateConfig(
        events=16_112, days=30, users=194, songs=142)
    demo = GenerateConfig.resolve(demo=True)
    assert 20_000 <= demo.events <= 50_000 and demo.days == 30
    assert GenerateConfig.resolve(days=10).events == round(10 * 8_056 / 30)
    assert GenerateConfig.resolve(events=100, songs=5, users=3).songs == 5
    with pytest.raises(SparkifyError, match="choose one"):
        GenerateConfig.resolve(demo=True, scale=1)
    with pytest.raises(SparkifyError, match="match_rate"):
        GenerateConfig.resolve(match_rate=1.5)


def test_the_library_names_parameters_and_the_command_line_flags(tmp_path):
    with pytest.raises(SparkifyError) as library:
        GenerateConfig.resolve(start_date=date(2099, 1, 1), days=400, events=10)
    assert str(library.value) == "start_date plus days runs past 2099; use fewer days"
    generate(tmp_path, GenerateConfig.resolve(events=10, days=1))
    with pytest.raises(SparkifyError, match=r"pass force=True to replace") as held:
        generate(tmp_path, GenerateConfig.resolve(events=10, days=1))
    assert "--" not in str(held.value)
    runner = CliRunner()
    cli_past = runner.invoke(cli, ["generate", str(tmp_path / "x"), "--start-date",
                                   "2099-01-01", "--days", "400", "--events", "10"])
    assert cli_past.exit_code == 2 and cli_past.stdout == ""
    assert cli_past.stderr == ("sparkify: error: --start-date plus --days runs past 2099; "
                               "use fewer days\n")
    cli_presets = runner.invoke(cli, ["generate", str(tmp_path / "x"), "--demo", "--scale", "2"])
    assert "--demo and --scale are two presets" in cli_presets.stderr


def test_cli_shows_the_path_as_given_and_the_load_command_whole_however_long(tmp_path):
    # long, with a space, and what rich would read as markup (`[/]` alone raised an error)
    out = tmp_path / ("a-folder-deep-down-" * 5) / "my [bold]data[/] [2026]"
    result = CliRunner().invoke(cli, ["generate", str(out), "--events", "50", "--days", "1",
                                      "--songs", "3"])
    assert result.exit_code == 0, result.output
    assert f" songs to {out}/ in " in result.stdout.splitlines()[0]
    last = result.stdout.splitlines()[-1]  # rich wraps at 80 columns when not on a terminal
    assert last.startswith("load it with: ") and len(last) > 80, result.stdout
    assert shlex.split(last.removeprefix("load it with: ")) == ["sparkify", "load", str(out)]


def test_cli_writes_json_summary_and_refuses_to_mix_data_sets(tmp_path):
    runner = CliRunner()
    out = tmp_path / "data"
    args = ["generate", str(out), "--events", "500", "--days", "2", "--songs", "9",
            "--start-date", "2020-02-28", "--seed", "3", "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["events"] == 500 and summary["songs"] == 9
    assert sorted(p.name for p in (out / "log_data" / "2020" / "02").iterdir()) == [
        "2020-02-28-events.json", "2020-02-29-events.json"]
    again = runner.invoke(cli, args)
    assert again.exit_code == 2
    assert "--force" in again.stderr and again.stdout == ""
    forced = runner.invoke(cli, [*args, "--force", "--seed", "4"])
    assert forced.exit_code == 0
    assert len(_song_files(out)) == 9


def test_cli_says_when_too_few_users_make_most_events_logged_out_visits(tmp_path):
    runner = CliRunner()
    crowded = runner.invoke(cli, ["generate", str(tmp_path / "a"), "--events", "3000",
                                  "--users", "1", "--days", "1"])
    assert crowded.exit_code == 0 and "raise --users" in crowded.stdout
    normal = runner.invoke(cli, ["generate", str(tmp_path / "b"), "--events", "3000",
                                 "--days", "3"])
    assert normal.exit_code == 0 and "raise --users" not in normal.stdout
